"""The public bulletin board page: nothing before close, then every ballot, and a deputy's
receipt looked up."""

from __future__ import annotations

from tests.ballots.conftest import close, signed_voter


def test_board_page_after_close_finds_a_receipt(app, client, hall):
    poll_id = hall["poll_id"]
    voter = signed_voter(app, client, poll_id)
    r = client.post(f"/api/v1/polls/{poll_id}/ballots", json=voter.ballot(["c02", "c01"]))
    receipt = r.get_json()["receipt"]
    empty = signed_voter(app, client, poll_id, "d002")
    client.post(f"/api/v1/polls/{poll_id}/ballots", json=empty.ballot([]))

    before = client.get(f"/polls/{poll_id}/board")
    assert before.status_code == 409
    assert receipt not in before.get_data(as_text=True)

    close(app, poll_id)
    page = client.get(f"/polls/{poll_id}/board").get_data(as_text=True)
    assert "共 2 张选票" in page and receipt in page and "（未选任何项目）" in page

    found = client.get(f"/polls/{poll_id}/board?receipt={receipt.upper()}").get_data(as_text=True)
    assert 'id="receipt-found"' in found
    assert "民生项目01、民生项目02" in found  # the ballot's choices, by title, sorted by id
    missing = client.get(f"/polls/{poll_id}/board?receipt=00ff").get_data(as_text=True)
    assert 'id="receipt-missing"' in missing and "请立即告知监票人" in missing

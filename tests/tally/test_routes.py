"""The count pages, the public announcement, the signed-result API and the download."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from tests.helpers import app_db, login, user
from tests.polls import cast, poll_in_database, roster
from voting.ballots.models import Poll
from voting.crypto import result_signing
from voting.tally import services
from voting.tally.models import CountOfficials


@pytest.fixture
def closed_poll(app, poll_key, sitting):
    """A closed selection poll of 5 candidates for 2 seats: 10 deputies, all voted."""
    congress_id, session_id = sitting
    with app_db(app) as s:
        poll = poll_in_database(s, poll_key, session_id)
        roster(s, congress_id, session_id, 10, poll=poll)
        cast(s, poll_key, poll, [["c1", "c2"]] * 7 + [["c3"]] * 2 + [[]])
        return poll.id


def _tally_and_publish(app, poll_id, *, publish=True):
    with app_db(app) as s:
        services.tally_poll(s, user(s, "clerk"), poll_id, app.instance_path)
        if publish:
            services.publish_poll(s, user(s, "clerk"), poll_id)


def test_result_is_409_until_published(app, client, closed_poll):
    r = client.get(f"/api/v1/polls/{closed_poll}/result")
    assert r.status_code == 409 and r.get_json()["error"] == "not_published"
    _tally_and_publish(app, closed_poll, publish=False)
    assert client.get(f"/api/v1/polls/{closed_poll}/result").status_code == 409
    assert client.get(f"/results/{closed_poll}").status_code == 409
    assert client.get("/api/v1/polls/9999/result").status_code == 404


def test_published_result_verifies_with_a_listed_key(app, client, closed_poll):
    _tally_and_publish(app, closed_poll)
    doc = client.get(f"/api/v1/polls/{closed_poll}/result").get_json()
    for name in ("poll_id", "title", "eligible", "checked_in", "tokens_issued", "ballots_cast",
                 "valid_ballots", "seats", "threshold", "counts", "elected", "tied",
                 "key_fingerprint", "board_digest", "signing_key", "signature"):
        assert name in doc
    assert doc["counts"] == {"c1": 7, "c2": 7, "c3": 2, "c4": 0, "c5": 0}
    assert doc["elected"] == ["c1", "c2"]
    listed = client.get("/api/v1/keys").get_json()["result_signing_keys"]
    assert [k["key"] for k in listed] == [doc["signing_key"]]
    assert listed[0]["fingerprint"] == result_signing.fingerprint(doc["signing_key"])
    assert listed[0]["retired"] is None
    body = {k: v for k, v in doc.items() if k != "signature"}
    assert result_signing.verify(listed[0]["key"], body, doc["signature"])


def test_announcement_shows_counts_chart_and_threshold(app, client, closed_poll):
    _tally_and_publish(app, closed_poll)
    html = client.get(f"/results/{closed_poll}").get_data(as_text=True)
    assert "计票结果公告" in html
    assert 'data-stat="eligible">10<' in html and 'data-stat="valid_ballots">10<' in html
    assert html.count('class="bar-row') == 5  # every candidate in the chart
    assert 'data-candidate="c1"' in html and "当选" in html
    assert "至少 6 票" in html  # more than half of the 10 on the roster
    listing = client.get("/results/").get_data(as_text=True)
    assert f"/results/{closed_poll}" in listing
    english = client.get(f"/results/{closed_poll}?lang=en").get_data(as_text=True)
    assert "Announcement of the result" in english


def test_download_holds_the_public_documents_and_the_audit_log(app, client, closed_poll):
    _tally_and_publish(app, closed_poll)
    r = client.get(f"/results/{closed_poll}/public-documents.zip")
    assert r.status_code == 200 and r.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(r.data)) as z:
        assert sorted(z.namelist()) == ["audit.json", "ballots.json", "keys.json", "poll.json",
                                        "result.json"]
        board = json.loads(z.read("ballots.json"))
        result = json.loads(z.read("result.json"))
        audit = json.loads(z.read("audit.json"))
    assert audit == client.get("/api/v1/audit").get_json()
    assert result["audit_head"] in [e["hash"] for e in audit["entries"]]
    assert len(board["ballots"]) == 10
    assert [b["msg"] for b in board["ballots"]] == sorted(b["msg"] for b in board["ballots"])
    assert result == client.get(f"/api/v1/polls/{closed_poll}/result").get_json()


def test_secretariat_counts_publishes_through_the_page(app, client, make_user, closed_poll):
    make_user("sec", "secretariat")
    token = login(client, "sec")
    headers = {"X-CSRFToken": token}
    page = client.get(f"/tally/polls/{closed_poll}").get_data(as_text=True)
    assert "计票并签署结果" in page
    r = client.post(f"/tally/polls/{closed_poll}/officials", headers=headers,
                    data={"scrutineers": "张三\n李四", "tellers": "王五"})
    assert r.status_code == 302
    r = client.post(f"/tally/polls/{closed_poll}/tally", headers=headers)
    assert r.status_code == 302
    r = client.post(f"/tally/polls/{closed_poll}/publish", headers=headers)
    assert r.status_code == 302
    with app_db(app) as s:
        assert s.get(Poll, closed_poll).status == "published"
    html = client.get(f"/results/{closed_poll}").get_data(as_text=True)
    assert "张三、李四" in html and "王五" in html


def test_a_refused_count_says_why_and_changes_nothing(app, client, make_user, poll_key,
                                                      sitting):
    congress_id, session_id = sitting
    with app_db(app) as s:
        poll = poll_in_database(s, poll_key, session_id)
        roster(s, congress_id, session_id, 3, poll=poll, tokens=1)
        cast(s, poll_key, poll, [["c1"]] * 2)
        poll_id = poll.id
    make_user("sec", "secretariat")
    headers = {"X-CSRFToken": login(client, "sec")}
    r = client.post(f"/tally/polls/{poll_id}/tally", headers=headers)
    assert r.status_code == 409
    assert "只发出了 1 张" in r.get_data(as_text=True)
    with app_db(app) as s:
        assert s.get(Poll, poll_id).status == "closed"


def test_bad_official_names_are_refused_in_place(app, client, make_user, closed_poll):
    make_user("sec", "secretariat")
    headers = {"X-CSRFToken": login(client, "sec")}
    r = client.post(f"/tally/polls/{closed_poll}/officials", headers=headers,
                    data={"scrutineers": "张三\n张三", "tellers": ""})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "重复" in html and "张三\n张三" in html  # the input is kept
    with app_db(app) as s:
        assert s.get(CountOfficials, closed_poll) is None


@pytest.mark.parametrize("role", ["teller", "deputy", "unit"])
def test_only_the_secretariat_counts(app, client, make_user, closed_poll, role):
    make_user("someone", role)
    headers = {"X-CSRFToken": login(client, "someone")}
    for action in ("tally", "publish", "runoff", "officials"):
        assert client.post(f"/tally/polls/{closed_poll}/{action}",
                           headers=headers).status_code == 403
    assert client.get(f"/tally/polls/{closed_poll}").status_code == (200 if role == "teller"
                                                                      else 403)
    with app_db(app) as s:
        assert s.get(Poll, closed_poll).status == "closed"


def test_count_pages_need_sign_in(client, closed_poll):
    assert client.get(f"/tally/polls/{closed_poll}").status_code == 302
    assert client.get("/tally/").status_code == 302
    assert client.post(f"/tally/polls/{closed_poll}/tally").status_code in (302, 400)


def test_keys_page_lists_retired_keys(app, client, closed_poll):
    from voting.tally import keys

    _tally_and_publish(app, closed_poll)
    old = keys.current_key(app)
    keys.rotate(app)
    html = client.get("/results/keys").get_data(as_text=True)
    assert old.fingerprint in html and "使用中" in html
    listed = client.get("/api/v1/keys").get_json()["result_signing_keys"]
    assert [k["retired"] is None for k in listed] == [False, True]


def test_a_replacement_is_recorded_on_the_count_page_and_announced(app, client, make_user,
                                                                   poll_key, sitting,
                                                                   monkeypatch):
    """10 present, 10 tokens; deputy 003 lost their phone and voted on paper instead."""
    from voting.tally import services as tally_services

    congress_id, session_id = sitting
    with app_db(app) as s:
        poll = poll_in_database(s, poll_key, session_id)
        roster(s, congress_id, session_id, 10, poll=poll)
        cast(s, poll_key, poll, [["c1", "c2"]] * 9)
        poll_id = poll.id
    make_user("sec", "secretariat")
    headers = {"X-CSRFToken": login(client, "sec")}
    page = client.get(f"/tally/polls/{poll_id}").get_data(as_text=True)
    assert "补发纸质选票" in page and "登记补发" in page
    r = client.post(f"/tally/polls/{poll_id}/replacements", headers=headers,
                    data={"number": "003", "reason": ""})
    assert r.status_code == 422 and "请说明补发纸质选票的原因" in r.get_data(as_text=True)
    r = client.post(f"/tally/polls/{poll_id}/replacements", headers=headers,
                    data={"number": "077", "reason": "手机丢失"})
    assert r.status_code == 422 and "没有编号为 077 的代表" in r.get_data(as_text=True)
    r = client.post(f"/tally/polls/{poll_id}/replacements", headers=headers,
                    data={"number": "003", "reason": "手机丢失"})
    assert r.status_code == 302
    r = client.post(f"/tally/polls/{poll_id}/replacements", headers=headers,
                    data={"number": "003", "reason": "又丢了"})
    assert r.status_code == 409 and "已在本次票决中补发过" in r.get_data(as_text=True)
    page = client.get(f"/tally/polls/{poll_id}").get_data(as_text=True)
    assert "代表003（003）" in page
    # The reconciled paper record (one ballot, returned) stands in for the tellers' entries.
    monkeypatch.setattr(tally_services, "_paper",
                        lambda db, poll: tally_services.Paper(1, 1, [["c1"]]))
    assert client.post(f"/tally/polls/{poll_id}/tally", headers=headers).status_code == 302
    assert client.post(f"/tally/polls/{poll_id}/publish", headers=headers).status_code == 302
    html = client.get(f"/results/{poll_id}").get_data(as_text=True)
    assert "补发纸质选票" in html and "代表003（003）" in html
    assert "onclick" not in html and "<script>" not in html
    doc = client.get(f"/api/v1/polls/{poll_id}/result").get_json()
    assert doc["replacements"] == [{"number": "003", "name": "代表003"}]
    # After the count no replacement can be recorded.
    r = client.post(f"/tally/polls/{poll_id}/replacements", headers=headers,
                    data={"number": "004", "reason": "手机丢失"})
    assert r.status_code == 409


def test_the_runoff_button_makes_a_draft_opened_through_the_fingerprint_step(
        app, client, make_user, poll_key, sitting):
    congress_id, session_id = sitting
    with app_db(app) as s:
        poll = poll_in_database(s, poll_key, session_id, threshold_base="cast")
        roster(s, congress_id, session_id, 10, poll=poll)
        cast(s, poll_key, poll, [["c1", "c2"]] * 3 + [["c1", "c3"]] * 3 + [["c2", "c3"]] * 2)
        services.tally_poll(s, user(s, "clerk"), poll.id, app.instance_path)
        poll_id = poll.id
    make_user("sec", "secretariat")
    headers = {"X-CSRFToken": login(client, "sec")}
    r = client.post(f"/tally/polls/{poll_id}/runoff", headers=headers)
    assert r.status_code == 302
    with app_db(app) as s:
        runoff = services.runoffs_of(s, poll_id)[0]
        assert runoff.status == "draft"
        runoff_id, fingerprint = runoff.id, runoff.key_fingerprint
    assert r.headers["Location"].endswith(f"/polls/manage/{runoff_id}")
    page = client.get(f"/polls/manage/{runoff_id}").get_data(as_text=True)
    assert f'data-fingerprint="{fingerprint}"' in page and "宣读" in page
    # Without ticking "the fingerprint has been read out" it stays a draft.
    assert client.post(f"/polls/manage/{runoff_id}/open", headers=headers,
                       data={}).status_code == 422
    with app_db(app) as s:
        assert s.get(Poll, runoff_id).status == "draft"
    r = client.post(f"/polls/manage/{runoff_id}/open", headers=headers, data={"confirm": "y"})
    assert r.status_code == 302
    with app_db(app) as s:
        assert s.get(Poll, runoff_id).status == "open"

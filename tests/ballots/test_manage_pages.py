"""The secretariat's poll pages: create on the year's candidates, read out the fingerprint,
open only with a quorum, no running count while open, close."""

from __future__ import annotations

import re

from tests.helpers import HASH, app_db, csrf_of, login
from tests.polls import add_candidates, signed_voter
from voting.ballots import services
from voting.ballots.models import Poll
from voting.pool.models import Project
from voting.sessions import roster


def _signed_in(app):
    client = app.test_client()
    login(client, "clerk")
    return client


def test_new_poll_page_ticks_every_candidate_in_order(app, sitting):
    _, session_id = sitting
    with app_db(app) as s:
        projects = add_candidates(s)
        s.add(Project(title="往年项目", year=2022, stage="candidate"))
        s.add(Project(title="备选项目", year=2023, stage="alternative"))
    client = _signed_in(app)
    html = client.get(f"/polls/manage/sessions/{session_id}/new").get_data(as_text=True)
    assert "新建票决" in html
    ticked = re.findall(r'<input checked[^>]*name="projects"[^>]*value="(\d+)"', html) or \
        re.findall(r'<input[^>]*name="projects"[^>]*value="(\d+)"[^>]*checked', html)
    assert [int(i) for i in ticked] == [p.id for p in projects]
    assert "往年项目" not in html and "备选项目" not in html
    assert "全体代表" in html  # the threshold base explained


def test_create_poll_from_the_page(app, sitting):
    _, session_id = sitting
    with app_db(app) as s:
        projects = add_candidates(s)
    client = _signed_in(app)
    page = client.get(f"/polls/manage/sessions/{session_id}/new").get_data(as_text=True)
    chosen = [p.id for p in projects[:12]]
    r = client.post(f"/polls/manage/sessions/{session_id}/new", data={
        "csrf_token": csrf_of(page), "title": "2023年民生实事项目票决", "kind": "selection",
        "seats": "10", "max_choices": "10", "threshold_base": "present",
        "projects": [str(i) for i in reversed(chosen)]})
    assert r.status_code == 302
    with app_db(app) as s:
        (poll,) = services.polls_of_session(s, session_id)
        assert [c.project_id for c in poll.candidates] == chosen  # pool order kept
        assert (poll.threshold_base, poll.status) == ("present", "draft")
        fingerprint = poll.key_fingerprint
    html = client.get(r.headers["Location"]).get_data(as_text=True)
    assert f'data-fingerprint="{fingerprint}"' in html
    assert fingerprint[:4] in html and "密钥指纹" in html


def test_bad_rules_keep_what_was_typed(app, sitting):
    _, session_id = sitting
    with app_db(app) as s:
        projects = add_candidates(s, n=3)
    client = _signed_in(app)
    page = client.get(f"/polls/manage/sessions/{session_id}/new").get_data(as_text=True)
    r = client.post(f"/polls/manage/sessions/{session_id}/new", data={
        "csrf_token": csrf_of(page), "title": "我的票决", "kind": "selection", "seats": "5",
        "max_choices": "5", "threshold_base": "roster",
        "projects": [str(p.id) for p in projects]})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "我的票决" in html and 'aria-invalid="true"' in html
    with app_db(app) as s:
        assert services.polls_of_session(s, session_id) == []


def test_open_refused_without_quorum_with_a_clear_message(app, sitting):
    congress_id, session_id = sitting
    with app_db(app) as s:
        roster.add_deputy(s, "cli", hash_method=HASH, congress_id=congress_id, name="代表1", number="001",
                          delegation=None)
        projects = add_candidates(s)
        poll = services.create_poll(s, "cli", session_id=session_id, title="票决",
                                    candidate_project_ids=[p.id for p in projects],
                                    key_bits=2048)
    client = _signed_in(app)
    page = client.get(f"/polls/manage/{poll.id}").get_data(as_text=True)
    assert "法定人数" in page
    r = client.post(f"/polls/manage/{poll.id}/open",
                    data={"csrf_token": csrf_of(page), "confirm": "y"})
    assert r.status_code == 422
    assert "不足法定人数" in r.get_data(as_text=True)
    with app_db(app) as s:
        assert s.get(Poll, poll.id).status == "draft"


def test_open_needs_the_confirmation_box(app, hall):
    with app_db(app) as s:
        ids = [c.project_id for c in s.get(Poll, hall["poll_id"]).candidates]
        draft = services.create_poll(s, "cli", session_id=hall["session_id"], title="第二轮",
                                     candidate_project_ids=ids, key_bits=2048)
    client = _signed_in(app)
    page = client.get(f"/polls/manage/{draft.id}").get_data(as_text=True)
    r = client.post(f"/polls/manage/{draft.id}/open", data={"csrf_token": csrf_of(page)})
    assert r.status_code == 422
    with app_db(app) as s:
        assert s.get(Poll, draft.id).status == "draft"
    r = client.post(f"/polls/manage/{draft.id}/open",
                    data={"csrf_token": csrf_of(page), "confirm": "y"})
    assert r.status_code == 302
    with app_db(app) as s:
        assert s.get(Poll, draft.id).status == "open"


def test_no_running_count_while_open_then_close(app, hall):
    voter = signed_voter(app, app.test_client(), hall["poll_id"])
    app.test_client().post(f"/api/v1/polls/{hall['poll_id']}/ballots",
                           json=voter.ballot(["c01"]))
    client = _signed_in(app)
    page = client.get(f"/polls/manage/{hall['poll_id']}").get_data(as_text=True)
    assert 'data-stat="tokens">1<' in page
    assert 'data-stat="ballots"' not in page
    r = client.post(f"/polls/manage/{hall['poll_id']}/close",
                    data={"csrf_token": csrf_of(page), "confirm": "y"})
    assert r.status_code == 302
    page = client.get(f"/polls/manage/{hall['poll_id']}").get_data(as_text=True)
    assert 'data-stat="ballots">1<' in page


def test_pages_are_for_staff(app, hall, client):
    login(client, "d001", "correct-horse")
    assert client.get(f"/polls/manage/{hall['poll_id']}").status_code == 403
    assert client.get(f"/polls/manage/sessions/{hall['session_id']}").status_code == 403


def test_session_poll_list_in_english(app, hall):
    client = _signed_in(app)
    html = client.get(f"/polls/manage/sessions/{hall['session_id']}?lang=en").get_data(
        as_text=True)
    assert "2023年民生实事项目票决" in html and "New poll" in html


def test_a_stale_open_or_close_form_says_the_poll_moved_on(app, hall):
    """Found by tests/test_form_fuzz.py: the box left unticked on a page loaded before another
    clerk closed the poll answered 422 with no word (the form and its error are not shown for
    a closed poll)."""
    client = _signed_in(app)
    page = client.get(f"/polls/manage/{hall['poll_id']}").get_data(as_text=True)
    with app_db(app) as s:
        services.close_poll(s, "cli", hall["poll_id"])
    for action, message in (("close", "只有正在投票的票决才能结束。"), ("open", "只有草稿状态的票决才能开始投票。")):
        r = client.post(f"/polls/manage/{hall['poll_id']}/{action}",
                        data={"csrf_token": csrf_of(page)})
        html = r.get_data(as_text=True)
        assert r.status_code == 422 and 'class="flash flash-error"' in html and message in html
        with app_db(app) as s:
            assert s.get(Poll, hall["poll_id"]).status == "closed"

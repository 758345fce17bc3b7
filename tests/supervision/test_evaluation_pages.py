"""The secretariat opens a year-end evaluation from a session's poll pages: over every selected
project of the chosen year; refused (with the form kept) when nothing is selected or the same
evaluation exists; only the secretariat."""

from __future__ import annotations

from tests.helpers import app_db, csrf_of, login
from tests.supervision.evaluating import hall_of_four, selected_with_runoff
from voting.audit.models import AuditEntry
from voting.ballots.models import Poll


def page_of(session_id, year=None):
    return f"/polls/manage/sessions/{session_id}/evaluation" + (f"?year={year}" if year else "")


def create(client, session_id, **data):
    html = client.get(page_of(session_id)).get_data(as_text=True)
    return client.post(page_of(session_id), data={"csrf_token": csrf_of(html),
                                                  "threshold_base": "roster", **data})


def test_creates_a_draft_over_the_years_selected_projects(app, sitting):
    year = selected_with_runoff(app, sitting)
    client = app.test_client()
    login(client, "clerk")
    session_page = client.get(f"/polls/manage/sessions/{year['session_id']}")
    assert "新建年终满意度测评" in session_page.get_data(as_text=True)
    html = client.get(page_of(year["session_id"])).get_data(as_text=True)
    assert "老旧小区改造" in html and "中小学校建设" in html and "社区养老服务" not in html
    assert 'value="2023年民生实事项目满意度测评"' in html
    r = create(client, year["session_id"], year="2023", title="2023年度满意度测评")
    assert r.status_code == 302
    with app_db(app) as s:
        poll = s.query(Poll).filter_by(kind="evaluation").one()
        assert poll.status == "draft" and poll.title == "2023年度满意度测评"
        assert [c.project_id for c in poll.candidates] == year["projects"][:3]
        entry = s.query(AuditEntry).filter_by(action="evaluation.create").one()
        assert entry.details["year"] == 2023 and entry.details["source_poll_id"] is None
    assert r.headers["Location"].endswith(f"/polls/manage/{poll.id}")
    manage = client.get(f"/polls/manage/{poll.id}").get_data(as_text=True)
    assert "年终满意度测评" in manage and "None" not in manage
    again = create(client, year["session_id"], year="2023", title="再测一次")
    assert again.status_code == 422
    body = again.get_data(as_text=True)
    assert f"已有对这些项目的测评（投票 {poll.id}）" in body and 'value="再测一次"' in body
    with app_db(app) as s:
        assert s.query(Poll).filter_by(kind="evaluation").count() == 1


def test_without_selected_projects_nothing_is_offered_or_created(app, sitting):
    arranged = hall_of_four(app, sitting)
    client = app.test_client()
    login(client, "clerk")
    html = client.get(page_of(arranged["session_id"])).get_data(as_text=True)
    assert "尚无入选项目" in html
    r = create(client, arranged["session_id"], year="2023", title="测评")
    assert r.status_code == 422
    with app_db(app) as s:
        assert s.query(Poll).filter_by(kind="evaluation").count() == 0


def test_only_the_secretariat(app, sitting):
    year = selected_with_runoff(app, sitting)
    for username in ("t1", "u3", "d001"):
        client = app.test_client()
        login(client, username)
        assert client.get(page_of(year["session_id"])).status_code == 403
    assert app.test_client().get(page_of(year["session_id"])).status_code in (302, 401)


def test_closed_counted_and_published_on_the_pages_like_a_selection(app, sitting):
    from tests.supervision.evaluating import DEPUTIES, MARKS, vote
    from voting.supervision.models import Rectification

    year = selected_with_runoff(app, sitting)
    out = app.test_cli_runner().invoke(args=["poll", "evaluate", str(year["selection"])])
    poll_id = int(out.output.split()[-1])
    for username, marks in zip(DEPUTIES, MARKS):
        vote(app, poll_id, username, marks)
    client = app.test_client()
    login(client, "clerk")
    manage = client.get(f"/polls/manage/{poll_id}").get_data(as_text=True)
    r = client.post(f"/polls/manage/{poll_id}/close",
                    data={"csrf_token": csrf_of(manage), "confirm": "y"})
    assert r.status_code == 302
    count_page = client.get(f"/tally/polls/{poll_id}")
    assert count_page.status_code == 200
    token = csrf_of(count_page.get_data(as_text=True))
    assert client.post(f"/tally/polls/{poll_id}/tally",
                       data={"csrf_token": token}).status_code == 302
    counted = client.get(f"/tally/polls/{poll_id}").get_data(as_text=True)
    assert "72.73" in counted and "不满意" in counted
    assert client.post(f"/tally/polls/{poll_id}/publish",
                       data={"csrf_token": token}).status_code == 302
    with app_db(app) as s:
        assert s.get(Poll, poll_id).status == "published"
        assert s.query(Rectification).count() == 1
    board = app.test_client().get(f"/polls/{poll_id}/board").get_data(as_text=True)
    assert "老旧小区改造：满意" in board and "中小学校建设：不满意" in board


def test_a_year_whose_selection_still_leaves_a_seat_is_refused(app, sitting):
    from tests.supervision.evaluating import selection_tied

    year = selection_tied(app, sitting)
    client = app.test_client()
    login(client, "clerk")
    warning = f"投票 {year['selection']} 尚有 1 个名额待定"
    html = client.get(page_of(year["session_id"])).get_data(as_text=True)
    assert warning in html and f'href="/polls/manage/{year["selection"]}"' in html
    r = create(client, year["session_id"], year="2023", title="2023年度满意度测评")
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    assert "请先发起再次投票" in body and 'value="2023年度满意度测评"' in body
    with app_db(app) as s:
        assert s.query(Poll).filter_by(kind="evaluation").count() == 0

"""A project on the ballot of a poll whose result is not yet published keeps its stage: a
screening round moved a runoff's candidate back out of the candidates, and the funnel then
read 14 candidates though 15 were voted on. And a backward move says so on its confirmation."""

import pytest
from sqlalchemy import func, select

from tests.helpers import app_db, csrf_of, user
from tests.pool.helpers import screen
from tests.polls import poll_in_database
from voting.ballots.models import Poll, PollCandidate
from voting.errors import Conflict
from voting.pool import rounds
from voting.pool.models import Project, ScreeningRound
from voting.sessions import congresses

FORM = {"body": "领导小组办公室", "decided_on": "2024-01-08", "rationale": "更正"}


def _candidates(app, pool_2024):
    """pool_2024 screened to three candidates (项目1..3) and two alternatives (项目4, 5)."""
    with app_db(app) as s:
        screen(s, pool_2024[:5])
        screen(s, pool_2024[:3], stage="alternative")


def _ballot(app, project_ids, status="open", title="复选投票") -> int:
    """A poll (as a runoff would be) with these projects on its ballot."""
    with app_db(app) as s:
        actor = user(s, "clerk")
        congress = congresses.create_congress(s, actor, name=f"人大{title}", term=16)
        sitting = congresses.create_session(s, actor, congress_id=congress.id, name="第二次会议",
                                            year=2024)
        poll = poll_in_database(s, None, sitting.id, candidates=0, seats=1, max_choices=1,
                                status=status, title=title)
        for i, pid in enumerate(project_ids, 1):
            s.add(PollCandidate(poll_id=poll.id, candidate_id=f"c{i:02d}", project_id=pid,
                                title=s.get(Project, pid).title, position=i))
        return poll.id


@pytest.mark.parametrize("status", ["draft", "open", "closed", "tallied"])
def test_a_candidate_on_an_unpublished_poll_cannot_move_back(app, pool_2024, status):
    _candidates(app, pool_2024)
    _ballot(app, pool_2024[:2], status=status)
    with app_db(app) as s:
        with pytest.raises(Conflict) as exc:
            screen(s, [pool_2024[1]], stage="candidate", direction="reverse")
        message = str(exc.value.message)
        assert exc.value.code == "on_ballot" and exc.value.field == "project_ids"
        assert "“项目2”" in message and "复选投票" in message and "尚未公布" in message
    with app_db(app) as s:
        assert s.get(Project, pool_2024[1]).stage == "candidate"
        assert s.scalar(select(func.count(ScreeningRound.id))) == 2
        # A candidate on no ballot may still be corrected.
        screen(s, [pool_2024[2]], stage="candidate", direction="reverse")
        assert s.get(Project, pool_2024[2]).stage == "alternative"


def test_a_project_on_an_unpublished_ballot_cannot_move_forward_either(app, pool_2024):
    with app_db(app) as s:
        screen(s, pool_2024[:2])
    _ballot(app, [pool_2024[0]], status="draft")  # e.g. an alternative put on a ballot by hand
    with app_db(app) as s:
        with pytest.raises(Conflict):
            screen(s, pool_2024[:2], stage="alternative")
        assert s.get(Project, pool_2024[1]).stage == "alternative"


def test_once_published_the_stage_can_change_again(app, pool_2024):
    _candidates(app, pool_2024)
    poll_id = _ballot(app, pool_2024[:2], status="tallied")
    with app_db(app) as s:
        s.get(Poll, poll_id).status = "published"
    with app_db(app) as s:
        screen(s, [pool_2024[1]], stage="candidate", direction="reverse")
        assert s.get(Project, pool_2024[1]).stage == "alternative"


def test_on_unpublished_polls_names_the_poll(app, pool_2024):
    _candidates(app, pool_2024)
    poll_id = _ballot(app, pool_2024[:2])
    with app_db(app) as s:
        found = rounds.on_unpublished_polls(s, pool_2024)
        assert {k: v.id for k, v in found.items()} == {pool_2024[0]: poll_id,
                                                       pool_2024[1]: poll_id}


def test_the_round_form_marks_and_refuses_projects_on_a_ballot(app, client, secretariat,
                                                               pool_2024):
    _candidates(app, pool_2024)
    poll_id = _ballot(app, pool_2024[:2])
    url = "/pool/manage/rounds/new?year=2024&move=reverse:candidate"
    page = client.get(url).get_data(as_text=True)
    assert page.count(f'data-on-ballot="{poll_id}"') == 2
    assert page.count("disabled aria-describedby=\"on-ballot-") == 2
    assert "已列入投票“复选投票”的选票" in page and "<script>" not in page
    # A forged post of a disabled box is refused before the confirmation page...
    form = {"csrf_token": csrf_of(page), **FORM, "project_id": [pool_2024[1]]}
    r = client.post(url, data=form)
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "不能改变阶段" in html and "确认退回" not in html
    # ...and on confirmation alike.
    r = client.post(url, data={**form, "confirmed": "yes"})
    assert r.status_code == 422 and "不能改变阶段" in r.get_data(as_text=True)
    with app_db(app) as s:
        assert s.get(Project, pool_2024[1]).stage == "candidate"
        assert s.scalar(select(func.count(ScreeningRound.id))) == 2
    funnel = client.get("/pool/?year=2024").get_data(as_text=True)
    assert 'data-count="candidate">3<' in funnel


def test_a_backward_move_is_labelled_on_its_confirmation_page(app, client, secretariat,
                                                              pool_2024):
    _candidates(app, pool_2024)
    url = "/pool/manage/rounds/new?year=2024&move=reverse:candidate"
    page = client.get(url).get_data(as_text=True)
    r = client.post(url, data={"csrf_token": csrf_of(page), **FORM,
                               "project_id": [pool_2024[2]]})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "data-backward" in html
    assert "确认退回" in html and "逆向调整" in html and "退回（1）" in html
    assert "记录此次退回" in html
    forward = "/pool/manage/rounds/new?year=2024&move=forward:pool"
    page = client.get(forward).get_data(as_text=True)
    html = client.post(forward, data={"csrf_token": csrf_of(page), **FORM,
                                      "project_id": [pool_2024[5]]}).get_data(as_text=True)
    assert "data-backward" not in html and "确认筛选轮次" in html

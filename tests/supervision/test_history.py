"""The seed years loaded as their own years (voting.supervision.history): the figures the seed
documents published, read back through the same progress rules every page uses."""

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal as D

from sqlalchemy import func, select

from tests.helpers import app_db, user
from tests.polls import add_candidates, poll_in_database
from voting.pool import rounds
from voting.pool import projects
from voting.pool.models import Project, ScreeningRound
from voting.sessions.models import Congress, CongressSession
from voting.supervision import history, progress
from voting.supervision.models import ProgressReport

TODAY = date(2026, 1, 15)


def _load(app):
    with app_db(app) as s:
        history.load_history(s, user(s, "clerk"))


def _year(s, year):
    return progress.projects_progress(s, progress.year_projects(s, year), today=TODAY)


def test_2022_results_read_as_the_seed_published_them(app, clerk):
    _load(app)
    with app_db(app) as s:
        rows = _year(s, 2022)
        assert len(rows) == 10
        green = next(r for r in rows if r.project.title == "绿化景观项目")
        assert [str(t.state.completion) for t in green.targets[:3]] == ["100.73", "972.66",
                                                                        "176.84"]
        assert green.status == "exceeded" and green.year_over
        assert all(t.target.value is None for t in green.targets)  # the seed gives no annual value
        assert green.latest.source == "seed" and green.latest.period == "2022"
        assert green.latest.delivery == "in_use" and green.latest.due is None
        statuses = sorted(r.status for r in rows)
        assert statuses.count("exceeded") == 4 and statuses.count("completed") == 6


def test_2021_midyear_counts_by_delivery_and_stays_in_progress(app, clerk):
    _load(app)
    with app_db(app) as s:
        rows = _year(s, 2021)
        assert [r.latest.period for r in rows] == ["2021-H1"] * 10
        delivery = [r.latest.delivery for r in rows]
        assert (delivery.count("in_use"), delivery.count("partly_in_use"),
                delivery.count("under_way")) == (1, 6, 3)
        assert not any(r.year_over for r in rows) and all(r.elapsed == 50 for r in rows)
        beds = next(r for r in rows if r.project.title == "优化养老服务")
        # a stated target with the figure reported against it: 2163 of 2000 beds
        assert beds.targets[0].target.value == D("2000")
        assert beds.targets[0].state.completion == D("108.15")
        session = s.scalar(select(CongressSession).join(Congress)
                           .where(Congress.name == "哈尔滨市第十五届人民代表大会"))
        assert (session.name, session.year, session.congress.term) == ("第六次会议", 2021, 15)


def test_every_past_year_is_selected_through_recorded_rounds(app, clerk):
    _load(app)
    with app_db(app) as s:
        counts = {y: len(progress.year_projects(s, y)) for y in (2019, 2021, 2022, 2024, 2025)}
        assert counts == {2019: 10, 2021: 10, 2022: 10, 2024: 20, 2025: 18}
        for year in counts:
            for p in progress.year_projects(s, year):
                steps = projects.stage_history(s, p.id)
                assert [r.to_stage for r, _ in steps] == ["alternative", "candidate", "selected"]
        last = s.scalars(select(ScreeningRound).where(ScreeningRound.year == 2021)
                         .order_by(ScreeningRound.id)).all()[-1]
        assert last.body.startswith("市十五届人大六次会议") and "历史数据载入" in last.rationale
        plan = s.scalars(select(ScreeningRound).where(ScreeningRound.year == 2025)
                         .order_by(ScreeningRound.id)).all()[-1]
        assert plan.decided_on == date(2025, 4, 11)  # the day the work plan was issued
        # plans carry targets but no figures: no report, no status
        assert s.scalar(select(func.count(ProgressReport.id)).join(Project)
                        .where(Project.year.in_((2024, 2025)))) == 0
        pf = _year(s, 2019)
        assert {r.status for r in pf} == {"completed"}
        # the figures are the document's: named by its title and publisher, not a unit
        assert pf[0].latest.submitted_by == "《民生优先 31件惠民实事全部兑现》（黑龙江在线）"


def test_loading_again_changes_nothing(app, clerk):
    _load(app)
    with app_db(app) as s:
        before = (s.scalar(select(func.count(Project.id))),
                  s.scalar(select(func.count(ProgressReport.id))),
                  s.scalar(select(func.count(ScreeningRound.id))),
                  s.scalar(select(func.count(CongressSession.id))))
    _load(app)
    with app_db(app) as s:
        assert (s.scalar(select(func.count(Project.id))),
                s.scalar(select(func.count(ProgressReport.id))),
                s.scalar(select(func.count(ScreeningRound.id))),
                s.scalar(select(func.count(CongressSession.id)))) == before
        assert before[:3] == (68, 30, 15)


def test_seed_reports_are_dated_by_the_source_or_keep_their_load_time(app, clerk):
    before = datetime.now(timezone.utc) - timedelta(minutes=1)
    _load(app)
    with app_db(app) as s:
        by_year = {y: _year(s, y)[0].latest for y in (2019, 2021, 2022)}
        # seed 002 is dated 2020-01-04: that day, local (Harbin) midnight
        assert by_year[2019].submitted_at == datetime(2020, 1, 3, 16, tzinfo=timezone.utc)
        assert progress.local_date(by_year[2019].submitted_at, "Asia/Shanghai") == date(2020, 1, 4)
        # seeds 004 and 000 give no date: no invented date, the load time stays
        assert by_year[2021].submitted_at >= before and by_year[2022].submitted_at >= before
        # every seed report names its source document, within the column's 80 characters
        assert by_year[2021].submitted_by == "《2021年民生项目亮出“期中考”成绩单》"
        assert by_year[2022].submitted_by.startswith("《选票连着民意") and \
            by_year[2022].submitted_by.endswith("》") and len(by_year[2022].submitted_by) <= 80


def test_year_origin_says_who_decided_and_whether_deputies_voted(app, clerk):
    _load(app)
    with app_db(app) as s:
        got = {y: history.year_origin(s, y) for y in (2019, 2021, 2022, 2024, 2025)}
        assert {y: o["voted"] for y, o in got.items()} == {
            2019: False, 2021: True, 2022: True, 2024: False, 2025: False}
        assert {y: o["scope"] for y, o in got.items()} == {
            2019: "平房区", 2021: "哈尔滨市", 2022: "哈尔滨市", 2024: "黑龙江省", 2025: "哈尔滨市"}
        assert got[2021]["session"] == "市十五届人大六次会议"
        assert got[2022]["session"] is None  # seed 000 names no session for 2022
        assert got[2024]["decided_by"].startswith("黑龙江省人民政府办公厅")
        assert got[2025]["decided_by"].startswith("哈尔滨市人民政府办公厅")
        assert got[2019]["source_title"] == "民生优先 31件惠民实事全部兑现"
        for year in (2019, 2024, 2025):
            assert "非人大代表票决" in got[year]["decided_by"]
        # a year without selected projects has no origin to tell
        assert history.year_origin(s, 2020) is None


def test_the_data_themselves_say_who_decided(app, clerk):
    """The rounds and the projects' source carry the deciding body, not only year_origin."""
    _load(app)
    with app_db(app) as s:
        def final(year):
            return s.scalars(select(ScreeningRound).where(ScreeningRound.year == year)
                             .order_by(ScreeningRound.id)).all()[-1]

        for year, scope in ((2019, "平房区"), (2024, "黑龙江省"), (2025, "哈尔滨市")):
            r = final(year)
            assert "非人大代表票决" in r.body and "不是人大代表票决的项目" in r.rationale
            source = progress.year_projects(s, year)[0].source
            assert source.startswith(f"{scope} {year}（") and "非人大代表票决" in source
        assert "由市十五届人大六次会议人大代表投票确定" in final(2021).rationale
        assert progress.year_projects(s, 2021)[0].source.startswith(
            "哈尔滨市 2021（市十五届人大六次会议人大代表投票表决）：")


def test_a_year_selected_by_a_published_poll_is_voted_by_its_session(app, clerk):
    with app_db(app) as s:
        actor = user(s, "clerk")
        session = history.ensure_congress_session(s, actor, "某市第一届人民代表大会", 1,
                                                  "第一次会议", 2030)
        chosen = add_candidates(s, year=2030, n=3)
        poll = poll_in_database(s, None, session.id, candidates=3, seats=2, status="published")
        for c, p in zip(poll.candidates, chosen):
            c.project_id = p.id
        rounds.select_by_vote(s, actor, year=2030, project_ids=[chosen[0].id, chosen[1].id],
                              body=session.title, decided_on=date(2025, 1, 1), rationale="票决")
    with app_db(app) as s:
        got = history.year_origin(s, 2030)
        assert got["voted"] is True and got["session"] == "某市第一届人民代表大会第一次会议"
        assert got["decided_by"] == "某市第一届人民代表大会第一次会议"


def test_a_year_selected_by_a_round_without_a_poll_is_not_voted(app, clerk):
    with app_db(app) as s:
        actor = user(s, "clerk")
        chosen = add_candidates(s, year=2031, n=2)
        rounds.select_by_vote(s, actor, year=2031, project_ids=[chosen[0].id],
                              body="某区人民政府常务会议", decided_on=None, rationale="区政府确定")
    with app_db(app) as s:
        got = history.year_origin(s, 2031)
        assert got["voted"] is False and got["decided_by"] == "某区人民政府常务会议"

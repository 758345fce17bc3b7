"""The seed years loaded as their own years (voting.supervision.history): the figures the seed
documents published, read back through the same progress rules every page uses."""

from datetime import date
from decimal import Decimal as D

from sqlalchemy import func, select

from tests.helpers import app_db, user
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
        assert pf[0].latest.submitted_by == "黑龙江在线"


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

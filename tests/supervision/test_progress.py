"""A project's figures from its rows (voting.supervision.progress.build), without a database."""

from datetime import date, datetime, timezone
from decimal import Decimal as D

from voting.pool.models import Project, ProjectTarget
from voting.supervision import progress
from voting.supervision.models import ProgressReport, ReportingSchedule, ReportValue

SCHEDULE = ReportingSchedule(year=2025, frequency="quarterly", due_day=25,
                             final_deadline=date(2025, 12, 31), set_by="s")


def _project():
    p = Project(id=1, title="城区排污", year=2025, stage="selected")
    p.targets = [ProjectTarget(id=11, position=1, metric="新建改造排水管线", unit="公里", value=D("60")),
                 ProjectTarget(id=12, position=2, metric="新增公园（游园）", unit="个", value=None)]
    return p


def _report(period, version, values, *, late=False, delivery=None):
    r = ProgressReport(project_id=1, period=period, version=version, submitted_by="u",
                       submitted_at=datetime(2025, 4, 1, tzinfo=timezone.utc), late=late,
                       narrative=f"{period} v{version}", delivery=delivery, source="form")
    r.values = [ReportValue(target_id=t, achieved=a, entered=a, entered_unit="公里") for t, a in values.items()]
    return r


def test_no_report_no_status_but_overdue_once_due():
    got = progress.build(_project(), SCHEDULE, [], today=date(2025, 3, 25))
    assert got.status is None and got.completion is None and got.overdue == []
    got = progress.build(_project(), SCHEDULE, [], today=date(2025, 3, 27))
    assert [(o.period.key, o.days) for o in got.overdue] == [("2025-Q1", 2)]


def test_a_correction_is_the_current_report_and_the_first_version_stays():
    reports = [_report("2025-Q1", 1, {11: "20"}), _report("2025-Q1", 2, {11: "15"}, late=True)]
    got = progress.build(_project(), SCHEDULE, reports, today=date(2025, 4, 2))
    assert [r.version for r in got.reports] == [1, 2]
    assert got.current["2025-Q1"].version == 2
    assert got.targets[0].state.completion == D("25.00")
    assert got.late_reports == [reports[1]]
    assert got.status == "in_progress"  # 25 % done, 25 % of the periods elapsed


def test_behind_then_year_over():
    reports = [_report("2025-Q1", 1, {11: "10"}), _report("2025-Q2", 1, {11: "20"})]
    got = progress.build(_project(), SCHEDULE, reports, today=date(2025, 7, 1))
    assert got.elapsed == D("50.00") and got.completion == D("33.33") and got.status == "behind"
    assert [h[0] for h in got.targets[0].history] == ["2025-Q1", "2025-Q2"]
    got = progress.build(_project(), SCHEDULE, reports, today=date(2026, 1, 5))
    assert got.year_over and got.status == "behind"
    assert [o.period.key for o in got.overdue] == ["2025-Q3", "2025-Q4"]
    done = reports + [_report("2025-Q4", 1, {11: "66"})]
    got = progress.build(_project(), SCHEDULE, done, today=date(2026, 1, 5))
    assert got.status == "exceeded" and got.completion == D("100.00")  # 110 %: exceeded


def test_a_seed_year_without_schedule():
    p = _project()
    p.year = 2021
    midyear = _report("2021-H1", 1, {}, delivery="partly_in_use")
    got = progress.build(p, None, [midyear], today=date(2026, 12, 1))
    assert got.status == "in_progress" and not got.year_over and got.overdue == []
    year_end = _report("2021", 1, {11: "60"})
    got = progress.build(p, None, [midyear, year_end], today=date(2026, 12, 1))
    assert got.year_over and got.status == "completed"


def test_a_correction_naming_one_target_keeps_the_others_figures():
    """QA: a v2 that names only one target must not drop the other back to last quarter."""
    p = _project()
    p.targets.append(ProjectTarget(id=13, position=3, metric="新增绿地", unit="亩", value=D("100")))
    reports = [_report("2025-Q3", 1, {11: "30", 13: "60"}),
               _report("2025-Q4", 1, {11: "60", 13: "100"}),
               _report("2025-Q4", 2, {11: "66"})]
    got = progress.build(p, SCHEDULE, reports, today=date(2025, 12, 26))
    assert got.targets[2].state.achieved == D("100")  # kept from Q4 v1, not Q3's 60
    assert got.targets[0].state.achieved == D("66")
    assert got.targets[2].history[-1] == ("2025-Q4", D("100"), D("100.00"))
    assert got.period_values["2025-Q4"][13].achieved == "100"

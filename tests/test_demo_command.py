"""`flask --app voting demo` end to end: the PROTOCOL.md contract (credentials, the poll id as the
last line, `--units FILE`), the seed years loaded as their own years and 2025 under supervision
with a schedule, units, accounts and reports (one late); and a rerun that adds only a congress."""

from __future__ import annotations

import csv
from datetime import date

from sqlalchemy import func, select

from tests.helpers import login
from voting import db
from voting.auth.models import User
from voting.pool import projects, units
from voting.pool.models import Project
from voting.sessions.models import Congress
from voting.supervision import progress
from voting.supervision.models import ProgressReport


def _demo(app, tmp_path, *extra: str) -> tuple[str, list[list[str]], list[list[str]]]:
    creds, unit_file = tmp_path / "deputies.csv", tmp_path / "units.csv"
    result = app.test_cli_runner().invoke(args=[
        "demo", "--deputies", "4", "--credentials", str(creds), "--units", str(unit_file), *extra])
    assert result.exit_code == 0, result.output
    with creds.open(encoding="utf-8") as f:
        deputies = list(csv.reader(f))
    with unit_file.open(encoding="utf-8") as f:
        unit_rows = list(csv.reader(f))
    return result.output, deputies, unit_rows


def _counts(s) -> tuple[int, int, int]:
    return (s.scalar(select(func.count(Project.id))),
            s.scalar(select(func.count(ProgressReport.id))),
            s.scalar(select(func.count(Congress.id))))


def test_demo_loads_every_year_and_a_year_under_supervision(app, tmp_path):
    out, deputies, unit_rows = _demo(app, tmp_path)
    poll_id = int(out.strip().splitlines()[-1])
    assert poll_id >= 1 and deputies[0] == ["username", "password"] and len(deputies) == 5
    assert unit_rows[0] == ["username", "password", "project_id"] and len(unit_rows) > 1
    with app.app_context():
        s = db.session()
        # the vote year keeps its funnel; its fillers say they are copies
        f = projects.funnel(s, 2023)
        assert [projects.reached(f.counts, st) for st in ("pool", "alternative", "candidate")] == [
            78, 30, 15]
        fillers = s.scalars(select(Project).where(Project.year == 2023,
                                                  Project.source.like("演示填充副本%"))).all()
        assert len(fillers) == 68
        # every seed year as its own year
        assert {y: len(progress.year_projects(s, y)) for y in (2019, 2021, 2022, 2024, 2025)} == {
            2019: 10, 2021: 10, 2022: 10, 2024: 20, 2025: 18}
        # 2025: seed 003's schedule
        sched = progress.current_schedule(s, 2025)
        assert (sched.frequency, sched.due_day, sched.final_deadline) == (
            "quarterly", 25, date(2025, 12, 31))
        assert "未逐项写明责任单位" in sched.reason  # the demo says why 市发改委 leads every task
        # the units file: unit accounts that report for projects of 2025
        year_ids = {p.id for p in progress.year_projects(s, 2025)}
        for username, _, project_id in unit_rows[1:]:
            account = s.scalar(select(User).where(User.username == username))
            assert account.role == "unit" and int(project_id) in year_ids
            assert units.may_report(s, account, int(project_id))
        # demo reports filed inside 2025, one of them late
        demo = s.scalars(select(ProgressReport).where(ProgressReport.source == "demo")).all()
        assert demo and all(r.submitted_at.year == 2025 for r in demo)
        assert [r.period for r in demo if r.late] == ["2025-Q3"]
        rows = progress.projects_progress(s, progress.year_projects(s, 2025),
                                          today=date(2025, 10, 1))
        assert {"in_progress", "behind", None} <= {r.status for r in rows}
        assert any(r.overdue for r in rows)
    # a unit's account signs in with the password written to the file
    username, password, _ = unit_rows[1]
    login(app.test_client(), username, password)


def test_demo_again_adds_a_congress_and_renews_the_unit_passwords(app, tmp_path):
    _, _, first = _demo(app, tmp_path)
    with app.app_context():
        before = _counts(db.session())
    out, _, again = _demo(app, tmp_path)
    with app.app_context():
        after = _counts(db.session())
    assert after == (before[0], before[1], before[2] + 1)  # only the new demo congress
    assert [r[0] for r in again] == [r[0] for r in first] and again[1][1] != first[1][1]
    login(app.test_client(), again[1][0], again[1][1])
    assert int(out.strip().splitlines()[-1]) > 0

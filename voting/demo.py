"""`flask --app voting demo`: a whole demo session from the real data in candidates/.

Every step goes through the same services the secretariat's pages use (recorded screening
rounds, roster import, check-in, poll creation and opening), so the demo's audit log reads like
a real sitting's.
"""

from __future__ import annotations

import csv
import io
import secrets

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import inspect, select

from voting import db
from voting.auth.models import Role, User
from voting.auth.services import create_user, set_password
from voting.db import Base
from voting.migrate import upgrade
from voting.sessions import attendance, congresses, roster_import
from voting.sessions.models import Congress

CONGRESS = "哈尔滨市第十六届人民代表大会"
SESSION = "第二次会议"
YEAR = 2023
SEATS = 10
STAFF_USERNAME = "secretariat"
# The districts and county-level cities of Harbin, as the delegations of the city congress.
DELEGATIONS = ("道里区代表团", "南岗区代表团", "道外区代表团", "香坊区代表团", "平房区代表团",
               "松北区代表团", "呼兰区代表团", "阿城区代表团", "双城区代表团", "尚志市代表团",
               "五常市代表团", "依兰县代表团")


def ensure_schema() -> None:
    """Migrate an empty or Alembic-managed database; never touch a database made some other way."""
    engine = db.engine()
    tables = set(inspect(engine).get_table_names())
    if tables and "alembic_version" not in tables:
        missing = {t.name for t in Base.metadata.sorted_tables} - tables
        if missing:
            raise click.ClickException(f"the database has tables but not {sorted(missing)}; "
                                       "use an empty database")
        return
    with engine.begin() as conn:
        upgrade(conn)


def _staff(s) -> tuple[User, str]:
    """The demo's secretariat account, with a fresh password each run."""
    password = secrets.token_urlsafe(9)
    user = s.scalar(select(User).where(User.username == STAFF_USERNAME))
    if user is None:
        user = create_user(s, username=STAFF_USERNAME, password=password,
                           role=Role.SECRETARIAT.value, display_name="秘书处",
                           hash_method=current_app.config["PASSWORD_HASH_METHOD"])
    else:
        set_password(user, password, hash_method=current_app.config["PASSWORD_HASH_METHOD"])
    return user, password


def _roster_csv(n: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["姓名", "代表团", "代表证号"])
    for i in range(1, n + 1):
        writer.writerow([f"代表{i:04d}", DELEGATIONS[(i - 1) % len(DELEGATIONS)], f"{i:04d}"])
    return out.getvalue().encode("utf-8")


def _congress_name(s) -> str:
    """The same congress again would collide with its roster numbers: a rerun adds a new one."""
    taken = set(s.scalars(select(Congress.name)))
    name, k = CONGRESS, 1
    while name in taken:
        k += 1
        name = f"{CONGRESS}（演示{k}）"
    return name


@click.command("demo")
@with_appcontext
@click.option("--deputies", default=30, show_default=True, type=click.IntRange(1, 5000))
@click.option("--credentials", required=True, type=click.Path(dir_okay=False, writable=True))
@click.option("--units", "units_file", type=click.Path(dir_okay=False, writable=True),
              help="Also write the responsible units' accounts of the year under supervision "
                   "as CSV username,password,project_id.")
def demo_command(deputies: int, credentials: str, units_file: str | None):
    """Schema if needed, the pool screened to 15 candidates, N checked-in deputies, and a
    selection poll of 10 seats opened; the seed years as their own years and 2025 under
    supervision (schedule, units, reports). Prints the poll id as the last line."""
    from voting.ballots import services as ballots  # TODO(lead): top-level once landed
    from voting.pool.demo import build_demo_pool
    from voting.supervision import demo_year, history

    ensure_schema()
    s = db.session()
    try:
        staff, staff_password = _staff(s)
        candidates = build_demo_pool(s, staff, year=YEAR)
        years = history.load_history(s, staff, current_app.config["BABEL_DEFAULT_TIMEZONE"])
        unit_rows = demo_year.build_living_year(
            s, staff, years[demo_year.YEAR],
            hash_method=current_app.config["PASSWORD_HASH_METHOD"],
            zone=current_app.config["BABEL_DEFAULT_TIMEZONE"])
        congress = congresses.create_congress(s, staff, name=_congress_name(s), term=16)
        session = congresses.create_session(s, staff, congress_id=congress.id, name=SESSION,
                                            year=YEAR)
        issued = roster_import.import_roster(s, staff, congress_id=congress.id,
                                             filename="demo-roster.csv", data=_roster_csv(deputies),
                                             hash_method=current_app.config["PASSWORD_HASH_METHOD"])
        for credential in issued:
            attendance.check_in(s, staff, session_id=session.id, deputy_id=credential.deputy.id,
                                by_desk=True)
        poll = ballots.create_poll(
            s, staff, session_id=session.id, title=f"{YEAR}年哈尔滨市民生实事项目票决",
            kind="selection", seats=SEATS, max_choices=SEATS, threshold_base="roster",
            candidate_project_ids=[p.id for p in candidates],
            key_bits=current_app.config["POLL_KEY_BITS"])
        ballots.open_poll(s, staff, poll_id=poll.id)
        rows = [(c.deputy.user.username, c.password) for c in issued]
        s.commit()
    except Exception:
        s.rollback()
        raise
    with open(credentials, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["username", "password"])
        writer.writerows(rows)
    if units_file:
        with open(units_file, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(["username", "password", "project_id"])
            writer.writerows(unit_rows)
    click.echo(f"{congress.name} {SESSION}: {deputies} deputies checked in, "
               f"{len(candidates)} candidates, {SEATS} seats")
    click.echo("history: " + ", ".join(f"{y} ({len(ps)})" for y, ps in sorted(years.items()))
               + f"; {demo_year.YEAR} under supervision")
    click.echo(f"deputy credentials: {credentials}")
    if units_file:
        click.echo(f"responsible units' accounts: {units_file}")
    click.echo(f"secretariat sign-in: {STAFF_USERNAME} / {staff_password}")
    click.echo(f"poll key fingerprint: {poll.key_fingerprint}")
    click.echo(poll.id)

"""Roster import from CSV/XLSX: checked whole first, then all rows or none, each new
deputy with a generated password and sign-in link for the slip."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from voting.audit.services import record
from voting.auth.credentials import Credential, generate_password, hash_passwords, issue_login_link
from voting.core.tabular import (Column, ImportResult, RowError, max_length, parse_table,
                                 read_rows)
from voting.sessions.congresses import get_congress
from voting.sessions.freeze import refuse_roster_change
from voting.sessions.models import Deputy
from voting.sessions.roster import (DELEGATION_MAX, NAME_MAX, NUMBER_MAX, USERNAME_RE,
                                    delegation_names, generate_username, new_deputy,
                                    username_taken)


@dataclass
class RosterPreview(ImportResult):
    """A checked roster file: every row (usernames filled in) and every problem found."""

    new_delegations: list[str] = field(default_factory=list)


def _parse_username(cell: str) -> str:
    if not USERNAME_RE.match(cell):
        raise ValueError(_("Use only letters, digits, dots, dashes and underscores (at most 80)."))
    return cell


ROSTER_COLUMNS = (
    Column("name", _l("Name"), aliases=("姓名", "代表姓名", "Name"), required=True,
           parse=max_length(NAME_MAX)),
    Column("delegation", _l("Delegation"), aliases=("代表团", "Delegation"),
           parse=max_length(DELEGATION_MAX)),
    Column("number", _l("Deputy number"),
           aliases=("代表证号", "代表编号", "编号", "Number", "Deputy number"),
           required=True, parse=max_length(NUMBER_MAX)),
    Column("username", _l("Username"), aliases=("用户名", "Username"), parse=_parse_username),
)


def check_roster(db: Session, congress_id: int, filename: str, data: bytes) -> RosterPreview:
    """Read and check a whole roster file without changing anything: a number or username
    repeated in the file or already taken is an error on its row."""
    congress = get_congress(db, congress_id)
    refuse_roster_change(db, congress.id)
    parsed = parse_table(read_rows(filename, data), ROSTER_COLUMNS)
    preview = RosterPreview(rows=parsed.rows, errors=list(parsed.errors))
    number_label, username_label = str(ROSTER_COLUMNS[2].label), str(ROSTER_COLUMNS[3].label)
    existing = set(db.scalars(select(Deputy.number).where(Deputy.congress_id == congress.id)))
    numbers: dict[str, int] = {}
    usernames: dict[str, int] = {}
    for row in preview.rows:
        n, number, username = row["_row"], row.get("number"), row.get("username")
        if number:
            if number in numbers:
                message = _("Number %(number)s is also on row %(row)s.", number=number,
                            row=numbers[number])
                preview.errors.append(RowError(n, number_label, message))
            elif number in existing:
                message = _("Number %(number)s is already on the roster.", number=number)
                preview.errors.append(RowError(n, number_label, message))
            numbers.setdefault(number, n)
        if username:
            if username in usernames:
                message = _("Username %(name)s is also on row %(row)s.", name=username,
                            row=usernames[username])
                preview.errors.append(RowError(n, username_label, message))
            elif username_taken(db, username):
                message = _("The username %(name)s is taken.", name=username)
                preview.errors.append(RowError(n, username_label, message))
            usernames.setdefault(username, n)
    reserved = set(usernames)
    for row in preview.rows:
        row["generated"] = not row.get("username")
        if row["generated"] and row.get("number"):
            row["username"] = generate_username(db, row["number"], reserved)
    known = set(delegation_names(db, congress.id))
    preview.new_delegations = sorted({r["delegation"] for r in preview.rows
                                      if r.get("delegation") and r["delegation"] not in known})
    preview.errors.sort(key=lambda e: e.row)
    return preview


def import_roster(db: Session, actor, *, congress_id: int, filename: str, data: bytes,
                  hash_method: str) -> list[Credential]:
    """All rows or none: any problem raises ImportRefused listing every one of them."""
    preview = check_roster(db, congress_id, filename, data)
    preview.refuse_unless_ok()
    passwords = [generate_password() for _ in preview.rows]
    credentials = []
    for row, password, hashed in zip(preview.rows, passwords, hash_passwords(passwords, hash_method)):
        deputy = new_deputy(db, congress_id, name=row["name"], number=row["number"],
                             delegation=row.get("delegation"), username=row["username"],
                             password_hash=hashed)
        credentials.append(Credential(deputy, password, issue_login_link(db, deputy.user_id)))
    record(db, actor, "roster.import", "congress", congress_id, filename=filename,
           count=len(credentials), numbers=[c.deputy.number for c in credentials])
    return credentials

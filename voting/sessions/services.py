"""Congresses, sessions, the deputy roster, credentials, check-in and quorum.

Services flush and never commit. A deputy's plain password and one-time sign-in token exist
only in the return value of the call that made them (to be printed on a slip): the database
keeps only their hashes.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from voting.audit.services import record
from voting.auth.models import Role, User
from voting.auth.services import end_user_sessions, hash_password
from voting.ballots.models import Poll
from voting.core.tabular import Column, ImportRefused, RowError, max_length, parse_table, read_rows
from voting.db import utcnow
from voting.errors import Conflict, Forbidden, Invalid, NotFound
from voting.sessions.models import (Attendance, Congress, CongressSession, Delegation, Deputy,
                                    LoginLink)

# No i/l/o/0/1: a deputy types the password from paper.
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
PASSWORD_LENGTH = 10
LOGIN_LINK_TTL = timedelta(days=7)
USERNAME_RE = re.compile(r"^[A-Za-z0-9._-]{1,80}$")
NAME_MAX, NUMBER_MAX, DELEGATION_MAX = 80, 40, 120


@dataclass(frozen=True)
class Quorum:
    expected: int  # active deputies on the roster
    present: int  # of them, checked in to the session
    required: int  # the fewest present for a quorum: present * den >= expected * num
    met: bool


@dataclass(frozen=True)
class DelegationCount:
    name: str | None  # None: deputies without a delegation
    expected: int
    present: int


@dataclass(frozen=True)
class Credential:
    """What a credential slip prints; the password and token are not stored anywhere."""

    deputy: Deputy
    password: str
    login_token: str


@dataclass
class RosterPreview:
    """A checked roster file: every row (usernames filled in) and every problem found."""

    rows: list[dict] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    new_delegations: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _get(db: Session, model, ident: int, message):
    obj = db.get(model, ident)
    if obj is None:
        raise NotFound(message)
    return obj


def get_congress(db: Session, congress_id: int) -> Congress:
    return _get(db, Congress, congress_id, _l("No such congress."))


def get_session(db: Session, session_id: int) -> CongressSession:
    return _get(db, CongressSession, session_id, _l("No such session."))


def get_deputy(db: Session, deputy_id: int) -> Deputy:
    return _get(db, Deputy, deputy_id, _l("No such deputy."))


def _text(value: str | None, limit: int, field_name: str, *, required: bool) -> str | None:
    value = (value or "").strip()
    if not value:
        if required:
            raise Invalid(_l("A value is required."), field=field_name)
        return None
    if len(value) > limit:
        raise Invalid(_l("At most %(n)s characters.", n=limit), field=field_name)
    return value


# ---- the freeze while a poll is open -----------------------------------------------------

def freezing_poll(db: Session, *, congress_id: int | None = None,
              session_id: int | None = None) -> Poll | None:
    """The open poll of the session (or of any session of the congress), if there is one.

    While a poll is open the roster, the credentials and check-in are frozen: otherwise the
    secretariat could reset a deputy's password, or add a deputy and check them in, and vote
    in their place. The congress's draft and open polls are locked (FOR SHARE on PostgreSQL)
    so that a poll cannot open in the middle of a change it would have refused."""
    query = (select(Poll).join(CongressSession, CongressSession.id == Poll.session_id)
             .where(Poll.status.in_(("draft", "open"))))
    if session_id is not None:
        query = query.where(Poll.session_id == session_id)
    else:
        query = query.where(CongressSession.congress_id == congress_id)
    polls = db.scalars(query.order_by(Poll.id).with_for_update(read=True, of=Poll)).all()
    return next((p for p in polls if p.status == "open"), None)


def open_polls_by_session(db: Session, session_ids) -> dict[int, Poll]:
    """For pages: the open poll of each of these sessions that has one (no locks)."""
    ids = list(session_ids)
    if not ids:
        return {}
    polls = db.scalars(select(Poll).where(Poll.session_id.in_(ids), Poll.status == "open")
                       .order_by(Poll.id))
    found: dict[int, Poll] = {}
    for poll in polls:
        found.setdefault(poll.session_id, poll)
    return found


def roster_freeze(db: Session, congress_id: int) -> Poll | None:
    """For pages: the open poll that freezes the congress's roster, if any (no locks)."""
    return db.scalar(select(Poll).join(CongressSession, CongressSession.id == Poll.session_id)
                     .where(CongressSession.congress_id == congress_id, Poll.status == "open")
                     .order_by(Poll.id).limit(1))


def _refuse_roster_change(db: Session, congress_id: int) -> None:
    poll = freezing_poll(db, congress_id=congress_id)
    if poll is not None:
        raise Conflict(_l("The roster is frozen while the poll “%(title)s” is open: no deputy "
                          "can be added, changed, deactivated or reactivated, and no credential "
                          "or sign-in code can be issued, until the poll is closed.",
                          title=poll.title), code="roster_frozen")


# ---- congresses and sessions ---------------------------------------------------------

def create_congress(db: Session, actor, *, name: str, term: int | None) -> Congress:
    name = _text(name, 120, "name", required=True)
    if term is not None and not 1 <= term <= 100:
        raise Invalid(_l("The term must be a number from 1 to 100."), field="term")
    if db.scalar(select(Congress.id).where(Congress.name == name)) is not None:
        raise Conflict(_l("A congress named %(name)s already exists.", name=name), field="name")
    congress = Congress(name=name, term=term)
    db.add(congress)
    db.flush()
    record(db, actor, "congress.create", "congress", congress.id, name=name, term=term)
    return congress


def create_session(db: Session, actor, *, congress_id: int, name: str, year: int,
                   opens_on: date | None = None, quorum_numerator: int = 2,
                   quorum_denominator: int = 3) -> CongressSession:
    congress = get_congress(db, congress_id)
    name = _text(name, 120, "name", required=True)
    if not 1949 <= year <= 2200:
        raise Invalid(_l("The year must be from 1949 to 2200."), field="year")
    if not 0 < quorum_numerator <= quorum_denominator <= 100:
        raise Invalid(_l("The quorum must be a fraction between 0 and 1, such as 2/3."),
                      field="quorum_numerator")
    taken = select(CongressSession.id).where(CongressSession.congress_id == congress.id,
                                             CongressSession.name == name)
    if db.scalar(taken) is not None:
        raise Conflict(_l("This congress already has a session named %(name)s.", name=name),
                       field="name")
    session = CongressSession(congress_id=congress.id, name=name, year=year, opens_on=opens_on,
                              quorum_numerator=quorum_numerator,
                              quorum_denominator=quorum_denominator)
    db.add(session)
    db.flush()
    record(db, actor, "session.create", "congress_session", session.id, congress_id=congress.id,
           name=name, year=year, opens_on=opens_on.isoformat() if opens_on else None,
           quorum=f"{quorum_numerator}/{quorum_denominator}")
    return session


# ---- the roster ----------------------------------------------------------------------

def generate_password() -> str:
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_LENGTH))


def _hash_passwords(passwords: list[str]) -> list[str]:
    """Hash in parallel threads (the KDF releases the GIL): at ~60 ms a hash, a roster of
    several hundred deputies would otherwise take half a minute."""
    if len(passwords) < 2:
        return [hash_password(p) for p in passwords]
    app = current_app._get_current_object()

    def one(password: str) -> str:
        with app.app_context():
            return hash_password(password)

    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        return list(pool.map(one, passwords))


def _username_taken(db: Session, username: str) -> bool:
    return db.scalar(select(User.id).where(User.username == username)) is not None


def _number_taken(db: Session, congress_id: int, number: str,
                  exclude_id: int | None = None) -> bool:
    query = select(Deputy.id).where(Deputy.congress_id == congress_id, Deputy.number == number)
    if exclude_id is not None:
        query = query.where(Deputy.id != exclude_id)
    return db.scalar(query) is not None


def _generate_username(db: Session, number: str, reserved: set[str]) -> str:
    """"d" + the roster number's letters and digits; a suffix when another congress has it."""
    base = "d" + ("".join(ch for ch in number.lower() if ch.isascii() and ch.isalnum()) or "x")
    candidate, k = base[:72], 1
    while candidate in reserved or _username_taken(db, candidate):
        k += 1
        candidate = f"{base[:72]}-{k}"
    reserved.add(candidate)
    return candidate


def _delegation_id(db: Session, congress_id: int, name: str | None) -> int | None:
    if not name:
        return None
    found = db.scalar(select(Delegation).where(Delegation.congress_id == congress_id,
                                               Delegation.name == name))
    if found is None:
        found = Delegation(congress_id=congress_id, name=name)
        db.add(found)
        db.flush()
    return found.id


def _new_deputy(db: Session, congress_id: int, *, name: str, number: str, delegation: str | None,
                username: str, password_hash: str) -> Deputy:
    """The deputy and their user account; callers have validated every value."""
    user = User(username=username, password_hash=password_hash, role=Role.DEPUTY.value,
                display_name=name)
    db.add(user)
    db.flush()
    deputy = Deputy(congress_id=congress_id, user_id=user.id, number=number, name=name,
                    delegation_id=_delegation_id(db, congress_id, delegation), active=True)
    db.add(deputy)
    db.flush()
    return deputy


def _check_username(username: str | None) -> str | None:
    username = (username or "").strip() or None
    if username is not None and not USERNAME_RE.match(username):
        raise Invalid(_l("Use only letters, digits, dots, dashes and underscores (at most 80)."),
                      field="username")
    return username


def add_deputy(db: Session, actor, *, congress_id: int, name: str, number: str,
               delegation: str | None, username: str | None = None,
               password: str | None = None) -> tuple[Deputy, str]:
    """A deputy with a user account (role deputy); returns the plain password, generated
    unless given, for the credential slip."""
    congress = get_congress(db, congress_id)
    _refuse_roster_change(db, congress.id)
    name = _text(name, NAME_MAX, "name", required=True)
    number = _text(number, NUMBER_MAX, "number", required=True)
    delegation = _text(delegation, DELEGATION_MAX, "delegation", required=False)
    username = _check_username(username)
    if password is not None and len(password) < 8:
        raise Invalid(_l("A password needs at least 8 characters."), field="password")
    if _number_taken(db, congress.id, number):
        raise Conflict(_l("Number %(number)s is already on the roster.", number=number),
                       field="number")
    if username is not None and _username_taken(db, username):
        raise Conflict(_l("The username %(name)s is taken.", name=username), field="username")
    username = username or _generate_username(db, number, set())
    password = password or generate_password()
    deputy = _new_deputy(db, congress.id, name=name, number=number, delegation=delegation,
                         username=username, password_hash=hash_password(password))
    record(db, actor, "deputy.add", "deputy", deputy.id, congress_id=congress.id, number=number,
           name=name, delegation=delegation, username=username)
    return deputy, password


def update_deputy(db: Session, actor, *, deputy_id: int, name: str, number: str,
                  delegation: str | None) -> Deputy:
    deputy = get_deputy(db, deputy_id)
    _refuse_roster_change(db, deputy.congress_id)
    name = _text(name, NAME_MAX, "name", required=True)
    number = _text(number, NUMBER_MAX, "number", required=True)
    delegation = _text(delegation, DELEGATION_MAX, "delegation", required=False)
    if _number_taken(db, deputy.congress_id, number, exclude_id=deputy.id):
        raise Conflict(_l("Number %(number)s is already on the roster.", number=number),
                       field="number")
    old = {"name": deputy.name, "number": deputy.number,
           "delegation": deputy.delegation.name if deputy.delegation else None}
    new = {"name": name, "number": number, "delegation": delegation}
    changes = {k: [old[k], new[k]] for k in old if old[k] != new[k]}
    if not changes:
        return deputy
    deputy.name = deputy.user.display_name = name
    deputy.number = number
    deputy.delegation_id = _delegation_id(db, deputy.congress_id, delegation)
    db.flush()
    db.expire(deputy, ["delegation"])
    record(db, actor, "deputy.update", "deputy", deputy.id, changes=changes)
    return deputy


def set_deputy_active(db: Session, actor, *, deputy_id: int, active: bool) -> Deputy:
    """Off when a deputy leaves office: they leave the quorum and can no longer sign in."""
    deputy = get_deputy(db, deputy_id)
    _refuse_roster_change(db, deputy.congress_id)
    if deputy.active == active:
        return deputy
    deputy.active = deputy.user.active = active
    if not active:
        deputy.user.rotate_login_token()
        db.execute(delete(LoginLink).where(LoginLink.user_id == deputy.user_id))
    db.flush()
    record(db, actor, "deputy.reactivate" if active else "deputy.deactivate", "deputy",
           deputy.id, number=deputy.number, name=deputy.name)
    return deputy


def search_deputies(db: Session, congress_id: int, q: str = "", *, active_only: bool = False,
                    offset: int = 0, limit: int | None = None) -> tuple[int, list[Deputy]]:
    """Deputies whose name, number, username or delegation contains `q`, by number, and
    how many match in all."""
    query = (select(Deputy).join(User, User.id == Deputy.user_id)
             .outerjoin(Delegation, Delegation.id == Deputy.delegation_id)
             .where(Deputy.congress_id == congress_id))
    if active_only:
        query = query.where(Deputy.active.is_(True))
    q = q.strip()
    if q:
        query = query.where(or_(Deputy.name.icontains(q, autoescape=True),
                                Deputy.number.icontains(q, autoescape=True),
                                User.username.icontains(q, autoescape=True),
                                Delegation.name.icontains(q, autoescape=True)))
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    query = query.order_by(Deputy.number, Deputy.id).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return total, list(db.scalars(query))


def delegation_names(db: Session, congress_id: int) -> list[str]:
    return list(db.scalars(select(Delegation.name).where(Delegation.congress_id == congress_id)
                           .order_by(Delegation.name)))


# ---- credentials ---------------------------------------------------------------------

def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_login_link(db: Session, user_id: int) -> str:
    """A new one-time sign-in token for the QR code; any earlier link of the user stops working.
    Refused for a deputy while a poll of their congress is open."""
    deputy = db.scalar(select(Deputy).where(Deputy.user_id == user_id))
    if deputy is not None:
        _refuse_roster_change(db, deputy.congress_id)
    db.execute(delete(LoginLink).where(LoginLink.user_id == user_id))
    token = secrets.token_urlsafe(32)
    db.add(LoginLink(user_id=user_id, token_hash=_token_hash(token),
                     expires_at=utcnow() + LOGIN_LINK_TTL))
    db.flush()
    return token


def use_login_link(db: Session, token: str) -> User | None:
    """The active user the token signs in, spending it; None when unknown, used or expired."""
    link = db.scalar(select(LoginLink).where(LoginLink.token_hash == _token_hash(token)))
    if link is None or link.used_at is not None or link.expires_at <= utcnow():
        return None
    # A conditional update, so two simultaneous scans cannot both spend it.
    spent = db.execute(update(LoginLink)
                       .where(LoginLink.id == link.id, LoginLink.used_at.is_(None))
                       .values(used_at=utcnow())
                       .execution_options(synchronize_session=False))
    if spent.rowcount != 1:
        return None
    user = db.get(User, link.user_id)
    return user if user is not None and user.active else None


def deputies_to_reset(db: Session, deputy_ids: list[int]) -> list[Deputy]:
    """The deputies a reset would give new credentials, by number; refuses (changing
    nothing) what `reset_credentials` would refuse, so the confirmation page can too."""
    ids = sorted(set(deputy_ids))
    if not ids:
        raise Invalid(_l("Select at least one deputy."))
    deputies = list(db.scalars(select(Deputy).where(Deputy.id.in_(ids)).order_by(Deputy.number,
                                                                                   Deputy.id)))
    if len(deputies) != len(ids):
        raise NotFound(_l("No such deputy."))
    for congress_id in sorted({d.congress_id for d in deputies}):
        _refuse_roster_change(db, congress_id)
    for deputy in deputies:
        if not deputy.active:
            raise Conflict(_l("%(name)s is deactivated; reactivate the deputy first.",
                              name=deputy.name))
    return deputies


def reset_credentials(db: Session, actor, *, deputy_ids: list[int]) -> list[Credential]:
    """New password and QR link for each deputy; their old password, sessions and link stop
    working."""
    deputies = deputies_to_reset(db, deputy_ids)
    passwords = [generate_password() for _ in deputies]
    credentials = []
    for deputy, password, hashed in zip(deputies, passwords, _hash_passwords(passwords)):
        deputy.user.password_hash = hashed
        deputy.user.rotate_login_token()  # signs out every session of the old credential
        end_user_sessions(db, deputy.user_id)
        credentials.append(Credential(deputy, password, issue_login_link(db, deputy.user_id)))
        record(db, actor, "deputy.reset_credential", "deputy", deputy.id, number=deputy.number,
               username=deputy.user.username)
    return credentials


# ---- roster import -------------------------------------------------------------------

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
    _refuse_roster_change(db, congress.id)
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
            elif _username_taken(db, username):
                message = _("The username %(name)s is taken.", name=username)
                preview.errors.append(RowError(n, username_label, message))
            usernames.setdefault(username, n)
    reserved = set(usernames)
    for row in preview.rows:
        row["generated"] = not row.get("username")
        if row["generated"] and row.get("number"):
            row["username"] = _generate_username(db, row["number"], reserved)
    known = set(delegation_names(db, congress.id))
    preview.new_delegations = sorted({r["delegation"] for r in preview.rows
                                      if r.get("delegation") and r["delegation"] not in known})
    preview.errors.sort(key=lambda e: e.row)
    return preview


def import_roster(db: Session, actor, *, congress_id: int, filename: str,
                  data: bytes) -> list[Credential]:
    """All rows or none: any problem raises ImportRefused listing every one of them."""
    preview = check_roster(db, congress_id, filename, data)
    if not preview.ok:
        raise ImportRefused(preview.errors)
    passwords = [generate_password() for _ in preview.rows]
    credentials = []
    for row, password, hashed in zip(preview.rows, passwords, _hash_passwords(passwords)):
        deputy = _new_deputy(db, congress_id, name=row["name"], number=row["number"],
                             delegation=row.get("delegation"), username=row["username"],
                             password_hash=hashed)
        credentials.append(Credential(deputy, password, issue_login_link(db, deputy.user_id)))
    record(db, actor, "roster.import", "congress", congress_id, filename=filename,
           count=len(credentials), numbers=[c.deputy.number for c in credentials])
    return credentials


# ---- check-in and quorum -------------------------------------------------------------

def check_in(db: Session, actor, *, session_id: int, deputy_id: int, by_desk: bool) -> Attendance:
    """Idempotent: a second check-in returns the first. Only active deputies of the session's
    congress; a deputy may check in only themselves."""
    session = get_session(db, session_id)
    deputy = get_deputy(db, deputy_id)
    if deputy.congress_id != session.congress_id:
        raise Forbidden(_l("%(name)s is not a deputy of this congress.", name=deputy.name))
    if not deputy.active:
        raise Forbidden(_l("%(name)s is no longer on the roster.", name=deputy.name))
    if getattr(actor, "role", None) == Role.DEPUTY.value and actor.id != deputy.user_id:
        raise Forbidden(_l("You can only check yourself in."))
    frozen_by = freezing_poll(db, session_id=session.id)
    if frozen_by is not None:
        already = _attendance(db, session.id, deputy.id)
        if already is not None:  # nothing changes: the answer stays idempotent
            return already
        raise Conflict(_l("Check-in is closed while the poll “%(title)s” is open; it reopens "
                          "when the poll is closed.", title=frozen_by.title),
                       code="roster_frozen")
    # Insert-or-ignore: a double tap or a desk and a phone at the same moment make one row,
    # and only the one that made it is audited, in the caller's transaction.
    insert = pg_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
    created = db.scalar(insert(Attendance)
                        .values(session_id=session.id, deputy_id=deputy.id, by_desk=by_desk)
                        .on_conflict_do_nothing(index_elements=["session_id", "deputy_id"])
                        .returning(Attendance.id))
    attendance = _attendance(db, session.id, deputy.id)
    if created is None:
        return attendance
    record(db, actor, "attendance.check_in", "attendance", attendance.id, session_id=session.id,
           deputy_id=deputy.id, number=deputy.number, by_desk=by_desk)
    return attendance


def _attendance(db: Session, session_id: int, deputy_id: int) -> Attendance | None:
    return db.scalar(select(Attendance).where(Attendance.session_id == session_id,
                                              Attendance.deputy_id == deputy_id))


def is_checked_in(db: Session, session_id: int, deputy_id: int) -> bool:
    """Checked in and still an active deputy."""
    query = (select(Attendance.id).join(Deputy, Deputy.id == Attendance.deputy_id)
             .where(Attendance.session_id == session_id, Attendance.deputy_id == deputy_id,
                    Deputy.active.is_(True)))
    return db.scalar(query) is not None


def deputy_for_user(db: Session, user_id: int, congress_id: int) -> Deputy | None:
    """The user's deputy record in that congress (inactive ones too: check `active`)."""
    return db.scalar(select(Deputy).where(Deputy.user_id == user_id,
                                          Deputy.congress_id == congress_id))


def deputy_of_user(db: Session, user_id: int) -> Deputy | None:
    """A deputy account belongs to exactly one roster entry."""
    return db.scalar(select(Deputy).where(Deputy.user_id == user_id))


def roster_count(db: Session, congress_id: int) -> int:
    return db.scalar(select(func.count(Deputy.id)).where(Deputy.congress_id == congress_id,
                                                         Deputy.active.is_(True))) or 0


def _present_count(db: Session, session_id: int) -> int:
    query = (select(func.count(Attendance.id)).join(Deputy, Deputy.id == Attendance.deputy_id)
             .where(Attendance.session_id == session_id, Deputy.active.is_(True)))
    return db.scalar(query) or 0


def quorum(db: Session, session: CongressSession) -> Quorum:
    """At least numerator/denominator of the active roster present (default two thirds:
    三分之二以上 includes two thirds itself, so 6 of 9 sit). Integer arithmetic only."""
    expected = roster_count(db, session.congress_id)
    present = _present_count(db, session.id)
    num, den = session.quorum_numerator, session.quorum_denominator
    required = -(-expected * num // den)  # ceil(expected * num / den)
    return Quorum(expected=expected, present=present, required=required,
                  met=present * den >= expected * num)


def delegation_counts(db: Session, session: CongressSession) -> list[DelegationCount]:
    """Active deputies and those present, per delegation (by name; no delegation last)."""
    present = func.count(Attendance.id)
    query = (select(Delegation.name, func.count(Deputy.id), present)
             .select_from(Deputy)
             .outerjoin(Delegation, Delegation.id == Deputy.delegation_id)
             .outerjoin(Attendance, (Attendance.deputy_id == Deputy.id)
                        & (Attendance.session_id == session.id))
             .where(Deputy.congress_id == session.congress_id, Deputy.active.is_(True))
             .group_by(Delegation.name))
    rows = [DelegationCount(name, expected, present)
            for name, expected, present in db.execute(query)]
    return sorted(rows, key=lambda r: (r.name is None, r.name or ""))


def sessions_of_deputy(db: Session,
                       deputy: Deputy) -> list[tuple[CongressSession, Attendance | None]]:
    """The sessions of the deputy's congress, latest first, with the deputy's check-in."""
    query = (select(CongressSession, Attendance)
             .outerjoin(Attendance, (Attendance.session_id == CongressSession.id)
                        & (Attendance.deputy_id == deputy.id))
             .where(CongressSession.congress_id == deputy.congress_id)
             .order_by(CongressSession.year.desc(), CongressSession.id.desc()))
    return [(s, a) for s, a in db.execute(query)]


def desk_search(db: Session, session: CongressSession, q: str,
                limit: int = 50) -> tuple[int, list[tuple[Deputy, Attendance | None]]]:
    """Active deputies matching `q` with their check-in to the session, for the desk."""
    total, deputies = search_deputies(db, session.congress_id, q, active_only=True, limit=limit)
    attendance = {a.deputy_id: a for a in db.scalars(
        select(Attendance).where(Attendance.session_id == session.id,
                                 Attendance.deputy_id.in_([d.id for d in deputies])))}
    return total, [(d, attendance.get(d.id)) for d in deputies]

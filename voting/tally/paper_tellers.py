"""Who enters the paper ballots: the two entry slots (计票人), each bound to a named
teller-role account, the scrutineer's account that may settle a mismatch alone, and the
scrutineers' (监票人) names for the result."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voting.audit.services import record
from voting.auth.models import Role, User
from voting.errors import Conflict, Invalid
from voting.ballots.models import Poll
from voting.tally.paper import get_poll, record_for, require_writable, slot_label
from voting.tally.paper_models import PaperEntry, PaperTally

NAME_MAX = 80
SCRUTINEERS_MAX = 20


def _name(value: str | None, field_name: str) -> str | None:
    value = (value or "").strip()
    if len(value) > NAME_MAX:
        raise Invalid(_l("At most %(n)s characters.", n=NAME_MAX), field=field_name)
    return value or None


def teller_accounts(db: Session) -> list[User]:
    """The active teller-role accounts, who may hold a slot or be the scrutineer."""
    return list(db.scalars(select(User).where(User.role == Role.TELLER.value,
                                              User.active.is_(True))
                           .order_by(User.display_name, User.id)))


def _teller_account(db: Session, user_id, field_name: str) -> User | None:
    if user_id is None:
        return None
    account = db.get(User, user_id) if isinstance(user_id, int) else None
    if account is None or account.role != Role.TELLER.value or not account.active:
        raise Invalid(_l("Choose an active teller account."), field=field_name)
    return account


def _slot_entries(db: Session, poll: Poll, teller: int) -> int:
    return db.scalar(select(func.count()).select_from(PaperEntry)
                     .where(PaperEntry.poll_id == poll.id, PaperEntry.teller == teller)) or 0


def set_tellers(db: Session, actor, poll_id: int, *, teller1_user_id: int | None,
                teller2_user_id: int | None, scrutineer_user_id: int | None = None,
                scrutineers: Sequence[str] = ()) -> PaperTally:
    """Assign the two entry slots (计票人) and the scrutineer who may settle a mismatch alone
    to three different teller accounts, and record the scrutineers' (监票人) names. A slot
    that holds entries keeps its account: its entries are that teller's reading."""
    poll = get_poll(db, poll_id)
    require_writable(poll, closed_only=False)
    first = _teller_account(db, teller1_user_id, "teller1")
    second = _teller_account(db, teller2_user_id, "teller2")
    scrutineer = _teller_account(db, scrutineer_user_id, "scrutineer")
    if first is not None and second is not None and first.id == second.id:
        raise Invalid(_l("The two tellers must be two different people."), field="teller2")
    if scrutineer is not None and scrutineer.id in {a.id for a in (first, second) if a}:
        raise Invalid(_l("The scrutineer who settles mismatches cannot be one of the two "
                         "tellers."), field="scrutineer")
    names = [n for n in (_name(s, "scrutineers") for s in scrutineers) if n]
    if scrutineer is not None and scrutineer.display_name not in names:
        names.insert(0, scrutineer.display_name[:NAME_MAX])
    if len(names) > SCRUTINEERS_MAX:
        raise Invalid(_l("At most %(n)s scrutineers.", n=SCRUTINEERS_MAX), field="scrutineers")
    tally = record_for(db, poll)
    for slot, account, held in ((1, first, tally.teller1_user_id),
                                (2, second, tally.teller2_user_id)):
        if held is not None and (account is None or account.id != held) \
                and _slot_entries(db, poll, slot):
            raise Conflict(_l("%(slot)s has already entered ballots: the slot keeps its "
                              "account.", slot=slot_label(slot)), field=f"teller{slot}")
    tally.teller1_user_id = first.id if first else None
    tally.teller2_user_id = second.id if second else None
    tally.scrutineer_user_id = scrutineer.id if scrutineer else None
    tally.teller1_name = first.display_name[:NAME_MAX] if first else None
    tally.teller2_name = second.display_name[:NAME_MAX] if second else None
    tally.scrutineers = names
    db.flush()
    record(db, actor, "paper.officials", "poll", poll.id,
           tellers=[tally.teller1_name, tally.teller2_name],
           teller_accounts=[first.username if first else None,
                            second.username if second else None],
           scrutineer_account=scrutineer.username if scrutineer else None, scrutineers=names)
    return tally

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from voting.audit import chain
from voting.audit.models import GENESIS_HASH, AuditEntry
from voting.db import utcnow

entry_hash = chain.entry_hash


def _timestamp(entry: AuditEntry) -> str:
    return entry.created_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def record(db: Session, actor, action: str, obj_type: str, obj_id: Any, **details) -> AuditEntry:
    """Append one entry. `actor` is a User or a plain name (e.g. "cli"). Details must be JSON."""
    if db.get_bind().dialect.name == "postgresql":
        # Serialise appenders so two transactions cannot both extend the same tail.
        db.execute(text("SELECT pg_advisory_xact_lock(727001)"))
    last = db.scalar(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1))
    seq = last.seq + 1 if last else 1
    prev = last.hash if last else GENESIS_HASH
    name = getattr(actor, "username", None) or str(actor)
    entry = AuditEntry(seq=seq, created_at=utcnow().replace(microsecond=0), actor=name,
                       action=action, object_type=obj_type, object_id=str(obj_id),
                       details=details, prev_hash=prev)
    entry.hash = entry_hash(seq=seq, created_at=_timestamp(entry), actor=name, action=action,
                            object_type=obj_type, object_id=str(obj_id), details=details,
                            prev_hash=prev)
    db.add(entry)
    db.flush()
    return entry


def entry_json(e: AuditEntry) -> dict:
    """One entry as GET /api/v1/audit lists it: every hashed field, and the hash."""
    return {"seq": e.seq, "created_at": _timestamp(e), "actor": e.actor, "action": e.action,
            "object_type": e.object_type, "object_id": e.object_id, "details": e.details,
            "prev_hash": e.prev_hash, "hash": e.hash}


def audit_document(db: Session) -> dict:
    """The whole public log (GET /api/v1/audit and audit.json of the public documents)."""
    entries = [entry_json(e) for e in db.scalars(select(AuditEntry).order_by(AuditEntry.seq))]
    return {"entries": entries, "head": entries[-1]["hash"] if entries else GENESIS_HASH}


@dataclass(frozen=True)
class ChainReport:
    entries: int
    first_bad_seq: int | None
    reason: str | None

    @property
    def ok(self) -> bool:
        return self.first_bad_seq is None


REASONS = {"missing": _l("an entry is missing before it"),
           "link": _l("does not link to the previous entry"),
           "hash": _l("content does not match its hash")}


def _check(db: Session) -> chain.ChainReport:
    return chain.check_entries(audit_document(db)["entries"])


def verify_chain(db: Session) -> ChainReport:
    report = _check(db)
    return ChainReport(report.entries, report.first_bad_seq,
                       REASONS.get(report.reason) if report.reason else None)


@dataclass(frozen=True)
class AnchorReport:
    """The chain checked against every signed result's `audit_head`."""

    chain: ChainReport
    anchors: int  # signed results whose head was found in the intact chain
    newest_anchor_seq: int | None
    faults: list[str]  # one line per result whose head the log no longer holds

    @property
    def ok(self) -> bool:
        return self.chain.ok and not self.faults


def verify_anchored(db: Session) -> AnchorReport:
    """Recompute the chain, then check that it still holds the entry each signed result
    anchored: a log cut short or rewritten after a count no longer matches its result."""
    from voting.tally.models import PollResult

    report = _check(db)
    found, faults = [], []
    for poll_id, document in db.execute(select(PollResult.poll_id, PollResult.document)
                                        .order_by(PollResult.poll_id)):
        head, seq = document.get("audit_head"), document.get("audit_seq")
        problems = chain.anchor_faults(report, head, seq)
        if not problems:
            found.append(report.hashes[head])
            continue
        code, values = problems[0]
        if code == "audit_head_missing":
            continue  # signed before results carried an audit_head
        if code == "audit_cut":
            faults.append(_l("the signed result of poll %(poll)s anchors entry %(seq)s "
                             "(%(head)s), but the log ends at entry %(last)s: entries "
                             "%(first)s–%(seq)s (at least) were cut off", poll=poll_id,
                             seq=values["seq"], head=head, last=values["last"],
                             first=values["last"] + 1))
        elif code == "audit_head_after_break":
            faults.append(_l("the signed result of poll %(poll)s anchors %(head)s, beyond the "
                             "break at entry %(bad)s", poll=poll_id, head=head,
                             bad=values["bad"]))
        elif code == "audit_head_moved":
            faults.append(_l("the signed result of poll %(poll)s anchors entry %(seq)s, but its "
                             "hash is now at entry %(at)s", poll=poll_id, seq=values["seq"],
                             at=values["at"]))
        else:
            faults.append(_l("the signed result of poll %(poll)s anchors %(head)s, which no "
                             "entry of the log has (it ends at entry %(last)s): the log was cut "
                             "or rewritten", poll=poll_id, head=head, last=values["last"]))
    return AnchorReport(chain=ChainReport(report.entries, report.first_bad_seq,
                                          REASONS.get(report.reason) if report.reason else None),
                        anchors=len(found), newest_anchor_seq=max(found, default=None),
                        faults=faults)

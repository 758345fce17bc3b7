from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from voting.audit.models import GENESIS_HASH, AuditEntry
from voting.crypto.encoding import canonical_json
from voting.db import utcnow


def entry_hash(*, seq: int, created_at: str, actor: str, action: str, object_type: str,
               object_id: str, details: dict, prev_hash: str) -> str:
    body = {"seq": seq, "created_at": created_at, "actor": actor, "action": action,
            "object_type": object_type, "object_id": object_id, "details": details,
            "prev_hash": prev_hash}
    return hashlib.sha256(canonical_json(body)).hexdigest()


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


@dataclass(frozen=True)
class ChainReport:
    entries: int
    first_bad_seq: int | None
    reason: str | None

    @property
    def ok(self) -> bool:
        return self.first_bad_seq is None


def verify_chain(db: Session) -> ChainReport:
    prev = GENESIS_HASH
    expected_seq = 1
    count = 0
    for entry in db.scalars(select(AuditEntry).order_by(AuditEntry.seq)):
        count += 1
        if entry.seq != expected_seq:
            return ChainReport(count, entry.seq, f"entry {expected_seq} is missing")
        if entry.prev_hash != prev:
            return ChainReport(count, entry.seq, "does not link to the previous entry")
        computed = entry_hash(seq=entry.seq, created_at=_timestamp(entry), actor=entry.actor,
                              action=entry.action, object_type=entry.object_type,
                              object_id=entry.object_id, details=entry.details,
                              prev_hash=entry.prev_hash)
        if computed != entry.hash:
            return ChainReport(count, entry.seq, "content does not match its hash")
        prev = entry.hash
        expected_seq += 1
    return ChainReport(count, None, None)

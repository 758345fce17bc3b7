from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from voting.db import Base, UTCDateTime, make_immutable

GENESIS_HASH = "0" * 64


class AuditEntry(Base):
    """One staff action. `hash` covers the entry and the previous hash, so editing, deleting
    or reordering any row breaks the chain from there on."""

    __tablename__ = "audit_entries"

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(80))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(80))
    details: Mapped[dict] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)


# The database itself refuses edits and deletions; the chain detects what gets around that.
APPEND_ONLY_MESSAGE = "audit log is append-only"
make_immutable(AuditEntry.__table__, APPEND_ONLY_MESSAGE)

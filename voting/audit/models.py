from __future__ import annotations

from datetime import datetime

from sqlalchemy import DDL, JSON, String, event
from sqlalchemy.orm import Mapped, mapped_column

from voting.db import Base, UTCDateTime

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
APPEND_ONLY_SQLITE = [
    "CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries "
    "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END",
    "CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries "
    "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END",
]
APPEND_ONLY_POSTGRESQL = [
    "CREATE OR REPLACE FUNCTION audit_entries_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'audit log is append-only'; END; $$ LANGUAGE plpgsql",
    "CREATE TRIGGER audit_entries_no_change BEFORE UPDATE OR DELETE ON audit_entries "
    "FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only()",
]

for _stmt in APPEND_ONLY_SQLITE:
    event.listen(AuditEntry.__table__, "after_create", DDL(_stmt).execute_if(dialect="sqlite"))
for _stmt in APPEND_ONLY_POSTGRESQL:
    event.listen(AuditEntry.__table__, "after_create", DDL(_stmt).execute_if(dialect="postgresql"))

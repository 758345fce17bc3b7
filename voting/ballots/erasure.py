"""What a poll's close erases from the database's own files (docs/threat-model.md, "The files
erased of order at close"): the arrival order of the ballots and the deleted private key."""

from __future__ import annotations

import time

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session


def erase_write_order(conn: Connection, closing_xid: str | None = None) -> None:
    """After a close has committed (autocommit, outside any transaction): leave no copy of
    the ballots, or of the deleted key, in arrival order in the database's files.
    SQLite: VACUUM rebuilds every page in key order (secure_delete already zeroed what was
    freed; temporary copies stay in memory), then the -wal, which held each page as it was
    written, is checkpointed and truncated to nothing. PostgreSQL: VACUUM FULL writes the
    ballots (already rewritten in key order) and the keys into new files without the dead
    row versions, and CHECKPOINT puts them on disk so that older WAL can be recycled. A dead
    version is copied along while a transaction older than the close (in this database a
    snapshot, in any other a running transaction, which holds back VACUUM's own horizon)
    might still see it: wait for those first."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA temp_store=MEMORY")
        conn.exec_driver_sql("VACUUM")
        busy = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").first()[0]
        if busy:
            raise RuntimeError("wal_checkpoint(TRUNCATE) was blocked by a reader")
    elif conn.dialect.name == "postgresql":
        settled = closing_xid is None or _older_transactions_ended(conn, closing_xid)
        conn.exec_driver_sql("SET lock_timeout = '10s'")  # never queue the hall behind it
        conn.exec_driver_sql("VACUUM FULL ballots, poll_keys")
        conn.exec_driver_sql("CHECKPOINT")  # superuser or pg_checkpoint (PostgreSQL 15+)
        if not settled:
            raise RuntimeError("a transaction older than the close kept the old row versions")


_OLDER_THAN_CLOSE = text(
    "SELECT pg_snapshot_xmin(pg_current_snapshot()) <= CAST(:xid AS xid8) "
    "OR EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
    "AND datname = current_database() AND backend_xmin IS NOT NULL "
    "AND age(backend_xmin) >= age(CAST(:xid32 AS xid)))")


def _older_transactions_ended(conn: Connection, closing_xid: str, wait: float = 10.0) -> bool:
    """Wait (at most `wait` seconds) until no transaction that began before the close
    committed is still running or holding a snapshot."""
    params = {"xid": closing_xid, "xid32": str(int(closing_xid) % 2**32)}
    deadline = time.monotonic() + wait
    while conn.execute(_OLDER_THAN_CLOSE, params).scalar():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def rewrite_in_key_order(db: Session, poll_id: int) -> None:
    """On PostgreSQL a heap keeps rows in arrival order (ctid) with their writing transaction
    (xmin): copying the poll's rows back in random-key order in one transaction erases both.
    SQLite's WITHOUT ROWID table is already stored in key order."""
    if db.get_bind().dialect.name != "postgresql":
        return
    db.execute(text("CREATE TEMP TABLE closing_ballots AS "
                    "SELECT * FROM ballots WHERE poll_id = :p"), {"p": poll_id})
    db.execute(text("DELETE FROM ballots WHERE poll_id = :p"), {"p": poll_id})
    db.execute(text("INSERT INTO ballots SELECT * FROM closing_ballots ORDER BY id"))
    db.execute(text("DROP TABLE closing_ballots"))
    db.expire_all()

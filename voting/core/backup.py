"""Backup, restore and the integrity check after a restore.

SQLite is copied with its online backup API (a consistent copy while the site runs);
PostgreSQL with `pg_dump --format=custom` and `pg_restore`. After a restore `check` proves the
copy is the record: the audit chain intact and still holding every signed result's
`audit_head`, every counted poll's board hashing to the digest its result signed, and every
result's signature by one of the installation's keys.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session


class BackupError(RuntimeError):
    pass


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(database)


def _libpq_url(url: str) -> str:
    """pg_dump's own URL: the SQLAlchemy one without its driver."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian: postgresql-client)")
    return path


def _sqlite_copy(source: str, dest: Path, *, uri: bool = False) -> None:
    """SQLite's online backup of one database file into another, page by page."""
    src = sqlite3.connect(source, uri=uri)
    try:
        out = sqlite3.connect(dest)
        try:
            src.backup(out)
        finally:
            out.close()
    finally:
        src.close()


def _run(args: list[str], what: str) -> None:
    run = subprocess.run(args, capture_output=True, text=True)
    if run.returncode != 0:
        raise BackupError(run.stderr.strip() or f"{what} failed")


def backup(url: str, dest: Path) -> None:
    dest = Path(dest)
    if make_url(url).get_backend_name() == "sqlite":
        _sqlite_copy(str(_sqlite_path(url)), dest)
        return
    _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(dest),
          _libpq_url(url)], "pg_dump")


def restore(url: str, src: Path) -> None:
    """Replace the database's contents with the backup (the site must be stopped)."""
    src = Path(src)
    if not src.is_file():
        raise BackupError(f"no backup at {src}")
    if make_url(url).get_backend_name() == "sqlite":
        _sqlite_copy(f"file:{src}?mode=ro", _sqlite_path(url), uri=True)  # never writes the backup
        return
    _run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
          "--dbname", _libpq_url(url), str(src)], "pg_restore")


def check(db: Session, known_keys: list[str]) -> list[str]:
    """Everything wrong with the database as the record of the votes (empty: all holds).
    `known_keys` are the installation's result-signing public keys (base64url)."""
    from voting.audit.services import verify_anchored
    from voting.ballots.models import Poll
    from voting.ballots.services import board_ballots
    from voting.crypto import result_signing
    from voting.tally import board
    from voting.tally.models import PollResult

    faults: list[str] = []
    report = verify_anchored(db)
    if not report.chain.ok:
        faults.append(f"audit log broken at entry {report.chain.first_bad_seq}: "
                      f"{report.chain.reason}")
    faults += [str(f) for f in report.faults]
    for result in db.scalars(select(PollResult).order_by(PollResult.poll_id)):
        poll = db.get(Poll, result.poll_id)
        digest = board.board_digest(board_ballots(db, poll))
        if digest != result.document.get("board_digest"):
            faults.append(f"poll {poll.id}: the board no longer hashes to the signed digest")
        key = result.document.get("signing_key")
        if key not in known_keys:
            faults.append(f"poll {poll.id}: signed by a key this installation does not hold")
        elif not result_signing.verify_document(result.signed):
            faults.append(f"poll {poll.id}: the result's signature does not verify")
    return faults

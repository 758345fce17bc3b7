"""How far a running count has got, where another worker can read it (the count page's bar).

The count runs in one request, in a transaction that commits only at the end; the page that
started it polls a small JSON endpoint answered by another worker (or instance). So the
progress is written on a connection of its own, in autocommit mode, to `count_progress`:
the poll, how many signatures are checked, of how many. Nothing about any ballot. Writing
it is best effort: a failure is logged once and the count goes on without it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from voting.db import utcnow
from voting.tally.models import CountProgress

log = logging.getLogger(__name__)

# A write at most this often (seconds), and always the first and the last.
EVERY_SECONDS = 0.2
# On SQLite, how long a write may wait for the database (milliseconds): a bar that skips a beat
# is better than a count that waits.
SQLITE_WAIT_MS = 200


class Recorder:
    """`recorder(checked)`: `checked` of `total` signatures are checked. Opens its own
    autocommit connection (closed by `close`); `echo(checked, total)`, if given, is told as
    well (the command line's percentage)."""

    def __init__(self, engine: Engine, poll_id: int, total: int, *,
                 echo: Callable[[int, int], None] | None = None):
        self.poll_id, self.total, self.echo = poll_id, total, echo
        self._last_at = 0.0
        self._last = -1
        self._conn: Connection | None = None
        try:
            self._conn = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            if self._conn.dialect.name == "sqlite":
                self._conn.exec_driver_sql(f"PRAGMA busy_timeout = {SQLITE_WAIT_MS}")
            self._conn.execute(delete(CountProgress).where(CountProgress.poll_id == poll_id))
            self._conn.execute(insert(CountProgress).values(poll_id=poll_id, checked=0,
                                                            total=total, updated_at=utcnow()))
        except SQLAlchemyError as exc:
            self._failed(exc)
        if echo:
            echo(0, total)

    def __call__(self, checked: int) -> None:
        checked = min(checked, self.total)
        now = time.monotonic()
        if checked == self._last or (checked < self.total
                                     and now - self._last_at < EVERY_SECONDS):
            return
        self._last, self._last_at = checked, now
        if self._conn is not None:
            try:
                self._conn.execute(update(CountProgress)
                                   .where(CountProgress.poll_id == self.poll_id)
                                   .values(checked=checked, updated_at=utcnow()))
            except SQLAlchemyError as exc:
                self._failed(exc)
        if self.echo:
            self.echo(checked, self.total)

    def _failed(self, exc: Exception) -> None:
        log.warning("count progress of poll %s not recorded (%s); the count goes on",
                    self.poll_id, type(exc).__name__)
        self.close()

    def close(self) -> None:
        if self._conn is None:
            return
        conn, self._conn = self._conn, None
        try:
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql("PRAGMA busy_timeout = 30000")  # as voting.db connects
        except SQLAlchemyError:
            pass
        finally:
            conn.close()


def read(db: Session, poll_id: int) -> CountProgress | None:
    """The last progress written for the poll's count, if one ran."""
    return db.scalar(select(CountProgress).where(CountProgress.poll_id == poll_id))


def words(checked: int, total: int) -> str:
    """"已核验 45,000 / 100,000 张（45%）", in the request's (or the default) language."""
    from flask_babel import gettext as _

    done, of = format(checked, ","), format(total, ",")
    return _("Checked %(checked)s of %(total)s ballots (%(percent)s%%)", checked=done,
             total=of, percent=percent(checked, total))


def percent(checked: int, total: int) -> int:
    """Whole percent, rounded down (100 only when every signature is checked)."""
    return 100 if total <= 0 else checked * 100 // total

"""Database plumbing: the declarative base, one engine per app, one session per request.

Services receive the session as an argument and only flush; the request edge (a view, a CLI
command) commits once or rolls back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timezone

from flask import Flask, current_app, g
from sqlalchemy import DDL, DateTime, MetaData, Table, create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def get_one(db: Session, model, ident, message, **options):
    """The row of `model` with this primary key, or NotFound(message): a 404 page or the
    protocol's 404 JSON at the edge. `options` go to Session.get (e.g. with_for_update)."""
    from voting.errors import NotFound

    obj = db.get(model, ident, **options)
    if obj is None:
        raise NotFound(message)
    return obj


def one_of(column: str, values: Iterable[str | int]) -> str:
    """The SQL of a CHECK that `column` holds one of `values`: each enum is written once, as
    its Python tuple, and the constraint is generated from it (the same text a migration froze)."""
    def literal(value: str | int) -> str:
        if isinstance(value, int):
            return str(value)
        return "'" + value.replace("'", "''") + "'"

    return f"{column} IN ({', '.join(literal(v) for v in values)})"


def immutable_ddl(table: str, message: str) -> dict[str, list[str]]:
    """Trigger statements, per dialect, by which the database itself refuses UPDATE and DELETE
    on `table`. The initial migration holds a frozen copy of what these produce."""
    return {
        "sqlite": [
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END",
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END",
        ],
        "postgresql": [
            f"CREATE OR REPLACE FUNCTION {table}_immutable() RETURNS trigger AS $$ "
            f"BEGIN RAISE EXCEPTION '{message}'; END; $$ LANGUAGE plpgsql",
            f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_immutable()",
        ],
    }


def make_immutable(table: Table, message: str) -> None:
    """Install the triggers whenever the table is created from the models (tests, create_all)."""
    for dialect, statements in immutable_ddl(table.name, message).items():
        for statement in statements:
            event.listen(table, "after_create", DDL(statement).execute_if(dialect=dialect))


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on both SQLite (which drops tzinfo) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime")
            value = value.astimezone(timezone.utc)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def make_engine(url: str) -> Engine:
    """hide_parameters: a database error's message and log line never quote the values of
    its statement (a failed cast would write the whole ballot into the error log)."""
    kwargs = {}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    engine = create_engine(url, future=True, pool_pre_ping=True, hide_parameters=True,
                           **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_conn, _record):
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")  # a receipt promises the ballot is on disk
    cur.execute("PRAGMA secure_delete=ON")  # a deleted row (a poll's private key) is zeroed
    cur.close()


# ---- work that must follow a commit, outside any transaction -----------------------------------

AFTER_COMMIT = "voting_after_commit"


def after_commit(s: Session, action: Callable[[Connection], None]) -> None:
    """Run `action` once the session's current transaction has committed, on a connection
    of its own in autocommit mode (VACUUM and CHECKPOINT cannot run inside a transaction).
    Nothing runs if the transaction rolls back. A failure is logged, not raised: what the
    transaction did is committed either way, and the message says what to run by hand."""
    s.info.setdefault(AFTER_COMMIT, []).append(action)


@event.listens_for(Session, "after_commit")
def _run_after_commit(s: Session) -> None:
    actions = s.info.pop(AFTER_COMMIT, [])
    if not actions:
        return
    bind = s.get_bind()
    eng = getattr(bind, "engine", bind)
    for action in actions:
        try:
            with eng.connect() as conn:
                action(conn.execution_options(isolation_level="AUTOCOMMIT"))
        except Exception as exc:  # noqa: BLE001  (committed already: report, do not undo)
            logging.getLogger(__name__).error(
                "after-commit step %s failed (%s); run it by hand (docs/threat-model.md)",
                getattr(getattr(action, "func", action), "__name__", "?"), type(exc).__name__)


@event.listens_for(Session, "after_transaction_end")
def _forget_after_commit(s: Session, transaction) -> None:
    if transaction.parent is None:  # the outermost transaction ended without a commit
        s.info.pop(AFTER_COMMIT, None)


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["db_engine"] = engine
    app.extensions["db_sessionmaker"] = sessionmaker(engine, expire_on_commit=False)
    app.teardown_appcontext(_close_session)


def engine() -> Engine:
    return current_app.extensions["db_engine"]


def new_session() -> Session:
    """A session outside any request (CLI, background work); the caller closes it."""
    return current_app.extensions["db_sessionmaker"]()


def session() -> Session:
    """The session of the current app context, created on first use."""
    if "db_session" not in g:
        g.db_session = new_session()
    return g.db_session


def _close_session(_exc):
    s = g.pop("db_session", None)
    if s is not None:
        s.close()  # rolls back anything uncommitted

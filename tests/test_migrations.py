"""The Alembic migrations build exactly the schema the models describe, on both databases."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from tests.helpers import PG_URL
from voting import db
from voting.db import Base
from voting.migrate import upgrade


@pytest.fixture
def empty_engine(tmp_path):
    if not PG_URL:
        engine = db.make_engine(f"sqlite:///{tmp_path / 'migrated.sqlite3'}")
        yield engine
        engine.dispose()
        return
    base = db.make_engine(PG_URL)
    with base.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS migration_check CASCADE"))
        conn.execute(text("CREATE SCHEMA migration_check"))
    base.dispose()
    engine = db.make_engine(PG_URL)
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _search_path(dbapi_conn, _record):
        cur = dbapi_conn.cursor()
        cur.execute("SET search_path TO migration_check")
        cur.close()
        dbapi_conn.commit()

    yield engine
    engine.dispose()
    base = db.make_engine(PG_URL)
    with base.begin() as conn:
        conn.execute(text("DROP SCHEMA migration_check CASCADE"))
    base.dispose()


def test_migrations_match_models(empty_engine):
    import voting.models  # noqa: F401

    with empty_engine.begin() as conn:
        upgrade(conn)
    with empty_engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == [], f"models and migrations differ; run `flask --app voting db revision -m ...`: {diff}"


def test_migrated_audit_log_is_append_only(empty_engine):
    with empty_engine.begin() as conn:
        upgrade(conn)
    with empty_engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO audit_entries (seq, created_at, actor, action, object_type, object_id, "
            "details, prev_hash, hash) VALUES (1, '2026-01-01 00:00:00', 'a', 'b', 'c', 'd', '{}', "
            "'p', 'h')"))
    with pytest.raises(Exception, match="append-only"):
        with empty_engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_entries"))

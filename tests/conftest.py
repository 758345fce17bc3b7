"""Fixtures: a fresh app and database per test, on SQLite or (TEST_DATABASE_URL) PostgreSQL.

SQLite gets a new file per test. PostgreSQL gets the schema once per run and every table
emptied after each test (TRUNCATE skips the audit log's append-only row triggers).
"""

from __future__ import annotations

import os
import threading

import pytest
from sqlalchemy import text
from werkzeug.serving import make_server

from voting import create_app, db
from voting.db import Base

PG_URL = os.environ.get("TEST_DATABASE_URL")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def _pg_schema():
    if not PG_URL:
        yield None
        return
    engine = db.make_engine(PG_URL)
    import voting.models  # noqa: F401

    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    Base.metadata.create_all(engine)
    engine.dispose()
    yield PG_URL


@pytest.fixture
def app(tmp_path, _pg_schema):
    url = _pg_schema or f"sqlite:///{tmp_path / 'test.sqlite3'}"
    app = create_app("test", instance_path=str(tmp_path / "instance"), DATABASE_URL=url)
    engine = app.extensions["db_engine"]
    if not _pg_schema:
        Base.metadata.create_all(engine)
    yield app
    if _pg_schema:
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def dbs(app):
    """A database session for arranging and inspecting state directly."""
    with app.app_context():
        yield db.session()


@pytest.fixture
def make_user(app):
    from voting.auth.services import create_user

    def make(username="staff", role="secretariat", password="correct-horse", display_name=None):
        with app.app_context():
            s = db.session()
            user = create_user(s, username=username, password=password, role=role,
                               display_name=display_name or username)
            s.commit()
            return user.id

    return make


def login(client, username, password="correct-horse"):
    """Sign in through the JSON API; returns the CSRF token for later JSON POSTs."""
    r = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.get_json()["csrf_token"]


@pytest.fixture
def secretariat(client, make_user):
    make_user("secretariat", "secretariat", display_name="秘书处")
    return login(client, "secretariat")


# ---- browser tests -------------------------------------------------------------------

@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


@pytest.fixture(params=["phone", "desktop"])
def page(request, browser):
    """A page at phone and at desktop width, Chinese locale."""
    ctx = browser.new_context(locale="zh-CN", **(PHONE if request.param == "phone" else DESKTOP))
    pg = ctx.new_page()
    pg.set_default_timeout(10_000)
    yield pg
    ctx.close()

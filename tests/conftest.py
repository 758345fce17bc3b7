"""Fixtures: a fresh app and database per test, on SQLite or (TEST_DATABASE_URL) PostgreSQL;
accounts, a congress sitting with its clerk, a hall of deputies with an open poll, a poll key,
and the browser. The plain helpers they use are in tests/helpers.py and tests/polls.py;
test modules import those, never a conftest.

SQLite gets a new file per test. PostgreSQL gets the schema once per run and every table
emptied after each test (TRUNCATE skips the audit log's append-only row triggers).
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text
from werkzeug.serving import make_server

from tests.helpers import HASH, DESKTOP, PASSWORD, PG_URL, PHONE, app_db, login, user
from tests.polls import add_candidates, poll_via_services
from voting import create_app, db
from voting.crypto import blind_rsa
from voting.db import Base

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
                               display_name=display_name or username,
                               hash_method=app.config["PASSWORD_HASH_METHOD"])
            s.commit()
            return user.id

    return make


@pytest.fixture
def secretariat(client, make_user):
    make_user("secretariat", "secretariat", display_name="秘书处")
    return login(client, "secretariat")


# ---- a congress sitting, its hall and polls ----------------------------------------------

@pytest.fixture
def clerk(app):
    """A secretariat account for service calls (username "clerk")."""
    from voting.auth.services import create_user

    with app_db(app) as s:
        create_user(s, hash_method=HASH, username="clerk", password=PASSWORD, role="secretariat",
                    display_name="秘书处")


@pytest.fixture
def sitting(app, clerk):
    """(congress_id, session_id) of 哈尔滨市第十六届人民代表大会 第二次会议."""
    from voting.sessions import congresses

    with app_db(app) as s:
        actor = user(s, "clerk")
        congress = congresses.create_congress(s, actor, name="哈尔滨市第十六届人民代表大会", term=16)
        session = congresses.create_session(s, actor, congress_id=congress.id, name="第二次会议",
                                            year=2023)
        return congress.id, session.id


@pytest.fixture
def hall(app, sitting):
    """Deputies d001..d004 (d001..d003 checked in: a quorum of 4), 15 candidates and an open
    selection poll of 10 seats."""
    from voting.sessions import attendance, roster

    congress_id, session_id = sitting
    with app_db(app) as s:
        actor = user(s, "clerk")
        deputies = [roster.add_deputy(s, actor, hash_method=HASH, congress_id=congress_id, name=f"代表{i}",
                                      number=f"00{i}", delegation="道里区代表团",
                                      password=PASSWORD)[0] for i in (1, 2, 3, 4)]
        for d in deputies[:3]:
            attendance.check_in(s, actor, session_id=session_id, deputy_id=d.id, by_desk=True)
        add_candidates(s)
    poll_id = poll_via_services(app, session_id)
    return {"congress_id": congress_id, "session_id": session_id, "poll_id": poll_id}


@pytest.fixture(scope="session")
def poll_key():
    """One RSA key for polls arranged in the database (`tests.polls.poll_in_database`)."""
    return blind_rsa.generate_private_key(2048)


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


@pytest.fixture(params=["phone", "desktop"])
def page(request, browser):
    """A page at phone and at desktop width, Chinese locale."""
    ctx = browser.new_context(locale="zh-CN", **(PHONE if request.param == "phone" else DESKTOP))
    pg = ctx.new_page()
    pg.set_default_timeout(10_000)
    yield pg
    ctx.close()

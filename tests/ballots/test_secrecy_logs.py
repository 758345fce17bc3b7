"""What the logs may say about a cast (nothing), what gunicorn keeps, and what the close
leaves behind: the private key deleted, the database files rebuilt after the commit."""

from __future__ import annotations

import io
import logging
import re
import runpy
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from tests.helpers import app_db
from tests.polls import close, poll_via_services, signed_voter
from voting import db
from voting.ballots import services
from voting.ballots.models import PollKey
from voting.errors import NoCastLines, is_cast_path

REPO = Path(__file__).resolve().parents[2]
SECRET = "c0ffee" * 8  # stands for a ballot's content in a driver's message


def _record(msg, *args, name="werkzeug") -> logging.LogRecord:
    return logging.LogRecord(name, logging.INFO, __file__, 1, msg, args, None)


@pytest.mark.parametrize("line", [
    "POST /api/v1/polls/1/ballots HTTP/1.1",
    "POST /api/v1/polls/1/ballots?x=1 HTTP/1.1",  # the query string bypassed the old filter
    "PUT /api/v1/polls/1/ballots?ballots HTTP/1.1",
    "GET /api/v1/polls/12/ballots HTTP/1.0",
    "POST /api/v1/polls/1/%62allots HTTP/1.1",
    "POST //api/v1/polls/1/ballots/ HTTP/1.1",
    "POST http://vote.example/api/v1/polls/1/ballots#x HTTP/1.1",
    "\x1b[35m\x1b[1mPOST /api/v1/polls/1/ballots?x=1 HTTP/1.1\x1b[0m",
])
def test_no_cast_lines_drops_every_ballots_request_line(line):
    assert NoCastLines().filter(_record('%s - - "%s" %s %s', "127.0.0.1", line, "201", "-")) \
        is False


@pytest.mark.parametrize("line", [
    "POST /api/v1/polls/1/tokens HTTP/1.1",
    "GET /polls/1/board HTTP/1.1",
    "GET /api/v1/polls/1 HTTP/1.1",
    "GET /?next=/api/v1/polls/1/ballots%3Fx HTTP/1.1",
])
def test_no_cast_lines_keeps_other_lines(line):
    assert NoCastLines().filter(_record('"%s" %s %s', line, "200", "-")) is True


def test_the_cast_path_is_matched_on_the_path_alone():
    assert is_cast_path("/api/v1/polls/1/ballots?x=1")
    assert not is_cast_path("/api/v1/polls/1/ballots-old")


def test_gunicorn_keeps_no_access_log_and_its_error_log_drops_casts():
    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    settings = runpy.run_path(str(REPO / "gunicorn.conf.py"))
    assert settings["accesslog"] is None
    cfg = Config()
    for key in ("accesslog", "errorlog", "on_starting", "post_worker_init"):
        cfg.set(key, settings[key])
    log = Logger(cfg)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    log.error_log.addHandler(handler)
    try:
        cfg.on_starting(None)
        try:
            raise ValueError(SECRET)
        except ValueError:
            log.exception("Error handling request %s", "/api/v1/polls/1/ballots?x=1")
            log.exception("Error handling request %s %s", "POST", "/api/v1/polls/1/ballots")
        log.error("Worker timeout")
    finally:
        log.error_log.removeHandler(handler)
    assert SECRET not in stream.getvalue() and "ballots" not in stream.getvalue()
    assert "Worker timeout" in stream.getvalue()


@pytest.fixture
def production(app):
    """Exceptions handled as in production: logged and answered 500, not raised."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
    logs = [logging.getLogger(n) for n in ("", "flask.app", "voting")]
    for log in logs:
        log.addHandler(handler)
    yield stream
    for log in logs:
        log.removeHandler(handler)


def _failing_cast(*_args, **_kwargs):
    raise IntegrityError(f"INSERT INTO ballots VALUES ('{SECRET}')", {"receipt": SECRET},
                         Exception(f"Key (receipt)=({SECRET}) already exists"))


def test_a_failed_cast_is_logged_without_path_time_or_body(app, client, hall, production,
                                                           monkeypatch, capfd):
    monkeypatch.setattr(services, "cast_ballot", _failing_cast)
    r = client.post(f"/api/v1/polls/{hall['poll_id']}/ballots?x=1", json={"msg": SECRET})
    assert r.status_code == 500
    assert r.get_json()["error"] == "internal_error"
    # The cast logger reports it on the server's error stream, in a line with no time...
    (line,) = [x for x in capfd.readouterr().err.splitlines() if "ballot cast failed" in x]
    assert "IntegrityError" in line and "polls.py" in line
    assert SECRET not in line and "/ballots" not in line
    assert not re.search(r"\b\d\d:\d\d\b", line)
    # ...and passes nothing on to the handlers (root, the app's) whose formats carry one.
    assert SECRET not in production.getvalue() and "ballot" not in production.getvalue()


def test_other_failures_are_still_logged_as_usual(app, client, production, monkeypatch):
    monkeypatch.setattr(services, "poll_document", _failing_cast)
    monkeypatch.setattr(services, "get_poll", lambda *_: None)
    r = client.get("/api/v1/polls/1")
    assert r.status_code == 500
    assert "Exception on /api/v1/polls/1 [GET]" in production.getvalue()


def test_a_record_written_during_a_cast_loses_its_details(app):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    app.logger.addHandler(handler)
    try:
        with app.test_request_context("/api/v1/polls/1/ballots?x=1", method="POST"):
            app.logger.error("statement %s", SECRET)
        with app.test_request_context("/api/v1/polls/1/tokens", method="POST"):
            app.logger.error("kept %s", "here")
    finally:
        app.logger.removeHandler(handler)
    assert SECRET not in stream.getvalue() and "kept here" in stream.getvalue()


def test_engines_hide_statement_parameters(app):
    with app.app_context():
        with pytest.raises(Exception) as err:
            db.session().execute(text("SELECT * FROM no_such_table WHERE x = :x"),
                                 {"x": SECRET})
    assert SECRET not in str(err.value)


# ---- the close: the key goes, the files are rebuilt after the commit -------------------------

def _wal(app) -> Path:
    return Path(f"{make_url(app.config['DATABASE_URL']).database}-wal")


def _filenode(s, table: str) -> int:
    return s.execute(text("SELECT pg_relation_filenode(:t)"), {"t": table}).scalar()


def test_the_cli_close_deletes_the_private_key_and_rebuilds_the_files(app, client, hall):
    poll_id = hall["poll_id"]
    voter = signed_voter(app, client, poll_id)
    assert client.post(f"/api/v1/polls/{poll_id}/ballots",
                       json=voter.ballot(["c01"])).status_code == 201
    postgres = app.extensions["db_engine"].dialect.name == "postgresql"
    if postgres:
        with app_db(app) as s:
            before = _filenode(s, "ballots")
    else:
        assert _wal(app).stat().st_size > 0
    result = app.test_cli_runner().invoke(args=["poll", "close", str(poll_id)])
    assert result.exit_code == 0, result.output
    with app_db(app) as s:
        assert s.get(PollKey, poll_id) is None
        assert services.get_poll(s, poll_id).public_key_pem  # the public key stays
        if postgres:
            assert _filenode(s, "ballots") != before  # VACUUM FULL wrote a new file
    if not postgres:
        assert _wal(app).stat().st_size == 0
    board = client.get(f"/api/v1/polls/{poll_id}/ballots").get_json()
    assert [b["receipt"] for b in board["ballots"]]


def test_a_close_that_rolls_back_keeps_the_key_and_runs_nothing(app, hall, monkeypatch):
    ran = []
    monkeypatch.setattr(services, "erase_write_order", lambda conn, **_: ran.append(conn))
    with app.test_request_context():
        s = db.session()
        services.close_poll(s, "cli", hall["poll_id"])
        s.rollback()
        s.commit()  # a later commit of the same session does not run the forgotten step
    assert ran == []
    with app_db(app) as s:
        assert s.get(PollKey, hall["poll_id"]) is not None
        assert services.get_poll(s, hall["poll_id"]).status == "open"


def test_after_commit_runs_once_outside_the_transaction(app):
    seen = []
    with app.app_context():
        s = db.session()
        db.after_commit(s, lambda conn: seen.append(conn.get_execution_options()
                                                    .get("isolation_level")))
        s.commit()
        s.commit()
    assert seen == ["AUTOCOMMIT"]


def test_a_failing_after_commit_step_is_logged_and_the_commit_stands(app, hall, caplog):
    def broken(conn):
        raise RuntimeError(SECRET)

    with app.test_request_context():
        s = db.session()
        services.close_poll(s, "cli", hall["poll_id"])
        db.after_commit(s, broken)
        s.commit()
    with app_db(app) as s:
        assert services.get_poll(s, hall["poll_id"]).status == "closed"
    assert "broken" in caplog.text and SECRET not in caplog.text


def test_a_new_poll_after_a_close_still_issues_tokens(app, client, hall):
    close(app, hall["poll_id"])
    second = poll_via_services(app, hall["session_id"])
    voter = signed_voter(app, client, second)
    assert client.post(f"/api/v1/polls/{second}/ballots",
                       json=voter.ballot([])).status_code == 201


def test_the_close_waits_for_older_transactions_before_it_vacuums(app, client, hall):
    """VACUUM FULL copies a deleted row version that an older transaction might still see
    (here: one running in another connection when the close commits); the close waits for
    it to end, so that no copy of a ballot in arrival order stays in the new file."""
    from tests.ballots.test_secrecy_files import postgres_files, b64, offsets

    engine = app.extensions["db_engine"]
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's VACUUM FULL and transaction horizon")
    poll_id = hall["poll_id"]
    voter = signed_voter(app, client, poll_id)
    assert client.post(f"/api/v1/polls/{poll_id}/ballots",
                       json=voter.ballot(["c02"])).status_code == 201
    older = engine.connect()
    older.begin()
    older.execute(text("SELECT pg_current_xact_id()"))  # a running transaction with an xid
    timer = threading.Timer(1.0, older.commit)
    timer.start()
    started = time.monotonic()
    try:
        close(app, poll_id)
    finally:
        timer.join()
        older.close()
    assert time.monotonic() - started >= 0.9
    assert len(offsets(postgres_files(app)["ballots"], b64(voter.sig))) == 1

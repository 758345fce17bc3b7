"""Issue 11's secrecy audit with the production server: a whole vote, and the year-end
evaluation with the rectification it opens, through gunicorn (gunicorn.conf.py, two workers,
its error log in a file), on SQLite and on PostgreSQL.

The vote runs as the pages run it: the deputies sign in and fetch their tokens when the poll
opens; later, in a known order, they cast, from the same devices and carrying their session
cookies (as a page that forgot `credentials: "omit"` would); one cast fails in the server
(a 500: its random id collides with a stored ballot's) and is sent again; the secretariat
closes the poll on its page. Then the test reads what an operator keeps, as the operator
would (root on the machine here): gunicorn's error log (and its access log, turned on
against the advice), the server process's own output, PostgreSQL's server log, every row of
every table, the database's files (SQLite's file, -wal, -shm, -journal; PostgreSQL's heap
files) and, on PostgreSQL, the write-ahead log written during the vote. It searches them for
every blinded message, blind signature, token message and signature, receipt and ballot id,
for a deputy named beside a ballot, and for any time that falls while the ballots were being
cast.

What docs/threat-model.md promises, and so what is asserted: no log line about a cast; no
table row that names a deputy beside a ballot; no time on a ballot, a token or a session
that dates a cast (a signed-in cast is a cast without a session: its cookie is dropped, its
last-seen time untouched); the ballots' files in random-key order without older copies,
SQLite's -wal empty, the private key erased; on PostgreSQL a CHECKPOINT after the close so
that the WAL can be recycled. The WAL itself is NOT promised to be clean: the test reads it
only to confirm the threat model's own caveat (it still holds the casts, in arrival order).
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
import time
import types
import urllib.error
import urllib.request
import zipfile
from datetime import datetime, timezone
from http.cookiejar import CookieJar
from io import BytesIO
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from tests.ballots.test_secrecy_files import (b64, file_order, nearest_following_pairs, offsets,
                                              postgres_files)
from tests.helpers import HASH, PASSWORD, app_db, csrf_of, free_port, user
from tests.polls import Voter, add_candidates, poll_via_services
from voting.auth.models import User
from voting.ballots.models import Ballot, PollKey
from voting.crypto.encoding import b64url_decode
from voting.db import Base
from voting.sessions import attendance, congresses, roster
from voting.sessions.models import Deputy
from voting.tally import services as tally

ROOT = Path(__file__).resolve().parent.parent
PG_BIN = Path("/usr/lib/postgresql/15/bin")
PG_LOG = Path("/var/log/postgresql/postgresql-15-main.log")
DEPUTIES = 8  # enough that a board in casting order (or its reverse) would not be chance
FAILING = 2  # this cast (in casting order) fails once in the server, then is sent again
ISO_TIME = re.compile(rb"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d+)?(?:[+-]\d\d:?\d\d|Z)?")
GUNICORN_TIME = re.compile(r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) ([+-]\d{4})\]")
ACCESS_TIME = re.compile(r"\[(\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d) ([+-]\d{4})\]")
SUPERVISION = {"reporting_schedules", "progress_reports", "report_values", "rectifications",
               "rectification_steps"}


# ---- the server under test ---------------------------------------------------------------

def app_with_a_failing_cast(flag: str, **overrides):
    """The app as gunicorn loads it, except that once the file `flag` exists, the next random
    value a cast draws is its content (a stored ballot's id): the database stores nothing for
    that cast and the server answers 500, as for a real fault, in whichever worker takes it."""
    from voting import create_app
    from voting.ballots import services

    real = services.secrets

    def token_hex(n):
        try:
            value = Path(flag).read_text()
            os.unlink(flag)
        except FileNotFoundError:
            return real.token_hex(n)
        return value

    services.secrets = types.SimpleNamespace(token_hex=token_hex)
    return create_app("test", **overrides)


@pytest.fixture
def server(app, tmp_path):
    """gunicorn with the repository's gunicorn.conf.py and two workers; its error log in
    `error.log` (at debug level: the most it can say), an access log turned on by the
    command line as a careless operator would (`access.log`), its own output in `output.log`.
    Every signed-in request renews its session's last-seen time (touch interval 0), so that
    a cast that used the session would show. Yields what the test needs to read afterwards."""
    logs = types.SimpleNamespace(error=tmp_path / "error.log", access=tmp_path / "access.log",
                                 output=tmp_path / "output.log",
                                 flag=tmp_path / "collide",
                                 pg_log_start=PG_LOG.stat().st_size if PG_LOG.exists() else 0)
    factory = (f"tests.test_secrecy_production:app_with_a_failing_cast("
               f"{str(logs.flag)!r}, instance_path={app.instance_path!r}, "
               f"DATABASE_URL={app.config['DATABASE_URL']!r}, "
               f"SESSION_TOUCH_SECONDS=0, DEPUTY_SESSION_TOUCH_SECONDS=0)")
    port = free_port()
    with open(logs.output, "wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
             "--bind", f"127.0.0.1:{port}", "--workers", "2", "--error-logfile",
             str(logs.error), "--log-level", "debug", "--access-logfile", str(logs.access),
             factory],
            cwd=ROOT, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1).read()
                break
            except OSError:
                if process.poll() is not None:
                    pytest.fail("gunicorn exited: " + logs.output.read_text())
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not start")
        logs.base = base
        yield logs
    finally:
        process.terminate()
        process.wait(timeout=30)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Device:
    """A browser: its own cookie jar, every request over real HTTP; returns headers too.
    `follow=False`: a redirect is the answer (nothing more is requested)."""

    def __init__(self, base: str, *, follow: bool = True):
        self.base = base
        handlers = [urllib.request.HTTPCookieProcessor(CookieJar())]
        self.opener = urllib.request.build_opener(*handlers, *([] if follow else [NoRedirect()]))

    def send(self, method, path, body=None, headers=None, form=None):
        data, head = None, dict(headers or {})
        if body is not None:
            data, head["Content-Type"] = json.dumps(body).encode(), "application/json"
        elif form is not None:
            data = urlencode(form).encode()
            head["Content-Type"] = "application/x-www-form-urlencoded"
        request = urllib.request.Request(self.base + path, data=data, headers=head,
                                         method=method)
        try:
            with self.opener.open(request, timeout=30) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()

    def json(self, method, path, body=None, headers=None):
        status, head, raw = self.send(method, path, body, headers)
        return status, head, json.loads(raw or b"null")


def now() -> datetime:
    return datetime.now(timezone.utc)


def next_second() -> None:
    """Wait into the next whole second: gunicorn stamps its lines to the second, so that a
    phase's lines and the next phase's cannot share a stamp."""
    time.sleep(1.02 - now().microsecond / 1e6)


# ---- one vote through the server -------------------------------------------------------------

def hall(app, n: int, *, congress_id=None, session_id=None, start: int = 1) -> tuple[int, int]:
    """n deputies (d001.., named 代表N) checked in to a session, made if not given."""
    with app_db(app) as s:
        clerk = user(s, "clerk")
        if congress_id is None:
            congress = congresses.create_congress(s, clerk, name="哈尔滨市第十六届人民代表大会",
                                                  term=16)
            congress_id = congress.id
            session_id = congresses.create_session(s, clerk, congress_id=congress_id,
                                                   name="第二次会议", year=2023).id
        for i in range(start, start + n):
            deputy, _ = roster.add_deputy(s, clerk, hash_method=HASH, congress_id=congress_id,
                                          name=f"代表{i}", number=f"{i:03d}",
                                          delegation="道里区代表团", password=PASSWORD)
            attendance.check_in(s, clerk, session_id=session_id, deputy_id=deputy.id,
                                by_desk=True)
    return congress_id, session_id


def vote(app, logs, poll_id: int, names: list[str], choices: dict, order: list[str]):
    """Tokens first (signed in, all at once), then the casts in `order`, each sent by the
    deputy's own device with its session cookie; the FAILING one twice. Then a signed-in
    request of the first deputy (the control: the server does renew a session's last-seen
    time), and the close on the secretariat's page. Returns what the audit needs."""
    run = types.SimpleNamespace(poll_id=poll_id, names=names, order=order, voters={},
                                receipts={}, devices={}, blind_sigs={})
    with app_db(app) as s:
        run.key_pem = s.get(PollKey, poll_id).private_key_pem
    run.lsn_start = pg_lsn(app)
    run.started = now()
    for name in names:
        device = Device(logs.base)
        status, _, doc = device.json("POST", "/api/v1/auth/login",
                                     {"username": name, "password": PASSWORD})
        assert status == 200, doc
        _, _, poll = device.json("GET", f"/api/v1/polls/{poll_id}")
        voter = Voter(poll["public_key_pem"])
        status, _, doc = device.json("POST", f"/api/v1/polls/{poll_id}/tokens",
                                     voter.token_request(), {"X-CSRFToken": doc["csrf_token"]})
        assert status == 200, doc
        voter.finalize(doc["blind_sig"])
        run.voters[name], run.devices[name] = voter, device
        run.blind_sigs[name] = b64url_decode(doc["blind_sig"])
    next_second()

    run.cast_start = now()
    for position, name in enumerate(order):
        device, ballot = run.devices[name], run.voters[name].ballot(choices[name])
        path = f"/api/v1/polls/{poll_id}/ballots"
        if position == FAILING:
            with app_db(app) as s:  # the next random id drawn is a stored ballot's
                logs.flag.write_text(s.scalar(select(Ballot.id).limit(1)))
            status, head, doc = device.json("POST", path, ballot)
            assert status == 500 and doc["error"] == "internal_error", doc
            assert not logs.flag.exists()
        status, head, doc = device.json("POST", path, ballot)
        assert status == 201, doc
        assert head.get("Set-Cookie") is None  # the cookie it carried was not even read
        run.receipts[name] = doc["receipt"]
    run.cast_end = now()
    next_second()

    first = run.devices[names[0]]
    assert first.json("GET", "/api/v1/auth/me")[0] == 200  # signed in: renews last-seen
    staff = Device(logs.base, follow=False)  # nothing after the close until the files are read
    assert staff.json("POST", "/api/v1/auth/login",
                      {"username": "clerk", "password": PASSWORD})[0] == 200
    _, _, page = staff.send("GET", f"/polls/manage/{poll_id}")
    run.files_before_close = database_files(app, checkpoint=True)
    run.lsn_before_close = pg_lsn(app)
    run.filenodes = pg_filenodes(app)
    status, _, _ = staff.send("POST", f"/polls/manage/{poll_id}/close",
                              form={"csrf_token": csrf_of(page.decode()), "confirm": "y"})
    assert status == 302
    run.files_at_close = database_files(app)
    with app_db(app) as s:
        run.ballot_ids = {name: s.scalar(select(Ballot.id).where(Ballot.receipt == r))
                          for name, r in run.receipts.items()}
        run.deputy_names = dict(s.execute(select(User.username, Deputy.name)
                                          .join(Deputy, Deputy.user_id == User.id)).all())
    return run


def count_and_publish(app, poll_id: int) -> dict:
    with app_db(app) as s:
        clerk = user(s, "clerk")
        tally.tally_poll(s, clerk, poll_id, app.instance_path)
        return tally.publish_poll(s, clerk, poll_id).document


# ---- PostgreSQL's own record ---------------------------------------------------------------

def _superuser(app):
    if app.extensions["db_engine"].dialect.name != "postgresql":
        return None
    url = make_url(app.config["DATABASE_URL"]).set(username="postgres")
    return create_engine(url, isolation_level="AUTOCOMMIT")


def pg_lsn(app) -> str | None:
    engine = _superuser(app)
    if engine is None:
        return None
    with engine.connect() as conn:
        lsn = conn.execute(text("SELECT pg_current_wal_insert_lsn()::text")).scalar()
    engine.dispose()
    return lsn


def pg_filenodes(app) -> dict | None:
    engine = _superuser(app)
    if engine is None:
        return None
    with engine.connect() as conn:
        row = conn.execute(text(
            "SELECT (SELECT oid FROM pg_database WHERE datname = current_database()), "
            "pg_relation_filenode('ballots'), pg_relation_filenode('token_issuances'), "
            "current_setting('data_directory')")).one()
    engine.dispose()
    return {"db": row[0], "ballots": row[1], "token_issuances": row[2], "data_dir": row[3]}


def checkpoint_redo_after(app, lsn: str) -> bool:
    engine = _superuser(app)
    with engine.connect() as conn:
        ok = conn.execute(text("SELECT redo_lsn >= CAST(:lsn AS pg_lsn) "
                               "FROM pg_control_checkpoint()"), {"lsn": lsn}).scalar()
    engine.dispose()
    return ok


def waldump(run) -> str | None:
    """pg_waldump of the WAL between the first token and the close, or None if those segments
    are gone already (recycled: nothing to read) or the tool cannot read them."""
    wal = Path(run.filenodes["data_dir"]) / "pg_wal"
    tool = PG_BIN / "pg_waldump"
    if not tool.exists() or not os.access(wal, os.R_OK):
        return None
    done = subprocess.run([str(tool), "-p", str(wal), "-s", run.lsn_start,
                           "-e", run.lsn_before_close], capture_output=True, text=True)
    if done.returncode != 0 and not done.stdout:
        return None
    return done.stdout


WAL_SEGMENT = 16 * 1024 * 1024


def wal_segments(run) -> list[Path]:
    """The WAL segment files (timeline 1) the vote was written to, from its first token to
    just before the close; a recycled one is gone under that name."""
    wal = Path(run.filenodes["data_dir"]) / "pg_wal"
    first, last = (int(lsn.split("/")[0], 16) << 32 | int(lsn.split("/")[1], 16)
                   for lsn in (run.lsn_start, run.lsn_before_close))
    per_id = 0x100000000 // WAL_SEGMENT
    return [wal / f"00000001{seg // per_id:08X}{seg % per_id:08X}"
            for seg in range(first // WAL_SEGMENT, last // WAL_SEGMENT + 1)]


def wal_bytes(run) -> bytes:
    """The raw WAL segments the vote was written to, as whoever reads pg_wal/ reads them."""
    data = b"".join(p.read_bytes() for p in wal_segments(run) if p.exists())
    # Without the header of each 8 kB WAL page, a record that spans two pages reads whole.
    return b"".join(data[at + (40 if at % WAL_SEGMENT == 0 else 24):at + 8192]
                    for at in range(0, len(data), 8192))


# ---- the audit ---------------------------------------------------------------------------------

def _blob(value) -> bytes:
    """A value as every spelling a search should find it under."""
    if value is None:
        return b""
    if isinstance(value, (bytes, memoryview)):
        raw = bytes(value)
        return b" ".join([raw, raw.hex().encode(), b64(raw).encode(),
                          base64.b64encode(raw)])
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, default=str).encode()
    return str(value).encode()


def every_row(app) -> dict[str, list[dict]]:
    with app_db(app) as s:
        return {t.name: [dict(r._mapping) for r in s.execute(select(t))]
                for t in Base.metadata.sorted_tables}


def _times(value) -> list[datetime]:
    """The datetimes a stored value holds: a column's own, or ISO times inside text/JSON."""
    if isinstance(value, datetime):
        return [value if value.tzinfo else value.replace(tzinfo=timezone.utc)]
    found = []
    for match in ISO_TIME.finditer(_blob(value)):
        stamp = match.group().decode().replace(" ", "T").replace("Z", "+00:00")
        try:
            moment = datetime.fromisoformat(stamp)
        except ValueError:
            continue
        found.append(moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc))
    return found


def secrets_of(run) -> dict[str, list]:
    ballot, token = [], []
    for name in run.names:
        v = run.voters[name]
        ballot += [v.msg, v.prefix, v.sig, run.receipts[name], run.ballot_ids[name]]
        token += [v.blinded, run.blind_sigs[name]]
    return {"ballot": ballot, "token": token}


def audit_logs(app, logs, run, *, failed_cast: bool):
    """Nothing any log keeps says anything about a cast: no value, no path, no time."""
    values = secrets_of(run)["ballot"] + secrets_of(run)["token"]
    error, output = logs.error.read_bytes(), logs.output.read_bytes()
    pg_log = b""
    if PG_LOG.exists() and os.access(PG_LOG, os.R_OK):
        with open(PG_LOG, "rb") as f:
            f.seek(logs.pg_log_start)
            pg_log = f.read()
    access = logs.access.read_bytes()
    for name, data in (("gunicorn error log", error), ("server output", output),
                       ("gunicorn access log", access),
                       ("PostgreSQL log", pg_log)):
        assert [v for v in values if offsets(data, v)] == [], name
        lines = data.decode(errors="replace").splitlines()
        assert not [line for line in lines if "/ballots" in line], name
        for line in lines:  # nothing was logged, with its time, while the casts came in
            stamp, access_stamp = GUNICORN_TIME.match(line), ACCESS_TIME.search(line)
            if stamp or access_stamp:
                at = (datetime.strptime(" ".join(stamp.groups()), "%Y-%m-%d %H:%M:%S %z")
                      if stamp else
                      datetime.strptime(" ".join(access_stamp.groups()), "%d/%b/%Y:%H:%M:%S %z"))
                assert not run.cast_start.replace(microsecond=0) <= at <= run.cast_end, line
    assert b"Booting worker" in error  # the logs were really written to those files
    assert b"/tokens HTTP" in access and b"/auth/me HTTP" in access
    reported = [line for line in error.decode().splitlines() if "ballot cast failed" in line]
    if failed_cast:
        # the one line a failed cast leaves: where it failed, without a time of its own
        assert len(reported) == 1 and "RuntimeError" in reported[0], reported
        assert not re.search(r"\d\d:\d\d", reported[0])
    else:
        assert reported == []


def audit_tables(app, run):
    """Every row of every table: ballot values only in `ballots` (the signed result commits
    to the board by its digest, it does not copy it), token values only in
    `token_issuances`, no deputy beside a ballot, and no stored time inside the casting
    window."""
    rows = every_row(app)
    found = secrets_of(run)
    names = set(run.deputy_names.values())
    usernames = set(run.deputy_names)
    ballot_tables, token_tables = set(), set()
    for table, table_rows in rows.items():
        for row in table_rows:
            blob = b" ".join(_blob(v) for v in row.values())
            holds_ballot = any(offsets(blob, v) for v in found["ballot"])
            if holds_ballot:
                ballot_tables.add(table)
                assert not [n for n in names if n.encode() in blob], (table, row)
            if any(offsets(blob, v) for v in found["token"]):
                token_tables.add(table)
                assert not holds_ballot, (table, row)
            for value in row.values():
                for moment in _times(value):
                    assert not run.cast_start <= moment <= run.cast_end, (table, row)
    assert ballot_tables == {"ballots"} and token_tables == {"token_issuances"}
    for row in rows["ballots"]:  # no column of a ballot equals a deputy's or user's key
        assert not {str(v) for v in row.values()} & usernames
    # Sessions: each deputy's last-seen time is that of their token, none a cast's (the casts
    # carried the cookies); the control shows that a signed-in request does renew it.
    by_user = {u["id"]: u["username"] for u in rows["users"]}
    seen = {by_user[r["user_id"]]: _times(r["last_seen_at"])[0] for r in rows["login_sessions"]
            if by_user[r["user_id"]] in run.names and r["ended_at"] is None}
    assert set(seen) == set(run.names)
    assert seen.pop(run.names[0]) > run.cast_end
    assert all(at < run.cast_start for at in seen.values()), seen
    # The audit log: no entry was written while tokens were issued or ballots cast; the
    # close's entry counts them, nothing more.
    entries = [e for e in rows["audit_entries"]
               if e["object_type"] == "poll" and str(e["object_id"]) == str(run.poll_id)]
    close_entry = next(e for e in entries if e["action"] == "poll.close")
    assert set(close_entry["details"]) == {"tokens_issued", "ballots_cast", "present",
                                           "expected"}
    assert not [e for e in rows["audit_entries"]
                if run.started <= _times(e["created_at"])[0] <= run.cast_end]
    return rows


def audit_board(app, logs, run):
    """The board's order is the messages' order: not the casting order nor its reverse, and
    not the rows' physical order; so is every public document that lists the ballots."""
    device = Device(logs.base)
    _, _, board = device.json("GET", f"/api/v1/polls/{run.poll_id}/ballots")
    listed = [b["receipt"] for b in board["ballots"]]
    by_receipt = {r: n for n, r in run.receipts.items()}
    assert sorted(listed) == sorted(run.receipts.values())
    cast_order = [run.receipts[n] for n in run.order]
    assert listed not in (cast_order, cast_order[::-1])
    assert [b["msg"] for b in board["ballots"]] == sorted(b["msg"] for b in board["ballots"])
    physical = physical_order(app, run.poll_id)
    assert physical == [run.receipts[n] for n in sorted(run.names, key=run.ballot_ids.get)]
    assert listed not in (physical, physical[::-1])
    _, _, page = device.send("GET", f"/polls/{run.poll_id}/board")
    on_page = [m.group() for m in re.finditer(r"[0-9a-f]{32}", page.decode())
               if m.group() in by_receipt]
    assert list(dict.fromkeys(on_page)) == listed
    status, _, archive = device.send("GET", f"/results/{run.poll_id}/public-documents.zip")
    assert status == 200
    with zipfile.ZipFile(BytesIO(archive)) as z:
        published = json.loads(z.read("ballots.json"))
        result_doc = z.read("result.json")
    assert [b["receipt"] for b in published["ballots"]] == listed
    assert not ISO_TIME.search(json.dumps(published).encode())  # the board carries no time
    assert b"ballot_id" not in result_doc


def physical_order(app, poll_id: int) -> list[str]:
    """Receipts in storage order (PostgreSQL's ctid, SQLite's table b-tree)."""
    with app_db(app) as s:
        if app.extensions["db_engine"].dialect.name == "postgresql":
            query = "SELECT * FROM ballots WHERE poll_id = :p ORDER BY ctid"
        else:
            query = "SELECT * FROM ballots WHERE +poll_id = :p"  # the table's own b-tree
        return [r.receipt for r in s.execute(text(query), {"p": poll_id})]


def page_size(name: str, data: bytes) -> tuple[int, int]:
    """(where the first page starts, the stride from one page to the next) in a database
    file: SQLite's main file (its page size in the header), its -wal (32-byte header, each
    frame a 24-byte header and a page), PostgreSQL's 8 kB pages."""
    if data.startswith(b"SQLite format 3\x00"):
        size = int.from_bytes(data[16:18], "big")
        return 0, 65536 if size == 1 else size
    if name.endswith("-wal") and len(data) >= 32:
        return 32, int.from_bytes(data[8:12], "big") + 24
    return 0, 8192


def laid_out_by_key(places: dict, keyed: list, start: int, stride: int) -> bool:
    """Whether the ballots in a file lie by their random keys alone: within every page, in
    key order or (as SQLite and PostgreSQL fill a page from its end) in reverse key order.
    `places`: ballot → offset. A page written in arrival order fails this, whatever the
    order of the pages themselves (a b-tree's interior pages hold some rows too)."""
    pages: dict[int, list] = {}
    for owner, at in sorted(places.items(), key=lambda kv: kv[1]):
        pages.setdefault((at - start) // stride, []).append(keyed.index(owner))
    return all(rank in (sorted(rank), sorted(rank, reverse=True)) for rank in pages.values())
    position = [keyed.index(n) for n in seen]
    for p in (position, position[::-1]):
        for step in (1, -1):
            runs, start = [], 0
            for i in range(1, len(p) + 1):
                if i == len(p) or p[i] != p[i - 1] + step:
                    runs.append(sorted(p[start:i]))
                    start = i
            if sum(runs, []) == list(range(len(p))):
                return True
    return False


def database_files(app, *, checkpoint: bool = False) -> dict[str, bytes]:
    """SQLite's file, -wal, -shm (and -journal, if any); PostgreSQL's heap and index files
    of the ballots, the tokens and the keys (tests/ballots/test_secrecy_files.py), after a
    CHECKPOINT if asked (the pages as they are on disk)."""
    if app.extensions["db_engine"].dialect.name == "postgresql":
        if checkpoint:
            engine = _superuser(app)
            with engine.connect() as conn:
                conn.exec_driver_sql("CHECKPOINT")
            engine.dispose()
        return postgres_files(app)
    path = Path(make_url(app.config["DATABASE_URL"]).database)
    return {p.name: p.read_bytes() for p in (path, *(Path(f"{path}-{end}")
                                                 for end in ("wal", "shm", "journal")))
            if p.exists()}


def audit_files(app, run):
    """The database's files after the close: ballots in key order with no older copy, no
    token beside its ballot, the private key erased; SQLite's -wal empty; on PostgreSQL a
    checkpoint after the close, and the WAL as the threat model says it is."""
    sigs = {n: b64(run.voters[n].sig) for n in run.names}
    blinded = {n: run.voters[n].blinded for n in run.names}
    keyed = sorted(run.names, key=lambda n: run.ballot_ids[n])
    # The control: just before the close, the files did show the arrival order (the audit
    # below would see it if the close left it).
    before = run.files_before_close
    if run.filenodes is None:
        wal = next(data for name, data in before.items() if name.endswith("-wal"))
        assert file_order(wal, run.receipts) == run.order
    else:
        places = {n: offsets(before["ballots"], sigs[n])[0] for n in run.names}
        assert not laid_out_by_key(places, keyed, 0, 8192)
        # the heap filled page after page, each page from its end: in arrival order
        assert sorted(run.names, key=lambda n: (places[n] // 8192, -places[n])) == run.order
    if run.filenodes is None:  # the close left the log of writes empty
        wal = [data for name, data in run.files_at_close.items() if name.endswith("-wal")]
        assert [len(data) for data in wal] in ([], [0])
    # As the close left them, and as they are after the count and publication (and on
    # SQLite the -wal those wrote since).
    for files in (run.files_at_close, database_files(app)):
        for name, data in files.items():
            assert [n for n in run.names if len(offsets(data, sigs[n])) > 1] == [], name
            places = {n: offsets(data, sigs[n])[0] for n in run.names if offsets(data, sigs[n])}
            assert laid_out_by_key(places, keyed, *page_size(name, data)), (name, run.order)
            pairs = nearest_following_pairs(data, blinded, run.receipts)
            assert len(set(pairs.values())) <= 1, (name, pairs)
        key_body = "".join(run.key_pem.splitlines()[1:-1])[:64].encode()
        assert [name for name, data in files.items() if key_body in data] == []
        assert any(len(file_order(data, sigs)) == len(run.names) for data in files.values())
        assert any(len(file_order(data, blinded)) == len(run.names) for data in files.values())
    if run.filenodes is None:
        return
    # The promise: once the close returned, a checkpoint has begun after it, so no WAL
    # written during the vote is needed any more and the server may recycle it.
    assert checkpoint_redo_after(app, run.lsn_before_close)
    # Not promised (docs/threat-model.md, "PostgreSQL's WAL"): until recycled, the segments
    # still hold each cast in arrival order, and each cast's transaction with its commit time.
    raw = wal_bytes(run)
    if raw and len(file_order(raw, sigs)) == len(run.names):
        assert file_order(raw, sigs) == run.order
    dump = waldump(run)
    if os.access(Path(run.filenodes["data_dir"]) / "pg_wal", os.R_OK) and \
            all(p.exists() for p in wal_segments(run)):
        assert dump, "pg_waldump read nothing of the vote's WAL"  # else recycled already
    if dump:
        lines = dump.splitlines()

        def committed(table: str) -> list[datetime]:
            """Commit times of the transactions that inserted into `table`'s old file."""
            rel = f"rel 1663/{run.filenodes['db']}/{run.filenodes[table]} "
            xids = {m.group(1) for line in lines if rel in line and "INSERT" in line
                    for m in [re.search(r"tx:\s+(\d+)", line)] if m}
            stamps = []
            for line in lines:  # a token's insert is in a savepoint: its xid is a subxact
                m = re.search(r"tx:\s+(\d+),.*COMMIT (\S+ \S+) ([^;\s]+)(?:; subxacts:([\d ]+))?",
                              line)
                if m and xids & {m.group(1), *(m.group(4) or "").split()}:
                    stamps.append(datetime.fromisoformat(m.group(2))
                                  .replace(tzinfo=ZoneInfo(m.group(3))))
            assert len(xids) == len(stamps) == len(run.names), table
            return stamps

        assert all(run.cast_start <= at <= run.cast_end for at in committed("ballots"))
        assert all(at < run.cast_start for at in committed("token_issuances"))


# ---- the tests -------------------------------------------------------------------------------

@pytest.mark.usefixtures("clerk")
def test_a_vote_through_gunicorn_leaves_no_link_from_a_deputy_to_a_ballot(app, server):
    _congress_id, session_id = hall(app, DEPUTIES)
    with app_db(app) as s:
        add_candidates(s)
    poll_id = poll_via_services(app, session_id)
    names = [f"d{i:03d}" for i in range(1, DEPUTIES + 1)]
    order = names[3:] + names[:3][::-1]  # known, neither the sign-in order nor its reverse
    choices = {n: [f"c{(i % 15) + 1:02d}", f"c{((i + 4) % 15) + 1:02d}"]
               for i, n in enumerate(names)}
    run = vote(app, server, poll_id, names, choices, order)
    count_and_publish(app, poll_id)

    audit_logs(app, server, run, failed_cast=True)
    audit_tables(app, run)
    audit_board(app, server, run)
    audit_files(app, run)


def test_the_year_end_evaluation_through_gunicorn(app, sitting, server):
    """The evaluation poll of `flask poll evaluate`, rated by eight deputies the same way;
    the 不满意 project's rectification (opened at publication, then reported on by its unit
    and closed by the secretariat) names nobody who rated it."""
    from tests.supervision.evaluating import selected_with_runoff
    from voting.supervision import rectification
    from voting.supervision.models import Rectification

    year = selected_with_runoff(app, sitting)  # d001..d004 selected c01..c03
    hall(app, DEPUTIES - 4, congress_id=year["congress_id"], session_id=year["session_id"],
         start=5)
    out = app.test_cli_runner().invoke(args=["poll", "evaluate", str(year["selection"])])
    assert out.exit_code == 0, out.output
    poll_id = int(out.output.split()[-1])
    names = [f"d{i:03d}" for i in range(1, DEPUTIES + 1)]
    marks = ["satisfied", "basic", "dissatisfied"]
    choices = {n: {"c01": "satisfied", "c02": marks[i % 3], "c03": "dissatisfied"}
               for i, n in enumerate(names)}
    order = names[::2] + names[1::2]
    run = vote(app, server, poll_id, names, choices, order)
    doc = count_and_publish(app, poll_id)
    assert doc["ratings"]["c03"] == "dissatisfied"
    with app_db(app) as s:
        (rect,) = s.scalars(select(Rectification).where(Rectification.poll_id == poll_id))
        unit = user(s, "u3")  # the unit responsible for c03's project (市单位3)
        assert rect.project_id == year["projects"][2]
        rectification.file_report(s, unit, rect.id, "已整改：增加施工班组")
        rectification.close(s, user(s, "clerk"), rect.id, "整改完成")

    audit_logs(app, server, run, failed_cast=True)
    rows = audit_tables(app, run)
    audit_board(app, server, run)
    audit_files(app, run)
    # The supervision tables: no deputy, no username, no ballot value, nothing by a deputy.
    people = set(run.deputy_names) | set(run.deputy_names.values())
    for table in SUPERVISION:
        for row in rows[table]:
            blob = b" ".join(_blob(v) for v in row.values()).decode(errors="replace")
            assert not [p for p in people if re.search(rf"(?<![0-9a-z]){p}(?![0-9])", blob)], \
                (table, row)
    deputy_users = {u["id"] for u in rows["users"] if u["username"] in run.deputy_names}
    assert not [fk for t in SUPERVISION for fk in Base.metadata.tables[t].foreign_keys
                if fk.column.table.name in {"users", "deputies", "token_issuances", "ballots",
                                            "attendances", "login_sessions"}]
    assert not [r for r in rows["rectification_steps"] if r["by"] in run.deputy_names]
    assert deputy_users  # the deputies were there to be looked for


def test_the_layout_rule_accepts_pages_of_key_order_only():
    """`laid_out_by_key` is no blanket pass: each page in key order or reversed passes,
    whatever the pages' own order; a page in another order does not."""
    keyed = list("abcdefgh")

    def places(*pages):  # pages of 100 bytes, rows 10 bytes apart
        return {row: 100 * p + 10 * i for p, page in enumerate(pages) for i, row in enumerate(page)}

    for pages in (["abcdefgh"], ["hgfedcba"], ["dcba", "hgfe"], ["e", "dcba", "hgf"],
                  ["hgf", "abcd", "e"], []):
        assert laid_out_by_key(places(*pages), keyed, 0, 100), pages
    for pages in (["acbd", "efgh"], ["dcba", "hegf"], ["hgfedcab"]):
        assert not laid_out_by_key(places(*pages), keyed, 0, 100), pages

"""PostgreSQL restarted (`pg_ctl restart -m fast`, and `-m immediate`: a crash and its
recovery) in the middle of casting, gunicorn left running: every ballot whose receipt was
returned is on the board with that receipt, no ballot is half-stored, the outage answers the
protocol's JSON error (503, never a 500 or a stack trace), every client's retry of the
identical ballot succeeds, each ballot is stored once, and the same server serves again.

The shared server at 127.0.0.1:5432 serves other suites and must not be restarted: the test
runs its own throwaway cluster (initdb into a temporary directory, fsync on, a free port on
127.0.0.1, its socket in that directory), on both suite runs, SQLite's included.
"""

from __future__ import annotations

import glob
import json
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select, text

from tests.helpers import app_db, free_port
from tests.polls import sign_ballot
from tests.test_kill_while_casting import BALLOTS, _start, open_poll_and_ballots
from voting import create_app
from voting.ballots.models import Ballot
from voting.db import Base

CLIENTS = 4
RETRY_PAUSE = 0.05  # seconds between a client's retries, as a deputy's page would (shorter)
DEADLINE = 45  # seconds for all clients to get every receipt


def _pg_bindir() -> Path | None:
    """The directory of initdb and pg_ctl: on PATH, else Debian's versioned directory."""
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                        key=lambda p: [int(n) for n in Path(p).parent.parent.name.split(".")
                                       if n.isdigit()])
    return Path(candidates[-1]).parent if candidates else None


def _cannot_run_cluster() -> str | None:
    """Why no throwaway cluster can run here, or None."""
    if _pg_bindir() is None:
        return "PostgreSQL's initdb is not installed"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root without a `postgres` OS user to run PostgreSQL as"
    return None


class Cluster:
    """A throwaway PostgreSQL cluster. PostgreSQL refuses to run as root: as root, its
    commands run as the `postgres` OS user, in a directory that user owns."""

    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.dir = Path(tempfile.mkdtemp(prefix="voting-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "server.log"
        self.port = free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]

    def run(self, tool: str, *args: str, timeout: float = 60) -> None:
        done = subprocess.run([*self.as_user, str(self.bindir / tool), *args], cwd=self.dir,
                              capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise AssertionError(f"{tool} {' '.join(args)} failed ({done.returncode}):\n"
                                 f"{done.stdout}{done.stderr}\n{self.server_log()}")

    def server_log(self, tail: int | None = 4000) -> str:
        """The server's log, its last `tail` characters (None: all of it)."""
        try:
            whole = self.log.read_text(errors="replace")
            return whole[-tail:] if tail else whole
        except OSError:
            return ""

    def ctl(self, action: str, *args: str) -> None:
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir}"
        self.run("pg_ctl", action, "-D", str(self.data), "-l", str(self.log), "-w",
                 "-t", "30", "-o", options, *args)

    def postmaster_pid(self) -> int:
        return int((self.data / "postmaster.pid").read_text().split()[0])

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        # --no-sync only spares initdb flushing its template files (the machine does not
        # crash here); the server keeps its defaults, fsync and synchronous_commit on, as in
        # production: a receipt stands for a commit flushed to the WAL on disk.
        self.run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                 "--locale=C", "--no-sync")
        self.ctl("start")

    def stop(self) -> None:
        """Stop whatever is running and delete the cluster; never raises (teardown)."""
        try:
            if (self.data / "postmaster.pid").exists():
                subprocess.run([*self.as_user, str(self.bindir / "pg_ctl"), "stop", "-D",
                                str(self.data), "-m", "immediate", "-w"],
                               capture_output=True, timeout=60)
        except (OSError, subprocess.SubprocessError):
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="module")
def cluster():
    reason = _cannot_run_cluster()
    if reason:
        reason += ": no throwaway PostgreSQL cluster to restart"
        if os.environ.get("CI"):
            pytest.fail(reason + " (CI must run this test)")
        pytest.skip(reason)
    c = Cluster(_pg_bindir())
    try:
        c.start()
        yield c
    finally:
        c.stop()


@pytest.fixture
def app(tmp_path, cluster):
    """This module's app: a new database of its own on the throwaway cluster (it replaces
    conftest's `app`, so that `clerk` and `sitting` arrange their data there)."""
    name = f"voting_{uuid.uuid4().hex[:12]}"
    admin = create_app("test", instance_path=str(tmp_path / "admin"),
                       DATABASE_URL=cluster.url("postgres"))
    with admin.extensions["db_engine"].connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(
            text(f'CREATE DATABASE "{name}"'))
    admin.extensions["db_engine"].dispose()
    app = create_app("test", instance_path=str(tmp_path / "instance"),
                     DATABASE_URL=cluster.url(name))
    import voting.models  # noqa: F401  (every table)

    Base.metadata.create_all(app.extensions["db_engine"])
    yield app
    app.extensions["db_engine"].dispose()


def _send(port: int, poll_id: int, ballot: dict) -> tuple[int, dict | None, str | None]:
    """(status, decoded JSON body or None, Retry-After); an OSError if no HTTP answer came."""
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/polls/{poll_id}/ballots",
                                 data=json.dumps(ballot).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            status, raw, headers = r.status, r.read(), r.headers
    except urllib.error.HTTPError as err:
        status, raw, headers = err.code, err.read(), err.headers
    try:
        body = json.loads(raw) if headers.get_content_type() == "application/json" else None
    except ValueError:
        body = None
    return status, body, headers.get("Retry-After")


def _workers(server) -> set[int]:
    """The pids of gunicorn's workers (the master's children)."""
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text()
    return {int(pid) for pid in children.split()}


@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_postgresql_restart_in_the_middle_of_casting(app, cluster, poll_key, sitting, mode):
    with app_db(app) as s:
        # A receipt then stands for a commit on disk, which a crash does not undo.
        assert [s.scalar(text(f"SHOW {name}")) for name in ("fsync", "synchronous_commit")] \
            == ["on", "on"]
    poll_id, ballots = open_poll_and_ballots(app, poll_key, sitting[1])
    port = free_port()
    server = _start(app, port)
    lock = threading.Lock()
    receipts: dict[int, tuple[int, str]] = {}  # ballot index → (status, receipt) the client got
    failures: list[tuple[int, dict | None, str | None]] = []  # answers that were no receipt
    dropped = []  # requests that got no HTTP answer at all
    stop_at, halt = time.monotonic() + DEADLINE, threading.Event()

    def client(indices):
        for i in indices:
            while time.monotonic() < stop_at and not halt.is_set():  # again until stored
                try:
                    status, body, retry_after = _send(port, poll_id, ballots[i])
                except OSError:
                    with lock:
                        dropped.append(i)
                    time.sleep(RETRY_PAUSE)
                    continue
                if status in (200, 201) and body and "receipt" in body:
                    with lock:
                        receipts[i] = (status, body["receipt"])
                    break
                with lock:
                    failures.append((status, body, retry_after))
                time.sleep(RETRY_PAUSE)

    postmaster, workers = cluster.postmaster_pid(), _workers(server)
    try:
        threads = [threading.Thread(target=client, args=(range(k, BALLOTS, CLIENTS),),
                                    daemon=True) for k in range(CLIENTS)]
        for t in threads:
            t.start()
        while len(receipts) < BALLOTS // 3 and time.monotonic() < stop_at:
            time.sleep(0.005)
        before = dict(receipts)
        cluster.ctl("restart", "-m", mode)
        for t in threads:
            t.join()
        assert cluster.postmaster_pid() != postmaster  # the database server did restart
        if mode == "immediate":
            assert "automatic recovery in progress" in cluster.server_log(None)  # a crash
        assert 0 < len(before) < BALLOTS  # in the middle of casting
        assert failures, "the restart went unnoticed: nothing was cast during it"
        # The outage answered the protocol's JSON error, 503, every time: no 500, no stack
        # trace, no dropped connection.
        assert not dropped
        assert {status for status, _body, _retry in failures} == {503}, failures[:5]
        for _status, body, retry_after in failures:
            assert body is not None and body["error"] == "database_unavailable"
            assert body["message"] == "选票未能记录，请重新提交。"
            assert retry_after == "1"
        assert set(receipts) == set(range(BALLOTS))  # every client's retry succeeded

        # The same gunicorn serves on; each ballot, sent once more, is found stored with the
        # receipt its client holds (those returned before the crash included).
        for i, ballot in enumerate(ballots):
            status, body, _retry = _send(port, poll_id, ballot)
            assert (status, body) == (200, {"receipt": receipts[i][1]})
        assert server.poll() is None and _workers(server) == workers  # no worker replaced
    finally:
        halt.set()
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    with app_db(app) as s:
        rows = s.execute(select(Ballot.msg, Ballot.msg_prefix, Ballot.sig, Ballot.choices,
                                Ballot.receipt).where(Ballot.poll_id == poll_id)).all()
    assert len(rows) == BALLOTS  # each stored once
    by_msg = {r.msg: r for r in rows}
    for i, ballot in enumerate(ballots):
        row = by_msg[ballot["msg"]]  # whole: every field as sent, the receipt as returned
        assert (row.msg_prefix, row.sig, row.choices, row.receipt) == \
            (ballot["msg_prefix"], ballot["sig"], ballot["choices"], receipts[i][1])


# ---- the answer while the database is out of reach, without a cluster ------------------------

def test_an_unreachable_database_answers_503_not_500(tmp_path, poll_key, capsys):
    """Nothing listens at the database's address: the API answers the protocol's JSON error
    and a page the error page, both 503 with Retry-After; a failed cast's log line names
    neither the ballot nor its path."""
    app = create_app("test", instance_path=str(tmp_path / "instance"),
                     DATABASE_URL=f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/none")
    client = app.test_client()

    r = client.get("/api/v1/polls/1")
    assert (r.status_code, r.get_json(), r.headers["Retry-After"]) == \
        (503, {"error": "database_unavailable", "message": "服务暂时不可用，请稍后重试。"}, "1")

    ballot = sign_ballot(poll_key, ["c1"])
    r = client.post("/api/v1/polls/1/ballots", json=ballot)
    assert (r.status_code, r.get_json()) == \
        (503, {"error": "database_unavailable", "message": "选票未能记录，请重新提交。"})
    log = capsys.readouterr().err
    assert "ballot cast failed" in log
    assert ballot["msg"] not in log and ballot["sig"] not in log and "/ballots" not in log

    r = client.get("/")
    assert r.status_code == 503 and r.headers["Retry-After"] == "1"
    assert "服务暂时不可用，请稍后重试。" in r.get_data(as_text=True)


def test_a_signed_in_page_without_its_database_answers_plain_503(tmp_path):
    """Staff signed in when the database goes: even the error page would need it (to show
    who is signed in), so the 503 comes as plain text rather than a 500."""
    from sqlalchemy.orm import sessionmaker

    from tests.helpers import add_staff, login
    from voting.db import make_engine

    app = create_app("test", instance_path=str(tmp_path / "instance"),
                     DATABASE_URL=f"sqlite:///{tmp_path / 'test.sqlite3'}")
    Base.metadata.create_all(app.extensions["db_engine"])
    with app_db(app) as s:
        add_staff(s, "clerk")
    client = app.test_client()
    login(client, "clerk")
    gone = make_engine(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/none")
    app.extensions["db_sessionmaker"] = sessionmaker(gone, expire_on_commit=False)

    r = client.get("/")
    assert (r.status_code, r.mimetype, r.headers["Retry-After"]) == (503, "text/plain", "1")
    assert r.get_data(as_text=True) == "服务暂时不可用，请稍后重试。"
    gone.dispose()


def test_a_database_bug_is_still_a_500(tmp_path, poll_key):
    """On SQLite a missing table is an OperationalError too, but no retry will help: the
    cast answers its 500, not a 503 that sends clients round in circles."""
    app = create_app("test", instance_path=str(tmp_path / "instance"),
                     DATABASE_URL=f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    r = app.test_client().post("/api/v1/polls/1/ballots", json=sign_ballot(poll_key, ["c1"]))
    assert r.status_code == 500 and r.get_json()["error"] == "internal_error"

"""Issue 8's "done when": after a whole vote through the real HTTP API, nothing the operator
keeps (the database's files, its tables, the logs) pairs a deputy with a ballot.

The vote runs as the ballot page does it: every checked-in deputy fetches a token the moment
the poll opens, then they cast later in another order (here the reverse), one cast fails with
a database error and is sent again. The app's, werkzeug's and SQLAlchemy's loggers write to a
file, the way an operator keeps them. After the close (through the secretariat's page) the
test reads the files as an insider would and searches them for every blinded message, every
receipt, every ballot.
"""

from __future__ import annotations

import base64
import http.cookiejar
import json
import logging
import re
import types
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from tests.helpers import HASH, PASSWORD, app_db, csrf_of, user
from tests.polls import Voter, add_candidates, poll_via_services
from voting.ballots import services
from voting.ballots.models import Ballot, PollKey, TokenIssuance
from voting.errors import CAST_LOGGER, mentions_cast
from voting.sessions import attendance, congresses, roster

DEPUTIES = 5
FAILING = 1  # the second cast (in casting order) meets a database error once
LOGGERS = ["", "flask.app", "voting", CAST_LOGGER, "werkzeug", "sqlalchemy.engine"]


class Http:
    """A device: its own cookie jar, JSON over real HTTP to the live server."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def send(self, method: str, path: str, body=None, headers=None, form=None):
        data, head = None, dict(headers or {})
        if body is not None:
            data, head["Content-Type"] = json.dumps(body).encode(), "application/json"
        elif form is not None:
            data = urlencode(form).encode()
            head["Content-Type"] = "application/x-www-form-urlencoded"
        request = urllib.request.Request(self.base + path, data=data, headers=head,
                                         method=method)
        try:
            with self.opener.open(request) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def json(self, method, path, body=None, headers=None):
        status, raw = self.send(method, path, body, headers)
        return status, json.loads(raw or b"null")

    def login(self, username: str, password: str = PASSWORD) -> str:
        status, doc = self.json("POST", "/api/v1/auth/login",
                                {"username": username, "password": password})
        assert status == 200, doc
        return doc["csrf_token"]


@pytest.fixture
def operator_logs(tmp_path):
    """Everything the app, the dev server and SQLAlchemy log, at INFO, with times, in one
    file, as a server's log collection keeps it."""
    path = tmp_path / "server.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    saved = []
    for name in LOGGERS:
        log = logging.getLogger(name)
        saved.append((log, log.level))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
    yield path
    for log, level in saved:
        log.removeHandler(handler)
        log.setLevel(level)
    handler.close()


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def needles(value) -> list[bytes]:
    """Every spelling under which a value may sit in a file or a log line."""
    if isinstance(value, str):  # receipts (hex) and board fields (base64url) as stored
        return [value.encode()]
    return [value, value.hex().encode(), b64(value).encode(),
            base64.b64encode(value).rstrip(b"=")]


def offsets(data: bytes, value) -> list[int]:
    found = []
    for needle in needles(value):
        found += [m.start() for m in re.finditer(re.escape(needle), data)]
    return sorted(found)


def nearest_following_pairs(data: bytes, blinded: dict, receipts: dict) -> dict:
    """The attack that read the SQLite -wal: a token is paired with the ballot whose receipt
    first follows the token's blinded message in the file. {deputy: deputy of that ballot}."""
    marks = sorted((at, owner) for owner, r in receipts.items() for at in offsets(data, r))
    pairs = {}
    for deputy, value in blinded.items():
        found = offsets(data, value)
        if found:
            following = [owner for at, owner in marks if at > found[0]]
            if following:
                pairs[deputy] = following[0]
    return pairs


def file_order(data: bytes, values: dict) -> list:
    """The owners of `values` in the order they first occur in `data` (absent ones left out)."""
    first = {owner: offsets(data, v) for owner, v in values.items()}
    return [owner for owner, at in sorted((kv for kv in first.items() if kv[1]),
                                          key=lambda kv: kv[1][0])]


def _vote(app, live_server, monkeypatch):
    """The whole vote; returns what each deputy knows (blinded message, receipt, ballot)
    and the cast order."""
    with app_db(app) as s:
        clerk = user(s, "clerk")
        congress = congresses.create_congress(s, clerk, name="哈尔滨市第十六届人民代表大会",
                                              term=16)
        sitting = congresses.create_session(s, clerk, congress_id=congress.id,
                                            name="第二次会议", year=2023)
        for i in range(1, DEPUTIES + 1):
            deputy, _ = roster.add_deputy(s, clerk, hash_method=HASH, congress_id=congress.id,
                                          name=f"代表{i}", number=f"00{i}",
                                          delegation="道里区代表团", password=PASSWORD)
            attendance.check_in(s, clerk, session_id=sitting.id, deputy_id=deputy.id,
                                by_desk=True)
        add_candidates(s)
        session_id = sitting.id
    poll_id = poll_via_services(app, session_id)  # opened

    # The poll opens: every checked-in deputy's page fetches its token at once.
    names = [f"d00{i}" for i in range(1, DEPUTIES + 1)]
    voters = {}
    for name in names:
        device = Http(live_server)
        csrf = device.login(name)
        _, doc = device.json("GET", f"/api/v1/polls/{poll_id}")
        voter = Voter(doc["public_key_pem"])
        status, doc = device.json("POST", f"/api/v1/polls/{poll_id}/tokens",
                                  voter.token_request(), {"X-CSRFToken": csrf})
        assert status == 200, doc
        voter.finalize(doc["blind_sig"])
        voters[name] = voter

    # Later, in another order, each casts from a device with no session.
    order = list(reversed(names))
    choices = {name: [f"c{(i % 15) + 1:02d}", f"c{((i + 4) % 15) + 1:02d}"]
               for i, name in enumerate(names)}
    receipts, colliding = {}, None
    for position, name in enumerate(order):
        anonymous = Http(live_server)
        ballot = voters[name].ballot(choices[name])
        path = f"/api/v1/polls/{poll_id}/ballots?device={position}"
        if position == FAILING:
            # The database refuses the row (its random receipt collides with a ballot
            # already cast): the driver's message quotes the statement and the key.
            colliding = next(iter(receipts.values()))
            with monkeypatch.context() as mp:
                mp.setattr(services, "secrets",
                           types.SimpleNamespace(token_hex=lambda _n: colliding))
                status, doc = anonymous.json("POST", path, ballot)
            assert status == 500, doc
            assert doc["error"] == "internal_error" and doc["message"]
        status, doc = anonymous.json("POST", path, ballot)
        assert status == 201, doc
        receipts[name] = doc["receipt"]

    with app_db(app) as s:
        key_pem = s.get(PollKey, poll_id).private_key_pem
    # The secretariat closes the poll on its page.
    staff = Http(live_server)
    staff.login("clerk", "correct-horse")
    _, page = staff.send("GET", f"/polls/manage/{poll_id}")
    status, _ = staff.send("POST", f"/polls/manage/{poll_id}/close",
                           form={"csrf_token": csrf_of(page.decode()), "confirm": "y"})
    assert status in (200, 302)
    _, board = staff.json("GET", f"/api/v1/polls/{poll_id}/ballots")
    assert sorted(b["receipt"] for b in board["ballots"]) == sorted(receipts.values())
    return poll_id, names, order, voters, receipts, key_pem


def _sqlite_files(app) -> dict[str, bytes]:
    path = Path(make_url(app.config["DATABASE_URL"]).database)
    return {p.name: p.read_bytes()
            for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()}


def postgres_files(app) -> dict[str, bytes]:
    """The heap (and index) files of the ballots and the tokens, and the keys' heap, read as
    the server's own user can."""
    url = make_url(app.config["DATABASE_URL"]).set(username="postgres")
    engine = create_engine(url)
    with engine.connect() as conn:
        data_dir = Path(conn.execute(text("SHOW data_directory")).scalar())
        if not data_dir.is_dir():
            pytest.skip("the PostgreSQL server's files are not on this machine")
        rels = conn.execute(text(
            "SELECT c.relname, pg_relation_filepath(c.oid) FROM pg_class c "
            "WHERE c.oid IN ('ballots'::regclass, 'token_issuances'::regclass, "
            "'poll_keys'::regclass) "
            "OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid IN "
            "('ballots'::regclass, 'token_issuances'::regclass))")).all()
    engine.dispose()
    files = {}
    for name, rel in rels:
        segments = sorted(data_dir.glob(rel + "*"), key=lambda p: p.name)
        files[name] = b"".join(p.read_bytes() for p in segments
                               if re.fullmatch(re.escape(Path(rel).name) + r"(\.\d+)?", p.name))
    return files


@pytest.mark.usefixtures("clerk")
def test_no_file_table_or_log_line_pairs_a_deputy_with_a_ballot(app, live_server, monkeypatch,
                                                                operator_logs, capfd):
    poll_id, names, order, voters, receipts, key_pem = _vote(app, live_server, monkeypatch)
    blinded = {name: voters[name].blinded for name in names}
    ballot_ids = {}
    with app_db(app) as s:
        # The private key is gone with the close; the public key stays for the board.
        assert s.get(PollKey, poll_id) is None
        assert services.get_poll(s, poll_id).public_key_pem.startswith("-----BEGIN PUBLIC")
        for b in s.scalars(select(Ballot).where(Ballot.poll_id == poll_id)):
            owner = next(n for n, r in receipts.items() if r == b.receipt)
            ballot_ids[owner] = b.id
        assert s.scalar(select(TokenIssuance.id).limit(1)) is not None

    # 1. The logs: not one line carries a receipt, a ballot, a token or a path of a cast.
    log = operator_logs.read_bytes()
    assert b"ballot cast failed" in log  # the failed cast was reported...
    secrets_in_play = []
    for name in names:
        v = voters[name]
        secrets_in_play += [receipts[name], v.msg, v.prefix, v.sig, v.blinded]
    leaks = [value for value in secrets_in_play if offsets(log, value)]
    assert leaks == []
    lines = log.decode().splitlines()
    assert not [line for line in lines if mentions_cast(line)]
    assert any("POST /api/v1/polls/" in line and "/tokens" in line for line in lines)
    # ...and the line the server itself writes for it has no time.
    err = capfd.readouterr().err
    reported = [line for line in err.splitlines() if "ballot cast failed" in line]
    assert reported and not [line for line in reported if re.search(r"\d\d:\d\d", line)]

    # 2. The database's files, as whoever holds the server reads them.
    if app.extensions["db_engine"].dialect.name == "sqlite":
        files = _sqlite_files(app)
        assert len(files.get("test.sqlite3-wal", b"")) == 0  # the log of writes is empty
    else:
        files = postgres_files(app)
    by_sig = {n: b64(voters[n].sig) for n in names}  # a ballot's row, and nothing else
    for name, data in files.items():
        # Ballots lie in the order of their random key, not in the order they arrived, and
        # no older copy of one (a dead row version, a page as first written) is left.
        assert [n for n in names if len(offsets(data, by_sig[n])) > 1] == [], name
        seen = file_order(data, by_sig)
        keyed = sorted(names, key=lambda n: ballot_ids[n])
        assert seen in ([], keyed, keyed[::-1]), name
        # Tokens and ballots are not side by side: the heuristic that read the -wal finds,
        # for every token, the same ballot (the first in key order), or none at all. That
        # tells no deputy from another; before the fix it paired each with their own.
        pairs = nearest_following_pairs(data, blinded, receipts)
        assert len(set(pairs.values())) <= 1, (name, pairs)
        if pairs:
            assert set(pairs.values()) == {file_order(data, receipts)[0]}, name
    # The deleted private key was erased, not only unlinked from the table.
    key_body = "".join(key_pem.splitlines()[1:-1])[:64].encode()
    assert [name for name, data in files.items() if key_body in data] == []
    # The files were really read: every ballot and every token is in them.
    assert any(len(file_order(data, by_sig)) == DEPUTIES for data in files.values())
    assert any(len(file_order(data, blinded)) == DEPUTIES for data in files.values())

    # 3. PostgreSQL's own bookkeeping: the live rows in key order, from one transaction.
    if app.extensions["db_engine"].dialect.name == "postgresql":
        with app_db(app) as s:
            rows = s.execute(text("SELECT id, xmin::text FROM ballots WHERE poll_id = :p "
                                  "ORDER BY ctid"), {"p": poll_id}).all()
        assert [r[0] for r in rows] == sorted(ballot_ids.values())
        assert len({r[1] for r in rows}) == 1


def test_the_vote_as_before_would_have_paired_them(app, live_server, monkeypatch, clerk,
                                                   operator_logs):
    """The heuristics are no straw men: the same vote's files, read just before the close,
    show the arrival order (SQLite's -wal, PostgreSQL's ballots heap) and, in the -wal, pair
    the first caster with their ballot; the close erases both."""
    sqlite = app.extensions["db_engine"].dialect.name == "sqlite"
    before = {}
    real_close = services.close_poll

    def close_and_peek(db, actor, poll_id):
        if not sqlite:
            url = make_url(app.config["DATABASE_URL"]).set(username="postgres")
            engine = create_engine(url, isolation_level="AUTOCOMMIT")
            with engine.connect() as conn:
                conn.exec_driver_sql("CHECKPOINT")  # the heap as it is on disk
            engine.dispose()
        before.update(_sqlite_files(app) if sqlite else postgres_files(app))
        return real_close(db, actor, poll_id)

    monkeypatch.setattr(services, "close_poll", close_and_peek)
    poll_id, names, order, voters, receipts, key_pem = _vote(app, live_server, monkeypatch)
    sigs = {n: b64(voters[n].sig) for n in names}
    if sqlite:
        wal = before["test.sqlite3-wal"]
        assert file_order(wal, receipts) == order  # arrival order, before the close
        assert nearest_following_pairs(wal, {n: voters[n].blinded for n in names},
                                       receipts) == {n: order[0] for n in names}
        assert len(_sqlite_files(app).get("test.sqlite3-wal", b"")) == 0
    else:
        assert file_order(before["ballots"], sigs) in (order, order[::-1])
        with app_db(app) as s:
            ids = dict(s.execute(select(Ballot.receipt, Ballot.id)).all())
        keyed = sorted(names, key=lambda n: ids[receipts[n]])
        assert file_order(postgres_files(app)["ballots"], sigs) in (keyed, keyed[::-1])

"""Benchmark: a whole session over HTTP, served by gunicorn (the production server).

    python bench/session_bench.py [--deputies 300] [--workers 2] [--threads 1] [--clients 16]
                                  [--runs 3] [--database-url URL]

Builds a demo session of N checked-in deputies (`flask --app voting demo`) in a fresh database
(SQLite in a temp dir, or the PostgreSQL database --database-url names: its tables are DROPPED),
starts gunicorn on 127.0.0.1, and then, from --clients threads (each deputy on its own
connection, like a phone): every deputy signs in, fetches a blind token (blinding done here,
as the browser does) and casts; then the CLI closes, tallies (every signature checked) and
publishes. Prints sign-ins/s, tokens/s, ballots/s, p50/p99 of a cast and of a token, the bare
cost of a cast and the ratio, and the times of close, tally and publish: per run, and the
medians of --runs whole sessions (each in a fresh database). Sign-in is deliberately slow
(scrypt) and is measured apart.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPConnection, RemoteDisconnected
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from support import app_env, flask, gunicorn, reset_postgres, wait_up  # noqa: E402

from voting.crypto import blind_rsa  # noqa: E402
from voting.crypto.encoding import b64url_decode, b64url_encode  # noqa: E402

PORT = 8765


class Client:
    """One deputy's device: its own keep-alive connection and its own cookie."""

    def __init__(self):
        self.conn = HTTPConnection("127.0.0.1", PORT, timeout=120)
        self.cookie = ""

    def request(self, method, path, body=None, headers=None, cookie=True):
        h = {"Content-Type": "application/json", **(headers or {})}
        if cookie and self.cookie:
            h["Cookie"] = self.cookie
        payload = None if body is None else json.dumps(body)
        try:
            self.conn.request(method, path, body=payload, headers=h)
            r = self.conn.getresponse()
        except (BrokenPipeError, ConnectionResetError, RemoteDisconnected):
            # the server closed the idle keep-alive connection (gthread's keepalive): as a
            # phone would, connect again and send the same request (every call is idempotent)
            self.conn.close()
            self.conn.request(method, path, body=payload, headers=h)
            r = self.conn.getresponse()
        data = r.read()
        for header in r.headers.get_all("Set-Cookie") or []:
            c = SimpleCookie(header)
            for k, v in c.items():
                self.cookie = f"{k}={v.value}"
        return r.status, (json.loads(data) if data else None)


def _bare_worker(url: str, pem: str, ballots: list[dict]) -> None:
    """The cast's bare cost: verify the RSA-PSS signature, one committed insert under a unique
    constraint; no web stack, no ORM."""
    pub = blind_rsa.load_public_key(pem)
    if url.startswith("sqlite"):
        import sqlite3

        conn = sqlite3.connect(url.split("///", 1)[1], timeout=60)
        mark = "?"
    else:
        import psycopg

        conn = psycopg.connect(url.replace("postgresql+psycopg", "postgresql"))
        mark = "%s"
    cur = conn.cursor()
    for b in ballots:
        prepared = b64url_decode(b["msg_prefix"]) + b64url_decode(b["msg"])
        assert blind_rsa.verify(pub, prepared, b64url_decode(b["sig"]))
        cur.execute(f"INSERT INTO bench_bare (msg, sig, choices) VALUES ({mark}, {mark}, {mark})",
                    (b["msg"], b["sig"], json.dumps(b["choices"])))
        conn.commit()
    conn.close()


def bare_rate(url: str, pem: str, ballots: list[dict], processes: int) -> float:
    from concurrent.futures import ProcessPoolExecutor

    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS bench_bare"))
        conn.execute(text("CREATE TABLE bench_bare (msg VARCHAR(64) PRIMARY KEY, sig TEXT, "
                          "choices TEXT)"))
    engine.dispose()
    chunks = [ballots[i::processes] for i in range(processes)]
    t = time.perf_counter()
    with ProcessPoolExecutor(processes) as pool:
        list(pool.map(_bare_worker, [url] * processes, [pem] * processes, chunks))
    return len(ballots) / (time.perf_counter() - t)


def _pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


def one_run(args) -> dict[str, float]:
    """A whole session in a fresh database; returns its figures."""
    tmp = Path(tempfile.mkdtemp(prefix="session-bench-"))
    url = args.database_url or f"sqlite:///{tmp / 'bench.sqlite3'}"
    if args.database_url:
        reset_postgres(url)
    env = app_env(url, "session-bench")
    creds = tmp / "deputies.csv"
    t0 = time.perf_counter()
    poll_id = int(flask(env, "demo", "--deputies", str(args.deputies),
                         "--credentials", str(creds)).strip().splitlines()[-1])
    print(f"demo with {args.deputies} deputies built in {time.perf_counter() - t0:.1f} s",
          flush=True)
    with open(creds, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    figures: dict[str, float] = {}

    server = gunicorn(env, PORT, "voting:create_app()", args.workers, args.threads)
    try:
        wait_up(PORT)
        clients = [Client() for _ in rows]
        doc = Client().request("GET", f"/api/v1/polls/{poll_id}", cookie=False)[1]
        pub = blind_rsa.load_public_key(doc["public_key_pem"])
        candidates = [c["id"] for c in doc["candidates"]]
        lock = threading.Lock()
        csrf: dict[int, str] = {}

        def sign_in(i):
            status, body = clients[i].request("POST", "/api/v1/auth/login",
                                              {"username": rows[i]["username"],
                                               "password": rows[i]["password"]})
            assert status == 200, body
            with lock:
                csrf[i] = body["csrf_token"]

        token_times, cast_times, tokens, sent = [], [], {}, []

        # The blinding and the finalizing are the device's work (the browser's): done here
        # before and after the phase, so that the phase times the server's.
        blinding = {}

        def token(i):
            msg, prefix, prepared, blinded, inv = blinding[i]
            t = time.perf_counter()
            status, body = clients[i].request("POST", f"/api/v1/polls/{poll_id}/tokens",
                                              {"blinded_msg": b64url_encode(blinded)},
                                              {"X-CSRFToken": csrf[i]})
            elapsed = time.perf_counter() - t
            assert status == 200, body
            with lock:
                token_times.append(elapsed)
                tokens[i] = b64url_decode(body["blind_sig"])

        def cast(i):
            msg, prefix, sig = tokens[i]
            ballot = {"msg": b64url_encode(msg), "msg_prefix": b64url_encode(prefix),
                      "sig": b64url_encode(sig), "choices": random.sample(candidates, 10)}
            anonymous = Client()  # the cast carries no session: a fresh connection, no cookie
            t = time.perf_counter()
            status, body = anonymous.request("POST", f"/api/v1/polls/{poll_id}/ballots", ballot,
                                             cookie=False)
            elapsed = time.perf_counter() - t
            assert status == 201, body
            with lock:
                cast_times.append(elapsed)
                sent.append(ballot)

        def phase(name, fn):
            t = time.perf_counter()
            with ThreadPoolExecutor(args.clients) as pool:
                list(pool.map(fn, range(len(rows))))
            seconds = time.perf_counter() - t
            print(f"  {name:<10} {len(rows) / seconds:8.1f}/s  ({len(rows)} in {seconds:.1f} s)",
                  flush=True)
            figures[f"{name}/s"] = len(rows) / seconds
            return seconds

        phase("sign-ins", sign_in)
        for i in range(len(rows)):
            msg, prefix = blind_rsa.random_message()
            prepared = blind_rsa.prepare(msg, prefix)
            blinding[i] = (msg, prefix, prepared, *blind_rsa.blind(pub, prepared))
        phase("tokens", token)
        for i, (msg, prefix, prepared, _blinded, inv) in blinding.items():
            tokens[i] = (msg, prefix, blind_rsa.finalize(pub, prepared, tokens[i], inv))
        cast_seconds = phase("ballots", cast)
        figures["ballots in (s)"] = cast_seconds
        for name, xs in (("token", token_times), ("cast", cast_times)):
            for q in (.5, .99):
                figures[f"{name} p{int(q * 100)} (ms)"] = 1000 * _pct(xs, q)
    finally:
        server.terminate()
        server.wait()
    figures["bare cast/s"] = bare_rate(url, doc["public_key_pem"], sent, args.workers)
    figures["served/bare"] = figures["ballots/s"] / figures["bare cast/s"]
    for step in ("close", "tally", "publish"):
        t = time.perf_counter()
        flask(env, "poll", step, str(poll_id))
        figures[f"{step} (s)"] = time.perf_counter() - t
    return figures


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--deputies", type=int, default=300)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker (gthread)")
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--runs", type=int, default=3, help="whole sessions, each in a fresh database")
    ap.add_argument("--database-url")
    args = ap.parse_args()
    print(f"gunicorn: {args.workers} workers × {args.threads} threads, {args.clients} clients, "
          f"{args.deputies} deputies, {'PostgreSQL' if args.database_url else 'SQLite'}, "
          f"{os.cpu_count()} cores shared by server and clients", flush=True)
    runs = []
    for n in range(args.runs):
        print(f"run {n + 1} of {args.runs}", flush=True)
        runs.append(one_run(args))
    print(f"median of {args.runs} runs:")
    for name in runs[0]:
        print(f"  {name:<16} {statistics.median(r[name] for r in runs):10.2f}")


if __name__ == "__main__":
    main()

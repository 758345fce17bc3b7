"""Benchmark: a whole session over HTTP, served by gunicorn (the production server).

    python bench/session_bench.py [--deputies 300] [--workers 2] [--clients 16] [--database-url URL]

Builds a demo session of N checked-in deputies (`flask --app voting demo`) in a fresh database
(SQLite in a temp dir, or the PostgreSQL database --database-url names: its tables are DROPPED),
starts gunicorn on 127.0.0.1, and then, from --clients threads (each deputy on its own
connection, like a phone): every deputy signs in, fetches a blind token (blinding done here,
as the browser does) and casts; then the CLI closes, tallies (every signature checked) and
publishes. Prints sign-ins/s, tokens/s, ballots/s, p50/p99 of a cast and of a token, and the
tally time. Sign-in is deliberately slow (scrypt) and is measured apart.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPConnection
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

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
        self.conn.request(method, path, body=None if body is None else json.dumps(body), headers=h)
        r = self.conn.getresponse()
        data = r.read()
        for header in r.headers.get_all("Set-Cookie") or []:
            c = SimpleCookie(header)
            for k, v in c.items():
                self.cookie = f"{k}={v.value}"
        return r.status, (json.loads(data) if data else None)


def _env(url: str, instance: Path) -> dict:
    return {**os.environ, "DATABASE_URL": url, "FLASK_APP": "voting", "PYTHONPATH": str(ROOT),
            "SECRET_KEY": os.environ.get("SECRET_KEY", "session-bench")}


def _flask(env, *args) -> str:
    out = subprocess.run([sys.executable, "-m", "flask", *args], env=env, cwd=ROOT,
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(out.stderr or out.stdout)
    return out.stdout


def _reset_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def _wait_up() -> None:
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=1).read()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("gunicorn did not start")


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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--deputies", type=int, default=300)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker (gthread)")
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--database-url")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="session-bench-"))
    url = args.database_url or f"sqlite:///{tmp / 'bench.sqlite3'}"
    if args.database_url:
        _reset_postgres(url)
    env = _env(url, tmp)
    creds = tmp / "deputies.csv"
    t0 = time.perf_counter()
    poll_id = int(_flask(env, "demo", "--deputies", str(args.deputies),
                         "--credentials", str(creds)).strip().splitlines()[-1])
    print(f"demo with {args.deputies} deputies built in {time.perf_counter() - t0:.1f} s")
    with open(creds, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))

    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
         "--bind", f"127.0.0.1:{PORT}", "--workers", str(args.workers),
         "--threads", str(args.threads), "voting:create_app()"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_up()
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

        def token(i):
            msg, prefix = blind_rsa.random_message()
            prepared = blind_rsa.prepare(msg, prefix)
            blinded, inv = blind_rsa.blind(pub, prepared)
            t = time.perf_counter()
            status, body = clients[i].request("POST", f"/api/v1/polls/{poll_id}/tokens",
                                              {"blinded_msg": b64url_encode(blinded)},
                                              {"X-CSRFToken": csrf[i]})
            elapsed = time.perf_counter() - t
            assert status == 200, body
            sig = blind_rsa.finalize(pub, prepared, b64url_decode(body["blind_sig"]), inv)
            with lock:
                token_times.append(elapsed)
                tokens[i] = (msg, prefix, sig)

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
            print(f"{name:<10} {len(rows) / seconds:8.1f}/s  ({len(rows)} in {seconds:.1f} s)")
            return seconds

        print(f"gunicorn: {args.workers} workers × {args.threads} threads, {args.clients} clients, "
              f"{'PostgreSQL' if args.database_url else 'SQLite'}")
        phase("sign-ins", sign_in)
        phase("tokens", token)
        cast_seconds = phase("ballots", cast)
        ms = lambda xs, q: 1000 * _pct(xs, q)  # noqa: E731
        print(f"token p50 {ms(token_times, .5):.0f} ms  p99 {ms(token_times, .99):.0f} ms")
        print(f"cast  p50 {ms(cast_times, .5):.0f} ms  p99 {ms(cast_times, .99):.0f} ms")
    finally:
        server.terminate()
        server.wait()
    bare = bare_rate(url, doc["public_key_pem"], sent, args.workers)
    served = len(rows) / cast_seconds
    print(f"bare cast (verify + committed insert, {args.workers} processes) {bare:8.1f}/s; "
          f"served/bare {served / bare:.2f}")
    for step in ("close", "tally", "publish"):
        t = time.perf_counter()
        _flask(env, "poll", step, str(poll_id))
        print(f"{step:<10} {time.perf_counter() - t:6.2f} s")


if __name__ == "__main__":
    main()

"""Benchmark: public pages under many readers, served by gunicorn, loaded by wrk on loopback.

    python bench/page_bench.py [--workers 2] [--threads 1] [--runs 3] [--seconds 5]
                               [--connections 32] [--database-url URL]

Needs wrk (Debian: `apt-get install -y wrk`). Builds the demo (`flask --app voting demo`),
votes it through the services (every checked-in deputy takes a token and casts), closes,
tallies and publishes, then starts gunicorn (gunicorn.conf.py) and loads, in turn and
--runs times each, with --connections keep-alive connections:

- baseline: a WSGI app that answers a fixed page, on the same gunicorn settings (the
  server's ceiling on this machine, measured in the same run);
- the published result page as readers get it (shared from memory: voting.core.page_cache);
- the same page rendered on every request (a query string bypasses the shared copy);
- a project's page (supervision) and the home page: live pages, shared for
  PAGE_CACHE_LIVE_SECONDS (10 by default), and rendered on every request.

Prints the median requests/s of the runs of each, p99 latency, and the ratio to the baseline.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from support import app_env, flask, gunicorn, reset_postgres, wait_up  # noqa: E402

PORT, BASE_PORT = 8766, 8767
HELLO = b"<!doctype html><title>baseline</title><p>" + b"x" * 7000  # about a result page's size


def hello(environ, start_response):
    """The baseline: gunicorn answering a fixed page with no framework at all."""
    start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                              ("Content-Length", str(len(HELLO)))])
    return [HELLO]


def vote(url: str, poll_id: int, usernames: list[str]) -> None:
    """Every deputy takes a token (blinded here) and casts for the first ten candidates, so
    that every seat is settled and the announcement can be shared."""
    from voting import create_app, db
    from voting.auth.models import User
    from voting.ballots import services
    from voting.crypto import blind_rsa
    from voting.crypto.encoding import b64url_encode

    app = create_app(instance_path=tempfile.mkdtemp(prefix="page-bench-"), DATABASE_URL=url)
    with app.app_context():
        s = db.session()
        poll = services.get_poll(s, poll_id)
        pub = blind_rsa.load_public_key(poll.public_key_pem)
        choices = [c.candidate_id for c in sorted(poll.candidates, key=lambda c: c.position)]
        for name in usernames:
            deputy = s.query(User).filter_by(username=name).one()
            msg, prefix = blind_rsa.random_message()
            prepared = blind_rsa.prepare(msg, prefix)
            blinded, inv = blind_rsa.blind(pub, prepared)
            blind_sig = services.issue_token(s, deputy, poll_id, blinded)
            sig = blind_rsa.finalize(pub, prepared, blind_sig, inv)
            s.commit()
            services.cast_ballot(s, poll_id, b64url_encode(msg), b64url_encode(prefix),
                                 b64url_encode(sig), choices[:poll.seats])
            s.commit()
    app.extensions["db_engine"].dispose()


def wrk(url: str, seconds: int, connections: int) -> tuple[float, float]:
    """(requests/s, p99 ms) of one wrk run; non-2xx answers make it fail."""
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url],
                         capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out:
        raise SystemExit(f"{url}: non-2xx answers\n{out}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", out).groups()
    return rate, float(value) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--database-url")
    args = ap.parse_args()
    if subprocess.run(["which", "wrk"], capture_output=True).returncode:
        raise SystemExit("wrk is needed: apt-get install -y wrk")

    tmp = Path(tempfile.mkdtemp(prefix="page-bench-"))
    url = args.database_url or f"sqlite:///{tmp / 'bench.sqlite3'}"
    if args.database_url:
        reset_postgres(url)
    env = {**app_env(url, "page-bench"), "PAGE_CACHE_LIVE_SECONDS": "10"}
    creds = tmp / "deputies.csv"
    poll_id = int(flask(env, "demo", "--deputies", "30", "--credentials",
                         str(creds)).strip().splitlines()[-1])
    with open(creds, newline="", encoding="utf-8") as f:
        vote(url, poll_id, [row["username"] for row in csv.DictReader(f)])
    for step in ("close", "tally", "publish"):
        flask(env, "poll", step, str(poll_id))

    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        project_id = conn.execute(text("SELECT min(id) FROM projects WHERE stage = 'selected' "
                                       "AND year = 2025")).scalar_one()
    engine.dispose()

    servers = [gunicorn(env, PORT, "voting:create_app()", args.workers, args.threads),
               gunicorn({**env, "PYTHONPATH": f"{ROOT / 'bench'}:{ROOT}"}, BASE_PORT,
                         "page_bench:hello", args.workers, args.threads)]
    targets = {
        "baseline (fixed page, no framework)": f"http://127.0.0.1:{BASE_PORT}/",
        "result page, shared": f"http://127.0.0.1:{PORT}/results/{poll_id}",
        "result page, rendered": f"http://127.0.0.1:{PORT}/results/{poll_id}?render",
        "project page, shared (live, 10 s)": f"http://127.0.0.1:{PORT}/projects/{project_id}",
        "project page, rendered": f"http://127.0.0.1:{PORT}/projects/{project_id}?render",
        "home page, shared (live, 10 s)": f"http://127.0.0.1:{PORT}/",
        "home page, rendered": f"http://127.0.0.1:{PORT}/?render",
    }
    try:
        wait_up(PORT, f"/results/{poll_id}")
        wait_up(BASE_PORT, "/")
        figures: dict[str, list[tuple[float, float]]] = {name: [] for name in targets}
        for _ in range(args.runs):  # interleaved, so that the machine's noise hits all alike
            for name, target in targets.items():
                figures[name].append(wrk(target, args.seconds, args.connections))
    finally:
        for server in servers:
            server.terminate()
            server.wait()
    base = statistics.median(r for r, _p in figures["baseline (fixed page, no framework)"])
    print(f"gunicorn {args.workers} workers × {args.threads} threads, "
          f"{'PostgreSQL' if args.database_url else 'SQLite'}, wrk 2 threads × "
          f"{args.connections} connections, {args.seconds} s, median of {args.runs} runs, "
          f"{os.cpu_count()} cores shared by server and load")
    for name, runs in figures.items():
        rate = statistics.median(r for r, _p in runs)
        p99 = statistics.median(p for _r, p in runs)
        print(f"  {name:<38} {rate:8.0f} req/s  p99 {p99:6.1f} ms  ({rate / base:.2f}× baseline)")


if __name__ == "__main__":
    main()

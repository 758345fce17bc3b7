"""Benchmark: count, verify and sign a 100,000-ballot poll; then run the verifier on it.

    python bench/tally_bench.py [--ballots 100000] [--runs 3] [--database-url URL]

Builds a 15-candidate, 10-seat poll whose ballots are signed directly with the poll's private
key (a finalized RFC 9474 signature is exactly an RSASSA-PSS signature over prefix || msg), so
no browser is needed. The signed ballots are cached in the temp directory (signing 100,000 with
a 3072-bit key takes minutes; verifying them takes seconds). Each database gets a fresh
schema: SQLite in a temp file, and PostgreSQL when --database-url names a scratch database
(its tables are DROPPED and recreated).

Prints the medians of --runs runs of: the board read (SELECT and decode, as the public board
is served), the verification baseline (OpenSSL verifying every board signature on all cores,
threads, the bytes decoded beforehand), their sum (the bare cost), the tally (read + verify
every signature + count + sign, rolled back after each run) and the verifier on the same public
documents, with the ratios tally/bare and verifier/bare. The bare cost is measured next to
each tally and verifier run, in the same process.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import random
import re
import secrets
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from voting import create_app, db  # noqa: E402
from voting.crypto import blind_rsa  # noqa: E402
from voting.crypto.encoding import b64url_decode, b64url_encode  # noqa: E402
from voting.db import Base  # noqa: E402

CANDIDATES = 15
SEATS = 10
PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA384()), salt_length=blind_rsa.SALT_LEN)


def _sign_many(key, n: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    weights = [rng.uniform(0.3, 0.9) for _ in range(CANDIDATES)]
    ids = [f"c{i + 1}" for i in range(CANDIDATES)]
    out = []
    for _ in range(n):
        msg, prefix = blind_rsa.random_message()
        sig = key.sign(blind_rsa.prepare(msg, prefix), PSS, hashes.SHA384())
        picked = sorted((c for c, w in zip(ids, weights) if rng.random() < w),
                        key=ids.index)[:SEATS]
        out.append({"msg": b64url_encode(msg), "msg_prefix": b64url_encode(prefix),
                    "sig": b64url_encode(sig), "choices": sorted(picked)})
    return out


def signed_ballots(n: int, bits: int) -> tuple[str, list[dict]]:
    """(private key PEM, ballots), from the cache or signed now on every core."""
    tmp = Path(tempfile.gettempdir())
    cache = tmp / f"tally_bench_{n}_{bits}.json"
    if not cache.exists():  # a larger board already signed serves as well: its first n ballots
        larger = sorted((int(m[1]), p) for p in tmp.glob(f"tally_bench_*_{bits}.json")
                        if (m := re.fullmatch(rf"tally_bench_(\d+)_{bits}\.json", p.name))
                        and int(m[1]) > n)
        cache = larger[0][1] if larger else cache
    if cache.exists():
        data = json.loads(cache.read_text())
        return data["key"], data["ballots"][:n]
    print(f"signing {n} ballots with a {bits}-bit key (cached in {cache})…", flush=True)
    key = blind_rsa.generate_private_key(bits)
    workers = os.cpu_count() or 1
    parts = [n // workers + (i < n % workers) for i in range(workers)]
    with ThreadPoolExecutor(workers) as pool:  # OpenSSL releases the GIL
        ballots = [b for part in pool.map(lambda a: _sign_many(key, *a),
                                          [(p, i) for i, p in enumerate(parts)]) for b in part]
    pem = blind_rsa.private_key_pem(key)
    part = cache.with_suffix(".part")
    part.write_text(json.dumps({"key": pem, "ballots": ballots}))
    part.replace(cache)  # never a half-written cache
    return pem, ballots


def build(url: str, instance: Path, pem: str, ballots: list[dict]):
    """A fresh schema with one closed poll, len(ballots) deputies all present with a token."""
    from voting.ballots.models import Ballot, Poll, PollCandidate, TokenIssuance
    from voting.sessions.models import Attendance, Congress, CongressSession, Deputy
    from voting.auth.models import User

    app = create_app("default", instance_path=str(instance), DATABASE_URL=url)
    engine = app.extensions["db_engine"]
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    n = len(ballots)
    pub = blind_rsa.load_private_key(pem).public_key()
    with app.app_context():
        s = db.session()
        congress = Congress(name="基准测试人民代表大会", term=1)
        s.add(congress)
        s.flush()
        session = CongressSession(congress_id=congress.id, name="第一次会议", year=2026)
        s.add(session)
        s.flush()
        poll = Poll(session_id=session.id, title="基准票决", kind="selection", status="closed",
                    seats=SEATS, max_choices=SEATS, threshold_base="roster",
                    public_key_pem=blind_rsa.public_key_pem(pub),
                    key_fingerprint=blind_rsa.key_fingerprint(pub))
        poll.candidates = [PollCandidate(candidate_id=f"c{i + 1}", title=f"项目{i + 1}",
                                         position=i) for i in range(CANDIDATES)]
        s.add(poll)
        s.flush()
        s.execute(insert(User), [{"id": i + 1, "username": f"d{i}", "password_hash": "!",
                                  "role": "deputy", "display_name": f"代表{i}"}
                                 for i in range(n)])
        s.execute(insert(Deputy), [{"id": i + 1, "congress_id": congress.id, "user_id": i + 1,
                                    "number": str(i), "name": f"代表{i}"} for i in range(n)])
        s.execute(insert(Attendance), [{"session_id": session.id, "deputy_id": i + 1}
                                       for i in range(n)])
        s.execute(insert(TokenIssuance), [{"poll_id": poll.id, "deputy_id": i + 1,
                                           "blinded_msg": b"-", "blind_sig": b"-"}
                                          for i in range(n)])
        s.execute(insert(Ballot), [{"id": secrets.token_hex(16), "poll_id": poll.id,
                                    "receipt": secrets.token_hex(16), **b} for b in ballots])
        s.commit()
        return app, poll.id


def timed(fn) -> tuple[float, object]:
    t = time.perf_counter()
    value = fn()
    return time.perf_counter() - t, value


def verify_baseline(pem: str, ballots: list[dict]):
    """OpenSSL alone: every board signature verified on all cores (a thread each, OpenSSL
    releases the GIL), the bytes decoded beforehand. Returns the timed function."""
    pub = blind_rsa.load_private_key(pem).public_key()
    pairs = [(b64url_decode(b["sig"]), blind_rsa.prepare(b64url_decode(b["msg"]),
                                                         b64url_decode(b["msg_prefix"])))
             for b in ballots]
    workers = os.cpu_count() or 1
    size = -(-len(pairs) // workers)
    chunks = [pairs[i:i + size] for i in range(0, len(pairs), size)]
    sha384 = hashes.SHA384()

    def check(chunk):
        for sig, prepared in chunk:
            pub.verify(sig, prepared, PSS, sha384)

    def run():
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(check, chunks))

    return run


def bench(label: str, url: str, instance: Path, pem: str, ballots: list[dict], runs: int):
    from voting.audit.services import audit_document
    from voting.ballots.models import Poll
    from voting.ballots.services import board_ballots, bulletin_board, poll_document
    from voting.tally import services
    from voting.tally.board import no_gc
    from voting.tally.keys import keys_document
    from voting.verify import main as verify_main

    app, poll_id = build(url, instance, pem, ballots)
    verify_all = verify_baseline(pem, ballots)
    times: dict[str, list[float]] = {"read": [], "verify": [], "tally": [], "verifier": []}
    with app.app_context():
        s = db.session()

        def fetch():
            with no_gc():
                return board_ballots(s, s.get(Poll, poll_id))

        def tally():
            try:
                return services.tally_poll(s, "bench", poll_id, app.instance_path).signed
            finally:
                s.rollback()

        def bare():
            """The bare cost, measured next to each tally and verifier run."""
            times["read"].append(timed(fetch)[0])
            s.rollback()
            times["verify"].append(timed(verify_all)[0])

        for _ in range(runs):
            bare()
            times["tally"].append(timed(tally)[0])
        # One more count, kept: the result anchors its audit entry, which audit.json must hold.
        result = services.tally_poll(s, "bench", poll_id, app.instance_path).signed
        s.commit()
        poll = services.get_poll(s, poll_id)
        saved = instance / "public"
        saved.mkdir(parents=True, exist_ok=True)
        with app.test_request_context():
            for name, doc in (("poll.json", poll_document(poll)),
                              ("ballots.json", bulletin_board(s, poll)),
                              ("result.json", result), ("keys.json", keys_document(app)),
                              ("audit.json", audit_document(s))):
                (saved / name).write_text(json.dumps(doc, ensure_ascii=False), "utf-8")

        def verifier():
            with contextlib.redirect_stdout(io.StringIO()) as out:
                assert verify_main([str(saved), "--signing-key", result["signing_key"]]) == 0, \
                    out.getvalue()

        s.rollback()
        for _ in range(runs):
            bare()
            times["verifier"].append(timed(verifier)[0])
    app.extensions["db_engine"].dispose()
    m = {k: statistics.median(v) for k, v in times.items()}
    bare_t = m["read"] + m["verify"]
    print(f"{label}: {len(ballots)} ballots, {CANDIDATES} candidates, median of {runs} runs, "
          f"{os.cpu_count()} cores")
    print(f"  board read (SELECT and decode the board):        {m['read']:7.2f} s")
    print(f"  verification baseline (OpenSSL, all cores):      {m['verify']:7.2f} s")
    print(f"  bare cost = read + verification:                 {bare_t:7.2f} s")
    print(f"  tally (read+verify+count+sign):                  {m['tally']:7.2f} s  "
          f"({m['tally'] / bare_t:.2f}x bare)")
    print(f"  verifier (load saved documents + all checks):    {m['verifier']:7.2f} s  "
          f"({m['verifier'] / bare_t:.2f}x bare)")
    print(f"  elected: {' '.join(result['elected'])}; threshold {result['threshold']}; "
          f"board digest {result['board_digest'][:16]}…")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ballots", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--key-bits", type=int, default=3072)
    parser.add_argument("--database-url", help="also run on this scratch database (PostgreSQL)")
    args = parser.parse_args()
    pem, ballots = signed_ballots(args.ballots, args.key_bits)
    with tempfile.TemporaryDirectory() as tmp:
        bench("SQLite", f"sqlite:///{tmp}/bench.sqlite3", Path(tmp) / "instance", pem, ballots,
              args.runs)
        if args.database_url:
            bench("PostgreSQL", args.database_url, Path(tmp) / "instance-pg", pem, ballots,
                  args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())

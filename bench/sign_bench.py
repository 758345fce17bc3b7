"""Benchmark: the blind-sign operation against OpenSSL's own RSA-PSS signing, same key, same run.

    python bench/sign_bench.py [--bits 3072] [--seconds 2] [--runs 5] [--processes 2]

Per run, for --seconds each on as many processes as --processes: OpenSSL's RSA-PSS signing
(`cryptography`'s private_key.sign, the baseline), our blind_sign (CRT, base blinding, fault
check; gmpy2's powmod), the same with gmpy2's constant-time powmod_sec, and with Python's pow
(what the server did before). Prints
the median rate of --runs runs for each and the ratio to the baseline (goal: blind_sign ≥ 0.5).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import padding  # noqa: E402

from voting.crypto import blind_rsa  # noqa: E402

_KEY = None


def _init(pem: str) -> None:
    global _KEY
    _KEY = blind_rsa.load_private_key(pem)


def _count(what: str, seconds: float) -> int:
    priv = _KEY
    msg, prefix = blind_rsa.random_message()
    blinded, _ = blind_rsa.blind(priv.public_key(), blind_rsa.prepare(msg, prefix))
    key = blind_rsa.SigningKey(priv)
    saved_gmpy2, saved_powmod = blind_rsa._gmpy2, blind_rsa._powmod_private
    if what == "pow":
        blind_rsa._gmpy2 = None
        key = blind_rsa.SigningKey(priv)
    elif what == "powmod_sec":
        blind_rsa._powmod_private = saved_gmpy2.powmod_sec
    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA384()), salt_length=48)
    n, end = 0, time.perf_counter() + seconds
    try:
        while time.perf_counter() < end:
            if what == "openssl":
                priv.sign(msg, pss, hashes.SHA384())
            else:
                blind_rsa.blind_sign(key, blinded)
            n += 1
    finally:
        blind_rsa._gmpy2, blind_rsa._powmod_private = saved_gmpy2, saved_powmod
    return n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bits", type=int, default=3072)
    ap.add_argument("--seconds", type=float, default=2.0)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--processes", type=int, default=2)
    args = ap.parse_args()
    pem = blind_rsa.private_key_pem(blind_rsa.generate_private_key(bits=args.bits))
    rates: dict[str, list[float]] = {"openssl": [], "blind_sign": [], "powmod_sec": [], "pow": []}
    with ProcessPoolExecutor(args.processes, initializer=_init, initargs=(pem,)) as pool:
        for _ in range(args.runs):
            for what in rates:
                counts = pool.map(_count, [what] * args.processes, [args.seconds] * args.processes)
                rates[what].append(sum(counts) / args.seconds)
    base = statistics.median(rates["openssl"])
    print(f"RSA-{args.bits}, {args.processes} processes, median of {args.runs} runs of {args.seconds:g} s")
    print(f"  {'OpenSSL RSA-PSS sign (baseline)':<52} {base:8.1f}/s")
    for what, label in (("blind_sign", "blind_sign (gmpy2 powmod, CRT, base blinding, check)"),
                        ("powmod_sec", "the same with gmpy2 powmod_sec"),
                        ("pow", "the same with Python pow (before)")):
        rate = statistics.median(rates[what])
        print(f"  {label:<52} {rate:8.1f}/s  ratio {rate / base:.2f}")


if __name__ == "__main__":
    main()

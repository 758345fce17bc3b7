"""Independent verifier: re-check a published count from public data alone.

    python -m voting.verify BASE_URL POLL_ID [--signing-key KEY]
    python -m voting.verify PATH [POLL_ID] [--signing-key KEY]

PATH is a directory or zip holding poll.json, ballots.json, result.json and keys.json (the
"public documents" download of the announcement page). The documents are fetched with urllib;
no application or database is involved. The checks use the same plain modules as the server
(voting.crypto, voting.tally.rules through voting.tally.board). Exit status 0 only when every
check holds.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from voting.crypto import blind_rsa, result_signing
from voting.tally import board as boardlib

FILES = ("poll.json", "ballots.json", "result.json", "keys.json")
RECOUNTED = ("valid_ballots", "invalid_ballots", "threshold", "counts", "elected", "tied",
             "seats_left", "runoff_candidates", "runoff_reason", "against", "abstain")


class LoadError(Exception):
    pass


@dataclass
class Documents:
    poll: dict
    board: dict
    result: dict
    keys: dict


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        mark = "✓" if ok else "✗"
        self.lines.append(f"{mark} {name}" + (f": {detail}" if detail else ""))
        if not ok:
            self.failed.append(name)
        return ok


# ---- loading ----------------------------------------------------------------------------------

def _get_json(url: str) -> dict:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return json.load(response)
    except urllib.error.HTTPError as exc:
        try:
            message = json.load(exc).get("message", "")
        except ValueError:
            message = ""
        raise LoadError(f"{url}: HTTP {exc.code} {message}".rstrip()) from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise LoadError(f"{url}: {exc}") from exc


def fetch(base_url: str, poll_id: int) -> Documents:
    base = base_url.rstrip("/") + "/api/v1"
    return Documents(poll=_get_json(f"{base}/polls/{poll_id}"),
                     board=_get_json(f"{base}/polls/{poll_id}/ballots"),
                     result=_get_json(f"{base}/polls/{poll_id}/result"),
                     keys=_get_json(f"{base}/keys"))


def load(path: Path) -> Documents:
    """From a directory or a zip of the four public documents."""
    try:
        if path.is_dir():
            texts = {name: (path / name).read_bytes() for name in FILES}
        else:
            with zipfile.ZipFile(path) as z:
                texts = {name: z.read(name) for name in FILES}
        docs = {name: json.loads(texts[name]) for name in FILES}
    except (OSError, KeyError, zipfile.BadZipFile, ValueError) as exc:
        raise LoadError(f"{path}: {exc}") from exc
    return Documents(poll=docs["poll.json"], board=docs["ballots.json"],
                     result=docs["result.json"], keys=docs["keys.json"])


# ---- checks -----------------------------------------------------------------------------------

def _short(items: list[str], n: int = 3) -> str:
    return ", ".join(items[:n]) + (f" and {len(items) - n} more" if len(items) > n else "")


def _recount(report: Report, result: dict, ballots: list[dict]) -> None:
    try:
        again = boardlib.recount(result, ballots)
    except (KeyError, TypeError, ValueError) as exc:
        report.check("recount", False, f"the result lacks what the recount needs ({exc})")
        return
    wrong = []
    for name in RECOUNTED:
        if name not in again and name not in result:
            continue
        if again.get(name) != result.get(name):
            if isinstance(again.get(name), dict) and isinstance(result.get(name), dict):
                diffs = [f"{c}: result says {result[name].get(c)}, recount gives {v}"
                         for c, v in again[name].items() if result[name].get(c) != v]
                extra = sorted(set(result[name]) - set(again[name]))
                diffs += [f"{c}: not a candidate" for c in extra]
                wrong.append(f"{name} ({_short(diffs)})")
            else:
                wrong.append(f"{name} (result says {result.get(name)!r}, "
                             f"recount gives {again.get(name)!r})")
    report.check("recount", not wrong,
                 _short(wrong, 5) if wrong else
                 f"{result['valid_ballots']} valid ballots, elected {result['elected'] or 'none'}"
                 + (f", tied {result['tied']}" if result["tied"] else ""))


def verify(docs: Documents, *, poll_id: int | None = None,
           signing_key: str | None = None) -> Report:
    report = Report()
    poll, result, keys = docs.poll, docs.result, docs.keys
    ballots = docs.board.get("ballots") or []

    ids = {"poll": poll.get("id"), "board": docs.board.get("poll_id"),
           "result": result.get("poll_id")}
    if poll_id is not None:
        ids["asked"] = poll_id
    report.check("poll id", len(set(ids.values())) == 1,
                 f"{poll.get('id')}" if len(set(ids.values())) == 1 else
                 ", ".join(f"{k} {v}" for k, v in ids.items()))

    try:
        pub_fp = blind_rsa.key_fingerprint(blind_rsa.load_public_key(poll["public_key_pem"]))
    except (KeyError, ValueError, TypeError) as exc:
        pub_fp = f"unreadable key ({exc})"
    fps = {"poll key": pub_fp, "poll": poll.get("key_fingerprint"),
           "board": docs.board.get("key_fingerprint"), "result": result.get("key_fingerprint")}
    key_ok = report.check("poll key fingerprint", len(set(fps.values())) == 1,
                          pub_fp if len(set(fps.values())) == 1 else
                          "; ".join(f"{k} {v}" for k, v in fps.items()))

    malformed = [str(i) for i, b in enumerate(ballots)
                 if not isinstance(b, dict) or not all(isinstance(b.get(k), str)
                                                       for k in ("msg", "msg_prefix", "sig"))
                 or "choices" not in b]
    if not report.check("board format", not malformed,
                        f"entries {_short(malformed)} lack msg, msg_prefix, sig or choices"
                        if malformed else f"{len(ballots)} ballots"):
        return report

    dupes = boardlib.duplicate_msgs(ballots)
    report.check("no token used twice", not dupes,
                 f"repeated msg {_short(dupes)}" if dupes else f"{len(ballots)} distinct tokens")

    if key_ok:
        bad = boardlib.bad_signatures(poll["public_key_pem"], ballots)
        report.check("ballot signatures", not bad,
                     f"all {len(ballots)} verify" if not bad else
                     f"{len(bad)} of {len(ballots)} do not verify (msg {_short(bad)})")
    else:
        report.check("ballot signatures", False, "not checked: the poll key is in doubt")

    try:
        digest = boardlib.board_digest(ballots)
    except TypeError:  # choices that cannot be sorted (mixed types)
        digest = "nothing: its choices cannot be put in canonical order"
    report.check("board digest", digest == result.get("board_digest"),
                 digest if digest == result.get("board_digest") else
                 f"the board hashes to {digest}, the result says {result.get('board_digest')}")

    paper = len((result.get("paper") or {}).get("ballots") or [])
    counts = {"electronic_ballots": (len(ballots), result.get("electronic_ballots", len(ballots))),
              "ballots_cast": (len(ballots) + paper, result.get("ballots_cast"))}
    wrong = [f"{k}: result says {said}, board has {have}" for k, (have, said) in counts.items()
             if have != said]
    tokens = result.get("tokens_issued")
    if not isinstance(tokens, int) or len(ballots) > tokens:
        wrong.append(f"{len(ballots)} electronic ballots but {tokens} tokens issued")
    report.check("ballot count", not wrong,
                 "; ".join(wrong) or f"{len(ballots) + paper} cast, {tokens} tokens issued")

    listed = [c.get("id") for c in poll.get("candidates", [])]
    in_result = [c.get("id") for c in result.get("candidates", [])]
    report.check("candidates", listed == in_result and bool(listed),
                 f"{len(listed)} candidates" if listed == in_result and listed else
                 f"poll lists {listed}, result {in_result}")

    _recount(report, result, ballots)

    report.check("result signature", result_signing.verify_document(result),
                 "valid" if result_signing.verify_document(result) else
                 "the signature does not match the result as published")

    key = result.get("signing_key")
    if signing_key:
        report.check("signing key", key == signing_key,
                     "the key given" if key == signing_key else
                     f"signed by {key}, not {signing_key}")
    else:
        entries = {k.get("key"): k for k in keys.get("result_signing_keys", [])}
        entry = entries.get(key)
        ok = entry is not None and entry.get("fingerprint") == result_signing.fingerprint(key)
        report.check("signing key", ok,
                     (f"listed by the installation ({entry['fingerprint'][:16]}…"
                      + (f", retired {entry['retired']}" if entry.get("retired") else "") + ")")
                     if ok else f"{key} is not among the installation's keys")
    return report


# ---- command line -----------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m voting.verify",
        description="Re-check a published poll result from public data alone.")
    parser.add_argument("source", help="BASE_URL of the site, or a directory or zip of the "
                                       "public documents")
    parser.add_argument("poll_id", nargs="?", type=int, help="the poll (required with a URL)")
    parser.add_argument("--signing-key", help="the result-signing public key (base64url) known "
                                              "out of band; default: any key the site lists")
    args = parser.parse_args(argv)
    with boardlib.no_gc():  # a board of 100,000 ballots: see no_gc
        try:
            if args.source.startswith(("http://", "https://")):
                if args.poll_id is None:
                    parser.error("POLL_ID is required with a URL")
                docs = fetch(args.source, args.poll_id)
            else:
                docs = load(Path(args.source))
        except LoadError as exc:
            print(f"✗ documents: {exc}")
            print("VERDICT: cannot verify")
            return 2
        report = verify(docs, poll_id=args.poll_id, signing_key=args.signing_key)
    print("\n".join(report.lines))
    if report.failed:
        print(f"VERDICT: FAILED ({', '.join(report.failed)})")
        return 1
    print(f"VERDICT: the published result of poll {docs.poll.get('id')} is correct")
    return 0


if __name__ == "__main__":
    sys.exit(main())

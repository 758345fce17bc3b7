"""Independent verifier: re-check a published count from public data alone.

    python -m voting.verify BASE_URL POLL_ID [--signing-key KEY] [--poll-key-fingerprint HEX]
    python -m voting.verify SAVED_DIR_OR_ZIP [POLL_ID] [--signing-key KEY]
                                             [--poll-key-fingerprint HEX]

A saved copy is a directory or zip holding poll.json, ballots.json, result.json, keys.json and
audit.json (the "public documents" download of the announcement page). The documents are
fetched with urllib; no application or database is involved, and only `cryptography` is
needed: the checks use the same plain modules as the server (voting.crypto, voting.audit.chain,
voting.tally.rules through voting.tally.board).

Who signed: with a URL the result's signing key must be one BASE_URL's /api/v1/keys lists
(fetched from the site, never from a copy); a copy cannot vouch for its own key, so a saved
copy is authenticated only by `--signing-key KEY` known out of band, and without it the
verdict is "consistent but unauthenticated". `--poll-key-fingerprint HEX` pins the poll key to
the fingerprint read out in the hall.

Exit status: 0 every check holds; 1 a check failed; 2 the documents cannot be loaded;
3 consistent but unauthenticated. Chinese by default; English with LANG=en (or LC_ALL,
LC_MESSAGES, LANGUAGE starting with "en") or --lang en.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from voting.audit import chain as audit_chain
from voting.crypto import blind_rsa, result_signing
from voting.tally import board as boardlib
from voting.verify_documents import Documents, LoadError, fetch, load
from voting.verify_words import Words, language

RECOUNTED = ("valid_ballots", "invalid_ballots", "threshold", "counts", "elected", "tied",
             "seats_left", "runoff_candidates", "runoff_reason")  # + the kind's own fields
PINNED_FLAGS = ("--signing-key", "--poll-key-fingerprint", "--lang")

OK, FAILED, UNLOADABLE, UNAUTHENTICATED = 0, 1, 2, 3

@dataclass
class Report:
    words: Words
    lines: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    unauthenticated: bool = False

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        mark = "✓" if ok else "✗"
        label = self.words(name)
        self.lines.append(f"{mark} {label}" + (f"{self.sep}{detail}" if detail else ""))
        if not ok:
            self.failed.append(label)
        return ok

    @property
    def sep(self) -> str:
        return ": " if self.words.index else "："

    def note(self, name: str, detail: str) -> None:
        """A line that is neither a pass nor a failure: something left unchecked."""
        self.lines.append(f"? {self.words(name)}{self.sep}{detail}")

    @property
    def status(self) -> int:
        if self.failed:
            return FAILED
        return UNAUTHENTICATED if self.unauthenticated else OK


# ---- checks -----------------------------------------------------------------------------------

def normalise_fingerprint(text: str) -> str | None:
    """A fingerprint as read out (groups of four, any case, spaces or colons) → 64 hex."""
    compact = re.sub(r"[\s:]", "", text or "").lower()
    return compact if re.fullmatch(r"[0-9a-f]{64}", compact) else None


def _recount_values(result: dict, ballots: list[dict], choices: list):
    """The recount's fields, or the exception that stopped it."""
    try:
        return boardlib.recount(result, ballots, choices=choices)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        return exc


def _rows(ballots: list) -> tuple[list[tuple[str, str, str]], list[str]]:
    """(msg, msg_prefix, sig) of every well-formed entry, and the positions of the others
    (not an object, a string missing, no choices)."""
    rows, malformed = [], []
    for i, b in enumerate(ballots):
        if isinstance(b, dict):
            m, p, s = b.get("msg"), b.get("msg_prefix"), b.get("sig")
            if isinstance(m, str) and isinstance(p, str) and isinstance(s, str) and "choices" in b:
                rows.append((m, p, s))
                continue
        malformed.append(str(i))
    return rows, malformed


def _start_checking(public_key_pem: str, rows: list[tuple[str, str, str]]):
    """A SignatureChecker fed every (msg, msg_prefix, sig), working on every core; None if
    the key cannot be loaded (the fingerprint check has failed already)."""
    try:
        checker = boardlib.SignatureChecker(
            public_key_pem, workers=1 if len(rows) < boardlib.PARALLEL_FROM else None)
    except (ValueError, TypeError):
        return None
    for i in range(0, len(rows), boardlib.CHUNK):
        checker.feed(rows[i:i + boardlib.CHUNK])
    return checker


def _fast_digest(rows: list[tuple[str, str, str]], msgs: list[str], choices: list) -> str | None:
    """The board digest written straight into the hash (boardlib.safe_digest); valid only
    once every signature has verified, which proves every string strict base64url. None
    when the choices cannot be sorted (the full path then says so)."""
    order = sorted(range(len(rows)), key=msgs.__getitem__)  # stable, as board_entries
    try:
        canon = boardlib.canonical_choices([choices[i] for i in order])
    except TypeError:
        return None
    return boardlib.safe_digest((*rows[i], c) for i, c in zip(order, canon))


def _recount(report: Report, result: dict, again) -> None:
    w = report.words
    if isinstance(again, Exception):
        report.check("Recount", False, w("recount_lacks", error=again))
        return
    wrong = []
    for name in RECOUNTED + boardlib.recounted_fields(result["kind"]):
        if name not in again and name not in result:
            continue
        if again.get(name) != result.get(name):
            if isinstance(again.get(name), dict) and isinstance(result.get(name), dict):
                diffs = [w("recount_item", id=c, said=result[name].get(c), again=v)
                         for c, v in again[name].items() if result[name].get(c) != v]
                diffs += [w("not_candidate", id=c) for c in sorted(set(result[name])
                                                                  - set(again[name]))]
                wrong.append(f"{name} ({w.short(diffs)})" if w.index else
                             f"{name}（{w.short(diffs)}）")
            else:
                wrong.append(w("recount_wrong", name=name, said=repr(result.get(name)),
                               again=repr(again.get(name))))
    if wrong:
        report.check("Recount", False, w.short(wrong, 5))
        return
    if isinstance(result.get("ratings"), dict):  # an evaluation: ratings, not seats
        rated = list(result["ratings"].values())
        rate = result.get("overall_rate")
        report.check("Recount", True, w(
            "recount_rated", valid=result["valid_ballots"], satisfied=rated.count("satisfied"),
            basic=rated.count("basic"), dissatisfied=rated.count("dissatisfied"),
            rectify=w.short(result.get("rectify") or [], 20) or w("none"),
            rate=w("none") if rate is None else f"{rate} %"))
        return
    detail = w("recount_ok", valid=result["valid_ballots"],
               elected=w.short(result["elected"], 20) or w("none"))
    if result["tied"]:
        detail += w("recount_tied", tied=w.short(result["tied"], 20))
    report.check("Recount", True, detail)


def _int(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(repr(value))
    return value


def _turnout(report: Report, result: dict, ballots: list[dict]) -> None:
    """docs/protocol.md: ballots cast ≤ ballots issued, electronic and paper; ballots cast ≤
    checked in ≤ eligible; ballots issued beyond those checked in only as listed replacements."""
    w = report.words
    paper = result.get("paper") or {}
    replaced = result.get("replacements") or []
    try:
        if not isinstance(paper, dict) or not isinstance(replaced, list):
            raise ValueError("paper, replacements")
        listed = paper.get("ballots") or []
        if not isinstance(listed, list):
            raise ValueError("paper.ballots")
        t = boardlib.Turnout(
            eligible=_int(result.get("eligible")), checked_in=_int(result.get("checked_in")),
            tokens_issued=_int(result.get("tokens_issued")), electronic=len(ballots),
            paper_issued=_int(paper.get("issued", 0)),
            paper_returned=_int(paper.get("returned", 0)), replacements=len(replaced))
    except ValueError as exc:
        report.check("Turnout", False, w("turnout_numbers", error=exc))
        return
    problems = []
    if len(listed) != t.paper_returned:
        problems.append(w("paper_rows", issued=t.paper_issued, returned=t.paper_returned,
                          listed=len(listed)))
    numbers = [r.get("number") for r in replaced if isinstance(r, dict)]
    if (len(numbers) != len(replaced) or len(set(map(str, numbers))) != len(numbers)
            or not all(isinstance(r.get("name"), str) and isinstance(r.get("number"), str)
                       for r in replaced)):
        problems.append(w("replacements_bad"))
    for code, values in boardlib.turnout_faults(t):
        problems.append(w(code, left=values["tokens"] - values["replacements"], **values))
    values = {"eligible": t.eligible, "checked_in": t.checked_in, "tokens": t.tokens_issued,
              "paper_issued": t.paper_issued, "replacements": t.replacements, "cast": t.cast}
    sep = "；" if w.index == 0 else "; "
    report.check("Turnout", not problems, sep.join(problems) or w("turnout_ok", **values))


def _audit(report: Report, docs: Documents) -> None:
    """The public log's chain, and the entry the signed result anchors (audit_head)."""
    w = report.words
    result = docs.result
    entries = docs.audit.get("entries")
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        report.check("Audit log", False, w("audit_unloadable"))
        return
    chain = audit_chain.check_entries(entries)
    problems = []
    if not chain.ok:
        problems.append(w(f"chain_{chain.reason}", seq=chain.first_bad_seq))
    head, seq = result.get("audit_head"), result.get("audit_seq")
    for code, values in audit_chain.anchor_faults(chain, head, seq):
        if code == "audit_cut":
            values = {**values, "first": values["last"] + 1}
        problems.append(w(code, **values))
    if not problems:
        # What the log recorded of this poll (up to the anchor) must be what the result says.
        at = chain.hashes[head]
        poll_id = str(result.get("poll_id"))
        for entry in entries[:at]:
            if entry.get("object_type") != "poll" or entry.get("object_id") != poll_id:
                continue
            details = entry.get("details") or {}
            if (entry.get("action") in ("poll.create", "poll.open", "poll.tally")
                    and "key_fingerprint" in details
                    and details["key_fingerprint"] != result.get("key_fingerprint")):
                problems.append(w("audit_tally_differs", what=w("what_key"), seq=entry["seq"]))
            if (entry.get("action") == "poll.tally" and "board_digest" in details
                    and details["board_digest"] != result.get("board_digest")):
                problems.append(w("audit_tally_differs", what=w("what_digest"),
                                  seq=entry["seq"]))
    sep = "；" if w.index == 0 else "; "
    report.check("Audit log", not problems, sep.join(problems) or
                 w("audit_ok", n=chain.entries, seq=chain.hashes.get(head), head=head))


def _signing_key(report: Report, docs: Documents, signing_key: str | None) -> None:
    w = report.words
    key = docs.result.get("signing_key")
    if signing_key:
        ok = key == signing_key
        report.check("Result-signing key", ok,
                     w("key_given_ok", fp=result_signing.fingerprint(signing_key)[:16]) if ok
                     else w("key_given_bad", key=key, given=signing_key))
        return
    if docs.site is None:
        report.unauthenticated = True
        report.note("Result-signing key", w("key_unauthenticated", key=key))
        return
    listed = docs.keys.get("result_signing_keys") if isinstance(docs.keys, dict) else None
    entries = {k.get("key"): k for k in listed or [] if isinstance(k, dict)}
    entry = entries.get(key)
    ok = (entry is not None and isinstance(key, str)
          and entry.get("fingerprint") == result_signing.fingerprint(key))
    retired = w("key_retired", when=entry["retired"]) if ok and entry.get("retired") else ""
    report.check("Result-signing key", ok,
                 w("key_listed_ok", site=docs.site, fp=entry["fingerprint"][:16],
                   retired=retired) if ok else w("key_listed_bad", key=key, site=docs.site))


def verify(docs: Documents, *, poll_id: int | None = None, signing_key: str | None = None,
           poll_key_fingerprint: str | None = None, lang: str = "zh",
           progress=None) -> Report:
    """Every check, in order; `progress(checked)` is told how many signatures are checked."""
    report = Report(Words(lang))
    w = report.words
    poll, result = docs.poll, docs.result
    ballots = docs.board.get("ballots") if isinstance(docs.board.get("ballots"), list) else []

    ids = {"poll": poll.get("id"), "board": docs.board.get("poll_id"),
           "result": result.get("poll_id")}
    if poll_id is not None:
        ids["asked"] = poll_id
    same = len(set(map(repr, ids.values()))) == 1
    report.check("Poll", same, f"{poll.get('id')}" if same else
                 w("poll_ids", ids=", ".join(f"{k} {v}" for k, v in ids.items())))

    try:
        pub_fp = blind_rsa.key_fingerprint(blind_rsa.load_public_key(poll["public_key_pem"]))
    except (KeyError, ValueError, TypeError) as exc:
        pub_fp = w("key_unreadable", error=exc)
    fps = {"poll key": pub_fp, "poll": poll.get("key_fingerprint"),
           "board": docs.board.get("key_fingerprint"), "result": result.get("key_fingerprint")}
    key_ok = report.check("Key fingerprint", len(set(map(repr, fps.values()))) == 1,
                          pub_fp if len(set(map(repr, fps.values()))) == 1 else
                          w("key_differs", fps="; ".join(f"{k} {v}" for k, v in fps.items())))
    if poll_key_fingerprint:
        pinned = poll_key_fingerprint == pub_fp
        key_ok = report.check("Key fingerprint read out in the hall", pinned,
                              w("pin_ok", fp=pub_fp) if pinned else
                              w("pin_bad", fp=pub_fp, pin=poll_key_fingerprint)) and key_ok
    else:
        report.note("Key fingerprint read out in the hall", w("pin_none", fp=pub_fp))

    rows, malformed = _rows(ballots)
    if not report.check("Bulletin board", not malformed,
                        w("board_malformed", entries=w.short(malformed)) if malformed
                        else w("board_ok", n=len(ballots))):
        return report

    msgs = [r[0] for r in rows]
    dupes = [] if len(set(msgs)) == len(msgs) else boardlib.duplicate_msgs(ballots)
    # The signatures are checked on every core while this thread hashes and recounts.
    checker = _start_checking(poll["public_key_pem"], rows) if key_ok else None
    try:
        choices = boardlib.shared_choices(ballots)
        fast_digest = _fast_digest(rows, msgs, choices) if checker is not None else None
        recounted = _recount_values(result, ballots, choices)
    finally:
        bad = None
        if checker is not None:
            with checker:
                positions = checker.bad(progress)
            bad = [str(ballots[i].get("msg")) for i in positions]

    report.check("Each token used once", not dupes,
                 w("dupes", msgs=w.short(dupes)) if dupes else w("distinct", n=len(ballots)))

    if bad is not None:
        report.check("Ballot signatures", not bad,
                     w("sigs_ok", n=len(ballots)) if not bad else
                     w("sigs_bad", bad=len(bad), n=len(ballots), msgs=w.short(bad)))
    else:
        report.check("Ballot signatures", False, w("sigs_skipped"))

    if bad == [] and fast_digest is not None:
        digest = fast_digest  # every string is strict base64url: the same bytes, sooner
    else:
        try:
            digest = boardlib.board_digest(ballots)
        except TypeError:  # choices that cannot be sorted (mixed types)
            digest = w("digest_unsortable")
    report.check("Board digest", digest == result.get("board_digest"),
                 digest if digest == result.get("board_digest") else
                 w("digest_bad", have=digest, said=result.get("board_digest")))

    paper = result.get("paper") if isinstance(result.get("paper"), dict) else {}
    on_paper = len(paper.get("ballots") or [])
    counts = {"electronic_ballots": (len(ballots), result.get("electronic_ballots",
                                                              len(ballots))),
              "ballots_cast": (len(ballots) + on_paper, result.get("ballots_cast"))}
    wrong = [w("count_field", name=k, said=said, have=have)
             for k, (have, said) in counts.items() if have != said]
    sep = "；" if w.index == 0 else "; "
    report.check("Ballots cast", not wrong, sep.join(wrong) or
                 w("count_ok", cast=len(ballots) + on_paper, electronic=len(ballots),
                   paper=on_paper))

    _turnout(report, result, ballots)

    listed = [c.get("id") for c in poll.get("candidates", []) if isinstance(c, dict)]
    in_result = [c.get("id") for c in result.get("candidates", []) if isinstance(c, dict)]
    report.check("Candidates", listed == in_result and bool(listed),
                 w("candidates_ok", n=len(listed)) if listed == in_result and listed else
                 w("candidates_bad", listed=listed, in_result=in_result))

    _recount(report, result, recounted)
    _audit(report, docs)

    signed = result_signing.verify_document(result)
    report.check("Result signature", signed, w("signature_ok") if signed
                 else w("signature_bad"))
    _signing_key(report, docs, signing_key)
    return report


# ---- command line -----------------------------------------------------------------------------

PROGRESS = ("已核验 {checked:,} / {total:,} 张选票的签名（{percent}%）",
            "Checked the signatures of {checked:,} of {total:,} ballots ({percent}%)")


def _board_size(docs: Documents) -> int:
    ballots = docs.board.get("ballots") if isinstance(docs.board, dict) else None
    return len(ballots) if isinstance(ballots, list) else 0


def terminal_progress(stream, total: int, lang_index: int = 0):
    """`progress(checked)` for `verify`: the share of signatures checked, rewritten in place
    on a terminal's stderr (the report on stdout stays exactly the same)."""
    def progress(checked: int) -> None:
        percent = 100 if total <= 0 else checked * 100 // total
        stream.write("\r" + PROGRESS[lang_index].format(checked=checked, total=total,
                                                        percent=percent)
                     + ("\n" if checked >= total else ""))
        stream.flush()

    return progress


def _joined(argv: list[str]) -> list[str]:
    """`--signing-key KEY` → `--signing-key=KEY`, so that a KEY starting with '-' (about one
    base64url key in 64) is taken as the value, not refused by argparse as an option."""
    out, i = [], 0
    while i < len(argv):
        arg = argv[i]
        if arg in PINNED_FLAGS and i + 1 < len(argv):
            out.append(f"{arg}={argv[i + 1]}")
            i += 2
            continue
        out.append(arg)
        i += 1
    return out


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m voting.verify",
        description="Re-check a published poll result from public data alone.")
    parser.add_argument("source", help="BASE_URL of the site, or a directory or zip of the "
                                       "public documents")
    parser.add_argument("poll_id", nargs="?", type=int, help="the poll (required with a URL)")
    parser.add_argument("--signing-key", help="the result-signing public key (base64url), "
                                              "known out of band; with a URL, default: a key "
                                              "the site's /api/v1/keys lists")
    parser.add_argument("--poll-key-fingerprint", help="the poll key fingerprint read out in "
                                                       "the hall (hex; spaces allowed)")
    parser.add_argument("--lang", choices=("zh", "en"), help="language of the report "
                                                             "(default: from LANG, else zh)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(_joined(list(sys.argv[1:] if argv is None else argv)))
    w = Words(language(args.lang))

    def unloadable(detail: str) -> int:
        print(f"✗ {w('Documents')}{'：' if w.index == 0 else ': '}{detail}")
        print(w("verdict_unloadable"))
        return UNLOADABLE

    pin = None
    if args.poll_key_fingerprint is not None:
        pin = normalise_fingerprint(args.poll_key_fingerprint)
        if pin is None:
            return unloadable(w("bad_pin_format"))
    if args.signing_key is not None:
        try:
            result_signing.load_public_key(args.signing_key)
        except ValueError:
            return unloadable(w("bad_key_format"))
    # A board of 100,000 ballots: see no_gc and quick_switching.
    with boardlib.no_gc(), boardlib.quick_switching():
        try:
            if args.source.startswith(("http://", "https://")):
                if args.poll_id is None:
                    return unloadable(w("poll_id_needed"))
                docs = fetch(args.source, args.poll_id)
            else:
                docs = load(Path(args.source))
        except LoadError as exc:
            return unloadable(w("cannot_load", error=exc))
        report = verify(docs, poll_id=args.poll_id, signing_key=args.signing_key,
                        poll_key_fingerprint=pin, lang="en" if w.index else "zh",
                        progress=terminal_progress(sys.stderr, _board_size(docs), w.index)
                        if sys.stderr.isatty() else None)
    print("\n".join(report.lines))
    if report.failed:
        print(w("verdict_failed", names=("、" if w.index == 0 else ", ").join(report.failed)))
    elif report.unauthenticated:
        print(w("verdict_unauthenticated"))
    else:
        print(w("verdict_ok", poll=docs.poll.get("id")))
    return report.status


if __name__ == "__main__":
    sys.exit(main())

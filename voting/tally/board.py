"""The bulletin board and the recount, as plain Python shared by the server and the verifier.

Given only public data (the poll's public key, the board, the result document) anyone can
redo every step of the count: check each ballot's signature, compute the board digest and
count again with `voting.tally.rules`. The server runs the same functions before it signs.
"""

from __future__ import annotations

import binascii
import gc
import hashlib
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from voting.ballots import kinds
from voting.crypto import blind_rsa
from voting.crypto.encoding import canonical_json, sha256_hex
from voting.tally import rules

BOARD_FIELDS = ("msg", "msg_prefix", "sig", "choices")
# Below this many ballots a thread pool costs more than it saves.
PARALLEL_FROM = 2000


@contextmanager
def no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building a board of 100,000 small objects
    (none of them cyclic): it otherwise rescans them over and over, doubling the time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def sorted_choices(choices):
    """A selection ballot's ids sorted; a for/against mapping as is (canonical JSON sorts it)."""
    return sorted(choices) if isinstance(choices, list) else choices


def board_choices(choices):
    """Choices as the public board lists them (voting.ballots.services.board_ballots and
    the count): ids sorted, a mapping's items sorted."""
    return sorted(choices) if isinstance(choices, list) else dict(sorted(choices.items()))


def board_entries(ballots: Iterable[dict]) -> list[dict]:
    """Ballots as the digest covers them: {msg, msg_prefix, sig, choices}, choices sorted,
    the list sorted by msg (code-point order)."""
    entries = [{"msg": b["msg"], "msg_prefix": b["msg_prefix"], "sig": b["sig"],
                "choices": sorted_choices(b["choices"])} for b in ballots]
    entries.sort(key=lambda e: e["msg"])
    return entries


def board_digest(ballots: Iterable[dict]) -> str:
    """docs/protocol.md: hex SHA-256 of the canonical JSON of the board's ballots list."""
    return sha256_hex(canonical_json(board_entries(ballots)))


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def choices_json(choices) -> str:
    """The canonical JSON of one ballot's sorted choices, as `canonical_json` writes it
    inside the board (one encoder, built once: json.dumps with options builds one a call)."""
    return _CANONICAL.encode(sorted_choices(choices))


def shared_choices(ballots: Sequence[dict]) -> list:
    """Each ballot's choices, in order, one object for all the lists of the same ids: the
    count judges, and the digest writes, each distinct object once (a board of 100,000
    ballots holds far fewer distinct ones). Only lists of strings alone are shared (1, 1.0
    and True are equal as keys but not as JSON); anything else stays as it is."""
    shared: dict[tuple, list] = {}
    out = []
    for b in ballots:
        c = b["choices"]
        if type(c) is list:
            try:
                "".join(c)  # a TypeError unless every item is a string
            except TypeError:
                out.append(c)
                continue
            c = shared.setdefault(tuple(c), c)
        out.append(c)
    return out


def canonical_choices(all_choices: Sequence) -> list[str]:
    """`choices_json` of each ballot's choices, computed once per object (`shared_choices`
    makes equal lists one object; an object's JSON is its own)."""
    memo: dict[int, str] = {}
    out = []
    for c in all_choices:
        text = memo.get(id(c))
        if text is None:
            text = memo[id(c)] = choices_json(c)
        out.append(text)
    return out


def safe_digest(entries: Iterable[tuple[str, str, str, str]]) -> str:
    """`board_digest` of (msg, msg_prefix, sig, choices_json) tuples already sorted by msg
    (stably), written straight into the hash: the same bytes as canonical_json, without
    building 100,000 dicts. Only for strings known to be base64url (their signature was
    checked, which decodes them strictly): nothing in them needs escaping in JSON."""
    digest = hashlib.sha256()
    part: list[str] = []
    first = True
    for m, p, s, c in entries:
        part.append(f'{{"choices":{c},"msg":"{m}","msg_prefix":"{p}","sig":"{s}"}}')
        if len(part) == 4096:
            digest.update((("[" if first else ",") + ",".join(part)).encode("utf-8"))
            part, first = [], False
    digest.update((("[" if first else ",") + ",".join(part) + "]").encode("utf-8"))
    return digest.hexdigest()


def duplicate_msgs(ballots: Iterable[dict]) -> list[str]:
    seen: set[str] = set()
    dupes: list[str] = []
    for b in ballots:
        if b["msg"] in seen:
            dupes.append(b["msg"])
        seen.add(b["msg"])
    return dupes


_PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA384()), salt_length=blind_rsa.SALT_LEN)
_STANDARD = bytes.maketrans(b"-_", b"+/")
_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_PADDING = ("", "", "==", "=")


def _decode(text) -> bytes:
    """voting.crypto.encoding.b64url_decode for the hot loop, the same strict unpadded
    base64url (anything else raises ValueError, TypeError or binascii.Error): '+', '/' and
    '=' are refused here, every other character outside the alphabet by the strict decoder."""
    if "+" in text or "/" in text or "=" in text:
        raise ValueError("not unpadded base64url")
    return binascii.a2b_base64((text + _PADDING[len(text) & 3]).encode("ascii")
                               .translate(_STANDARD), strict_mode=True)


_FILL = ("", "", "AA", "A")  # by length % 4 (1 is refused): whole groups of four


def _decode_many(texts: list) -> list[bytes] | None:
    """Every text decoded as by `_decode`, in one call to the decoder: each is filled to whole
    groups of four with "A" (zero bits, past the bytes it encodes), so the groups of one never
    mix with the next. None if any is not strict unpadded base64url (decode them one by one
    to find which)."""
    lengths = [len(t) for t in texts]
    if any(n & 3 == 1 for n in lengths):
        return None
    if any(n & 3 for n in lengths):
        joined = "".join([t + _FILL[len(t) & 3] for t in texts])
    else:
        joined = "".join(texts)
    try:
        data = joined.encode("ascii")
    except UnicodeEncodeError:
        return None
    if data.translate(None, _ALPHABET):  # a character outside the alphabet ('=' included)
        return None
    raw = binascii.a2b_base64(data.translate(_STANDARD))  # nothing left for strictness to refuse
    out, at = [], 0
    for n in lengths:
        out.append(raw[at:at + n * 3 // 4])
        at += (n + 3) // 4 * 3
    return out


def _bad_positions(pub, rows: Sequence) -> list[int]:
    """Positions, in `rows` starting (msg, msg_prefix, sig, ...), of those whose signature
    fails."""
    try:
        sigs = _decode_many([r[2] for r in rows])
        prefixes = _decode_many([r[1] for r in rows])
        msgs = _decode_many([r[0] for r in rows])
    except (TypeError, IndexError, KeyError):
        sigs = None
    if sigs is None or prefixes is None or msgs is None:
        return _bad_one_by_one(pub, rows)
    bad = []
    sha384 = hashes.SHA384()
    verify = pub.verify
    for i, (s, p, m) in enumerate(zip(sigs, prefixes, msgs)):
        try:
            verify(s, p + m, _PSS, sha384)
        except (InvalidSignature, ValueError, TypeError):
            bad.append(i)
    return bad


def _bad_one_by_one(pub, rows: Sequence) -> list[int]:
    """`_bad_positions` for a chunk holding something that is not strict base64url."""
    bad = []
    sha384 = hashes.SHA384()
    verify = pub.verify
    for i, row in enumerate(rows):
        try:
            verify(_decode(row[2]), _decode(row[1]) + _decode(row[0]), _PSS, sha384)
        except (InvalidSignature, ValueError, TypeError, IndexError, KeyError, binascii.Error):
            bad.append(i)
    return bad


@contextmanager
def quick_switching(interval: float = 0.0002) -> Iterator[None]:
    """While threads verify (OpenSSL releases the GIL) and the main thread reads or counts,
    hand the GIL over sooner than every 5 ms: a verifying thread otherwise waits a whole
    interval to take it back after each signature."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(min(before, interval))
    try:
        yield
    finally:
        sys.setswitchinterval(before)


class SignatureChecker:
    """Checks ballots' signatures on every core while the caller is still reading the board:
    `feed` hands over a chunk of (msg, msg_prefix, sig) and returns at once; `bad` waits for
    all of them and gives the positions (in the order fed) of those that fail. Standard
    RSASSA-PSS, SHA-384, salt 48, over prefix || msg, under the poll's public key."""

    def __init__(self, public_key_pem: str, *, workers: int | None = None):
        self.pub = blind_rsa.load_public_key(public_key_pem)
        self.workers = workers or os.cpu_count() or 1
        self._pool = ThreadPoolExecutor(self.workers) if self.workers > 1 else None
        self._parts: list[tuple[int, int, object]] = []  # (offset, size, future or bad list)
        self.fed = 0

    def feed(self, triples: Sequence) -> None:
        if not triples:
            return
        if self._pool is None:
            work = _bad_positions(self.pub, triples)
        else:
            work = self._pool.submit(_bad_positions, self.pub, triples)
        self._parts.append((self.fed, len(triples), work))
        self.fed += len(triples)

    def checked(self) -> int:
        """How many of the ballots fed are checked so far."""
        return sum(size for _o, size, w in self._parts if not hasattr(w, "done") or w.done())

    def bad(self, progress: Callable[[int], None] | None = None,
            every: float = 0.25) -> list[int]:
        """Positions of the failing ballots, once all are checked; `progress(checked)` is
        called about every `every` seconds meanwhile, and once at the end."""
        pending = [w for _o, _s, w in self._parts if hasattr(w, "done")]
        while pending:
            _done, left = wait(pending, timeout=every if progress else None)
            pending = list(left)
            if progress and pending:
                progress(self.checked())
        out = []
        for offset, _size, work in self._parts:
            out.extend(offset + i for i in (work.result() if hasattr(work, "result") else work))
        if progress:
            progress(self.fed)
        return out

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> SignatureChecker:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()


CHUNK = 2048  # ballots handed to a verifying thread at once


def bad_signatures(public_key_pem: str, ballots: Sequence[dict], *,
                   workers: int | None = None,
                   progress: Callable[[int], None] | None = None) -> list[str]:
    """The `msg` of every ballot whose signature does not verify under the poll's key
    (standard RSASSA-PSS, SHA-384, salt 48, over prefix || msg). OpenSSL releases the GIL,
    so a thread per core checks a large board in parallel; `progress(checked)` is told how
    far it has got."""
    if workers is None and len(ballots) < PARALLEL_FROM:
        workers = 1
    triples = [(b.get("msg"), b.get("msg_prefix"), b.get("sig")) for b in ballots]
    with SignatureChecker(public_key_pem, workers=workers) as checker, quick_switching():
        for i in range(0, len(triples), CHUNK):
            checker.feed(triples[i:i + CHUNK])
        bad = checker.bad(progress)
    return [str(ballots[i].get("msg")) for i in bad]


# ---- the count -----------------------------------------------------------------------------

def count(*, kind: str, candidate_ids: Sequence[str], seats: int | None,
          max_choices: int | None, threshold_base: str, eligible: int, checked_in: int,
          ballots: Iterable):
    """Count by the poll's kind (voting.ballots.kinds); `ballots` are choices (None for an
    unreadable paper ballot). An unknown kind is a ValueError."""
    return kinds.get(kind).count(
        candidate_ids=candidate_ids, seats=seats, max_choices=max_choices,
        threshold_base=threshold_base, turnout=rules.Turnout(roster=eligible, present=checked_in),
        ballots=ballots)


@dataclass(frozen=True)
class Turnout:
    """The numbers of a count that must add up (docs/protocol.md, Command line): what was issued,
    what came back, who was present. `replacements`: paper ballots recorded as given to a
    deputy who already held a token."""

    eligible: int
    checked_in: int
    tokens_issued: int
    electronic: int
    paper_issued: int
    paper_returned: int
    replacements: int

    @property
    def cast(self) -> int:
        return self.electronic + self.paper_returned


def turnout_faults(t: Turnout) -> list[tuple[str, dict]]:
    """Every inequality of the turnout that fails, as (code, the numbers involved):
    electronic ballots ≤ tokens issued (and, replaced tokens left out, ≤ the rest); paper
    returned ≤ paper issued; ballots cast ≤ checked in ≤ eligible; tokens + paper issued ≤
    checked in + replacements; replacements ≤ paper issued. The server refuses to count and
    the verifier fails on any of them."""
    faults: list[tuple[str, dict]] = []
    values = {"eligible": t.eligible, "checked_in": t.checked_in, "tokens": t.tokens_issued,
              "electronic": t.electronic, "paper_issued": t.paper_issued,
              "paper_returned": t.paper_returned, "replacements": t.replacements,
              "cast": t.cast}
    if t.electronic > t.tokens_issued:
        faults.append(("electronic_over_tokens", values))
    elif t.electronic > t.tokens_issued - t.replacements:
        faults.append(("replaced_token_used", values))
    if t.paper_returned > t.paper_issued:
        faults.append(("paper_over_issued", values))
    if t.cast > t.checked_in:
        faults.append(("cast_over_checked_in", values))
    if t.checked_in > t.eligible:
        faults.append(("checked_in_over_eligible", values))
    if t.tokens_issued + t.paper_issued > t.checked_in + t.replacements:
        faults.append(("issued_over_checked_in", values))
    if t.replacements > t.paper_issued:
        faults.append(("replacements_over_paper", values))
    return faults


def outcome_fields(kind: str, outcome) -> dict:
    """The counted part of a result document, as the kind writes it."""
    return kinds.get(kind).outcome_fields(outcome)


def recounted_fields(kind: str) -> tuple[str, ...]:
    """The result's fields a recount must reproduce beyond the common ones."""
    return kinds.get(kind).recounted


def recount(result: dict, board: Sequence[dict], *, choices: Sequence | None = None) -> dict:
    """Count again from a result document's inputs and the board's ballots; returns the
    fields of `outcome_fields` (compare them with the document's). `choices`: the board's
    choices already taken out of it (`shared_choices`), in board order."""
    paper = (result.get("paper") or {}).get("ballots") or []
    outcome = count(kind=result["kind"], candidate_ids=[c["id"] for c in result["candidates"]],
                    seats=result["seats"], max_choices=result["max_choices"],
                    threshold_base=result["threshold_base"], eligible=result["eligible"],
                    checked_in=result["checked_in"],
                    ballots=list(choices if choices is not None else
                                 [b["choices"] for b in board]) + list(paper))
    return outcome_fields(result["kind"], outcome)

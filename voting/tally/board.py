"""The bulletin board and the recount, as plain Python shared by the server and the verifier.

Given only public data (the poll's public key, the board, the result document) anyone can
redo every step of the count: check each ballot's signature, compute the board digest and
count again with `voting.tally.rules`. The server runs the same functions before it signs.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from voting.ballots import kinds
from voting.crypto import blind_rsa
from voting.crypto.encoding import b64url_decode, canonical_json, sha256_hex
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


def duplicate_msgs(ballots: Iterable[dict]) -> list[str]:
    seen: set[str] = set()
    dupes: list[str] = []
    for b in ballots:
        if b["msg"] in seen:
            dupes.append(b["msg"])
        seen.add(b["msg"])
    return dupes


_PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA384()), salt_length=blind_rsa.SALT_LEN)


def _bad_in(pub, ballots: Sequence[dict]) -> list[str]:
    bad = []
    sha384 = hashes.SHA384()
    for b in ballots:
        try:
            prepared = blind_rsa.prepare(b64url_decode(b["msg"]), b64url_decode(b["msg_prefix"]))
            pub.verify(b64url_decode(b["sig"]), prepared, _PSS, sha384)
        except (InvalidSignature, ValueError, TypeError, KeyError):
            bad.append(str(b.get("msg")))
    return bad


def bad_signatures(public_key_pem: str, ballots: Sequence[dict], *,
                   workers: int | None = None) -> list[str]:
    """The `msg` of every ballot whose signature does not verify under the poll's key
    (standard RSASSA-PSS, SHA-384, salt 48, over prefix || msg). OpenSSL releases the GIL,
    so a thread per core checks a large board in parallel."""
    pub = blind_rsa.load_public_key(public_key_pem)
    workers = workers or os.cpu_count() or 1
    if workers == 1 or len(ballots) < PARALLEL_FROM:
        return _bad_in(pub, ballots)
    size = -(-len(ballots) // workers)
    chunks = [ballots[i:i + size] for i in range(0, len(ballots), size)]
    with ThreadPoolExecutor(workers) as pool:
        return [msg for part in pool.map(lambda c: _bad_in(pub, c), chunks) for msg in part]


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


def recount(result: dict, board: Sequence[dict]) -> dict:
    """Count again from a result document's inputs and the board's ballots; returns the
    fields of `outcome_fields` (compare them with the document's)."""
    paper = (result.get("paper") or {}).get("ballots") or []
    outcome = count(kind=result["kind"], candidate_ids=[c["id"] for c in result["candidates"]],
                    seats=result["seats"], max_choices=result["max_choices"],
                    threshold_base=result["threshold_base"], eligible=result["eligible"],
                    checked_in=result["checked_in"],
                    ballots=[b["choices"] for b in board] + list(paper))
    return outcome_fields(result["kind"], outcome)

"""The audit log's hash chain as plain Python (no Flask, no database), shared by the server,
`flask audit verify` and the independent verifier, which checks the public log
(GET /api/v1/audit) against the `audit_head` a signed result carries."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from voting.crypto.encoding import canonical_json

GENESIS_HASH = "0" * 64
HASHED_FIELDS = ("seq", "created_at", "actor", "action", "object_type", "object_id", "details",
                 "prev_hash")


def entry_hash(*, seq: int, created_at: str, actor: str, action: str, object_type: str,
               object_id: str, details: dict, prev_hash: str) -> str:
    body = {"seq": seq, "created_at": created_at, "actor": actor, "action": action,
            "object_type": object_type, "object_id": object_id, "details": details,
            "prev_hash": prev_hash}
    return hashlib.sha256(canonical_json(body)).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    entries: int
    first_bad_seq: int | None
    reason: str | None  # "missing", "link" or "hash" (callers put it in words)
    hashes: dict[str, int]  # hash -> seq of every entry up to the first bad one

    @property
    def ok(self) -> bool:
        return self.first_bad_seq is None

    @property
    def last_seq(self) -> int:
        return max(self.hashes.values(), default=0)


def check_entries(entries: Iterable[Mapping]) -> ChainReport:
    """Recompute every entry's hash and its link to the one before, in seq order, from
    entries as GET /api/v1/audit lists them (created_at as text)."""
    prev, expected, count = GENESIS_HASH, 1, 0
    hashes: dict[str, int] = {}
    for entry in entries:
        count += 1
        try:
            seq = entry["seq"]
            if seq != expected:
                return ChainReport(count, seq if isinstance(seq, int) else expected, "missing",
                                   hashes)
            if entry["prev_hash"] != prev:
                return ChainReport(count, seq, "link", hashes)
            computed = entry_hash(**{k: entry[k] for k in HASHED_FIELDS})
        except (KeyError, TypeError, ValueError):
            return ChainReport(count, expected, "hash", hashes)
        if computed != entry.get("hash"):
            return ChainReport(count, seq, "hash", hashes)
        hashes[computed] = seq
        prev = computed
        expected += 1
    return ChainReport(count, None, None, hashes)


def anchor_faults(report: ChainReport, audit_head: str | None,
                  audit_seq: int | None = None) -> list[tuple[str, dict]]:
    """What is wrong between a checked chain and a signed result's `audit_head`: the head
    must be an entry of the intact part of the chain (at `audit_seq` when that is known)."""
    if not isinstance(audit_head, str):
        return [("audit_head_missing", {})]
    if audit_head in report.hashes:
        at = report.hashes[audit_head]
        if isinstance(audit_seq, int) and audit_seq != at:
            return [("audit_head_moved", {"seq": audit_seq, "at": at})]
        return []
    if not report.ok:
        return [("audit_head_after_break", {"head": audit_head, "bad": report.first_bad_seq})]
    if isinstance(audit_seq, int) and audit_seq > report.last_seq:
        return [("audit_cut", {"head": audit_head, "seq": audit_seq,
                               "last": report.last_seq})]
    return [("audit_head_unknown", {"head": audit_head, "last": report.last_seq})]

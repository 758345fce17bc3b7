"""The installation's Ed25519 result-signing keys, kept outside the database.

They live in `<instance>/result_keys/`: one PEM per key (0600) and `index.json` listing each
key's fingerprint and its created/retired dates. Someone who can write the database still
cannot forge a certified result. The first key is made on first use; `rotate()` retires the
current key but keeps it, so results signed with it stay verifiable (GET /api/v1/keys lists
every key ever used).
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from voting.crypto import result_signing
from voting.db import utcnow

KEY_DIR = "result_keys"
INDEX = "index.json"


@dataclass(frozen=True)
class ResultKey:
    fingerprint: str
    public_key: str  # base64url of the raw 32 bytes
    created: str  # ISO 8601, UTC
    retired: str | None
    path: Path

    def private_key(self) -> Ed25519PrivateKey:
        return result_signing.load_private_key(self.path.read_bytes())

    def public_entry(self) -> dict:
        """As GET /api/v1/keys lists it."""
        return {"key": self.public_key, "fingerprint": self.fingerprint,
                "created": self.created, "retired": self.retired}


def _dir(app_or_instance_path) -> Path:
    path = getattr(app_or_instance_path, "instance_path", app_or_instance_path)
    d = Path(path) / KEY_DIR
    d.mkdir(mode=0o700, parents=True, exist_ok=True)
    return d


@contextmanager
def _locked(d: Path) -> Iterator[None]:
    """One writer at a time across processes (two workers must not both make a first key)."""
    fd = os.open(d / ".lock", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _now() -> str:
    return utcnow().replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _read_index(d: Path) -> list[dict]:
    index = d / INDEX
    return json.loads(index.read_text("utf-8")) if index.exists() else []


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def _write_index(d: Path, entries: list[dict]) -> None:
    tmp = d / (INDEX + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(entries, f, indent=2)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, d / INDEX)


def _entry(d: Path, e: dict) -> ResultKey:
    return ResultKey(fingerprint=e["fingerprint"], public_key=e["key"], created=e["created"],
                     retired=e["retired"], path=d / e["file"])


def _add_key(d: Path, entries: list[dict]) -> list[dict]:
    key = result_signing.generate_key()
    fp = result_signing.fingerprint(key)
    _write_private(d / f"{fp}.pem", result_signing.private_key_pem(key))
    entries.append({"fingerprint": fp, "key": result_signing.public_key_text(key),
                    "file": f"{fp}.pem", "created": _now(), "retired": None})
    _write_index(d, entries)
    return entries


def current_key(app_or_instance_path) -> ResultKey:
    """The key in use, made on first call."""
    d = _dir(app_or_instance_path)
    entries = _read_index(d)
    if not any(e["retired"] is None for e in entries):
        with _locked(d):
            entries = _read_index(d)
            if not any(e["retired"] is None for e in entries):
                entries = _add_key(d, entries)
    return next(_entry(d, e) for e in entries if e["retired"] is None)


def all_keys(app_or_instance_path) -> list[ResultKey]:
    """Every key this installation has used, oldest first (none before the first count)."""
    d = _dir(app_or_instance_path)
    return [_entry(d, e) for e in _read_index(d)]


def rotate(app_or_instance_path) -> ResultKey:
    """Retire the current key (kept for verifying old results) and start a new one."""
    d = _dir(app_or_instance_path)
    with _locked(d):
        entries = _read_index(d)
        now = _now()
        for e in entries:
            if e["retired"] is None:
                e["retired"] = now
        entries = _add_key(d, entries)
    return _entry(d, entries[-1])


def keys_document(app_or_instance_path) -> dict:
    """GET /api/v1/keys: every key ever used, current and retired."""
    return {"result_signing_keys": [k.public_entry() for k in all_keys(app_or_instance_path)]}

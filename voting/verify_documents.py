"""The public documents the verifier checks: fetched from a site with urllib, or read from a
saved directory or zip (the announcement page's "public documents" download)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

FILES = ("poll.json", "ballots.json", "result.json", "keys.json", "audit.json")


class LoadError(Exception):
    pass


@dataclass
class Documents:
    poll: dict
    board: dict
    result: dict
    keys: dict  # the site's /api/v1/keys, or a saved copy's keys.json (not trusted)
    audit: dict
    site: str | None = None  # BASE_URL when fetched: only then do its keys authenticate


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
    site = base_url.rstrip("/")
    base = site + "/api/v1"
    return Documents(poll=_get_json(f"{base}/polls/{poll_id}"),
                     board=_get_json(f"{base}/polls/{poll_id}/ballots"),
                     result=_get_json(f"{base}/polls/{poll_id}/result"),
                     keys=_get_json(f"{base}/keys"),
                     audit=_get_json(f"{base}/audit"), site=site)


def load(path: Path) -> Documents:
    """From a directory or a zip of the public documents."""
    try:
        if path.is_dir():
            texts = {name: (path / name).read_bytes() for name in FILES}
        else:
            with zipfile.ZipFile(path) as z:
                texts = {name: z.read(name) for name in FILES}
        docs = {name: json.loads(texts[name]) for name in FILES}
    except (OSError, KeyError, zipfile.BadZipFile, ValueError) as exc:
        raise LoadError(f"{path}: {exc}") from exc
    if not all(isinstance(d, dict) for d in docs.values()):
        raise LoadError(f"{path}: a document is not a JSON object")
    return Documents(poll=docs["poll.json"], board=docs["ballots.json"],
                     result=docs["result.json"], keys=docs["keys.json"],
                     audit=docs["audit.json"])

"""Published pages served from memory, before Flask runs.

A result announcement whose every seat is settled can no longer change: the polls are
published, their results signed, no runoff can follow; nor can a published poll's signed
result and bulletin board (JSON and page), which every deputy looking up a receipt fetches. Its view says so (`shared()`); the
worker keeps the bytes of the first anonymous reader's page and serves the next readers from
them, with the security headers the page was sent with, an ETag and a short public max-age.
Live public pages (a project's progress, the home page, the years) say `live()`: kept for
PAGE_CACHE_LIVE_SECONDS, so that a reader may see a page that many seconds old.

Only what any anonymous reader would get is shared: a GET or HEAD without a query string,
from a visitor whose session holds nothing but a CSRF token (no sign-in, no chosen language,
no pending message) and with no remember-me cookie. Such a page carries no CSRF token (base
layout); a cookie set on the response that rendered it stays that visitor's. Keyed by scheme, host and path (the page quotes its own address);
bounded, least recently used first out. Each process keeps its own: nothing needs
invalidating, since a settled page cannot change and a live one expires (a restore of a
backup restarts the site).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass

import time

from flask import Flask, current_app, request
from werkzeug.http import parse_cookie

ELIGIBLE = "voting.page_cache.eligible"  # the request may be shared (set by the middleware)
SHARED = "voting.page_cache.shared"  # the view said its page can no longer change
# What an anonymous visitor's session may hold: a CSRF token and Flask-Login's markers.
ANONYMOUS_KEYS = {"csrf_token", "_fresh", "_id"}
MAX_ENTRIES = 256
MAX_BYTES = 16 * 1024 * 1024  # a bigger answer (a board of 20,000 ballots) is rendered each time
MAX_TOTAL_BYTES = 128 * 1024 * 1024  # per process
MAX_AGE = 300  # seconds a browser or proxy may reuse a settled page without asking
FOREVER = -1


def shared(seconds: int | None = None) -> None:
    """Called by a view whose page, as an anonymous reader gets it, can never change again
    (`seconds` None), or that readers may get up to `seconds` old (a live public page)."""
    if request.environ.get(ELIGIBLE) and (seconds is None or seconds > 0):
        request.environ[SHARED] = seconds or FOREVER


def live() -> None:
    """A public page that changes (progress reports, the date): shared for
    PAGE_CACHE_LIVE_SECONDS (0: never)."""
    shared(current_app.config.get("PAGE_CACHE_LIVE_SECONDS", 0))


def is_shared() -> bool:
    """For the base layout: a shared page carries no per-visitor CSRF token."""
    return bool(request.environ.get(SHARED))


@dataclass(frozen=True)
class Entry:
    status: str
    headers: list[tuple[str, str]]
    body: bytes
    etag: str
    max_age: int
    expires: float | None  # time.monotonic(); None: never

    def fresh(self) -> bool:
        return self.expires is None or time.monotonic() < self.expires

    def serve(self, environ, start_response):
        if self.etag in _etags(environ.get("HTTP_IF_NONE_MATCH", "")):
            start_response("304 Not Modified", [("ETag", self.etag), *_caching(self.max_age)])
            return [b""]
        start_response(self.status, self.headers)
        return [b""] if environ["REQUEST_METHOD"] == "HEAD" else [self.body]


def _etags(header: str) -> set[str]:
    return {t.strip().removeprefix("W/") for t in header.split(",") if t.strip()}


def _caching(max_age: int) -> list[tuple[str, str]]:
    return [("Cache-Control", f"public, max-age={max_age}"), ("Vary", "Cookie")]


class PageCache:
    """WSGI middleware around the Flask app (installed by `install`)."""

    def __init__(self, app: Flask, max_entries: int = MAX_ENTRIES, on_hit=None):
        self.app = app
        self.wsgi_app = app.wsgi_app
        self.max_entries = max_entries
        self.on_hit = on_hit  # what must run on every request, served from memory or not
        self.entries: OrderedDict[tuple, Entry] = OrderedDict()
        self.size = 0  # bytes of the bodies kept
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        if (environ.get("REQUEST_METHOD") not in ("GET", "HEAD") or environ.get("QUERY_STRING")
                or not self._anonymous(environ)):
            return self.wsgi_app(environ, start_response)
        key = (environ.get("wsgi.url_scheme"), environ.get("HTTP_HOST", ""),
               environ.get("SCRIPT_NAME", ""), environ.get("PATH_INFO", ""))
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None and not entry.fresh():
                self.size -= len(self.entries.pop(key).body)
                entry = None
            if entry is not None:
                self.entries.move_to_end(key)
        if entry is not None:
            if self.on_hit:
                self.on_hit()
            return entry.serve(environ, start_response)
        environ[ELIGIBLE] = True
        return self._render(key, environ, start_response)

    def _render(self, key, environ, start_response):
        seen = {}

        def capture(status, headers, exc_info=None):
            seen.update(status=status, headers=headers, sent=bool(exc_info))
            return start_response(status, headers, exc_info) if exc_info else None

        body_iter = self.wsgi_app(environ, capture)
        if seen.get("sent"):
            return body_iter
        if not environ.get(SHARED) or environ["REQUEST_METHOD"] != "GET" or \
                not seen.get("status", "").startswith("200"):
            start_response(seen["status"], seen["headers"])
            return body_iter
        try:
            body = b"".join(body_iter)
        finally:
            if hasattr(body_iter, "close"):
                body_iter.close()
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        own = [(k, v) for k, v in seen["headers"]
               if k.lower() not in ("cache-control", "vary", "etag")] + [("ETag", etag)]
        seconds = environ[SHARED]
        max_age = MAX_AGE if seconds == FOREVER else seconds
        # This visitor's cookie (Flask-Login marking their CSRF-only session) is theirs alone.
        entry = Entry(seen["status"], [(k, v) for k, v in own if k.lower() != "set-cookie"]
                      + _caching(max_age), body, etag, max_age,
                      None if seconds == FOREVER else time.monotonic() + seconds)
        if len(body) <= MAX_BYTES:
            with self.lock:
                old = self.entries.pop(key, None)
                self.size += len(body) - (len(old.body) if old else 0)
                self.entries[key] = entry
                while len(self.entries) > self.max_entries or self.size > MAX_TOTAL_BYTES:
                    self.size -= len(self.entries.popitem(last=False)[1].body)
        start_response(seen["status"], own + _caching(max_age))
        return [body]

    def _anonymous(self, environ) -> bool:
        """Would Flask render this request as it does for a visitor with no cookie at all?"""
        cookies = parse_cookie(environ)
        if self.app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in cookies:
            return False
        value = cookies.get(self.app.config["SESSION_COOKIE_NAME"])
        if not value:
            return True
        serializer = self.app.session_interface.get_signing_serializer(self.app)
        try:
            data = serializer.loads(
                value, max_age=int(self.app.permanent_session_lifetime.total_seconds()))
        except Exception:  # a bad or expired cookie: Flask opens an empty session for it
            return True
        return isinstance(data, dict) and set(data) <= ANONYMOUS_KEYS


def install(app: Flask, on_hit=None) -> None:
    if app.config.get("PAGE_CACHE", True):
        app.wsgi_app = PageCache(app, on_hit=on_hit)
    app.jinja_env.globals["shared_page"] = is_shared

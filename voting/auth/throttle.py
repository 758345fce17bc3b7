"""The sign-in throttle, shared by the sign-in page and the JSON login.

Counters live in the `limits` storage named by RATELIMIT_STORAGE_URI (Redis in production, so
every gunicorn worker sees the same counts; memory otherwise). Three counters:

- per account, a growing delay after a few failures (1 s, 2 s, 4 s ... capped), never a lock, so
  a stranger who knows a deputy's username can slow guessing but not shut the deputy out;
- per address, a limit on failures, against one machine guessing across many accounts;
- per recognised browser (a signed device cookie given at a successful sign-in to that
  account), its own limit in place of the two above: a deputy's own phone keeps working however
  many wrong passwords others send for the same username.

The QR sign-in link of a credential slip does not pass through here at all.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import time
from dataclasses import dataclass

from flask import Flask, current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from limits import parse
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

DEVICE_COOKIE = "signin_device"
# The device cookie goes only to the two sign-in endpoints (and the QR link under /login).
DEVICE_COOKIE_PATHS = ("/login", "/api/v1/auth/login")
# Failures remembered per account for the delay; beyond this the delay is at its cap anyway.
_ACCOUNT_WINDOW = "64 per hour"


def account_key(username: str) -> str:
    """Usernames enter the counters hashed, case and surrounding space folded."""
    return hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]


def account_delay(failures: int, free: int, cap: int) -> int:
    """Seconds an account waits after its `failures`-th recent failure: none for the first
    `free - 1`, then 1, 2, 4 ... at most `cap`."""
    if failures < free:
        return 0
    return min(cap, 2 ** min(failures - free, 30))


@dataclass
class LoginThrottle:
    storage: Storage
    prefix: str
    address_limit: str
    device_limit: str
    free_failures: int
    max_delay: int

    def __post_init__(self) -> None:
        self.window = MovingWindowRateLimiter(self.storage)
        self._address = parse(self.address_limit)
        self._device = parse(self.device_limit)
        self._account = parse(_ACCOUNT_WINDOW)

    def _wait_key(self, username: str) -> str:
        return f"{self.prefix}/account-wait/{account_key(username)}"

    def wait(self, address: str, username: str, device: str | None) -> int:
        """Seconds before this attempt may be tried (0: go ahead). Nothing is counted."""
        if device is not None:
            return self._window_wait(self._device, "device", device)
        waits = [self._window_wait(self._address, "address", address)]
        key = self._wait_key(username)
        if self.storage.get(key) > 0:
            waits.append(max(1, math.ceil(self.storage.get_expiry(key) - time.time())))
        return max(waits)

    def failed(self, address: str, username: str, device: str | None) -> None:
        if device is not None:
            self.window.hit(self._device, self.prefix, "device", device)
            return
        self.window.hit(self._address, self.prefix, "address", address)
        self.window.hit(self._account, self.prefix, "account", account_key(username))
        stats = self.window.get_window_stats(self._account, self.prefix, "account",
                                             account_key(username))
        delay = account_delay(self._account.amount - stats.remaining, self.free_failures,
                              self.max_delay)
        if delay:
            key = self._wait_key(username)
            self.storage.clear(key)
            self.storage.incr(key, delay)

    def succeeded(self, username: str) -> None:
        """A right password or a QR sign-in: the account's delay starts over."""
        self.storage.clear(self._wait_key(username))
        self.window.clear(self._account, self.prefix, "account", account_key(username))

    def _window_wait(self, item, *identifiers: str) -> int:
        if self.window.test(item, self.prefix, *identifiers):
            return 0
        stats = self.window.get_window_stats(item, self.prefix, *identifiers)
        return max(1, math.ceil(stats.reset_time - time.time()))


def login_throttle(app: Flask | None = None) -> LoginThrottle:
    """The app's throttle, made on first use from its configuration."""
    app = app or current_app
    throttle = app.extensions.get("login_throttle")
    if throttle is None:
        config = app.config
        throttle = app.extensions.setdefault("login_throttle", LoginThrottle(
            storage=storage_from_string(config["RATELIMIT_STORAGE_URI"]),
            prefix=config["LOGIN_THROTTLE_PREFIX"],
            address_limit=config["LOGIN_ADDRESS_LIMIT"],
            device_limit=config["LOGIN_DEVICE_LIMIT"],
            free_failures=config["LOGIN_ACCOUNT_FREE_FAILURES"],
            max_delay=config["LOGIN_ACCOUNT_MAX_DELAY"]))
    return throttle


# ---- the device cookie -----------------------------------------------------------------

def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="voting.signin-device")


def new_device_cookie(username: str) -> str:
    return _serializer().dumps({"a": account_key(username), "d": secrets.token_urlsafe(16)})


def device_for(cookie: str | None, username: str) -> str | None:
    """The device id when the cookie is ours, recent, and was given for this account."""
    if not cookie:
        return None
    try:
        data = _serializer().loads(cookie, max_age=current_app.config["LOGIN_DEVICE_DAYS"] * 86400)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("a") != account_key(username) \
            or not isinstance(data.get("d"), str):
        return None
    return data["d"]

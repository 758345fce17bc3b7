"""Configuration classes. `create_app()` picks one by name (`VOTING_CONFIG`) or takes a mapping."""

import os
from datetime import timedelta


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


class Config:
    # SECRET_KEY: from the environment, else generated once into the instance folder (voting.create_app).
    SECRET_KEY = os.environ.get("SECRET_KEY")
    # An SQLAlchemy URL; without it, an SQLite file under the instance folder.
    DATABASE_URL = os.environ.get("DATABASE_URL")

    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = {"zh_CN": "中文", "en": "English"}

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # On when the site is served over HTTPS (it must be in production): SESSION_COOKIE_SECURE=1.
    SESSION_COOKIE_SECURE = _env_flag("SESSION_COOKIE_SECURE")
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # Sign-in sessions live in the login_sessions table (voting.auth.services) and end on sign-out,
    # a credential reset, after this idle time, and at the absolute lifetime, whatever the cookie says.
    SESSION_IDLE_MINUTES = 60  # staff
    DEPUTY_SESSION_IDLE_MINUTES = 8 * 60  # a deputy may keep the ballot page open for a sitting
    SESSION_MAX_HOURS = 12  # from sign-in, for everyone
    PERMANENT_SESSION_LIFETIME = timedelta(hours=SESSION_MAX_HOURS)  # the signed cookie's own bound
    # How often a request renews a session's last-seen mark (fewer writes, and for deputies fewer
    # marks in the database's log near the time of a cast).
    SESSION_TOUCH_SECONDS = 60
    DEPUTY_SESSION_TOUCH_SECONDS = 15 * 60
    WTF_CSRF_TIME_LIMIT = None  # a deputy may keep a ballot page open for the whole sitting
    MAX_CONTENT_LENGTH = 8 * 1024 * 1024

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    # Public pages for anonymous readers, served from memory (voting.core.page_cache): settled
    # result announcements for good, live pages (projects, years, home) this many seconds.
    PAGE_CACHE = True
    PAGE_CACHE_LIVE_SECONDS = int(os.environ.get("PAGE_CACHE_LIVE_SECONDS", "10"))
    # Sign-in throttle (voting.auth.throttle), counters in RATELIMIT_STORAGE_URI's storage. Per
    # account a growing delay (1 s, 2 s, 4 s ... at most the maximum) after the free failures,
    # never a lock; per address a limit on failures; a browser that signed in to the account
    # before (its device cookie) has its own limit instead, so a stranger cannot lock it out.
    LOGIN_ACCOUNT_FREE_FAILURES = 5
    LOGIN_ACCOUNT_MAX_DELAY = 60  # seconds
    LOGIN_ADDRESS_LIMIT = "100 per 10 minutes"  # failures; a hall shares one address
    LOGIN_DEVICE_LIMIT = "10 per 10 minutes"  # failures from a recognised browser
    LOGIN_DEVICE_DAYS = 180
    LOGIN_THROTTLE_PREFIX = "signin"
    SUGGESTION_RATE_LIMIT = "5 per hour"

    PASSWORD_HASH_METHOD = "scrypt"
    POLL_KEY_BITS = 3072
    # Electronic casting waits a random 0..N ms after confirmation, to blur timing.
    CAST_DELAY_MAX_MS = 4000


class DevelopmentConfig(Config):
    DEBUG = True


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-only-secret"
    POLL_KEY_BITS = 2048  # speed; the default 3072 is tested on its own
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    RATELIMIT_STORAGE_URI = "memory://"
    CAST_DELAY_MAX_MS = 0
    PAGE_CACHE_LIVE_SECONDS = 0  # a test reads a page right after changing it


configs = {
    "default": Config,
    "development": DevelopmentConfig,
    "test": TestConfig,
}

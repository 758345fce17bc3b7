"""Configuration classes. `create_app()` picks one by name (`VOTING_CONFIG`) or takes a mapping."""

import os


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
    WTF_CSRF_TIME_LIMIT = None  # a deputy may keep a ballot page open for the whole sitting
    MAX_CONTENT_LENGTH = 8 * 1024 * 1024

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = "10 per minute"
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


configs = {
    "default": Config,
    "development": DevelopmentConfig,
    "test": TestConfig,
}

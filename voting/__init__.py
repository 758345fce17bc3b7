"""民生实事项目票决与监督 — the Flask application."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

# Flask is imported inside the functions: the independent verifier (python -m voting.verify)
# imports this package and must run with `cryptography` alone.
REPO_ROOT = Path(__file__).resolve().parent.parent


def create_app(config: str | None = None, *, instance_path: str | None = None,
               **overrides) -> Flask:
    """The one app factory. `config` names a class in config.configs (default: VOTING_CONFIG
    or "default"); keyword overrides win over it (tests pass DATABASE_URL this way)."""
    from flask import Flask

    from config import configs

    app = Flask(__name__, instance_relative_config=True, instance_path=instance_path,
                template_folder=str(REPO_ROOT / "templates"))
    app.config.from_object(configs[config or os.environ.get("VOTING_CONFIG", "default")])
    app.config.update(overrides)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path) / "secret_key")
    if not app.config.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = f"sqlite:///{Path(app.instance_path) / 'voting.sqlite3'}"

    from voting import db, errors, i18n
    from voting.extensions import babel, csrf, limiter, login_manager, select_locale

    app.url_map.converters["int"] = errors.IdConverter  # every <int:…> id: too big → 404

    db.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    i18n.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    _init_login(app, login_manager)
    errors.register_handlers(app)
    _install_cast_privacy(app)
    from voting.core import headers

    headers.install(app)

    from voting import models  # noqa: F401  (every table on the metadata)

    _register_blueprints(app)
    _register_cli(app)
    from voting.ballots.services import expire_signing_keys
    from voting.core import page_cache

    page_cache.install(app, on_hit=expire_signing_keys)
    return app


def _instance_secret(path: Path) -> str:
    """A random key made on first start and kept (0600) in the instance folder."""
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return path.read_text().strip()


def _init_login(app: Flask, login_manager) -> None:
    from flask import flash, redirect, request, url_for
    from flask_babel import lazy_gettext as _l

    from voting import db
    from voting.auth.services import SessionPolicy, load_user
    from voting.errors import is_api_request, json_error

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in first.")
    login_manager.user_loader(lambda user_id: load_user(
        db.session(), user_id, policy=SessionPolicy.from_config(app.config)))

    @login_manager.unauthorized_handler
    def _unauthorized():
        if is_api_request():
            return json_error("unauthorized", _l("Please sign in first."), 401)
        flash(str(login_manager.login_message), "warning")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def _install_cast_privacy(app: Flask) -> None:
    """The anonymous cast carries no session and leaves no log line (docs/threat-model.md)."""
    from voting.api.cast import CastSessionInterface
    from voting.errors import cast_logger, install_log_filters

    from voting.ballots.services import expire_signing_keys

    app.session_interface = CastSessionInterface(app.session_interface)
    app.before_request(expire_signing_keys)
    install_log_filters(app)
    cast_logger()


def _register_blueprints(app: Flask) -> None:
    from voting.api import bp as api_bp
    from voting.audit.routes import bp as audit_bp
    from voting.auth import account_routes  # noqa: F401  (staff accounts, on auth's blueprint)
    from voting.auth.routes import bp as auth_bp
    # ballots, pool and tally: each blueprint's view modules are imported here; none imports another
    from voting.ballots import deputy, routes as poll_pages  # noqa: F401
    from voting.ballots.blueprint import bp as ballots_bp
    from voting.main import bp as main_bp
    from voting.pool import routes as pool_pages, unit_routes  # noqa: F401
    from voting.pool.blueprint import bp as pool_bp
    from voting.sessions.routes import bp as sessions_bp
    from voting.supervision import (public_routes, rectification_routes,  # noqa: F401
                                    report_routes, review_routes)
    from voting.supervision.blueprint import bp as supervision_bp
    from voting.tally import paper_routes, routes as count_pages  # noqa: F401
    from voting.tally.blueprint import bp as tally_bp

    for bp in (main_bp, auth_bp, audit_bp, pool_bp, sessions_bp, ballots_bp, tally_bp,
               supervision_bp, api_bp):
        app.register_blueprint(bp)


def _register_cli(app: Flask) -> None:
    from voting.audit.cli import audit_cli
    from voting.auth.cli import account_cli
    from voting.ballots.cli import poll_cli
    from voting.demo import demo_command
    from voting.migrate import db_cli
    import voting.tally.cli  # noqa: F401  (adds tally, publish, runoff, rotate-key to poll_cli)

    for group in (db_cli, audit_cli, account_cli, poll_cli, demo_command):
        app.cli.add_command(group)

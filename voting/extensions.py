"""Flask extensions, created unbound and initialised in `create_app`."""

from flask import current_app, has_request_context, request, session
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
login_manager = LoginManager()
# The cookie holds the login session's id, not the user's (voting.auth.access.sign_in).
login_manager.id_attribute = "get_login_session_id"
limiter = Limiter(key_func=get_remote_address, default_limits=[])
babel = Babel()


def select_locale() -> str:
    """Chinese unless the user chose another language (the switch stores it in the session).
    Outside a request (CLI commands) the default language."""
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = current_app.config["LANGUAGES"]
    lang = request.args.get("lang")
    if lang in languages:
        session["lang"] = lang
        return lang
    lang = session.get("lang")
    return lang if lang in languages else current_app.config["BABEL_DEFAULT_LOCALE"]

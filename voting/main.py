"""The home page and pages that belong to no single domain."""

from flask import Blueprint, current_app, render_template
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from voting import db
from voting.ballots.models import Poll
from voting.pool import projects
from voting.tally.announcement import published_results

bp = Blueprint("main", __name__)

# (endpoint, label, roles allowed or None for everyone). Entries whose endpoint is not
# registered are skipped, so a domain appears in the menu once its blueprint exists.
NAV = [
    ("pool.funnel", _l("Candidate pool"), None),
    ("pool.suggest", _l("Suggest a project"), None),
    ("pool.manage", _l("Manage projects"), ("secretariat",)),
    ("sessions.index", _l("Sessions"), ("secretariat", "teller")),
    ("ballots.manage_index", _l("Polls"), ("secretariat", "teller")),
    ("tally.index", _l("Counting"), ("secretariat", "teller")),
    ("auth.accounts_page", _l("Accounts"), ("secretariat",)),
    ("sessions.my_sessions", _l("My sessions"), ("deputy",)),
    ("ballots.my_polls", _l("My ballots"), ("deputy",)),
    ("tally.results", _l("Results"), None),
]


def _current_locale() -> str:
    """The configured code (zh_CN, en) of the active locale."""
    locale = get_locale()
    return "zh_CN" if locale is not None and locale.language == "zh" else "en"


@bp.app_context_processor
def _layout_helpers():
    def nav_items():
        items = []
        for endpoint, label, roles in NAV:
            if endpoint not in current_app.view_functions:
                continue
            if roles and not (current_user.is_authenticated and current_user.has_role(*roles)):
                continue
            items.append((endpoint, label))
        return items

    return {"nav_items": nav_items, "current_locale": _current_locale}


@bp.get("/")
def index():
    """Where the year stands: the funnel of the newest year, polls open now, recent results."""
    s = db.session()
    years = projects.years(s)
    funnel = projects.funnel(s, years[0]) if years else None
    open_polls = s.scalars(select(Poll).where(Poll.status == "open").order_by(Poll.id)).all()
    return render_template("index.html", funnel=funnel, reached=projects.reached,
                           open_polls=open_polls,
                           results=published_results(s)[:3])


@bp.get("/healthz")
def healthz():
    return {"status": "ok"}

"""The home page and pages that belong to no single domain."""

from flask import Blueprint, current_app, render_template
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from voting import db
from voting.core import page_cache
from voting.ballots.models import Poll
from voting.pool import projects
from voting.pool.models import Project
from voting.supervision import progress, public
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
    ("supervision.dashboard_page", _l("Supervision dashboard"), ("secretariat",)),
    ("supervision.unit_home", _l("My progress reports"), ("unit",)),
    ("supervision.rectifications", _l("Rectifications"), ("secretariat", "unit")),
    ("sessions.my_sessions", _l("My sessions"), ("deputy",)),
    ("ballots.my_polls", _l("My ballots"), ("deputy",)),
    ("tally.results", _l("Results"), None),
    ("supervision.years", _l("Supervision"), None),
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


def _funnel_year(s) -> int | None:
    """The year whose funnel the home page shows: the newest with projects still in the pool,
    the alternatives or the candidates (the year being chosen), else the newest year. Past
    years loaded from their results hold selected projects only."""
    chosen = s.scalar(select(func.max(Project.year)).where(Project.stage != "selected"))
    if chosen is not None:
        return chosen
    years = projects.years(s)
    return years[0] if years else None


@bp.get("/")
def index():
    """Where the year stands: this year's selected projects with their completion and status,
    polls open now, recent results, the funnel of the newest year."""
    page_cache.live()
    s = db.session()
    funnel_year = _funnel_year(s)
    funnel = projects.funnel(s, funnel_year) if funnel_year else None
    open_polls = s.scalars(select(Poll).where(Poll.status == "open").order_by(Poll.id)).all()
    supervised = public.this_year(s)
    today = progress.local_today(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    year_rows = (progress.projects_progress(s, progress.year_projects(s, supervised), today=today)
                 if supervised else [])
    return render_template("index.html", funnel=funnel, reached=projects.reached,
                           open_polls=open_polls,
                           results=published_results(s)[:3],
                           supervised=supervised, year_rows=year_rows,
                           year_counts=public.status_counts(year_rows))


@bp.get("/healthz")
def healthz():
    return {"status": "ok"}

"""The secretariat's poll pages: polls of a session, a new poll, open and close.

While a poll is open no page shows how many ballots were cast (docs/threat-model.md: timing is a side
channel); tokens issued are shown, as the count of deputies who took part.
"""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from wtforms.fields.choices import SelectChoice

from voting import db
from voting.auth.access import role_required
from voting.auth.models import Role
from voting.ballots import services
from voting.ballots.blueprint import bp
from voting.ballots.forms import CloseForm, EvaluationForm, OpenForm, PollForm
from voting.ballots.models import Poll
from voting.core import page_cache
from voting.core.edge import committed
from voting.sessions.models import CongressSession
from voting.sessions.attendance import quorum
from voting.sessions.congresses import get_session

SECRETARIAT = Role.SECRETARIAT.value
STAFF = (Role.SECRETARIAT.value, Role.TELLER.value)
BOARD_PAGE_SIZE = 100


@bp.get("/polls/manage/")
@role_required(*STAFF)
def manage_index():
    s = db.session()
    sessions = s.scalars(select(CongressSession)
                        .order_by(CongressSession.year.desc(), CongressSession.id.desc())).all()
    counts = dict(s.execute(select(Poll.session_id, func.count(Poll.id))
                            .group_by(Poll.session_id)).all())
    return render_template("ballots/manage_index.html", sessions=sessions, counts=counts)


@bp.get("/polls/manage/sessions/<int:session_id>")
@role_required(*STAFF)
def manage_session(session_id: int):
    s = db.session()
    congress_session = get_session(s, session_id)
    return render_template("ballots/manage_session.html", congress_session=congress_session,
                           polls=services.polls_of_session(s, session_id))


def _render_new(congress_session, form, projects, status: int = 200):
    return render_template("ballots/manage_new.html", congress_session=congress_session,
                           form=form, projects=projects), status


@bp.route("/polls/manage/sessions/<int:session_id>/new", methods=["GET", "POST"])
@role_required(SECRETARIAT)
def manage_new(session_id: int):
    s = db.session()
    congress_session = get_session(s, session_id)
    projects = services.candidate_projects(s, congress_session.year)
    form = PollForm()
    form.projects.choices = [SelectChoice(p.id, p.title) for p in projects]
    if not form.is_submitted():
        form.title.data = _("%(year)s livelihood projects: secret ballot",
                            year=congress_session.year)
        form.projects.data = [p.id for p in projects]
        return _render_new(congress_session, form, projects)
    if form.validate():
        # Keep the pool's order whatever order the browser sent the boxes in.
        chosen = [p.id for p in projects if p.id in set(form.projects.data)]
        with committed(form) as done:
            poll = services.create_poll(
                s, current_user, session_id=session_id, title=form.title.data,
                kind=form.kind.data, seats=form.seats.data, max_choices=form.max_choices.data,
                threshold_base=form.threshold_base.data, candidate_project_ids=chosen,
                key_bits=current_app.config["POLL_KEY_BITS"])
        if done.ok:
            flash(_("Poll created. Read out the key fingerprint before opening it."), "success")
            return redirect(url_for(".manage_poll", poll_id=poll.id))
    return _render_new(congress_session, form, projects, 422)


def _render_evaluation(congress_session, form, year, status: int = 200):
    from voting.supervision import evaluation

    projects = evaluation.selected_projects(db.session(), year) if year else []
    unfilled = evaluation.year_unfilled(db.session(), year) if year else []
    return render_template("ballots/manage_evaluation.html", congress_session=congress_session,
                           form=form, projects=projects, year=year,
                           unfilled=unfilled), status


@bp.route("/polls/manage/sessions/<int:session_id>/evaluation", methods=["GET", "POST"])
@role_required(SECRETARIAT)
def manage_evaluation(session_id: int):
    """满意度测评: a draft evaluation poll in this session over a year's selected projects;
    opened like any poll, after its key fingerprint is read out."""
    from voting.supervision import evaluation

    s = db.session()
    congress_session = get_session(s, session_id)
    years = evaluation.selected_years(s)
    form = EvaluationForm()
    form.year.choices = [(y, str(y)) for y in years]
    if not form.is_submitted():
        # The session's own year if it has selected projects, else the newest such year
        # (a year-end evaluation may sit in the next year's session).
        year = request.args.get("year", type=int)
        year = year if year in years else (congress_session.year if congress_session.year
                                           in years else (years[0] if years else None))
        form.year.data = year
        if year:
            form.title.data = evaluation.default_title(year)
        return _render_evaluation(congress_session, form, year)
    if form.validate():
        with committed(form) as done:
            poll = evaluation.evaluate_year(
                s, current_user, session_id=session_id, year=form.year.data,
                title=form.title.data, threshold_base=form.threshold_base.data,
                key_bits=current_app.config["POLL_KEY_BITS"])
        if done.ok:
            flash(_("Evaluation poll created. Read out the key fingerprint before opening it."),
                  "success")
            return redirect(url_for(".manage_poll", poll_id=poll.id))
    year = form.year.data if form.year.data in years else None
    return _render_evaluation(congress_session, form, year, 422)


def _render_poll(poll_id: int, open_form=None, close_form=None, status: int = 200):
    s = db.session()
    poll = services.get_poll(s, poll_id)
    congress_session = s.get(CongressSession, poll.session_id)
    counted = poll.status not in ("draft", "open")
    return render_template(
        "ballots/manage_poll.html", poll=poll, congress_session=congress_session,
        quorum=quorum(s, congress_session), tokens_issued=services.tokens_issued(s, poll.id),
        ballots_cast=services.ballots_cast(s, poll.id) if counted else None,
        open_form=open_form or OpenForm(formdata=None),
        close_form=close_form or CloseForm(formdata=None)), status


@bp.get("/polls/manage/<int:poll_id>")
@role_required(*STAFF)
def manage_poll(poll_id: int):
    return _render_poll(poll_id)


@bp.post("/polls/manage/<int:poll_id>/open")
@role_required(SECRETARIAT)
def manage_open(poll_id: int):
    return _change_status(poll_id, OpenForm(), services.open_poll, "open_form",
                          _("The poll is open."), "draft", _("Only a draft poll can be opened."))


@bp.post("/polls/manage/<int:poll_id>/close")
@role_required(SECRETARIAT)
def manage_close(poll_id: int):
    return _change_status(poll_id, CloseForm(), services.close_poll, "close_form",
                          _("The poll is closed. The bulletin board is public."), "open",
                          _("Only an open poll can be closed."))


def _change_status(poll_id: int, form, change, form_name: str, done: str, shown_in: str,
                   moved_on: str):
    """Open or close after the confirm box: commit and say so, or show why not. The page
    shows the form (and the box's error) only while the poll is `shown_in`: a poll that
    moved on meanwhile gets `moved_on` instead, not a page without a word."""
    if form.validate_on_submit():
        with committed() as outcome:
            change(db.session(), current_user, poll_id)
        if outcome.ok:
            flash(done, "success")
            return redirect(url_for(".manage_poll", poll_id=poll_id))
    elif services.get_poll(db.session(), poll_id).status != shown_in:
        flash(moved_on, "error")
    return _render_poll(poll_id, status=422, **{form_name: form})


@bp.get("/polls/<int:poll_id>/board")
def board(poll_id: int):
    """The bulletin board as a page, public once the poll is closed. A deputy's receipt is
    looked up in the browser (static/js/board.js, on the public JSON fetched without
    cookies): a receipt in a URL or beside a session would sit in some log next to the deputy.
    An old link with ?receipt= is answered alike for every receipt, with the bare board."""
    if "receipt" in request.args:
        page = request.args.get("page", type=int)
        return redirect(url_for(".board", poll_id=poll_id, page=page), 303)
    s = db.session()
    poll = services.get_poll(s, poll_id)
    if poll.status == "published":
        page_cache.shared()
    ballots = services.bulletin_board(s, poll)["ballots"]
    pages = max(1, -(-len(ballots) // BOARD_PAGE_SIZE))
    page = min(max(request.args.get("page", 1, type=int), 1), pages)
    shown = ballots[(page - 1) * BOARD_PAGE_SIZE:page * BOARD_PAGE_SIZE]
    return render_template("ballots/board.html", poll=poll, ballots=shown, total=len(ballots),
                           titles={c.candidate_id: c.title for c in poll.candidates},
                           page=page, pages=pages, lookup=_board_lookup(poll))


def _board_lookup(poll) -> dict:
    """What board.js needs to find a receipt locally: the public board's URL, the titles and
    its words (it holds none of its own)."""
    return {"boardUrl": url_for("api.board", poll_id=poll.id), "pageSize": BOARD_PAGE_SIZE,
            "titles": {c.candidate_id: c.title for c in poll.candidates},
            "messages": {
                "found": _("Your ballot is on the board and counted as cast:"),
                "missing": _("No ballot on this board has that receipt. Check the characters; "
                             "if your receipt is really missing, tell the scrutineers at once."),
                "empty": _("Type or paste the receipt first."),
                "network": _("The board could not be loaded. Check the network and try again."),
                "not_closed": _("The board is public once the poll closes. Look again then."),
                "on_page": _("It is on page {page} of the board."),
                "nobody": _("(approves no one)"),
                "all_abstain": _("(abstains on every candidate)"),
                "for": _("For"), "against": _("Against"), "abstain": _("Abstain"),
                "satisfied": _("Satisfied"), "basic": _("Basically satisfied"),
                "dissatisfied": _("Dissatisfied"),
            }}

"""Secretariat pages (congresses, sessions, roster, import, credential slips, desk check-in)
and the deputy's own page (my sessions, check-in, QR sign-in)."""

from __future__ import annotations


import segno
from flask import (Blueprint, Response, abort, current_app, flash, make_response, redirect,
                   render_template, request, url_for)
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from voting import db
from voting.auth.access import role_required, sign_in
from voting.auth.models import Role
from voting.core.edge import committed, transaction
from voting.core.tabular import export_csv, export_xlsx
from voting.errors import NotFound
from voting.auth import credentials as credentials_svc
from voting.sessions import attendance, freeze, roster_import
from voting.sessions import congresses as congresses_svc
from voting.sessions import roster as roster_svc
from voting.core.imports import ImportFlow, add_import_routes
from voting.sessions.forms import (CongressForm, DeputyForm, NewDeputyForm,
                                   RosterUploadForm, SessionForm)
from voting.sessions.models import Congress, CongressSession, Deputy

bp = Blueprint("sessions", __name__)

SECRETARIAT = Role.SECRETARIAT.value
STAFF = (Role.SECRETARIAT.value, Role.TELLER.value)
DEPUTY = Role.DEPUTY.value
ROSTER_PAGE_SIZE = 100


def _qr_svg(url: str) -> Markup:
    svg = segno.make(url, error="m", micro=False).svg_inline(
        scale=1, border=2, svgclass="qr", omitsize=True, title=_("QR code: scan to sign in"))
    return Markup(svg)


def _slips(credentials: list[credentials_svc.Credential]) -> Response:
    """The one page that shows new passwords: printed, then gone (never cached or stored)."""
    slips = [(c, c.deputy, _qr_svg(url_for(".qr_login", token=c.login_token, _external=True)))
             for c in credentials]
    response = make_response(render_template("sessions/slips.html", slips=slips,
                                             login_url=url_for("auth.login", _external=True)))
    response.headers["Cache-Control"] = "no-store"
    return response


# ---- congresses and sessions ---------------------------------------------------------

def _render_index(form: CongressForm, status: int = 200):
    s = db.session()
    congresses = s.scalars(select(Congress).order_by(Congress.id.desc())).all()
    counts = {c.id: attendance.roster_count(s, c.id) for c in congresses}
    return render_template("sessions/index.html", congresses=congresses, form=form,
                           roster_counts=counts), status


@bp.get("/sessions/")
@role_required(*STAFF)
def index():
    return _render_index(CongressForm(formdata=None))


@bp.post("/sessions/congresses")
@role_required(SECRETARIAT)
def create_congress():
    form = CongressForm()
    if form.validate_on_submit():
        with committed(form) as done:
            congress = congresses_svc.create_congress(db.session(), current_user,
                                                      name=form.name.data, term=form.term.data)
        if done.ok:
            flash(_("Congress %(name)s created.", name=congress.name), "success")
            return redirect(url_for(".congress", congress_id=congress.id))
    return _render_index(form, 422)


def _render_congress(congress: Congress, form: SessionForm, status: int = 200):
    return render_template("sessions/congress.html", congress=congress, form=form,
                           roster_count=attendance.roster_count(db.session(), congress.id)), status


@bp.get("/sessions/congresses/<int:congress_id>")
@role_required(*STAFF)
def congress(congress_id: int):
    form = SessionForm(formdata=None)
    return _render_congress(congresses_svc.get_congress(db.session(), congress_id), form)


@bp.post("/sessions/congresses/<int:congress_id>")
@role_required(SECRETARIAT)
def create_session(congress_id: int):
    s = db.session()
    congress_ = congresses_svc.get_congress(s, congress_id)
    form = SessionForm()
    if form.validate_on_submit():
        with committed(form) as done:
            created = congresses_svc.create_session(
                s, current_user, congress_id=congress_.id, name=form.name.data,
                year=form.year.data, opens_on=form.opens_on.data,
                quorum_numerator=form.quorum_numerator.data,
                quorum_denominator=form.quorum_denominator.data)
        if done.ok:
            flash(_("Session %(name)s created.", name=created.name), "success")
            return redirect(url_for(".session_page", session_id=created.id))
    return _render_congress(congress_, form, 422)


def _quorum_context(congress_session: CongressSession) -> dict:
    s = db.session()
    return {"congress_session": congress_session,
            "quorum": attendance.quorum(s, congress_session),
            "delegations": attendance.delegation_counts(s, congress_session)}


@bp.get("/sessions/<int:session_id>")
@role_required(*STAFF)
def session_page(session_id: int):
    congress_session = congresses_svc.get_session(db.session(), session_id)
    return render_template("sessions/session.html", **_quorum_context(congress_session))


@bp.get("/sessions/<int:session_id>/live")
@role_required(*STAFF)
def session_live(session_id: int):
    """The quorum block alone, fetched by the session page every few seconds."""
    congress_session = congresses_svc.get_session(db.session(), session_id)
    response = make_response(render_template("sessions/_quorum.html",
                                             **_quorum_context(congress_session)))
    response.headers["Cache-Control"] = "no-store"
    return response


# ---- check-in ------------------------------------------------------------------------

@bp.get("/sessions/<int:session_id>/desk")
@role_required(SECRETARIAT)
def desk(session_id: int):
    s = db.session()
    congress_session = congresses_svc.get_session(s, session_id)
    q = request.args.get("q", "").strip()
    total, results = attendance.desk_search(s, congress_session, q)
    frozen = freeze.open_polls_by_session(s, [congress_session.id]).get(congress_session.id)
    return render_template("sessions/desk.html", congress_session=congress_session, q=q,
                           total=total, results=results, frozen=frozen,
                           quorum=attendance.quorum(s, congress_session))


@bp.post("/sessions/<int:session_id>/desk/<int:deputy_id>")
@role_required(SECRETARIAT)
def desk_check_in(session_id: int, deputy_id: int):
    s = db.session()
    with committed() as done:
        attendance.check_in(s, current_user, session_id=session_id, deputy_id=deputy_id,
                            by_desk=True)
        name = roster_svc.get_deputy(s, deputy_id).name
    if done.ok:
        flash(_("%(name)s is checked in.", name=name), "success")
    return redirect(url_for(".desk", session_id=session_id, q=request.form.get("q") or None))


@bp.get("/my/sessions")
@role_required(DEPUTY)
def my_sessions():
    """The deputy's home: their sessions, check-in, and (filled by the ballots domain) polls."""
    s = db.session()
    deputy = attendance.deputy_of_user(s, current_user.id)
    entries = attendance.sessions_of_deputy(s, deputy) if deputy is not None else []
    frozen = freeze.open_polls_by_session(s, [cs.id for cs, _a in entries])
    return render_template("sessions/my_sessions.html", deputy=deputy, entries=entries,
                           frozen=frozen)


@bp.post("/my/sessions/<int:session_id>/check-in")
@role_required(DEPUTY)
def my_check_in(session_id: int):
    s = db.session()
    deputy = attendance.deputy_of_user(s, current_user.id)
    if deputy is None:
        abort(403)
    with committed() as done:
        attendance.check_in(s, current_user, session_id=session_id, deputy_id=deputy.id,
                            by_desk=False)
    if done.ok:
        flash(_("You are checked in."), "success")
    return redirect(url_for(".my_sessions"))


@bp.get("/login/qr/<token>")
def qr_login(token: str):
    """The QR code on a credential slip: signs the deputy in once, then stops working."""
    with transaction() as s:  # a used link stays used, whatever follows
        user = credentials_svc.use_login_link(s, token)
    if user is None:
        message = _("This sign-in link no longer works: it was used already, has expired or "
                    "was replaced. Sign in with the username and password on your slip.")
        return render_template("error.html", message=message, status=410), 410
    sign_in(user)
    return redirect(url_for(".my_sessions") if user.role == DEPUTY else url_for("main.index"))


# ---- the roster ----------------------------------------------------------------------

@bp.get("/sessions/congresses/<int:congress_id>/deputies")
@role_required(SECRETARIAT)
def roster(congress_id: int):
    s = db.session()
    congress_ = congresses_svc.get_congress(s, congress_id)
    q = request.args.get("q", "").strip()
    page = min(max(request.args.get("page", 1, type=int), 1), 10**6)
    total, deputies = roster_svc.search_deputies(s, congress_.id, q,
                                                 offset=(page - 1) * ROSTER_PAGE_SIZE,
                                                 limit=ROSTER_PAGE_SIZE)
    pages = max(1, -(-total // ROSTER_PAGE_SIZE))
    return render_template("sessions/roster.html", congress=congress_, q=q, total=total,
                           deputies=deputies, page=page, pages=pages,
                           roster_count=attendance.roster_count(s, congress_.id),
                           frozen=freeze.roster_freeze(s, congress_.id))


def _render_deputy_form(congress_: Congress, form, deputy=None, status: int = 200):
    s = db.session()
    return render_template("sessions/deputy_form.html", congress=congress_, form=form,
                           deputy=deputy, delegations=roster_svc.delegation_names(s, congress_.id),
                           frozen=freeze.roster_freeze(s, congress_.id)), status


@bp.route("/sessions/congresses/<int:congress_id>/deputies/new", methods=["GET", "POST"])
@role_required(SECRETARIAT)
def new_deputy(congress_id: int):
    s = db.session()
    congress_ = congresses_svc.get_congress(s, congress_id)
    form = NewDeputyForm()
    if form.validate_on_submit():
        with committed(form) as done:
            deputy, password = roster_svc.add_deputy(
                s, current_user, congress_id=congress_.id, name=form.name.data,
                number=form.number.data, delegation=form.delegation.data,
                username=form.username.data, hash_method=current_app.config["PASSWORD_HASH_METHOD"])
            token = credentials_svc.issue_login_link(s, deputy.user_id)
        if done.ok:
            flash(_("%(name)s was added to the roster. Print the slip now: the password is "
                    "shown only once.", name=deputy.name), "success")
            return _slips([credentials_svc.Credential(deputy, password, token)])
    return _render_deputy_form(congress_, form, status=422 if form.is_submitted() else 200)


@bp.route("/sessions/deputies/<int:deputy_id>/edit", methods=["GET", "POST"])
@role_required(SECRETARIAT)
def edit_deputy(deputy_id: int):
    s = db.session()
    deputy = roster_svc.get_deputy(s, deputy_id)
    form = DeputyForm(data={"name": deputy.name, "number": deputy.number,
                            "delegation": deputy.delegation.name if deputy.delegation else ""})
    if form.validate_on_submit():
        with committed(form) as done:
            roster_svc.update_deputy(s, current_user, deputy_id=deputy.id, name=form.name.data,
                                     number=form.number.data, delegation=form.delegation.data)
        if done.ok:
            flash(_("Saved."), "success")
            return redirect(url_for(".roster", congress_id=deputy.congress_id))
    return _render_deputy_form(deputy.congress, form, deputy,
                               status=422 if form.is_submitted() else 200)


@bp.post("/sessions/deputies/<int:deputy_id>/active")
@role_required(SECRETARIAT)
def set_deputy_active(deputy_id: int):
    active = request.form.get("active") == "1"
    with committed(raising=(NotFound,)) as done:
        deputy = roster_svc.set_deputy_active(db.session(), current_user, deputy_id=deputy_id,
                                              active=active)
    if not done.ok:
        return redirect(url_for(".edit_deputy", deputy_id=deputy_id))
    flash(_("%(name)s is back on the roster.", name=deputy.name) if active else
          _("%(name)s is deactivated and can no longer sign in.", name=deputy.name), "success")
    return redirect(url_for(".edit_deputy", deputy_id=deputy.id))


@bp.post("/sessions/deputies/reset")
@role_required(SECRETARIAT)
def reset_credentials():
    """First a page listing the chosen deputies (nothing changes); once confirmed there, new
    passwords and QR links for them, printed at once as slips."""
    s = db.session()
    ids = [i for i in request.form.getlist("deputy_id", type=int) if 0 < i < 2**31]
    confirmed = request.form.get("confirmed") == "yes"
    with committed() as done:
        if confirmed:
            credentials = credentials_svc.reset_credentials(
                s, current_user, deputy_ids=ids, hash_method=current_app.config["PASSWORD_HASH_METHOD"])
        else:
            deputies = credentials_svc.deputies_to_reset(s, ids)
    if not done.ok:
        return redirect(_back_to_roster(s, ids))
    if not confirmed:
        back = (url_for(".edit_deputy", deputy_id=deputies[0].id) if len(deputies) == 1
                else url_for(".roster", congress_id=deputies[0].congress_id))
        return render_template("sessions/reset_confirm.html", deputies=deputies,
                               congress=deputies[0].congress, back=back)
    flash(_("New credentials for %(n)s deputies: their old passwords, sign-ins and QR codes no "
            "longer work. Print the slips now: the passwords are shown only once.",
            n=len(credentials)), "success")
    return _slips(credentials)


def _back_to_roster(s, ids: list[int]) -> str:
    """Where a refused reset returns: the first chosen deputy's roster (not the Referer)."""
    deputy = s.get(Deputy, ids[0]) if ids else None
    return (url_for(".roster", congress_id=deputy.congress_id) if deputy is not None
            else url_for(".index"))


# ---- roster import -------------------------------------------------------------------

def _roster_import(congress_id: int) -> ImportFlow:
    s = db.session()
    congress_ = congresses_svc.get_congress(s, congress_id)

    def imported(credentials: list[credentials_svc.Credential]) -> Response:
        flash(_("%(n)s deputies imported. Print their slips now: the passwords are shown only "
                "once.", n=len(credentials)), "success")
        return _slips(credentials)

    frozen = freeze.roster_freeze(s, congress_.id)
    return ImportFlow(
        template="sessions/import.html", upload_form=RosterUploadForm,
        check=lambda s, filename, data: roster_import.check_roster(s, congress_.id, filename,
                                                                   data),
        apply=lambda s, actor, filename, data: roster_import.import_roster(
            s, actor, congress_id=congress_.id, filename=filename, data=data,
            hash_method=current_app.config["PASSWORD_HASH_METHOD"]),
        done=imported,
        context={"congress": congress_, "frozen": frozen, "disabled": frozen is not None,
                 "template_urls": {fmt: url_for(".roster_template", fmt=fmt)
                                   for fmt in ("xlsx", "csv")}})


# Upload and check (every row and every problem shown; nothing changes), then confirm: the
# same file is checked again (the roster may have changed since) and imported whole.
add_import_routes(bp, "/sessions/congresses/<int:congress_id>/import", _roster_import,
                  upload="import_roster", confirm="confirm_import",
                  guard=role_required(SECRETARIAT))


@bp.get("/sessions/roster-template.<fmt>")
@role_required(SECRETARIAT)
def roster_template(fmt: str):
    headers = [str(c.label) for c in roster_import.ROSTER_COLUMNS]
    if fmt == "csv":
        body, mimetype = export_csv(headers, []), "text/csv; charset=utf-8"
    elif fmt == "xlsx":
        body = export_xlsx(headers, [], title="roster")
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        abort(404)
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f"attachment; filename=roster-template.{fmt}"})

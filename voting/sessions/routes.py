"""Secretariat pages (congresses, sessions, roster, import, credential slips, desk check-in)
and the deputy's own page (my sessions, check-in, QR sign-in)."""

from __future__ import annotations


import segno
from flask import (Blueprint, Response, abort, flash, make_response, redirect, render_template,
                   request, url_for)
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from voting import db
from voting.auth.access import role_required, sign_in
from voting.auth.models import Role
from voting.core.tabular import ImportRefused, export_csv, export_xlsx
from voting.errors import DomainError
from voting.sessions import services
from voting.core.forms import CarriedFileForm, show_error
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


def _slips(credentials: list[services.Credential]) -> Response:
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
    counts = {c.id: services.roster_count(s, c.id) for c in congresses}
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
        s = db.session()
        try:
            congress = services.create_congress(s, current_user, name=form.name.data,
                                                term=form.term.data)
            s.commit()
            flash(_("Congress %(name)s created.", name=congress.name), "success")
            return redirect(url_for(".congress", congress_id=congress.id))
        except DomainError as exc:
            s.rollback()
            show_error(form, exc)
    return _render_index(form, 422)


def _render_congress(congress: Congress, form: SessionForm, status: int = 200):
    return render_template("sessions/congress.html", congress=congress, form=form,
                           roster_count=services.roster_count(db.session(), congress.id)), status


@bp.get("/sessions/congresses/<int:congress_id>")
@role_required(*STAFF)
def congress(congress_id: int):
    form = SessionForm(formdata=None)
    return _render_congress(services.get_congress(db.session(), congress_id), form)


@bp.post("/sessions/congresses/<int:congress_id>")
@role_required(SECRETARIAT)
def create_session(congress_id: int):
    s = db.session()
    congress_ = services.get_congress(s, congress_id)
    form = SessionForm()
    if form.validate_on_submit():
        try:
            created = services.create_session(
                s, current_user, congress_id=congress_.id, name=form.name.data,
                year=form.year.data, opens_on=form.opens_on.data,
                quorum_numerator=form.quorum_numerator.data,
                quorum_denominator=form.quorum_denominator.data)
            s.commit()
            flash(_("Session %(name)s created.", name=created.name), "success")
            return redirect(url_for(".session_page", session_id=created.id))
        except DomainError as exc:
            s.rollback()
            show_error(form, exc)
    return _render_congress(congress_, form, 422)


def _quorum_context(congress_session: CongressSession) -> dict:
    s = db.session()
    return {"congress_session": congress_session,
            "quorum": services.quorum(s, congress_session),
            "delegations": services.delegation_counts(s, congress_session)}


@bp.get("/sessions/<int:session_id>")
@role_required(*STAFF)
def session_page(session_id: int):
    congress_session = services.get_session(db.session(), session_id)
    return render_template("sessions/session.html", **_quorum_context(congress_session))


@bp.get("/sessions/<int:session_id>/live")
@role_required(*STAFF)
def session_live(session_id: int):
    """The quorum block alone, fetched by the session page every few seconds."""
    congress_session = services.get_session(db.session(), session_id)
    response = make_response(render_template("sessions/_quorum.html",
                                             **_quorum_context(congress_session)))
    response.headers["Cache-Control"] = "no-store"
    return response


# ---- check-in ------------------------------------------------------------------------

@bp.get("/sessions/<int:session_id>/desk")
@role_required(SECRETARIAT)
def desk(session_id: int):
    s = db.session()
    congress_session = services.get_session(s, session_id)
    q = request.args.get("q", "").strip()
    total, results = services.desk_search(s, congress_session, q)
    frozen = services.open_polls_by_session(s, [congress_session.id]).get(congress_session.id)
    return render_template("sessions/desk.html", congress_session=congress_session, q=q,
                           total=total, results=results, frozen=frozen,
                           quorum=services.quorum(s, congress_session))


@bp.post("/sessions/<int:session_id>/desk/<int:deputy_id>")
@role_required(SECRETARIAT)
def desk_check_in(session_id: int, deputy_id: int):
    s = db.session()
    try:
        services.check_in(s, current_user, session_id=session_id, deputy_id=deputy_id,
                          by_desk=True)
        name = services.get_deputy(s, deputy_id).name
        s.commit()
        flash(_("%(name)s is checked in.", name=name), "success")
    except DomainError as exc:
        s.rollback()
        flash(str(exc.message), "error")
    return redirect(url_for(".desk", session_id=session_id, q=request.form.get("q") or None))


@bp.get("/my/sessions")
@role_required(DEPUTY)
def my_sessions():
    """The deputy's home: their sessions, check-in, and (filled by the ballots domain) polls."""
    s = db.session()
    deputy = services.deputy_of_user(s, current_user.id)
    entries = services.sessions_of_deputy(s, deputy) if deputy is not None else []
    frozen = services.open_polls_by_session(s, [cs.id for cs, _a in entries])
    return render_template("sessions/my_sessions.html", deputy=deputy, entries=entries,
                           frozen=frozen)


@bp.post("/my/sessions/<int:session_id>/check-in")
@role_required(DEPUTY)
def my_check_in(session_id: int):
    s = db.session()
    deputy = services.deputy_of_user(s, current_user.id)
    if deputy is None:
        abort(403)
    try:
        services.check_in(s, current_user, session_id=session_id, deputy_id=deputy.id,
                          by_desk=False)
        s.commit()
        flash(_("You are checked in."), "success")
    except DomainError as exc:
        s.rollback()
        flash(str(exc.message), "error")
    return redirect(url_for(".my_sessions"))


@bp.get("/login/qr/<token>")
def qr_login(token: str):
    """The QR code on a credential slip: signs the deputy in once, then stops working."""
    s = db.session()
    user = services.use_login_link(s, token)
    s.commit()
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
    congress_ = services.get_congress(s, congress_id)
    q = request.args.get("q", "").strip()
    page = max(request.args.get("page", 1, type=int), 1)
    total, deputies = services.search_deputies(s, congress_.id, q,
                                               offset=(page - 1) * ROSTER_PAGE_SIZE,
                                               limit=ROSTER_PAGE_SIZE)
    pages = max(1, -(-total // ROSTER_PAGE_SIZE))
    return render_template("sessions/roster.html", congress=congress_, q=q, total=total,
                           deputies=deputies, page=page, pages=pages,
                           roster_count=services.roster_count(s, congress_.id),
                           frozen=services.roster_freeze(s, congress_.id))


def _render_deputy_form(congress_: Congress, form, deputy=None, status: int = 200):
    s = db.session()
    return render_template("sessions/deputy_form.html", congress=congress_, form=form,
                           deputy=deputy, delegations=services.delegation_names(s, congress_.id),
                           frozen=services.roster_freeze(s, congress_.id)), status


@bp.route("/sessions/congresses/<int:congress_id>/deputies/new", methods=["GET", "POST"])
@role_required(SECRETARIAT)
def new_deputy(congress_id: int):
    s = db.session()
    congress_ = services.get_congress(s, congress_id)
    form = NewDeputyForm()
    if form.validate_on_submit():
        try:
            deputy, password = services.add_deputy(
                s, current_user, congress_id=congress_.id, name=form.name.data,
                number=form.number.data, delegation=form.delegation.data,
                username=form.username.data)
            token = services.issue_login_link(s, deputy.user_id)
            s.commit()
            flash(_("%(name)s was added to the roster. Print the slip now: the password is "
                    "shown only once.", name=deputy.name), "success")
            return _slips([services.Credential(deputy, password, token)])
        except DomainError as exc:
            s.rollback()
            show_error(form, exc)
    return _render_deputy_form(congress_, form, status=422 if form.is_submitted() else 200)


@bp.route("/sessions/deputies/<int:deputy_id>/edit", methods=["GET", "POST"])
@role_required(SECRETARIAT)
def edit_deputy(deputy_id: int):
    s = db.session()
    deputy = services.get_deputy(s, deputy_id)
    form = DeputyForm(data={"name": deputy.name, "number": deputy.number,
                            "delegation": deputy.delegation.name if deputy.delegation else ""})
    if form.validate_on_submit():
        try:
            services.update_deputy(s, current_user, deputy_id=deputy.id, name=form.name.data,
                                   number=form.number.data, delegation=form.delegation.data)
            s.commit()
            flash(_("Saved."), "success")
            return redirect(url_for(".roster", congress_id=deputy.congress_id))
        except DomainError as exc:
            s.rollback()
            show_error(form, exc)
    return _render_deputy_form(deputy.congress, form, deputy,
                               status=422 if form.is_submitted() else 200)


@bp.post("/sessions/deputies/<int:deputy_id>/active")
@role_required(SECRETARIAT)
def set_deputy_active(deputy_id: int):
    s = db.session()
    active = request.form.get("active") == "1"
    try:
        deputy = services.set_deputy_active(s, current_user, deputy_id=deputy_id, active=active)
        s.commit()
    except DomainError as exc:
        s.rollback()
        if exc.status == 404:
            raise
        flash(str(exc.message), "error")
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
    ids = request.form.getlist("deputy_id", type=int)
    confirmed = request.form.get("confirmed") == "yes"
    try:
        if not confirmed:
            deputies = services.deputies_to_reset(s, ids)
            back = (url_for(".edit_deputy", deputy_id=deputies[0].id) if len(deputies) == 1
                    else url_for(".roster", congress_id=deputies[0].congress_id))
            return render_template("sessions/reset_confirm.html", deputies=deputies,
                                   congress=deputies[0].congress, back=back)
        credentials = services.reset_credentials(s, current_user, deputy_ids=ids)
        s.commit()
    except DomainError as exc:
        s.rollback()
        flash(str(exc.message), "error")
        return redirect(_back_to_roster(s, ids))
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

def _render_import(congress_: Congress, form, *, preview=None, errors=(), confirm=None,
                   status: int = 200):
    return render_template("sessions/import.html", congress=congress_, form=form,
                           preview=preview, errors=list(errors), confirm=confirm,
                           columns=services.ROSTER_COLUMNS,
                           frozen=services.roster_freeze(db.session(), congress_.id)), status


@bp.route("/sessions/congresses/<int:congress_id>/import", methods=["GET", "POST"])
@role_required(SECRETARIAT)
def import_roster(congress_id: int):
    """Upload and check: shows every row and every problem; nothing changes yet."""
    s = db.session()
    congress_ = services.get_congress(s, congress_id)
    form = RosterUploadForm()
    if not form.validate_on_submit():
        return _render_import(congress_, form, status=422 if form.is_submitted() else 200)
    upload = form.file.data
    filename, data = upload.filename or "", upload.read()
    try:
        preview = services.check_roster(s, congress_.id, filename, data)
    except DomainError as exc:  # not a readable CSV/XLSX file
        form.file.errors.append(str(exc.message))
        return _render_import(congress_, form, status=422)
    if not preview.ok:
        return _render_import(congress_, form, preview=preview, errors=preview.errors, status=422)
    confirm = CarriedFileForm.carrying(filename, data)
    return _render_import(congress_, form, preview=preview, confirm=confirm)


@bp.post("/sessions/congresses/<int:congress_id>/import/confirm")
@role_required(SECRETARIAT)
def confirm_import(congress_id: int):
    """Checks the same file again (the roster may have changed since) and imports it all."""
    s = db.session()
    congress_ = services.get_congress(s, congress_id)
    confirm = CarriedFileForm()
    data = confirm.submitted_file()
    if data is None:
        abort(400)
    upload_form = RosterUploadForm(formdata=None)
    try:
        credentials = services.import_roster(s, current_user, congress_id=congress_.id,
                                             filename=confirm.filename.data, data=data)
        s.commit()
    except ImportRefused as exc:
        s.rollback()
        return _render_import(congress_, upload_form, errors=exc.errors, status=422)
    except DomainError as exc:
        s.rollback()
        flash(str(exc.message), "error")
        return _render_import(congress_, upload_form, status=422)
    flash(_("%(n)s deputies imported. Print their slips now: the passwords are shown only once.",
            n=len(credentials)), "success")
    return _slips(credentials)


@bp.get("/sessions/roster-template.<fmt>")
@role_required(SECRETARIAT)
def roster_template(fmt: str):
    headers = [str(c.label) for c in services.ROSTER_COLUMNS]
    if fmt == "csv":
        body, mimetype = export_csv(headers, []), "text/csv; charset=utf-8"
    elif fmt == "xlsx":
        body = export_xlsx(headers, [], title="roster")
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        abort(404)
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f"attachment; filename=roster-template.{fmt}"})

"""Counting pages for the secretariat, the public announcement, the result-signing keys
and the download of everything a verifier needs."""

from __future__ import annotations

import io
import json
import zipfile

from flask import (current_app, flash, jsonify, redirect, render_template, send_file,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from voting import db
from voting.audit.services import audit_document
from voting.auth.access import role_required
from voting.auth.models import Role
from voting.ballots import services as ballots
from voting.ballots.models import Poll
from voting.core import page_cache
from voting.core.edge import committed
from voting.errors import Conflict
from voting.tally import announcement as announcements, keys, replacements, services
from voting.tally import progress as count_progress
from voting.tally.blueprint import bp
from voting.tally.forms import ActionForm, OfficialsForm, ReplacementForm, lines

SECRETARIAT = Role.SECRETARIAT.value
STAFF = (Role.SECRETARIAT.value, Role.TELLER.value)
COUNT_STATUSES = ("closed", "tallied", "published")


# ---- public pages ----------------------------------------------------------------------------

@bp.get("/results/")
def results():
    return render_template("tally/results.html",
                           results=announcements.published_results(db.session()))


@bp.get("/results/<int:poll_id>")
def announcement(poll_id: int):
    s = db.session()
    chain = announcements.announcement(s, poll_id)
    if announcements.settled(chain):
        page_cache.shared()
    return render_template("tally/announcement.html", chain=chain,
                           elected=announcements.finally_elected(chain))


@bp.get("/results/keys")
def signing_keys():
    return render_template("tally/keys.html", keys=keys.all_keys(current_app))


@bp.get("/results/<int:poll_id>/public-documents.zip")
def download(poll_id: int):
    """poll.json, ballots.json, result.json, keys.json and audit.json (the public audit log,
    which the result's audit_head anchors): `python -m voting.verify` checks the count from
    this file alone (and, given the signing key known out of band, authenticates it)."""
    s = db.session()
    result = services.get_result(s, poll_id, published=True)
    poll = services.get_poll(s, poll_id)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, doc in (("poll.json", ballots.poll_document(poll)),
                          ("ballots.json", ballots.bulletin_board(s, poll)),
                          ("result.json", result.signed),
                          ("keys.json", keys.keys_document(current_app)),
                          ("audit.json", audit_document(s))):
            z.writestr(name, json.dumps(doc, ensure_ascii=False, indent=1))
    buffer.seek(0)
    return send_file(buffer, mimetype="application/zip", as_attachment=True,
                     download_name=f"poll-{poll.id}-public.zip")


# ---- the secretariat's count -----------------------------------------------------------------

@bp.get("/tally/")
@role_required(*STAFF)
def index():
    polls = db.session().scalars(select(Poll).where(Poll.status.in_(COUNT_STATUSES))
                                 .order_by(Poll.id.desc())).all()
    return render_template("tally/index.html", polls=polls)


def _render_count(poll: Poll, form: OfficialsForm | None = None, status: int = 200,
                  replacement_form: ReplacementForm | None = None):
    s = db.session()
    names = services.officials(s, poll.id)
    if form is None:
        form = OfficialsForm(formdata=None, scrutineers="\n".join(names.scrutineers or []),
                             tellers="\n".join(names.tellers or []))
    result = services.find_result(s, poll.id)
    return render_template("tally/count.html", poll=poll, result=result, form=form,
                           action=ActionForm(), officials=names,
                           replacement_form=replacement_form or ReplacementForm(formdata=None),
                           replacements=replacements.replacements(s, poll.id),
                           replaceable=poll.status in replacements.REPLACEABLE_STATUSES,
                           runoffs=services.runoffs_of(s, poll.id)), status


@bp.get("/tally/polls/<int:poll_id>")
@role_required(*STAFF)
def count(poll_id: int):
    return _render_count(services.get_poll(db.session(), poll_id))


@bp.post("/tally/polls/<int:poll_id>/officials")
@role_required(SECRETARIAT)
def set_officials(poll_id: int):
    s = db.session()
    poll = services.get_poll(s, poll_id)
    form = OfficialsForm()
    if form.validate_on_submit():
        with committed(form) as done:
            services.set_officials(s, current_user, poll_id=poll.id,
                                   scrutineers=lines(form.scrutineers.data),
                                   tellers=lines(form.tellers.data))
        if done.ok:
            flash(_("Scrutineers and tellers saved."), "success")
            return redirect(url_for(".count", poll_id=poll.id))
    return _render_count(poll, form, 422)


@bp.post("/tally/polls/<int:poll_id>/replacements")
@role_required(SECRETARIAT)
def add_replacement(poll_id: int):
    """A deputy who holds a token was given a paper ballot in its place."""
    s = db.session()
    poll = services.get_poll(s, poll_id)
    form = ReplacementForm()
    if form.validate_on_submit():
        with committed(form) as done:
            replacements.record_replacement(s, current_user, poll_id=poll.id,
                                            number=form.number.data, reason=form.reason.data)
        if done.ok:
            flash(_("The replacement paper ballot is recorded."), "success")
            return redirect(url_for(".count", poll_id=poll.id))
        return _render_count(services.get_poll(s, poll_id), status=done.error.status,
                             replacement_form=form)
    return _render_count(poll, status=422, replacement_form=form)


def _act(poll_id: int, do, done: str, endpoint: str = ".count"):
    """Run one state change for a button press: commit and report, or roll back and say why.
    `do(s, poll)` returns the id of the poll to show next."""
    s = db.session()
    poll = services.get_poll(s, poll_id)
    if not ActionForm().validate_on_submit():
        raise Conflict(_("The form expired; reload the page and try again."))
    with committed() as outcome:
        next_id = do(s, poll)
    if outcome.ok:
        flash(done, "success")
        return redirect(url_for(endpoint, poll_id=next_id))
    return _render_count(services.get_poll(s, poll_id), status=outcome.error.status)


@bp.post("/tally/polls/<int:poll_id>/tally")
@role_required(SECRETARIAT)
def tally(poll_id: int):
    def do(s, poll):
        services.tally_poll(s, current_user, poll.id, current_app.instance_path)
        return poll.id

    return _act(poll_id, do,
                _("The poll is counted and the result signed. Check it, then publish it."))


@bp.get("/tally/polls/<int:poll_id>/progress")
@role_required(*STAFF)
def progress(poll_id: int):
    """How far the running count of the poll has got (the count page polls it while its own
    request counts): counts only, nothing about any ballot."""
    s = db.session()
    poll = services.get_poll(s, poll_id)
    row = count_progress.read(s, poll.id)
    if row is None:
        checked, total, percent, text = 0, None, 0, _("Reading the ballots…")
    else:
        checked, total = row.checked, row.total
        percent = count_progress.percent(checked, total)
        text = count_progress.words(checked, total)
    response = jsonify(poll_id=poll.id, status=poll.status, checked=checked, total=total,
                       percent=percent, text=text)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/tally/polls/<int:poll_id>/publish")
@role_required(SECRETARIAT)
def publish(poll_id: int):
    def do(s, poll):
        services.publish_poll(s, current_user, poll.id)
        return poll.id

    return _act(poll_id, do, _("The result and the bulletin board are public."))


@bp.post("/tally/polls/<int:poll_id>/runoff")
@role_required(SECRETARIAT)
def runoff(poll_id: int):
    def do(s, poll):
        return services.open_runoff(s, current_user, poll.id,
                                    key_bits=current_app.config["POLL_KEY_BITS"]).id

    # The runoff is a draft: its page shows the key fingerprint to read out before opening.
    return _act(poll_id, do, _("The runoff poll is created as a draft. Read out its key "
                               "fingerprint in the hall, then open it."),
                endpoint="ballots.manage_poll")


@bp.context_processor
def _helpers():
    return {"result_rows": announcements.result_rows}

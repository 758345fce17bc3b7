"""Paper-ballot pages on the tally blueprint: the poll's paper page (counts, officials,
progress, mismatches) for the secretariat and the tellers, and the phone-sized entry form
each teller uses at the counting table, in the slot assigned to their own account."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from voting import db
from voting.auth.access import role_required
from voting.auth.models import Role, User
from voting.ballots.models import Poll
from voting.core.edge import committed
from voting.core.forms import show_error
from voting.errors import Conflict, DomainError, Forbidden, Invalid
from voting.tally import paper, paper_tellers
from voting.tally.paper_models import TELLER_SLOTS
from voting.tally.blueprint import bp

SECRETARIAT = Role.SECRETARIAT.value
STAFF = (Role.SECRETARIAT.value, Role.TELLER.value)
NAME_SEPARATORS = re.compile(r"[、,，;；\n]+")


class CountsForm(FlaskForm):
    issued = IntegerField(_l("Ballots issued"),
                          validators=[InputRequired(), NumberRange(0, 100_000)])
    returned = IntegerField(_l("Ballots returned"),
                            validators=[InputRequired(), NumberRange(0, 100_000)])


def _account_id(value):
    """A select's value: a user id, or None for "not assigned"."""
    return int(value) if value not in (None, "", "None") and str(value).isdigit() else None


class OfficialsForm(FlaskForm):
    """Slot accounts are chosen among the teller accounts (`with_accounts` fills them)."""

    teller1 = SelectField(_l("Teller 1"), coerce=_account_id, validate_choice=True)
    teller2 = SelectField(_l("Teller 2"), coerce=_account_id, validate_choice=True)
    scrutineer = SelectField(_l("Scrutineer who may settle mismatches"), coerce=_account_id,
                             validate_choice=True)
    scrutineers = StringField(_l("Scrutineers"), validators=[Optional(), Length(max=2000)])

    def with_accounts(self, accounts) -> OfficialsForm:
        choices = [(None, _("— not assigned —"))] + [
            (a.id, f"{a.display_name}（{a.username}）") for a in accounts]
        for name in ("teller1", "teller2", "scrutineer"):
            self[name].choices = choices
        return self


def _flag_choices():
    return [("", _("As marked")), ("blank", _("Blank ballot")),
            ("unreadable", _("Cannot be read"))]


class EntryForm(FlaskForm):
    """The marks and the flag are one input per candidate and a radio group, read in
    `_form_reading` and checked by the service."""

    number = IntegerField(_l("Ballot number"), validators=[InputRequired()])


class ResolveForm(EntryForm):
    number = HiddenField(validators=[InputRequired()])


class WithdrawForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[InputRequired(), Length(max=200)])


def _paper_poll(poll_id: int) -> Poll:
    poll = paper.get_poll(db.session(), poll_id)
    if not paper.takes_paper(poll):
        raise Conflict(_l("Paper ballots are not available for this kind of poll."))
    return poll


def _show_error(form, exc: DomainError) -> str | None:
    """As `show_error`, but the marks' error is returned for the marks' fieldset."""
    if exc.field == "marks":
        return str(exc.message)
    show_error(form, exc)
    return None


def _form_reading(poll: Poll) -> paper.Reading:
    """What the form says, as typed (shown again if it is refused: nothing is lost)."""
    return paper.Reading(paper.form_marks(poll, request.form), request.form.get("flag") or None)


def _marks_of(reading: paper.Reading):
    """The service's argument: the flag, or the marks; both at once is a slip of the hand."""
    if reading.flag and reading.marks:
        raise Invalid(_l("A blank or unreadable ballot has no marks: clear the marks or choose "
                         "“As marked”."), field="marks")
    return reading.flag or reading.marks


def _describer(poll: Poll):
    """A reading in words, as items `(text, differs)`: `differs` marks what the other
    reading does not have, for the mismatch list to highlight."""
    titles = {c.candidate_id: c.title for c in poll.candidates}
    order = {c.candidate_id: c.position for c in poll.candidates}
    mark_names = {"for": _("For"), "against": _("Against"), "abstain": _("Abstain")}
    flag_names = {"blank": _("Blank ballot"), "unreadable": _("Cannot be read")}

    def describe(reading: paper.Reading | None,
                 other: paper.Reading | None = None) -> list[tuple[str, bool]]:
        if reading is None:
            return [(_("Not entered"), other is not None)]
        if reading.flag:
            return [(flag_names[reading.flag],
                     other is not None and other.flag != reading.flag)]
        comparable = other is not None and not other.flag
        if isinstance(reading.marks, dict):
            theirs = other.marks if comparable else {}
            items = sorted(reading.marks.items(), key=lambda kv: order.get(kv[0], 0))
            return [(f"{titles.get(c, c)}：{mark_names.get(m, m)}",
                     other is not None and (not comparable
                                            or theirs.get(c, "abstain") != m))
                    for c, m in items]
        theirs = set(other.marks) if comparable else set()
        return [(titles.get(c, c), other is not None and c not in theirs)
                for c in sorted(reading.marks, key=lambda c: order.get(c, 0))]

    return describe


def _ranges(numbers: list[int]) -> list[tuple[int, int]]:
    """[1, 2, 3, 7] -> [(1, 3), (7, 7)]."""
    spans: list[tuple[int, int]] = []
    for n in numbers:
        if spans and spans[-1][1] == n - 1:
            spans[-1] = (spans[-1][0], n)
        else:
            spans.append((n, n))
    return spans


@dataclass(frozen=True)
class Attempt:
    """A resolution that was refused, shown again in its form with the reason."""

    number: int
    reading: paper.Reading
    error: str


def _render_paper(poll: Poll, counts_form=None, officials_form=None,
                  attempt: Attempt | None = None, status: int = 200):
    s = db.session()
    tally = paper.paper_record(s, poll)
    if counts_form is None:
        counts_form = CountsForm(formdata=None, obj=tally)
    if officials_form is None:
        officials_form = OfficialsForm(formdata=None).with_accounts(
            paper_tellers.teller_accounts(s))
        if tally is not None:
            officials_form.teller1.data = tally.teller1_user_id
            officials_form.teller2.data = tally.teller2_user_id
            officials_form.scrutineer.data = tally.scrutineer_user_id
            officials_form.scrutineers.data = "、".join(tally.scrutineers)
    found = paper.mismatches(s, poll)
    missing = {t: _ranges([m.number for m in found
                           if (m.first if t == 1 else m.second) is None]) for t in TELLER_SLOTS}
    return render_template(
        "tally/paper_poll.html", poll=poll, tally=tally, count=paper.paper_ballots(s, poll),
        done=paper.progress(s, poll), counts_form=counts_form, officials_form=officials_form,
        differing=[m for m in found if not m.missing], missing=missing,
        describe=_describer(poll), flag_choices=_flag_choices(), attempt=attempt,
        my_slot=tally.slot_of(current_user.id) if tally is not None else None,
        scrutineer_name=(s.get(User, tally.scrutineer_user_id).display_name
                         if tally is not None and tally.scrutineer_user_id else None),
        resolver=paper.resolver_role(tally, current_user), withdraw_form=WithdrawForm(formdata=None),
        confirmed=paper.confirmations(s, poll)), status


@bp.get("/tally/polls/<int:poll_id>/paper")
@role_required(*STAFF)
def paper_page(poll_id: int):
    return _render_paper(_paper_poll(poll_id))


@bp.post("/tally/polls/<int:poll_id>/paper/counts")
@role_required(SECRETARIAT)
def paper_counts(poll_id: int):
    s = db.session()
    poll = _paper_poll(poll_id)
    form = CountsForm()
    if form.validate_on_submit():
        with committed(show=False) as done:
            paper.record_issued_returned(s, current_user, poll.id, form.issued.data,
                                         form.returned.data)
        if done.ok:
            flash(_("Ballots issued and returned recorded."), "success")
            return redirect(url_for(".paper_page", poll_id=poll.id))
        _show_error(form, done.error)
    return _render_paper(poll, counts_form=form, status=422)


@bp.post("/tally/polls/<int:poll_id>/paper/officials")
@role_required(SECRETARIAT)
def paper_officials(poll_id: int):
    s = db.session()
    poll = _paper_poll(poll_id)
    form = OfficialsForm().with_accounts(paper_tellers.teller_accounts(s))
    if form.validate_on_submit():
        with committed(show=False) as done:
            paper_tellers.set_tellers(
                s, current_user, poll.id, teller1_user_id=form.teller1.data,
                teller2_user_id=form.teller2.data, scrutineer_user_id=form.scrutineer.data,
                scrutineers=NAME_SEPARATORS.split(form.scrutineers.data or ""))
        if done.ok:
            flash(_("Tellers and scrutineers saved."), "success")
            return redirect(url_for(".paper_page", poll_id=poll.id))
        _show_error(form, done.error)
    return _render_paper(poll, officials_form=form, status=422)


def _render_entry(poll: Poll, teller: int, form: EntryForm, number: int | None,
                  reading: paper.Reading | None, marks_error: str | None = None,
                  status: int = 200):
    s = db.session()
    tally = paper.paper_record(s, poll)
    existing = paper.entry_of(s, poll, teller, number) if number else None
    return render_template(
        "tally/paper_entry.html", poll=poll, tally=tally, teller=teller, form=form,
        number=number, reading=reading, marks_error=marks_error, existing=existing,
        done=paper.progress(s, poll), flag_choices=_flag_choices()), status


@bp.route("/tally/polls/<int:poll_id>/paper/teller/<int:teller>", methods=["GET", "POST"])
@role_required(*STAFF)
def paper_entry(poll_id: int, teller: int):
    """Only the account assigned to the slot (anyone else gets a 403 saying whose it is)."""
    s = db.session()
    poll = _paper_poll(poll_id)
    if teller not in TELLER_SLOTS:
        return redirect(url_for(".paper_page", poll_id=poll.id))
    paper.require_slot_holder(paper.paper_record(s, poll), current_user, teller)
    if request.method == "GET":
        number = request.args.get("number", type=int) or paper.next_number(s, poll, teller)
        existing = paper.entry_of(s, poll, teller, number) if number else None
        form = EntryForm(formdata=None, number=number)
        return _render_entry(poll, teller, form, number, paper.Reading.of(existing))
    form = EntryForm()
    reading = _form_reading(poll)
    marks_error = None
    if form.validate_on_submit():
        number = form.number.data
        with committed(show=False) as done:
            paper.enter_ballot(s, current_user, poll.id, teller, number, _marks_of(reading))
        if not done.ok:
            marks_error = _show_error(form, done.error)
        else:
            flash(_("Ballot %(n)s saved.", n=number), "success")
            following = paper.next_number(s, poll, teller)
            if following is None:
                flash(_("You have entered every returned ballot."), "success")
                return redirect(url_for(".paper_page", poll_id=poll.id))
            return redirect(url_for(".paper_entry", poll_id=poll.id, teller=teller,
                                    number=following))
    number = form.number.data or paper.next_number(s, poll, teller)
    return _render_entry(poll, teller, form, number, reading, marks_error, 422)


@bp.post("/tally/polls/<int:poll_id>/paper/resolve")
@role_required(*STAFF)
def paper_resolve(poll_id: int):
    s = db.session()
    poll = _paper_poll(poll_id)
    form = ResolveForm()
    if not (form.validate_on_submit() and form.number.data.isdigit()):
        flash(_("The request was malformed."), "error")
        return redirect(url_for(".paper_page", poll_id=poll.id))
    number, reading = int(form.number.data), _form_reading(poll)
    with committed(show=False, raising=(Forbidden,)) as done:
        outcome = paper.resolve(s, current_user, poll.id, number, _marks_of(reading))
    if not done.ok:
        attempt = Attempt(number, reading, str(done.error.message))
        if number not in {m.number for m in paper.mismatches(s, poll) if not m.missing}:
            flash(attempt.error, "error")  # no ballot on the page to show it next to
        return _render_paper(poll, attempt=attempt, status=422)
    if outcome.done:
        flash(_("Ballot %(n)s resolved: both tellers' entries now agree.", n=number), "success")
    elif outcome.differs:
        flash(_("Your reading of ballot %(n)s is recorded, but %(other)s confirmed a different "
                "one: look at the ballot again together, or ask the scrutineer.", n=number,
                other=paper.slot_label(outcome.waiting_for)), "warning")
    else:
        flash(_("Your reading of ballot %(n)s is recorded. It is settled once %(other)s "
                "confirms the same reading.", n=number,
                other=paper.slot_label(outcome.waiting_for)), "success")
    return redirect(url_for(".paper_page", poll_id=poll.id, _anchor=f"ballot-{number}"))


@bp.post("/tally/polls/<int:poll_id>/paper/withdraw")
@role_required(*STAFF)
def paper_withdraw(poll_id: int):
    """The scrutineer takes back the last entered ballot (both readings), with a reason."""
    s = db.session()
    poll = _paper_poll(poll_id)
    form = WithdrawForm()
    if form.validate_on_submit():
        with committed(raising=(Forbidden,)) as done:
            number = paper.withdraw_last(s, current_user, poll.id, form.reason.data)
        if done.ok:
            flash(_("Ballot %(n)s taken back: both readings are removed and kept on the audit "
                    "log.", n=number), "success")
    else:
        flash(_("Say why the ballot is taken back."), "error")
    return redirect(url_for(".paper_page", poll_id=poll.id))

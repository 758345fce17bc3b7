"""Forms of the reporting pages: the year's schedule, a project's units, a unit's report (one
field per target, made for the project at hand) and the XLSX upload."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from voting.supervision import reports, rules, schedules
from voting.supervision.models import DELIVERY

FREQUENCY_LABELS = {"quarterly": _l("Quarterly"), "monthly": _l("Monthly")}
DELIVERY_LABELS = {"in_use": _l("Completed and in use"), "partly_in_use": _l("Partly in use"),
                   "under_way": _l("Under way")}


class ScheduleForm(FlaskForm):
    frequency = SelectField(_l("Reports are due"),
                            choices=[SelectChoice(k, v) for k, v in FREQUENCY_LABELS.items()],
                            validators=[DataRequired()])
    due_day = IntegerField(_l("Due day of the period's last month"), default=25,
                           validators=[InputRequired(), NumberRange(1, 31)],
                           render_kw={"inputmode": "numeric"})
    final_deadline = DateField(_l("Final deadline"), validators=[InputRequired()])
    reason = TextAreaField(_l("Reason (for a change)"),
                           validators=[Length(max=schedules.REASON_MAX)], render_kw={"rows": 2})
    confirm_past = BooleanField(_l("I confirm: past periods change as shown"))


class AssignForm(FlaskForm):
    lead = StringField(_l("Lead unit"), validators=[Length(max=200)])
    responsible = TextAreaField(_l("Responsible units"), validators=[Length(max=8000)],
                                render_kw={"rows": 4})
    confirm_new = BooleanField(_l("Yes, create the new unit(s) named above"))


class ReportUploadForm(FlaskForm):
    file = FileField(_l("File (XLSX or CSV)"), validators=[
        FileRequired(), FileAllowed(["csv", "xlsx"], _l("Upload a .csv or .xlsx file."))])


def report_form(project, previous=None, values=None):
    """A form for a report on `project`: achieved to date per target (prefilled from the
    previous version, as typed, or from `values`, the period's figure of each target: the
    newest version naming it), the unit of each figure, narrative, spending, delivery."""

    class ReportForm(FlaskForm):
        narrative = TextAreaField(_l("Progress narrative"),
                                  validators=[Length(max=reports.NARRATIVE_MAX)],
                                  render_kw={"rows": 5})
        spending = StringField(_l("Investment completed to date (10,000 yuan)"),
                               validators=[Optional(), Length(max=20)],
                               render_kw={"inputmode": "decimal"})
        delivery = SelectField(_l("Delivery"), validators=[Optional()],
                               choices=[SelectChoice("", _l("— not stated —"))] + [
                                   SelectChoice(k, DELIVERY_LABELS[k]) for k in DELIVERY])

    for target in project.targets:
        setattr(ReportForm, reports.value_field(target.id), StringField(
            _l("Achieved to date: %(metric)s", metric=target.metric),
            validators=[Optional(), Length(max=30)], render_kw={"inputmode": "decimal"}))
        units = rules.compatible_units(target.unit)
        setattr(ReportForm, reports.unit_field(target.id), SelectField(
            _l("Unit of “%(metric)s”", metric=target.metric),
            choices=[SelectChoice(u, u or "—") for u in units],
            validators=[Optional()]))

    data = {}
    if previous is not None:
        data["narrative"] = previous.narrative
        data["spending"] = (None if previous.spending_wan_yuan is None
                            else rules.text(previous.spending_wan_yuan))
        data["delivery"] = previous.delivery or ""
        for value in (previous.values if values is None else values.values()):
            data[reports.value_field(value.target_id)] = value.entered
            data[reports.unit_field(value.target_id)] = value.entered_unit
    return ReportForm(data=data)


def target_fields(form, project):
    """(target, value field, unit field) for the template, in the targets' order."""
    return [(t, form[reports.value_field(t.id)], form[reports.unit_field(t.id)])
            for t in project.targets]

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import DateField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from voting.core.years import YEAR_MAX, YEAR_MIN
from voting.pool import suggestions
from voting.pool.values import (BODY_MAX, CONTACT_MAX, FIELDS, NAME_MAX, SOURCE_MAX, TEXT_MAX,
                                TITLE_MAX, UNIT_MAX, ProjectValues, format_targets,
                                parse_investment, parse_targets, plain_number, split_units)


def _field_choices():
    return [SelectChoice("", _l("(none)"))] + [SelectChoice(f) for f in FIELDS]


def _kind_choices():
    return [SelectChoice(kind, label) for kind, label in suggestions.KIND_LABELS.items()]


class ProjectForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=TITLE_MAX)])
    year = IntegerField(_l("Year"), default=lambda: date.today().year,
                        validators=[DataRequired(), NumberRange(YEAR_MIN, YEAR_MAX)])
    field = SelectField(_l("Field"), choices=_field_choices, validators=[Optional()])
    content = TextAreaField(_l("Content"), validators=[Length(max=TEXT_MAX)])
    significance = TextAreaField(_l("Significance"), validators=[Length(max=TEXT_MAX)])
    targets = TextAreaField(_l("Targets"), render_kw={"rows": 4})
    investment_wan_yuan = StringField(_l("Investment (10,000 yuan)"),
                                      render_kw={"inputmode": "decimal"})
    lead_unit = StringField(_l("Lead unit"), validators=[Length(max=UNIT_MAX)])
    responsible_units = TextAreaField(_l("Responsible units"), render_kw={"rows": 2})
    source = StringField(_l("Source"), validators=[Length(max=SOURCE_MAX)])

    def validate_targets(self, field):
        try:
            self.parsed_targets = parse_targets(field.data)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None

    def validate_investment_wan_yuan(self, field):
        try:
            self.parsed_investment = parse_investment(field.data)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None

    def values(self) -> ProjectValues:
        return ProjectValues(
            title=self.title.data, year=self.year.data, field=self.field.data or "",
            content=self.content.data, significance=self.significance.data,
            targets=self.parsed_targets, investment_wan_yuan=self.parsed_investment,
            lead_unit=self.lead_unit.data,
            responsible_units=split_units(self.responsible_units.data),
            source=self.source.data)

    @classmethod
    def of(cls, project):
        return cls(formdata=None, data={
            "title": project.title, "year": project.year, "field": project.field,
            "content": project.content, "significance": project.significance,
            "targets": format_targets(project.targets),
            "investment_wan_yuan": "" if project.investment_wan_yuan is None
            else plain_number(project.investment_wan_yuan),
            "lead_unit": project.lead_unit,
            "responsible_units": project.responsible_units, "source": project.source})


class SuggestionForm(FlaskForm):
    submitter_kind = SelectField(_l("I am"), choices=_kind_choices,
                                 default="public", validators=[DataRequired()])
    title = StringField(_l("Project in a few words"),
                        validators=[DataRequired(), Length(max=TITLE_MAX)])
    body = TextAreaField(_l("What should be done, where, and why"),
                         validators=[DataRequired(), Length(max=TEXT_MAX)],
                         render_kw={"rows": 6})
    submitter_name = StringField(_l("Your name (optional)"),
                                 validators=[Optional(), Length(max=NAME_MAX)],
                                 render_kw={"autocomplete": "name"})
    submitter_contact = StringField(_l("Phone or e-mail (optional, never published)"),
                                    validators=[Optional(), Length(max=CONTACT_MAX)])


class ModerateForm(FlaskForm):
    decision = HiddenField(validators=[DataRequired()])
    note = TextAreaField(_l("Moderation note"), validators=[Length(max=TEXT_MAX)],
                         render_kw={"rows": 2})


class MergeForm(FlaskForm):
    project_id = IntegerField(_l("Existing project ID"), validators=[Optional()])
    note = TextAreaField(_l("Moderation note"), validators=[Length(max=TEXT_MAX)],
                         render_kw={"rows": 2})


class UploadForm(FlaskForm):
    file = FileField(_l("File (CSV or XLSX)"), validators=[
        FileRequired(), FileAllowed(["csv", "xlsx"], _l("Upload a .csv or .xlsx file."))])


class RoundForm(FlaskForm):
    body = StringField(_l("Deciding body"), validators=[DataRequired(), Length(max=BODY_MAX)],
                       render_kw={"placeholder": "市政府民生项目监督工作领导小组第二次会议"})
    decided_on = DateField(_l("Decided on"), validators=[DataRequired()])
    rationale = TextAreaField(_l("Rationale"), validators=[DataRequired(), Length(max=TEXT_MAX)],
                              render_kw={"rows": 4})
    confirmed = HiddenField()

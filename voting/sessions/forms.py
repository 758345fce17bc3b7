from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import DateField, IntegerField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from voting.core.years import YEAR_MAX, YEAR_MIN


class CongressForm(FlaskForm):
    name = StringField(_l("Name of the congress"), validators=[DataRequired(), Length(max=120)],
                       render_kw={"placeholder": "哈尔滨市第十六届人民代表大会"})
    term = IntegerField(_l("Term"), validators=[Optional(), NumberRange(1, 100)])


class SessionForm(FlaskForm):
    name = StringField(_l("Name of the session"), validators=[DataRequired(), Length(max=120)],
                       render_kw={"placeholder": "第二次会议"})
    year = IntegerField(_l("Year"), default=lambda: date.today().year,
                        validators=[DataRequired(), NumberRange(YEAR_MIN, YEAR_MAX)])
    opens_on = DateField(_l("Opens on"), validators=[Optional()])
    quorum_numerator = IntegerField(_l("Quorum numerator"), default=2,
                                    validators=[DataRequired(), NumberRange(1, 100)])
    quorum_denominator = IntegerField(_l("Quorum denominator"), default=3,
                                      validators=[DataRequired(), NumberRange(1, 100)])


class DeputyForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    number = StringField(_l("Deputy number"), validators=[DataRequired(), Length(max=40)])
    delegation = StringField(_l("Delegation"), validators=[Optional(), Length(max=120)],
                             render_kw={"list": "delegations"})


class NewDeputyForm(DeputyForm):
    username = StringField(_l("Username"), validators=[Optional(), Length(max=80)],
                           render_kw={"autocapitalize": "none"})


class RosterUploadForm(FlaskForm):
    file = FileField(_l("Roster file (CSV or XLSX)"), validators=[
        FileRequired(), FileAllowed(["csv", "xlsx"], _l("Upload a .csv or .xlsx file."))])

"""Forms of the secretariat's unit pages and of a selected project's target amendments."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from voting.pool import units


class UnitForm(FlaskForm):
    name = StringField(_l("Unit name"), validators=[DataRequired(), Length(max=units.NAME_MAX)])


class MemberForm(FlaskForm):
    username = StringField(_l("Username of a responsible-unit account"),
                           validators=[DataRequired(), Length(max=80)])


class AmendForm(FlaskForm):
    target_id = SelectField(_l("Target"), coerce=int, validators=[DataRequired()])
    metric = StringField(_l("Target"), validators=[DataRequired(), Length(max=200)])
    unit = StringField(_l("Unit"), validators=[Length(max=40)])
    value = StringField(_l("Value"), validators=[DataRequired()],
                        render_kw={"inputmode": "decimal"})
    reason = TextAreaField(_l("Reason for the change"),
                           validators=[DataRequired(), Length(max=units.REASON_MAX)],
                           render_kw={"rows": 3})

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, IntegerField, RadioField, SelectField, SelectMultipleField,
                     StringField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange
from wtforms.widgets import CheckboxInput, ListWidget

from voting.ballots import kinds
from voting.ballots.services import DEFAULT_SEATS


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PollForm(FlaskForm):
    title = StringField(_l("Title of the poll"), validators=[DataRequired(), Length(max=200)])
    # The kinds the form offers, from the registry (evaluation is opened over a year's
    # selected projects, not here).
    kind = RadioField(_l("Ballot form"), default="selection", choices=lambda: [
        SelectChoice(k.name, k.label) for k in kinds.all_kinds() if k.offered])
    seats = IntegerField(_l("Seats"), default=DEFAULT_SEATS,
                         validators=[InputRequired(), NumberRange(1, 500)])
    max_choices = IntegerField(_l("Most choices on one ballot"), default=DEFAULT_SEATS,
                               validators=[InputRequired(), NumberRange(1, 500)])
    threshold_base = RadioField(_l("Threshold: more than half of"), default="roster", choices=[
        SelectChoice("roster", _l("all deputies on the roster (the default, as the election law)")),
        SelectChoice("present", _l("the deputies checked in to the session")),
        SelectChoice("cast", _l("the ballots cast"))])
    projects = CheckboxesField(_l("Candidates"), coerce=int,
                               validators=[DataRequired(_l("Choose at least one candidate."))])


class OpenForm(FlaskForm):
    confirm = BooleanField(_l("The key fingerprint has been read out, and I open the poll"),
                           validators=[DataRequired(_l("Tick the box to confirm."))])


class CloseForm(FlaskForm):
    confirm = BooleanField(_l("I close the poll: no further ballot will be accepted"),
                           validators=[DataRequired(_l("Tick the box to confirm."))])


class EvaluationForm(FlaskForm):
    """A year-end evaluation over a year's selected projects (no seats, no candidates to tick:
    every selected project of the year is rated)."""

    year = SelectField(_l("Year of the projects rated"), coerce=int,
                       validators=[InputRequired()])  # chosen on the page's GET form
    title = StringField(_l("Title of the poll"), validators=[DataRequired(), Length(max=200)])
    threshold_base = RadioField(
        _l("A rating needs marks from more than half of"), default="roster", choices=[
            SelectChoice("roster", _l("all deputies on the roster (the default, as the Zhenhai "
                                      "rule)")),
            SelectChoice("present", _l("the deputies checked in to the session")),
            SelectChoice("cast", _l("the ballots cast"))])

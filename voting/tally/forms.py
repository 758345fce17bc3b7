from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length


def lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class OfficialsForm(FlaskForm):
    scrutineers = TextAreaField(_l("Scrutineers"), validators=[Length(max=2000)],
                                render_kw={"rows": 4})
    tellers = TextAreaField(_l("Tellers"), validators=[Length(max=2000)], render_kw={"rows": 4})


class ActionForm(FlaskForm):
    """A button that changes state: only its CSRF token."""


class ReplacementForm(FlaskForm):
    """A paper ballot given to a deputy in place of the token they hold."""

    number = StringField(_l("Deputy's number"),
                         validators=[DataRequired(_l("Enter the deputy's number.")),
                                     Length(max=40)])
    reason = StringField(_l("Reason"),
                         validators=[DataRequired(_l("Say why the deputy was given a paper "
                                                     "ballot.")), Length(max=200)])

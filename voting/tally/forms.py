from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length


def lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class OfficialsForm(FlaskForm):
    scrutineers = TextAreaField(_l("Scrutineers"), validators=[Length(max=2000)],
                                render_kw={"rows": 4})
    tellers = TextAreaField(_l("Tellers"), validators=[Length(max=2000)], render_kw={"rows": 4})


class ActionForm(FlaskForm):
    """A button that changes state: only its CSRF token."""

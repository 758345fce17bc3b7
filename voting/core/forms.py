"""Form pieces shared by the domains."""

from __future__ import annotations

import binascii
from base64 import b64decode, b64encode

from flask import flash
from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import DataRequired

from voting.errors import DomainError


class CarriedFileForm(FlaskForm):
    """Carries a checked upload from its preview to the confirm step inside the page, so
    nothing half-imported is kept anywhere; the file is checked again before anything changes."""

    filename = HiddenField(validators=[DataRequired()])
    content = HiddenField(validators=[DataRequired()])

    @classmethod
    def carrying(cls, filename: str, data: bytes) -> CarriedFileForm:
        return cls(formdata=None, filename=filename, content=b64encode(data).decode("ascii"))

    def submitted_file(self) -> bytes | None:
        """The carried bytes, or None when the submission is not a valid confirm form."""
        if not self.validate_on_submit():
            return None
        try:
            return b64decode(self.content.data, validate=True)
        except (binascii.Error, ValueError):
            return None


def show_error(form: FlaskForm, exc: DomainError) -> None:
    """A service error goes next to its field when the form has one, else on top of the page."""
    if exc.field and exc.field in form:
        form[exc.field].errors.append(str(exc.message))
    else:
        flash(str(exc.message), "error")

"""The upload → preview → confirm flow of every CSV/XLSX import, written once.

The upload step reads and checks the whole file and changes nothing: the page shows every
row and every problem (row, column, message in the interface language). Only a file without
a problem gets a confirm button, and the confirm form carries the same bytes back inside the
page (`CarriedFileForm`), so nothing half-imported is kept anywhere between the two steps.
The confirm step checks the file again (the data may have changed meanwhile) and applies it,
all rows or none, in one transaction. A domain says only how to check, how to apply and
where to go afterwards (an `ImportFlow`), registers both steps with `add_import_routes`, and
its page extends templates/core/import.html.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from flask import Blueprint, abort, flash, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session

from voting import db
from voting.core.edge import committed
from voting.core.forms import CarriedFileForm
from voting.core.tabular import ImportRefused
from voting.errors import DomainError


@dataclass(frozen=True)
class ImportFlow:
    """One kind of import. `check(db, filename, data)` returns a preview (`ok`, `rows`,
    `errors`) and changes nothing; `apply(db, actor, filename, data)` imports everything or
    raises `ImportRefused`; `done(result)` answers once the import is committed."""

    template: str  # extends core/import.html
    upload_form: type[FlaskForm]  # a form with a `file` field
    check: Callable[[Session, str, bytes], Any]
    apply: Callable[[Session, Any, str, bytes], Any]
    done: Callable[[Any], ResponseReturnValue]
    context: dict[str, Any] = field(default_factory=dict)  # what the domain's page needs

    def render(self, form: FlaskForm, *, preview=None, errors=(), confirm=None,
               status: int = 200) -> ResponseReturnValue:
        return render_template(self.template, form=form, preview=preview, errors=list(errors),
                               confirm=confirm, **self.context), status

    def upload(self) -> ResponseReturnValue:
        """The upload form, or the checked file: every row and every problem; nothing changes."""
        form = self.upload_form()
        if not form.validate_on_submit():
            return self.render(form, status=422 if form.is_submitted() else 200)
        upload = form.file.data
        filename, data = upload.filename or "", upload.read()
        try:
            preview = self.check(db.session(), filename, data)
        except DomainError as exc:  # not a readable CSV/XLSX file, or the data is frozen
            form.file.errors.append(str(exc.message))
            return self.render(form, status=422)
        if not preview.ok:
            return self.render(form, preview=preview, errors=preview.errors, status=422)
        return self.render(form, preview=preview,
                           confirm=CarriedFileForm.carrying(filename, data))

    def confirm(self, actor) -> ResponseReturnValue:
        """Checks the carried file again and imports it all, or shows why nothing was."""
        carried = CarriedFileForm()
        data = carried.submitted_file()
        if data is None:
            abort(400)
        with committed(show=False) as outcome:
            result = self.apply(db.session(), actor, carried.filename.data, data)
        if outcome.ok:
            return self.done(result)
        upload_form = self.upload_form(formdata=None)
        if isinstance(outcome.error, ImportRefused):
            return self.render(upload_form, errors=outcome.error.errors, status=422)
        flash(str(outcome.error.message), "error")
        return self.render(upload_form, status=422)


def add_import_routes(bp: Blueprint, rule: str, make_flow: Callable[..., ImportFlow], *,
                      upload: str, confirm: str, guard: Callable) -> None:
    """Both steps of one import: `rule` (GET, POST) shows the form and checks an upload,
    `rule + "/confirm"` (POST) imports it. `make_flow` gets the rule's URL arguments; the page
    gets `upload_url` and `confirm_url`. `guard` decorates both views (who may import)."""
    def flow(kwargs) -> ImportFlow:
        made = make_flow(**kwargs)
        return replace(made, context={
            **made.context, "upload_url": url_for(f"{bp.name}.{upload}", **kwargs),
            "confirm_url": url_for(f"{bp.name}.{confirm}", **kwargs)})

    def upload_view(**kwargs):
        return flow(kwargs).upload()

    def confirm_view(**kwargs):
        return flow(kwargs).confirm(current_user)

    bp.add_url_rule(rule, upload, guard(upload_view), methods=["GET", "POST"])
    bp.add_url_rule(rule + "/confirm", confirm, guard(confirm_view), methods=["POST"])

"""The import flow written once (voting/core/imports.py), driven through a kind made up here:
a new kind needs only its check, its apply, its answer and a page extending core/import.html."""

import re

import pytest
from flask import Blueprint, redirect
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from jinja2 import ChoiceLoader, DictLoader
from sqlalchemy import select

from tests.helpers import HASH, login
from tests.import_steps import confirm, upload
from voting import db
from voting.audit.services import record
from voting.auth.models import User
from voting.auth.services import create_user
from voting.auth.access import role_required
from voting.core.imports import ImportFlow, add_import_routes
from voting.core.tabular import (Column, ImportRefused, ImportResult, RowError, max_length,
                                 parse_table, read_rows)

COLUMNS = (Column("username", "Username", aliases=("用户名",), required=True,
                  parse=max_length(20)),)
PAGE = """{% extends "core/import.html" %}
{% block page_title %}Import names{% endblock %}
{% block summary %}{{ preview.rows|length }} names will be added.{% endblock %}
{% block confirm_label %}Confirm{% endblock %}
{% block preview_head %}<th>Username</th>{% endblock %}
{% block preview_cells %}<td class="name">{{ r.username or "" }}</td>{% endblock %}
"""


class NamesForm(FlaskForm):
    file = FileField(validators=[FileRequired()])


def check(s, filename, data):
    """A name already taken is an error on its row; nothing changes."""
    preview = parse_table(read_rows(filename, data), COLUMNS)
    taken = set(s.scalars(select(User.username)))
    preview.errors += [RowError(r["_row"], "Username", f"“{r['username']}” is taken")
                       for r in preview.rows if r.get("username") in taken]
    return preview


def applying(state):
    """Adds the rows one by one and refuses only at the end (as when the data changed between
    preview and confirm), so that a refusal has something to roll back."""
    def apply(s, actor, filename, data):
        preview = parse_table(read_rows(filename, data), COLUMNS)
        for row in preview.rows:
            create_user(s, hash_method=HASH, username=row["username"], password="correct-horse", role="teller",
                        display_name=row["username"])
        s.flush()
        if state["refuse"]:
            raise ImportRefused([RowError(2, "Username", "taken meanwhile")])
        record(s, actor, "names.import", "user", "-", count=len(preview.rows))
        return preview
    return apply


@pytest.fixture
def names(app):
    app.jinja_loader = ChoiceLoader([DictLoader({"names.html": PAGE}), app.jinja_loader])
    state = {"refuse": False}
    bp = Blueprint("names", __name__)
    flow = ImportFlow(template="names.html", upload_form=NamesForm, check=check,
                      apply=applying(state),
                      done=lambda preview: redirect(f"/done/{len(preview.rows)}"),
                      context={"template_urls": {"xlsx": "/t.xlsx", "csv": "/t.csv"}})
    add_import_routes(bp, "/names/import", lambda: flow, upload="upload", confirm="confirm",
                      guard=role_required("secretariat"))
    app.register_blueprint(bp)
    return state


def _stored(app):
    with app.app_context():
        s = db.new_session()
        try:
            return sorted(s.scalars(select(User.username).where(User.role == "teller")))
        finally:
            s.close()


def _upload(client, token, text):
    return upload(client, "/names/import", text, token, filename="names.csv")


@pytest.fixture
def token(client, make_user, names):
    make_user("clerk", "secretariat")
    return login(client, "clerk")


def test_preview_changes_nothing_and_confirm_imports_everything(app, client, token):
    r = _upload(client, token, "用户名\nwang\nli\n")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "2 names will be added." in html
    assert '<form method="post" action="/names/import/confirm"' in html
    assert re.findall(r'<td class="name">(\w+)</td>', html) == ["wang", "li"]
    assert _stored(app) == []
    r = confirm(client, "/names/import/confirm", html, token)
    assert (r.status_code, r.headers["Location"]) == (302, "/done/2")
    assert _stored(app) == ["li", "wang"]


def test_a_file_with_a_problem_shows_every_row_error_and_offers_no_confirm(app, client, token):
    r = _upload(client, token, "用户名\nclerk\n\nzhao\n" + "x" * 21 + "\n")
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    problems = sorted(re.findall(r"<li>(第 \d+ 行[^<]*)</li>", html))
    assert problems == ["第 2 行，“Username”：“clerk” is taken", "第 5 行，“Username”：最多 20 个字符。"]
    assert 'action="/names/import/confirm"' not in html
    assert _stored(app) == []


def test_an_unreadable_file_is_an_error_on_the_file_field(client, token):
    r = upload(client, "/names/import", b"\x00\x01", token, filename="names.pdf")
    assert r.status_code == 422
    assert 'action="/names/import/confirm"' not in r.get_data(as_text=True)


def test_a_refusal_at_confirm_rolls_back_what_the_import_had_done(app, client, token, names):
    html = _upload(client, token, "用户名\nwang\nli\n").get_data(as_text=True)
    names["refuse"] = True
    r = confirm(client, "/names/import/confirm", html, token)
    assert r.status_code == 422
    assert "taken meanwhile" in r.get_data(as_text=True)
    assert _stored(app) == []


def test_a_tampered_carried_file_is_refused(app, client, token):
    html = _upload(client, token, "用户名\nwang\n").get_data(as_text=True)
    r = confirm(client, "/names/import/confirm", html, token, content="not base64!")
    assert r.status_code == 400
    assert _stored(app) == []


def test_both_steps_are_guarded(app, client, make_user, names):
    make_user("teller", "teller")
    token = login(client, "teller")
    assert client.get("/names/import").status_code == 403
    assert _upload(client, token, "用户名\nwang\n").status_code == 403
    assert client.post("/names/import/confirm", data={"csrf_token": token}).status_code == 403
    assert _stored(app) == ["teller"]  # only the teller who tried


def test_a_checked_file_with_any_problem_is_refused_whole():
    problems = [RowError(3, "Username", "taken"), RowError(5, "Username", "too long")]
    with pytest.raises(ImportRefused) as refused:
        ImportResult(rows=[{"_row": 2}], errors=problems).refuse_unless_ok()
    assert refused.value.errors == problems
    ImportResult(rows=[{"_row": 2}]).refuse_unless_ok()  # nothing to refuse

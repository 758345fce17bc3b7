"""The web's transaction edge: what a block did is committed on success, and nothing of it is
stored after a domain error (shown to the user) or any other error (raised)."""

import re
from pathlib import Path

import pytest
from flask import get_flashed_messages
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from wtforms import StringField

from tests.helpers import add_staff, stored_usernames
import voting
from voting import db
from voting.auth.models import User
from voting.core.edge import committed, transaction
from voting.errors import Conflict, Forbidden, Invalid, NotFound


class NameForm(FlaskForm):
    username = StringField()


def test_a_block_that_succeeds_is_committed(app):
    with app.test_request_context():
        with committed() as done:
            add_staff(db.session(), "alice")
        assert done.ok and done.error is None
        assert get_flashed_messages() == []
    assert stored_usernames(app) == ["alice"]


@pytest.mark.parametrize("error, on_field, flashed", [
    (Invalid("名称已被使用", field="username"), ["名称已被使用"], []),
    (Conflict("投票已结束"), [], [("error", "投票已结束")]),
])
def test_a_domain_error_rolls_back_and_is_shown_on_its_field_or_on_top(
        app, error, on_field, flashed):
    with app.test_request_context(method="POST"):
        form = NameForm(meta={"csrf": False})
        assert form.validate()  # as in a view: the service runs on a valid form
        with committed(form) as done:
            add_staff(db.session(), "alice")
            raise error
        assert not done.ok and done.error is error
        assert form.username.errors == on_field
        assert get_flashed_messages(with_categories=True) == flashed
        assert db.session().scalars(select(User)).all() == []  # the session goes on, clean
    assert stored_usernames(app) == []


def test_a_view_may_show_the_error_itself(app):
    with app.test_request_context():
        with committed(show=False) as done:
            add_staff(db.session(), "alice")
            raise Conflict("投票已结束")
        assert str(done.error.message) == "投票已结束"
        assert get_flashed_messages() == []
    assert stored_usernames(app) == []


@pytest.mark.parametrize("edge", [committed, transaction])
def test_an_unexpected_error_rolls_back_and_is_raised(app, edge):
    with app.test_request_context():
        with pytest.raises(RuntimeError, match="disk"):
            with edge():
                add_staff(db.session(), "alice")
                raise RuntimeError("disk on fire")
        assert get_flashed_messages() == []
        assert db.session().scalars(select(User)).all() == []
    assert stored_usernames(app) == []


@pytest.mark.parametrize("edge", [committed, transaction])
def test_a_failed_commit_rolls_back_and_is_raised(app, edge):
    """What only the commit finds wrong (an unflushed duplicate) undoes the whole block."""
    with app.test_request_context():
        with pytest.raises(IntegrityError):
            with edge():
                s = db.session()
                add_staff(s, "alice")
                s.add(User(username="alice", password_hash="x", role="secretariat",
                           display_name="alice"))
        assert db.session().scalars(select(User)).all() == []  # rolled back: usable again
    assert stored_usernames(app) == []


def test_transaction_commits_and_lets_a_domain_error_through(app):
    with app.test_request_context():
        with transaction() as s:
            add_staff(s, "alice")
        with pytest.raises(Conflict):
            with transaction() as s:
                add_staff(s, "bob")
                raise Conflict("投票已结束")
        assert get_flashed_messages() == []
    assert stored_usernames(app) == ["alice"]


def test_a_domain_error_the_view_does_not_show_rolls_back_and_is_raised(app):
    """A 404 or 403 inside the block goes to the error page, with nothing stored."""
    with app.test_request_context():
        with pytest.raises(NotFound):
            with committed(raising=(NotFound, Forbidden)) as done:
                add_staff(db.session(), "alice")
                raise NotFound("没有这位代表")
        assert done.error is None and get_flashed_messages() == []
    assert stored_usernames(app) == []


def test_no_view_commits_by_hand():
    """Pages and the API go through this module; the command line through core/cli.py."""
    root = Path(voting.__file__).parent
    edges = {"core/edge.py", "core/cli.py", "db.py", "demo.py"}
    by_hand = [f"{path.relative_to(root)}:{n}"
               for path in sorted(root.rglob("*.py"))
               if path.relative_to(root).as_posix() not in edges
               and "migrations" not in path.relative_to(root).parts
               for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
               if re.search(r"\.(commit|rollback)\(\)", line)]
    assert by_hand == []

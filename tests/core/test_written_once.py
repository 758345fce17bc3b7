"""The year range and the get-or-404 are written once (voting.core.years, voting.db.get_one),
and nothing in the package writes them again."""

import re
from pathlib import Path

import pytest
from flask_babel import force_locale

from voting import db
from voting.auth.models import User
from voting.core.years import YEAR_MAX, YEAR_MESSAGE, YEAR_MIN, check_year, year_in_range
from voting.db import get_one
from voting.errors import Invalid, NotFound

PACKAGE = Path(__file__).resolve().parents[2] / "voting"


def _sources():
    return [(p, p.read_text(encoding="utf-8")) for p in PACKAGE.rglob("*.py")
            if "migrations" not in p.parts]


def test_the_year_range_and_its_message_agree(app):
    assert (YEAR_MIN, YEAR_MAX) == (1949, 2200)
    with app.test_request_context(), force_locale("en"):
        assert f"from {YEAR_MIN} to {YEAR_MAX}" in str(YEAR_MESSAGE)
    assert check_year(YEAR_MIN) == YEAR_MIN and check_year(YEAR_MAX) == YEAR_MAX
    assert not year_in_range(None)
    for bad in (YEAR_MIN - 1, YEAR_MAX + 1, None):
        with pytest.raises(Invalid) as err:
            check_year(bad, field="y")
        assert err.value.field == "y"


def test_no_module_writes_the_year_bounds_again():
    again = [f"{p.relative_to(PACKAGE)}:{n}" for p, text in _sources()
             if p.relative_to(PACKAGE) != Path("core/years.py")
             for n, line in enumerate(text.splitlines(), 1)
             if re.search(rf"\b({YEAR_MIN}|{YEAR_MAX})\b", line)]
    assert again == []


def test_get_one_finds_the_row_or_raises_not_found(app, make_user):
    user_id = make_user("clerk")
    with app.app_context():
        s = db.session()
        assert get_one(s, User, user_id, "No such user.").username == "clerk"
        with pytest.raises(NotFound) as err:
            get_one(s, User, user_id + 1000, "No such user.")
        assert err.value.message == "No such user." and err.value.status == 404


GET_THEN_404 = re.compile(r"= *\w+\.get\([^\n]*\)\n\s*if \w+ is None:\n"
                          r"\s*(raise NotFound|abort\(404\))")


def test_no_module_writes_get_or_404_again():
    again = [str(p.relative_to(PACKAGE)) for p, text in _sources()
             if GET_THEN_404.search(text) and p.relative_to(PACKAGE) != Path("db.py")]
    assert again == []


def test_the_get_or_404_pattern_is_recognised():
    sample = ('    poll = db.get(Poll, poll_id)\n    if poll is None:\n'
              '        raise NotFound(_l("No such poll."))\n')
    assert GET_THEN_404.search(sample)

"""Fixtures for congresses, sessions and rosters.

Client tests arrange and inspect data inside `app_db(app)` blocks rather than through `dbs`:
while `dbs` holds its app context, every request shares its `g`, and with it the signed-in
user of whichever client went first.
"""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from sqlalchemy import select

from voting import db
from voting.auth.models import User
from voting.auth.services import create_user
from voting.sessions import services


@contextmanager
def app_db(app):
    """A database session in a short request context (domain errors translate their message
    for the request's locale); commits what the block did."""
    with app.test_request_context():
        s = db.session()
        yield s
        s.commit()


def user(s, username: str) -> User:
    return s.scalar(select(User).where(User.username == username))


def add_deputies(s, actor, congress_id: int, n: int, *, start: int = 1,
                 delegation: str | None = "道里区代表团"):
    """n deputies numbered from `start`; returns [(deputy, password)]."""
    return [services.add_deputy(s, actor, congress_id=congress_id, name=f"代表{i:03d}",
                                number=f"{i:03d}", delegation=delegation)
            for i in range(start, start + n)]


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


@pytest.fixture
def clerk(app):
    """A secretariat account for service calls (username "clerk")."""
    with app_db(app) as s:
        create_user(s, username="clerk", password="correct-horse", role="secretariat",
                    display_name="秘书处")


@pytest.fixture
def sitting(app, clerk):
    """(congress_id, session_id) of 哈尔滨市第十六届人民代表大会 第二次会议."""
    with app_db(app) as s:
        actor = user(s, "clerk")
        congress = services.create_congress(s, actor, name="哈尔滨市第十六届人民代表大会", term=16)
        session = services.create_session(s, actor, congress_id=congress.id, name="第二次会议",
                                          year=2023)
        return congress.id, session.id

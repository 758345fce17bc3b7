"""The pool's own fixture: a small year of projects in the reserve pool."""

from __future__ import annotations

import pytest

from tests.helpers import app_db, user
from tests.pool.helpers import values
from voting.pool import projects


@pytest.fixture
def pool_2024(app, clerk):
    """Ids of six 2024 projects, all in the reserve pool."""
    with app_db(app) as s:
        actor = user(s, "clerk")
        return [projects.create_project(s, actor, values(f"项目{i}", field="教育")).id
                for i in range(1, 7)]

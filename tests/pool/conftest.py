"""Fixtures for the pool: a clerk, and a small year of projects in the reserve pool."""

from __future__ import annotations

from datetime import date

import pytest

from tests.sessions.conftest import app_db, clerk, user  # noqa: F401
from voting.pool import services


def values(title: str, year: int = 2024, **kw) -> services.ProjectValues:
    return services.ProjectValues(title=title, year=year, **kw)


def screen(s, ids, *, stage="pool", direction="forward", year=2024, body="领导小组第二次会议"):
    """Record a round as the clerk; the chosen `ids` move."""
    return services.record_round(s, user(s, "clerk"), year=year, from_stage=stage,
                                 project_ids_advanced=ids, body=body,
                                 decided_on=date(2024, 1, 5), rationale="按群众呼声排序",
                                 direction=direction)


@pytest.fixture
def pool_2024(app, clerk):  # noqa: F811
    """Ids of six 2024 projects, all in the reserve pool."""
    with app_db(app) as s:
        actor = user(s, "clerk")
        return [services.create_project(s, actor, values(f"项目{i}", field="教育")).id
                for i in range(1, 7)]

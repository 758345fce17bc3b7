"""Helpers for the pool's tests: a project's values, and a screening round as the clerk."""

from __future__ import annotations

from datetime import date

from tests.helpers import user
from voting.pool import rounds
from voting.pool import values as values_svc


def values(title: str, year: int = 2024, **kw) -> values_svc.ProjectValues:
    return values_svc.ProjectValues(title=title, year=year, **kw)


def screen(s, ids, *, stage="pool", direction="forward", year=2024, body="领导小组第二次会议"):
    """Record a round as the clerk; the chosen `ids` move."""
    return rounds.record_round(s, user(s, "clerk"), year=year, from_stage=stage,
                               project_ids_advanced=ids, body=body,
                               decided_on=date(2024, 1, 5), rationale="按群众呼声排序",
                               direction=direction)

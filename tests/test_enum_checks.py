"""Each enum is written once, as a Python tuple; its CHECK constraint is generated from it
(voting.db.one_of), with the very text the migrations froze, so no migration is needed until
a tuple really changes."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import CheckConstraint

from voting import models  # noqa: F401  (every table on the metadata)
from voting.auth.models import ROLE_VALUES, User
from voting.db import Base, one_of
from voting.pool.models import (DIRECTIONS, ROUND_OUTCOMES, STAGES, SUBMITTER_KINDS,
                                SUGGESTION_STATUSES, UNIT_ROLES, Project, ProjectUnit,
                                RoundEntry, ScreeningRound, Suggestion)
from voting.tally.paper_models import FLAGS, TELLER_SLOTS, PaperEntry, PaperResolution

MIGRATIONS = Path(__file__).resolve().parent.parent / "voting" / "migrations" / "versions"


def _check(model, name: str) -> str:
    (ck,) = [c for c in model.__table__.constraints
             if isinstance(c, CheckConstraint) and c.name == f"ck_{model.__tablename__}_{name}"]
    return str(ck.sqltext)


def test_one_of_writes_the_sql_list():
    assert one_of("role", ("lead", "responsible")) == "role IN ('lead', 'responsible')"
    assert one_of("teller", (1, 2)) == "teller IN (1, 2)"
    assert one_of("x", ("it's",)) == "x IN ('it''s')"


@pytest.mark.parametrize("model, name, column, values", [
    (User, "role", "role", ROLE_VALUES),
    (Project, "stage", "stage", STAGES),
    (ProjectUnit, "role", "role", UNIT_ROLES),
    (Suggestion, "status", "status", SUGGESTION_STATUSES),
    (Suggestion, "submitter_kind", "submitter_kind", SUBMITTER_KINDS),
    (ScreeningRound, "direction", "direction", DIRECTIONS),
    (RoundEntry, "outcome", "outcome", ROUND_OUTCOMES),
    (PaperEntry, "teller", "teller", TELLER_SLOTS),
    (PaperResolution, "teller", "teller", TELLER_SLOTS),
])
def test_check_is_generated_from_the_tuple(model, name, column, values):
    assert one_of(column, values) in _check(model, name)


@pytest.mark.parametrize("model", [PaperEntry, PaperResolution])
def test_paper_flag_check_uses_the_flags(model):
    assert _check(model, "flag") == f"flag IS NULL OR {one_of('flag', FLAGS)}"


def test_every_enum_check_is_the_text_a_migration_created():
    """A tuple changed without a migration would leave the database on the old list."""
    frozen = "\n".join(p.read_text(encoding="utf-8") for p in MIGRATIONS.glob("*.py"))
    enum_checks = [(t.name, str(c.sqltext)) for t in Base.metadata.sorted_tables
                   for c in t.constraints
                   if isinstance(c, CheckConstraint) and " IN (" in str(c.sqltext)]
    assert len(enum_checks) >= 10
    missing = [(table, sql) for table, sql in enum_checks if sql not in frozen]
    assert missing == []

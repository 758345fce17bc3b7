"""Ballot secrecy by construction: the schema itself cannot link a ballot to a deputy."""

from __future__ import annotations

from sqlalchemy import Date, DateTime, Integer, Time

import voting.models  # noqa: F401  (every table on the metadata)
from voting.db import Base

IDENTIFYING = {"deputies", "users", "attendances", "token_issuances"}


def _neighbours(table) -> set[str]:
    """Tables one foreign key away, in either direction."""
    out = {fk.column.table.name for fk in table.foreign_keys}
    out |= {t.name for t in Base.metadata.tables.values()
            if any(fk.column.table is table for fk in t.foreign_keys)}
    return out


def _reachable_without_passing(start: str, blocked: set[str]) -> dict[str, list[str]]:
    """Every table reachable from `start` through foreign keys, with a path, never walking
    through a table in `blocked` (shared public tables such as polls are blocked: a path
    ballots → polls → token_issuances links a ballot to a poll, not to a person)."""
    tables = Base.metadata.tables
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        name = frontier.pop()
        for nxt in _neighbours(tables[name]):
            if nxt not in paths:
                paths[nxt] = paths[name] + [nxt]
                if nxt not in blocked:
                    frontier.append(nxt)
    return paths


def test_ballots_reference_only_their_poll():
    ballots = Base.metadata.tables["ballots"]
    assert {fk.column.table.name for fk in ballots.foreign_keys} == {"polls"}
    assert not any(fk.column.table is ballots for t in Base.metadata.tables.values()
                   for fk in t.foreign_keys)


def test_no_foreign_key_path_from_ballots_to_a_person():
    """Walk every foreign key from `ballots` (both directions) except through the poll, which
    every ballot and every token of the poll share: no identifying table is reached."""
    paths = _reachable_without_passing("ballots", blocked={"polls"})
    assert set(paths) == {"ballots", "polls"}
    # And beyond the poll nothing row-level leads back: polls → token_issuances exists, but
    # token_issuances has no column in common with ballots besides poll_id.
    tokens = Base.metadata.tables["token_issuances"]
    ballots = Base.metadata.tables["ballots"]
    shared = set(tokens.columns.keys()) & set(ballots.columns.keys())
    assert shared == {"id", "poll_id"}
    assert IDENTIFYING.isdisjoint(paths)


def test_ballots_have_no_time_and_no_sequence():
    ballots = Base.metadata.tables["ballots"]
    for column in ballots.columns:
        assert not isinstance(column.type, (DateTime, Date, Time)), column.name
        assert column.server_default is None and column.default is None, column.name
        assert not isinstance(column.type, Integer) or column.foreign_keys, column.name
    (key,) = ballots.primary_key.columns
    assert key.name == "id" and key.type.python_type is str and key.autoincrement is not True
    assert ballots.dialect_options["sqlite"]["with_rowid"] is False


def test_token_issuances_keep_no_time_either():
    tokens = Base.metadata.tables["token_issuances"]
    assert set(tokens.columns.keys()) == {"id", "poll_id", "deputy_id", "blinded_msg",
                                          "blind_sig"}

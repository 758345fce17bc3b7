"""Backup and restore through the documented commands, and the integrity check after a
restore: on SQLite (online backup) and PostgreSQL (pg_dump / pg_restore)."""

from __future__ import annotations

import secrets

from sqlalchemy import text

from tests.helpers import app_db
from tests.polls import closed_poll
from voting import db
from voting.ballots.models import Ballot


def _counted_poll(app, poll_key, sitting) -> int:
    return closed_poll(app, poll_key, sitting, [["c1", "c2"]] * 4 + [["c3"]] * 2, deputies=6,
                       publish=True)[0]


def _slip_in_a_ballot(app, poll_key, poll_id: int) -> None:
    from tests.polls import sign_ballot

    with app_db(app) as s:
        b = sign_ballot(poll_key, ["c5"])
        s.add(Ballot(id=secrets.token_hex(16), poll_id=poll_id, receipt=secrets.token_hex(16), **b))


def test_backup_restore_and_check(app, poll_key, sitting, tmp_path):
    poll_id = _counted_poll(app, poll_key, sitting)
    runner = app.test_cli_runner()
    dump = tmp_path / "voting.backup"
    r = runner.invoke(args=["db", "backup", str(dump)])
    assert r.exit_code == 0, r.output
    assert dump.stat().st_size > 0

    assert runner.invoke(args=["db", "check"]).exit_code == 0
    _slip_in_a_ballot(app, poll_key, poll_id)  # a ballot added after the count
    r = runner.invoke(args=["db", "check"])
    assert r.exit_code == 1 and f"poll {poll_id}: the board no longer hashes" in r.output

    with app.app_context():
        db.engine().dispose()
    r = runner.invoke(args=["db", "restore", str(dump), "--yes"])
    assert r.exit_code == 0, r.output
    assert "OK: audit chain intact" in r.output
    with app_db(app) as s:
        assert s.scalar(text("SELECT count(*) FROM ballots WHERE poll_id = :p"), {"p": poll_id}) == 6


def test_check_refuses_a_result_signed_by_a_key_the_installation_does_not_hold(
        app, poll_key, sitting, monkeypatch):
    """A restored copy cannot vouch for its own keys: they come from the instance folder."""
    poll_id = _counted_poll(app, poll_key, sitting)
    from voting.tally import keys

    runner = app.test_cli_runner()
    keys.rotate(app)  # the signing key is retired, not forgotten: still the installation's
    assert runner.invoke(args=["db", "check"]).exit_code == 0
    monkeypatch.setattr(keys, "all_keys", lambda _app: [])
    r = runner.invoke(args=["db", "check"])
    assert r.exit_code == 1 and f"poll {poll_id}: signed by a key" in r.output

import pytest

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from voting.audit.models import AuditEntry
from voting.audit.services import record, verify_chain


def _three_entries(dbs):
    record(dbs, "cli", "project.create", "project", 1, title="老旧小区改造项目")
    record(dbs, "cli", "round.create", "round", 1, moved=["1", "2"])
    record(dbs, "cli", "poll.open", "poll", 7)
    dbs.commit()


def test_chain_links_and_verifies(dbs):
    _three_entries(dbs)
    entries = dbs.query(AuditEntry).order_by(AuditEntry.seq).all()
    assert [e.seq for e in entries] == [1, 2, 3]
    assert entries[1].prev_hash == entries[0].hash and entries[2].prev_hash == entries[1].hash
    assert verify_chain(dbs).ok


def test_database_refuses_update_and_delete(dbs):
    _three_entries(dbs)
    with pytest.raises(DBAPIError):
        dbs.execute(text("UPDATE audit_entries SET actor = 'x' WHERE seq = 2"))
    dbs.rollback()
    with pytest.raises(DBAPIError):
        dbs.execute(text("DELETE FROM audit_entries WHERE seq = 2"))
    dbs.rollback()


def _drop_guard(dbs):
    """Simulate someone with direct database access removing the append-only guard."""
    if dbs.get_bind().dialect.name == "postgresql":
        dbs.execute(text("DROP TRIGGER audit_entries_no_change ON audit_entries"))
    else:
        dbs.execute(text("DROP TRIGGER audit_entries_no_update"))
        dbs.execute(text("DROP TRIGGER audit_entries_no_delete"))


def _restore_guard(dbs):
    from voting.audit.models import APPEND_ONLY_MESSAGE
    from voting.db import immutable_ddl

    for stmt in immutable_ddl("audit_entries", APPEND_ONLY_MESSAGE)[dbs.get_bind().dialect.name]:
        dbs.execute(text(stmt))
    dbs.commit()


@pytest.mark.parametrize("tamper, bad_seq", [
    ("UPDATE audit_entries SET actor = 'mallory' WHERE seq = 2", 2),
    ("DELETE FROM audit_entries WHERE seq = 2", 3),
])
def test_tampering_is_detected(app, dbs, tamper, bad_seq):
    _three_entries(dbs)
    _drop_guard(dbs)
    dbs.execute(text(tamper))
    dbs.commit()
    try:
        report = verify_chain(dbs)
        assert not report.ok and report.first_bad_seq == bad_seq
        result = app.test_cli_runner().invoke(args=["audit", "verify"])
        assert result.exit_code == 1 and f"在第 {bad_seq} 条处断裂" in result.output
    finally:
        _restore_guard(dbs)


def test_cli_verify_ok(app, dbs):
    _three_entries(dbs)
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "共 3 条记录，哈希链完整" in result.output


def test_public_log_page_and_json(client, dbs):
    _three_entries(dbs)
    page = client.get("/audit").get_data(as_text=True)
    assert "round.create" in page and "老旧小区改造项目" in page
    entries = client.get("/api/v1/audit").get_json()["entries"]
    assert [e["seq"] for e in entries] == [1, 2, 3]


def test_public_log_pages_through_every_entry(app, client):
    with app.app_context():
        from voting import db

        s = db.session()
        for i in range(51):
            record(s, "cli", "project.create", "project", i + 1)
        s.commit()
    first = client.get("/audit").get_data(as_text=True)
    assert "1 / 2" in first and 'href="/audit?page=2"' in first and "较早" in first
    second = client.get("/audit?page=2").get_data(as_text=True)
    assert "2 / 2" in second and 'href="/audit?page=1"' in second and "较新" in second


def test_a_cut_after_a_signed_count_is_named(app, dbs, poll_key, sitting):
    """The tally's entry is anchored by the signed result (audit_head): deleting the last
    three entries (the one before the tally, the tally, the publication) is a named cut."""
    from tests.helpers import app_db, user
    from tests.polls import cast, poll_in_database, roster
    from voting.tally import services

    congress_id, session_id = sitting
    with app_db(app) as s:
        poll = poll_in_database(s, poll_key, session_id)
        roster(s, congress_id, session_id, 4, poll=poll)
        cast(s, poll_key, poll, [["c1"]] * 4)
        doc = services.tally_poll(s, user(s, "clerk"), poll.id, app.instance_path).document
        services.publish_poll(s, user(s, "clerk"), poll.id)
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["audit", "verify"])
    assert ok.exit_code == 0 and "哈希链完整" in ok.output
    assert f"最新一份锚定第 {doc['audit_seq']} 条" in ok.output
    last = dbs.scalar(text("SELECT max(seq) FROM audit_entries"))
    assert doc["audit_seq"] == last - 1  # the tally, then the publication
    _drop_guard(dbs)
    dbs.execute(text(f"DELETE FROM audit_entries WHERE seq > {last - 3}"))
    dbs.commit()
    try:
        assert verify_chain(dbs).ok  # what is left still chains…
        cut = runner.invoke(args=["audit", "verify"])
        assert cut.exit_code == 1 and "哈希链完整" not in cut.output
        assert (f"锚定第 {doc['audit_seq']} 条记录（{doc['audit_head']}），但日志止于第 {last - 3} "
                "条") in cut.output  # …but no longer holds the anchored entry
    finally:
        _restore_guard(dbs)

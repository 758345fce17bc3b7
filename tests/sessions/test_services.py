"""The session services other domains rely on: quorum, check-in, the roster."""

import pytest
from sqlalchemy import func, inspect, select

from tests.helpers import HASH, add_deputies, app_db, user
from voting.audit.models import AuditEntry
from voting.auth.services import authenticate
from voting.errors import Conflict, Forbidden, Invalid
from voting.sessions import attendance, congresses
from voting.auth import credentials
from voting.sessions import roster
from voting.sessions.models import Attendance


def _audit(s, action):
    return s.scalars(select(AuditEntry).where(AuditEntry.action == action)
                     .order_by(AuditEntry.seq)).all()


def test_quorum_is_at_least_two_thirds_of_the_roster(app, sitting):
    """三分之二以上 includes two thirds itself: 20 of 30 sit, 19 do not."""
    congress_id, session_id = sitting
    with app_db(app) as s:
        clerk = user(s, "clerk")
        deputies = [d for d, _ in add_deputies(s, clerk, congress_id, 30)]
        session = congresses.get_session(s, session_id)
        for d in deputies[:19]:
            attendance.check_in(s, clerk, session_id=session_id, deputy_id=d.id, by_desk=True)
        q = attendance.quorum(s, session)
        assert (q.expected, q.present, q.required, q.met) == (30, 19, 20, False)
        attendance.check_in(s, clerk, session_id=session_id, deputy_id=deputies[19].id,
                            by_desk=True)
        assert attendance.quorum(s, session) == attendance.Quorum(expected=30, present=20,
                                                                  required=20, met=True)
        assert attendance.roster_count(s, congress_id) == 30


@pytest.mark.parametrize("expected, present, required, met", [
    (9, 6, 6, True), (9, 5, 6, False), (3, 2, 2, True), (3, 1, 2, False), (0, 0, 0, True),
    (10, 7, 7, True), (10, 6, 7, False)])
def test_quorum_two_thirds_exactly_is_a_quorum(app, clerk, expected, present, required, met):
    with app_db(app) as s:
        actor = user(s, "clerk")
        congress = congresses.create_congress(s, actor, name="某区人大", term=1)
        session = congresses.create_session(s, actor, congress_id=congress.id, name="第一次会议",
                                            year=2024)
        for d, _ in add_deputies(s, actor, congress.id, expected)[:present]:
            attendance.check_in(s, actor, session_id=session.id, deputy_id=d.id, by_desk=True)
        q = attendance.quorum(s, session)
        assert (q.expected, q.present, q.required, q.met) == (expected, present, required, met)
        assert q.met == (3 * present >= 2 * expected)


@pytest.mark.parametrize("expected, num, den, required", [
    (0, 2, 3, 0), (1, 2, 3, 1), (3, 2, 3, 2), (9, 2, 3, 6), (31, 2, 3, 21), (10, 1, 2, 5),
    (11, 1, 2, 6), (7, 3, 4, 6)])
def test_quorum_required_is_the_fewest_reaching_the_fraction(app, clerk, expected, num, den,
                                                             required):
    with app_db(app) as s:
        actor = user(s, "clerk")
        congress = congresses.create_congress(s, actor, name="某区人大", term=1)
        session = congresses.create_session(s, actor, congress_id=congress.id, name="第一次会议",
                                            year=2024, quorum_numerator=num,
                                            quorum_denominator=den)
        add_deputies(s, actor, congress.id, expected)
        q = attendance.quorum(s, session)
        assert q.required == required
        assert q.required * den >= expected * num
        assert required == 0 or (q.required - 1) * den < expected * num


def test_deactivated_deputies_leave_the_quorum(app, sitting):
    congress_id, session_id = sitting
    with app_db(app) as s:
        clerk = user(s, "clerk")
        (a, _), (b, _), (c, _) = add_deputies(s, clerk, congress_id, 3)
        for d in (a, b):
            attendance.check_in(s, clerk, session_id=session_id, deputy_id=d.id, by_desk=True)
        roster.set_deputy_active(s, clerk, deputy_id=b.id, active=False)
        q = attendance.quorum(s, congresses.get_session(s, session_id))
        assert (q.expected, q.present) == (2, 1)
        assert not attendance.is_checked_in(s, session_id, b.id)
        assert attendance.is_checked_in(s, session_id, a.id)
        assert not attendance.is_checked_in(s, session_id, c.id)


def test_check_in_is_idempotent(app, sitting):
    congress_id, session_id = sitting
    with app_db(app) as s:
        clerk = user(s, "clerk")
        (d, _), = add_deputies(s, clerk, congress_id, 1)
        first = attendance.check_in(s, clerk, session_id=session_id, deputy_id=d.id, by_desk=True)
        again = attendance.check_in(s, d.user, session_id=session_id, deputy_id=d.id, by_desk=False)
        assert again.id == first.id and again.by_desk
        assert s.scalar(select(func.count(Attendance.id))) == 1
        entries = _audit(s, "attendance.check_in")
        assert len(entries) == 1 and entries[0].actor == "clerk"
        assert entries[0].details["by_desk"] is True


def test_inactive_deputy_cannot_check_in(app, sitting):
    congress_id, session_id = sitting
    with app_db(app) as s:
        clerk = user(s, "clerk")
        (d, _), = add_deputies(s, clerk, congress_id, 1)
        roster.set_deputy_active(s, clerk, deputy_id=d.id, active=False)
        with pytest.raises(Forbidden):
            attendance.check_in(s, clerk, session_id=session_id, deputy_id=d.id, by_desk=True)
        assert s.scalar(select(func.count(Attendance.id))) == 0


def test_deputy_of_another_congress_cannot_check_in(app, sitting):
    _, session_id = sitting
    with app_db(app) as s:
        clerk = user(s, "clerk")
        other = congresses.create_congress(s, clerk, name="哈尔滨市第十五届人民代表大会", term=15)
        (d, _), = add_deputies(s, clerk, other.id, 1)
        with pytest.raises(Forbidden):
            attendance.check_in(s, clerk, session_id=session_id, deputy_id=d.id, by_desk=True)


def test_a_deputy_checks_in_only_themselves(app, sitting):
    congress_id, session_id = sitting
    with app_db(app) as s:
        clerk = user(s, "clerk")
        (a, _), (b, _) = add_deputies(s, clerk, congress_id, 2)
        with pytest.raises(Forbidden):
            attendance.check_in(s, a.user, session_id=session_id, deputy_id=b.id, by_desk=False)
        attendance.check_in(s, a.user, session_id=session_id, deputy_id=a.id, by_desk=False)
        assert _audit(s, "attendance.check_in")[0].actor == a.user.username


def test_attendance_knows_nothing_of_ballots(app):
    """Check-in may be public knowledge; it must not be joinable to a ballot."""
    with app_db(app) as s:
        columns = {c["name"] for c in inspect(s.get_bind()).get_columns("attendances")}
        foreign = inspect(s.get_bind()).get_foreign_keys("attendances")
    assert columns == {"id", "session_id", "deputy_id", "checked_in_at", "by_desk"}
    assert {fk["referred_table"] for fk in foreign} == {"congress_sessions", "deputies"}


def test_add_deputy_makes_a_deputy_account_with_a_readable_password(app, sitting):
    congress_id, _ = sitting
    with app_db(app) as s:
        clerk = user(s, "clerk")
        deputy, password = roster.add_deputy(s, clerk, hash_method=HASH, congress_id=congress_id, name=" 张三 ",
                                                number="A-001", delegation="道里区代表团")
        assert len(password) == 10 and set(password) <= set(credentials.PASSWORD_ALPHABET)
        assert not set(password) & set("il1o0O")
        assert deputy.name == "张三" and deputy.delegation.name == "道里区代表团"
        assert deputy.user.username == "da001" and deputy.user.role == "deputy"
        assert password not in deputy.user.password_hash
        assert authenticate(s, "da001", password, method=HASH).id == deputy.user_id
        assert attendance.deputy_for_user(s, deputy.user_id, congress_id).id == deputy.id
        entry, = _audit(s, "deputy.add")
        assert entry.details["number"] == "A-001" and password not in str(entry.details)


def test_add_deputy_with_given_username_and_password(app, sitting):
    congress_id, _ = sitting
    with app_db(app) as s:
        clerk = user(s, "clerk")
        deputy, password = roster.add_deputy(s, clerk, hash_method=HASH, congress_id=congress_id, name="李四",
                                                number="002", delegation=None,
                                                username="lisi", password="long-enough")
        assert password == "long-enough" and deputy.delegation is None
        assert authenticate(s, "lisi", "long-enough", method=HASH) is not None
        with pytest.raises(Invalid) as exc:
            roster.add_deputy(s, clerk, hash_method=HASH, congress_id=congress_id, name="王五", number="003",
                              delegation=None, password="short")
        assert exc.value.field == "password"
        with pytest.raises(Invalid) as exc:
            roster.add_deputy(s, clerk, hash_method=HASH, congress_id=congress_id, name="王五", number="003",
                              delegation=None, username="有 空格")
        assert exc.value.field == "username"


def test_numbers_are_unique_within_a_congress_and_usernames_everywhere(app, sitting):
    congress_id, _ = sitting
    with app_db(app) as s:
        clerk = user(s, "clerk")
        add_deputies(s, clerk, congress_id, 1)
        with pytest.raises(Conflict) as exc:
            roster.add_deputy(s, clerk, hash_method=HASH, congress_id=congress_id, name="另一人", number="001",
                              delegation=None)
        assert exc.value.field == "number"
        with pytest.raises(Conflict) as exc:
            roster.add_deputy(s, clerk, hash_method=HASH, congress_id=congress_id, name="另一人", number="009",
                              delegation=None, username="d001")
        assert exc.value.field == "username"
        other = congresses.create_congress(s, clerk, name="哈尔滨市第十七届人民代表大会", term=17)
        deputy, _ = roster.add_deputy(s, clerk, hash_method=HASH, congress_id=other.id, name="另一人",
                                      number="001", delegation=None)
        assert deputy.user.username == "d001-2"


def test_congress_and_session_names_are_unique(app, sitting):
    congress_id, _ = sitting
    with app_db(app) as s:
        clerk = user(s, "clerk")
        with pytest.raises(Conflict):
            congresses.create_congress(s, clerk, name="哈尔滨市第十六届人民代表大会", term=16)
        with pytest.raises(Conflict):
            congresses.create_session(s, clerk, congress_id=congress_id, name="第二次会议", year=2023)
        with pytest.raises(Invalid):
            congresses.create_session(s, clerk, congress_id=congress_id, name="第三次会议",
                                      year=2024, quorum_numerator=4, quorum_denominator=3)
        with pytest.raises(Invalid):
            congresses.create_congress(s, clerk, name="  ", term=None)


def test_update_deputy_is_audited_and_keeps_numbers_unique(app, sitting):
    congress_id, _ = sitting
    with app_db(app) as s:
        clerk = user(s, "clerk")
        (a, _), (b, _) = add_deputies(s, clerk, congress_id, 2)
        with pytest.raises(Conflict):
            roster.update_deputy(s, clerk, deputy_id=b.id, name=b.name, number="001",
                                 delegation=None)
        roster.update_deputy(s, clerk, deputy_id=a.id, name="张三", number="001",
                             delegation="南岗区代表团")
        assert a.user.display_name == "张三" and a.delegation.name == "南岗区代表团"
        entry, = _audit(s, "deputy.update")
        assert entry.details["changes"] == {"name": ["代表001", "张三"],
                                            "delegation": ["道里区代表团", "南岗区代表团"]}


def test_delegation_counts(app, sitting):
    congress_id, session_id = sitting
    with app_db(app) as s:
        clerk = user(s, "clerk")
        daoli = add_deputies(s, clerk, congress_id, 3, delegation="道里区代表团")
        add_deputies(s, clerk, congress_id, 2, start=10, delegation="南岗区代表团")
        add_deputies(s, clerk, congress_id, 1, start=20, delegation=None)
        attendance.check_in(s, clerk, session_id=session_id, deputy_id=daoli[0][0].id, by_desk=True)
        counts = attendance.delegation_counts(s, congresses.get_session(s, session_id))
    assert [(c.name, c.expected, c.present) for c in counts] == [
        ("南岗区代表团", 2, 0), ("道里区代表团", 3, 1), (None, 1, 0)]

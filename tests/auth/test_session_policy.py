"""Login-session services take their policy as an argument (the edge reads the config), so
they run without an app context and never fall back to a hidden setting."""

from __future__ import annotations

from datetime import timedelta

import pytest

from voting.auth.models import User
from voting.auth.services import SessionPolicy, load_user, start_session
from voting.db import utcnow

MINUTE = timedelta(minutes=1)
SHORT = SessionPolicy(idle=MINUTE, deputy_idle=MINUTE, max_age=timedelta(hours=1),
                      touch=timedelta(seconds=1), deputy_touch=timedelta(seconds=1))


def test_sessions_follow_the_policy_passed_outside_any_app_context(app, make_user):
    user_id = make_user("clerk")
    s = app.extensions["db_sessionmaker"]()  # no app context pushed: no current_app to read
    try:
        now = utcnow()
        session_id = start_session(s, s.get(User, user_id), policy=SHORT, now=now)
        assert load_user(s, session_id, policy=SHORT, now=now + MINUTE / 2).id == user_id
        assert load_user(s, session_id, policy=SHORT, now=now + 2 * MINUTE) is None
    finally:
        s.rollback()
        s.close()


@pytest.mark.parametrize("service", [start_session, load_user])
def test_the_policy_is_a_required_argument(service):
    with pytest.raises(TypeError, match="policy"):
        service(None, None)

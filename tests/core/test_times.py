"""Every page shows a time in one zone (the configured one, Beijing time) and names it."""

import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from tests.helpers import HASH, app_db
from voting.i18n import local_time_text

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
MOMENT = datetime(2023, 1, 12, 1, 30, tzinfo=timezone.utc)  # 09:30 in Beijing


def test_a_time_is_shown_in_beijing_time_and_says_so(app):
    with app.test_request_context("/"):
        assert local_time_text(MOMENT) == "2023-01-12 09:30（北京时间）"
        assert local_time_text("2023-01-12T17:05:00Z") == "2023-01-13 01:05（北京时间）"
    with app.test_request_context("/?lang=en"):
        assert local_time_text(MOMENT) == "2023-01-12 09:30 (Beijing time)"


def test_the_zone_is_the_configured_one(tmp_path):
    from voting import create_app

    app = create_app("test", instance_path=str(tmp_path), BABEL_DEFAULT_TIMEZONE="UTC",
                     DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with app.test_request_context("/?lang=en"):
        assert local_time_text(MOMENT) == "2023-01-12 01:30 (UTC)"


def test_no_template_formats_a_time_by_itself():
    """One filter (`localtime`) for every time: no strftime, no Babel datetimeformat without
    the zone's name, no hard-coded UTC."""
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"strftime\(|datetimeformat|\bUTC\b|_at\.isoformat\(\)|created\[:", line):
                offenders.append(f"{path.relative_to(TEMPLATES)}:{n}")
    assert not offenders, offenders


@pytest.fixture
def fixed_audit_time(monkeypatch):
    import voting.audit.services as audit

    monkeypatch.setattr(audit, "utcnow", lambda: MOMENT)


def test_audit_page_shows_beijing_time(app, client, fixed_audit_time):
    from voting.audit.services import record

    with app_db(app) as s:
        record(s, "cli", "poll.open", "poll", 1)
    html = client.get("/audit").get_data(as_text=True)
    assert '<time datetime="2023-01-12T09:30:00+08:00">2023-01-12 09:30（北京时间）</time>' in html
    assert "2023-01-12 09:30 (Beijing time)" in client.get("/audit?lang=en").get_data(as_text=True)


def test_moderation_queue_shows_beijing_time_not_utc(app, client, secretariat):
    from voting.pool import suggestions
    from voting.pool.models import Suggestion

    with app_db(app) as s:
        sg = suggestions.submit_suggestion(s, submitter_kind="public", title="老旧小区加装电梯",
                                           body="六层以上的楼", submitter_name="", submitter_contact="")
        s.flush()
        s.get(Suggestion, sg.id).created_at = MOMENT
    html = client.get("/pool/manage/suggestions").get_data(as_text=True)
    assert "2023-01-12 09:30（北京时间）" in html
    assert "UTC" not in html and "01:30" not in html


def test_recorded_round_shows_beijing_time(app, client):
    from datetime import date

    from sqlalchemy import event

    from tests.helpers import user
    from voting.auth.services import create_user
    from voting.pool import models, projects, rounds, values

    def stamp(_mapper, _conn, target):  # the round is written at MOMENT
        target.created_at = MOMENT

    event.listen(models.ScreeningRound, "before_insert", stamp)
    try:
        with app_db(app) as s:
            actor = create_user(s, hash_method=HASH, username="clerk", password="correct-horse",
                                role="secretariat", display_name="秘书处")
            ids = [projects.create_project(s, actor, values.ProjectValues(title=t, year=2024)).id
                   for t in ("项目1", "项目2")]
            rounds.record_round(s, user(s, "clerk"), year=2024, from_stage="pool",
                                project_ids_advanced=ids[:1], body="领导小组第二次会议",
                                decided_on=date(2024, 1, 5), rationale="按群众呼声排序")
    finally:
        event.remove(models.ScreeningRound, "before_insert", stamp)
    html = client.get("/pool/?year=2024").get_data(as_text=True)
    assert "2023-01-12 09:30（北京时间）" in html and "UTC" not in html

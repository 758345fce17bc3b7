"""Public suggestions: anyone may send one, it is rate limited, and nothing is shown publicly
before the secretariat moderates it; a suggestion can be merged into a project."""

import pytest
from sqlalchemy import select

from tests.helpers import app_db, csrf_of, user
from tests.pool.helpers import values
from voting.errors import Conflict, Invalid
from voting.pool import suggestions
from voting.pool.models import Project, Suggestion


def _suggest(client, title="松花江畔增设步道", body="道里区多个小区老人上下楼困难", **extra):
    token = csrf_of(client.get("/pool/suggest").get_data(as_text=True))
    data = {"csrf_token": token, "submitter_kind": "public", "title": title, "body": body}
    data.update(extra)
    return client.post("/pool/suggest", data=data)


def test_a_suggestion_is_received_but_not_shown_until_approved(app, client, clerk):
    r = _suggest(client, submitter_contact="13800000000")
    assert r.status_code == 302
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "秘书处审核每一条建议后，才会在此公开" in page
    assert "松花江畔增设步道" not in page  # pending: not public
    with app_db(app) as s:
        sg = s.scalar(select(Suggestion))
        assert (sg.status, sg.submitter_contact) == ("pending", "13800000000")
        suggestions.moderate_suggestion(s, user(s, "clerk"), sg.id, approve=True, note="")
    page = client.get("/pool/suggest").get_data(as_text=True)
    assert "松花江畔增设步道" in page
    assert "13800000000" not in page  # contact details are never published


def test_rejected_suggestions_stay_hidden_and_need_a_reason(app, client, clerk):
    _suggest(client, title="无关建议")
    with app_db(app) as s:
        sg_id = s.scalar(select(Suggestion.id))
        with pytest.raises(Invalid) as exc:
            suggestions.moderate_suggestion(s, user(s, "clerk"), sg_id, approve=False, note="")
        assert exc.value.field == "note"
        suggestions.moderate_suggestion(s, user(s, "clerk"), sg_id, approve=False,
                                        note="不属于民生项目")
        with pytest.raises(Conflict):
            suggestions.moderate_suggestion(s, user(s, "clerk"), sg_id, approve=True)
    assert "无关建议" not in client.get("/pool/suggest").get_data(as_text=True)


def test_bad_suggestion_keeps_what_was_typed(client):
    r = _suggest(client, title="", body="我写了很长的理由")
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert "我写了很长的理由" in html and 'aria-invalid="true"' in html


def test_suggestions_are_rate_limited(app, client):
    app.config["SUGGESTION_RATE_LIMIT"] = "2 per hour"
    assert [_suggest(client, title=f"建议{i}").status_code for i in range(2)] == [302, 302]
    refused = _suggest(client, title="建议2", body="我写了很长的理由，不能丢")
    assert refused.status_code == 429
    html = refused.get_data(as_text=True)
    assert "您的文字保留在下方" in html and "我写了很长的理由，不能丢" in html
    with app_db(app) as s:
        assert len(s.scalars(select(Suggestion)).all()) == 2


def test_merge_into_a_new_or_an_existing_project(app, client, clerk, pool_2024):
    _suggest(client, title="甲")
    _suggest(client, title="乙")
    with app_db(app) as s:
        first, second = s.scalars(select(Suggestion).order_by(Suggestion.id)).all()
        actor = user(s, "clerk")
        created = suggestions.merge_suggestion(s, actor, first.id,
                                               new_project=values("甲项目", year=2025))
        assert (created.stage, created.year) == ("pool", 2025)
        existing = suggestions.merge_suggestion(s, actor, second.id, project_id=pool_2024[0],
                                                note="与项目1相同")
        assert existing.id == pool_2024[0]
        with pytest.raises(Conflict):
            suggestions.merge_suggestion(s, actor, first.id, project_id=pool_2024[0])
    with app_db(app) as s:
        assert [x.title for x in s.get(Project, pool_2024[0]).suggestions] == ["乙"]
        assert s.get(Suggestion, first.id).status == "merged"
    page = client.get(f"/pool/projects/{pool_2024[0]}").get_data(as_text=True)
    assert "本项目来源的建议" in page and "乙" in page

"""Published announcements served from memory (voting.core.page_cache): what every anonymous
reader gets, never what a signed-in user, another language or another host would get, and
never a page that can still change."""

from __future__ import annotations

import pytest

from tests.helpers import app_db, user
from tests.polls import cast, closed_poll, poll_in_database, roster
from voting.ballots.models import Poll, PollKey, TokenIssuance
from voting.crypto import blind_rsa
from voting.tally import announcement as announcements, services

TIE = [["c1", "c2"]] * 3 + [["c1", "c3"]] * 3 + [["c2", "c3"]] * 2


def _published(app, poll_key, sitting, ballots, **poll):
    return closed_poll(app, poll_key, sitting, ballots, publish=True, **poll)


@pytest.fixture
def renders(monkeypatch):
    """How many times the announcement was built from the database."""
    calls = []
    real = announcements.announcement

    def counting(db, poll_id):
        calls.append(poll_id)
        return real(db, poll_id)

    monkeypatch.setattr(announcements, "announcement", counting)
    return calls


@pytest.fixture
def settled(app, poll_key, sitting):
    poll_id, _ = _published(app, poll_key, sitting, [["c1", "c2"]] * 7)
    return poll_id


def test_a_settled_announcement_is_rendered_once_and_served_the_same(app, settled, renders):
    reader, other = app.test_client(), app.test_client()
    first = reader.get(f"/results/{settled}")
    second = other.get(f"/results/{settled}")
    assert first.status_code == second.status_code == 200
    assert renders == [settled]
    assert first.data == second.data and "计票结果公告" in second.get_data(as_text=True)
    for header in ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy",
                   "X-Frame-Options", "Content-Type"):
        assert second.headers[header] == first.headers[header]
    assert second.headers["ETag"] == first.headers["ETag"]
    assert "public" in second.headers["Cache-Control"] and second.headers["Vary"] == "Cookie"
    assert "Set-Cookie" not in second.headers
    assert 'name="csrf-token"' not in second.get_data(as_text=True)  # no visitor's token


def test_a_revalidation_and_a_head_answer_from_memory(app, settled, renders):
    client = app.test_client()
    etag = client.get(f"/results/{settled}").headers["ETag"]
    again = client.get(f"/results/{settled}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    head = client.head(f"/results/{settled}")
    assert head.status_code == 200 and head.data == b"" and head.headers["ETag"] == etag
    assert len(renders) == 1


def test_a_visitor_who_opened_a_form_still_gets_the_shared_page(app, settled, renders):
    client = app.test_client()
    client.get("/login")  # a CSRF token in the session, nothing else
    html = client.get(f"/results/{settled}").get_data(as_text=True)
    fresh = app.test_client().get(f"/results/{settled}")
    assert len(renders) == 1 and 'name="csrf-token"' not in html
    assert "Set-Cookie" not in fresh.headers  # the first visitor's cookie stayed theirs


def test_a_signed_in_user_gets_their_own_page(app, client, secretariat, settled, renders):
    app.test_client().get(f"/results/{settled}")  # shared now
    html = client.get(f"/results/{settled}").get_data(as_text=True)
    assert len(renders) == 2
    assert "退出" in html and 'name="csrf-token"' in html  # their name, their sign-out, a token


def test_another_language_is_not_served_the_chinese_page(app, settled, renders):
    app.test_client().get(f"/results/{settled}")
    english = app.test_client()
    english.get("/lang/en")
    page = english.get(f"/results/{settled}").get_data(as_text=True)
    assert "Announcement of the result" in page and len(renders) == 2


def test_the_host_is_part_of_the_key(app, settled):
    """The page quotes its own address in the verifier's command line: a request naming
    another host must not plant that name in every reader's page."""
    app.test_client().get(f"/results/{settled}", headers={"Host": "evil.example"})
    html = app.test_client().get(f"/results/{settled}").get_data(as_text=True)
    assert "evil.example" not in html and "http://localhost" in html


def test_a_query_string_is_rendered_as_usual(app, settled, renders):
    client = app.test_client()
    client.get(f"/results/{settled}?x=1")
    client.get(f"/results/{settled}?x=1")
    assert len(renders) == 2


def test_an_announcement_awaiting_its_runoff_is_never_kept(app, poll_key, sitting, renders):
    poll_id, deputies = _published(app, poll_key, sitting, TIE, threshold_base="cast")
    reader = app.test_client()
    before = reader.get(f"/results/{poll_id}").get_data(as_text=True)
    assert before.count('class="tally-round"') == 1 and 'name="csrf-token"' in before
    with app_db(app) as s:
        clerk = user(s, "clerk")
        runoff_id = services.open_runoff(s, clerk, poll_id, key_bits=2048).id
        key = blind_rsa.load_private_key(s.get(PollKey, runoff_id).private_key_pem)
        for d in deputies[:5]:
            s.add(TokenIssuance(poll_id=runoff_id, deputy_id=d, blinded_msg=b"x", blind_sig=b"y"))
        runoff = s.get(Poll, runoff_id)
        runoff.status = "closed"
        cast(s, key, runoff, [["c3"]] * 4 + [["c2"]])
        services.tally_poll(s, clerk, runoff_id, app.instance_path)
        services.publish_poll(s, clerk, runoff_id)
    after = reader.get(f"/results/{poll_id}").get_data(as_text=True)
    assert after.count('class="tally-round"') == 2  # the runoff shows at once
    assert len(renders) == 2
    reader.get(f"/results/{poll_id}")
    assert len(renders) == 2  # settled now: kept


def test_an_unpublished_result_is_refused_and_not_kept(app, poll_key, sitting, renders):
    congress_id, session_id = sitting
    with app_db(app) as s:
        p = poll_in_database(s, poll_key, session_id)
        roster(s, congress_id, session_id, 10, poll=p)
        cast(s, poll_key, p, [["c1"]] * 7)
        services.tally_poll(s, user(s, "clerk"), p.id, app.instance_path)
        poll_id = p.id
    assert app.test_client().get(f"/results/{poll_id}").status_code == 409  # not yet public
    with app_db(app) as s:
        services.publish_poll(s, user(s, "clerk"), poll_id)
    assert app.test_client().get(f"/results/{poll_id}").status_code == 200


def test_the_cache_is_bounded(app, settled):
    cache = app.wsgi_app
    cache.max_entries = 2
    for host in ("a.example", "b.example", "c.example"):
        app.test_client().get(f"/results/{settled}", headers={"Host": host})
    assert [k[1] for k in cache.entries] == ["b.example", "c.example"]


def test_a_setting_turns_it_off(tmp_path):
    from voting import create_app
    from voting.core.page_cache import PageCache

    app = create_app("test", instance_path=str(tmp_path / "i"), PAGE_CACHE=False,
                     DATABASE_URL=f"sqlite:///{tmp_path}/x.sqlite3")
    assert not isinstance(app.wsgi_app, PageCache)


@pytest.fixture
def live_app(app):
    app.config["PAGE_CACHE_LIVE_SECONDS"] = 30
    return app


def _project(app):
    from tests.polls import add_candidates

    with app_db(app) as s:
        project = add_candidates(s, year=2025, n=1)[0]
        project.stage = "selected"
        return project.id


def test_a_live_page_is_kept_its_seconds_and_then_rendered_again(live_app, monkeypatch):
    from voting.core import page_cache

    project_id = _project(live_app)
    now = [1000.0]
    monkeypatch.setattr(page_cache.time, "monotonic", lambda: now[0])
    first = live_app.test_client().get(f"/projects/{project_id}")
    assert first.status_code == 200 and first.headers["Cache-Control"] == "public, max-age=30"
    with app_db(live_app) as s:
        from voting.pool.models import Project

        s.get(Project, project_id).title = "改过的标题"
    now[0] += 29
    assert "改过的标题" not in live_app.test_client().get(f"/projects/{project_id}").get_data(
        as_text=True)  # a reader may get the page up to 30 s old
    now[0] += 2
    assert "改过的标题" in live_app.test_client().get(f"/projects/{project_id}").get_data(
        as_text=True)


def test_live_pages_are_rendered_each_time_when_the_setting_is_zero(app):
    project_id = _project(app)
    first = app.test_client().get(f"/projects/{project_id}")
    assert "ETag" not in first.headers and 'name="csrf-token"' in first.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/", "/years/"])
def test_the_home_page_and_the_years_are_live_pages(live_app, path):
    first = live_app.test_client().get(path)
    second = live_app.test_client().get(path)
    assert first.status_code == 200 and second.headers["ETag"] == first.headers["ETag"]
    assert second.headers["Cache-Control"] == "public, max-age=30"


def test_a_published_board_and_result_are_shared_and_an_unpublished_one_is_not(
        app, poll_key, sitting):
    congress_id, session_id = sitting
    with app_db(app) as s:
        p = poll_in_database(s, poll_key, session_id)
        roster(s, congress_id, session_id, 10, poll=p)
        cast(s, poll_key, p, [["c1", "c2"]] * 7)
        poll_id = p.id
    closed = app.test_client().get(f"/api/v1/polls/{poll_id}/ballots")
    assert closed.status_code == 200 and "ETag" not in closed.headers  # not published yet: not kept
    with app_db(app) as s:
        services.tally_poll(s, user(s, "clerk"), poll_id, app.instance_path)
        services.publish_poll(s, user(s, "clerk"), poll_id)
    for path in (f"/api/v1/polls/{poll_id}/ballots", f"/api/v1/polls/{poll_id}/result",
                 f"/polls/{poll_id}/board"):
        first, second = app.test_client().get(path), app.test_client().get(path)
        assert first.status_code == 200 and second.headers["ETag"] == first.headers["ETag"]
        assert second.data == first.data
    assert len(app.test_client().get(f"/api/v1/polls/{poll_id}/ballots").get_json()["ballots"]) == 7


def test_the_bytes_kept_are_bounded(app, settled, monkeypatch):
    from voting.core import page_cache

    size = len(app.test_client().get(f"/results/{settled}").data)
    monkeypatch.setattr(page_cache, "MAX_TOTAL_BYTES", 2 * size + 100)
    for host in ("a.example", "b.example", "c.example"):
        app.test_client().get(f"/results/{settled}", headers={"Host": host})
    cache = app.wsgi_app
    assert len(cache.entries) == 2 and cache.size == sum(len(e.body) for e in cache.entries.values())

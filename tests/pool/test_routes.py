"""Pages: the public funnel and project pages, staff-only management, CSRF, and recording a
screening round through the two-step form."""

import pytest
from sqlalchemy import select

from tests.helpers import app_db, csrf_of, login
from tests.pool.helpers import screen
from voting.pool.models import Project, ScreeningRound, Suggestion

STAFF_PAGES = ["/pool/manage", "/pool/manage/suggestions", "/pool/manage/import/projects",
               "/pool/manage/projects/new", "/pool/manage/rounds/new",
               "/pool/manage/export/projects.csv"]


@pytest.mark.parametrize("url", STAFF_PAGES)
def test_the_public_cannot_manage(client, url):
    r = client.get(url)
    assert r.status_code == 302 and "/login" in r.headers["Location"]


@pytest.mark.parametrize("url", STAFF_PAGES)
def test_a_deputy_cannot_manage(client, make_user, url):
    make_user("deputy1", "deputy")
    login(client, "deputy1")
    assert client.get(url).status_code == 403


def test_posts_without_csrf_token_are_refused(app, client, secretariat, pool_2024):
    r = client.post("/pool/manage/rounds/new?year=2024",
                    data={"body": "x", "decided_on": "2024-01-01", "rationale": "y",
                          "project_id": pool_2024[0], "confirmed": "yes"})
    assert r.status_code == 400 and "安全令牌" in r.get_data(as_text=True)
    assert client.post("/pool/suggest", data={"title": "x", "body": "y"}).status_code == 400
    with app_db(app) as s:
        assert s.scalar(select(ScreeningRound.id)) is None


def test_record_a_round_check_then_confirm(app, client, secretariat, pool_2024):
    url = "/pool/manage/rounds/new?year=2024&move=forward:pool"
    page = client.get(url).get_data(as_text=True)
    assert page.count('type="checkbox" name="project_id"') == 6
    form = {"csrf_token": csrf_of(page), "body": "领导小组第二次会议", "decided_on": "2024-01-05",
            "rationale": "经研究选定", "project_id": pool_2024[:2]}
    r = client.post(url, data=form)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "6 个项目中有 2 个由“储备库”进入“备选项目”，4 个留下" in html
    with app_db(app) as s:
        assert s.scalar(select(ScreeningRound.id)) is None  # checked, not yet recorded
    r = client.post(url, data={**form, "confirmed": "yes"})
    assert r.status_code == 302 and "/pool/?year=2024#round-" in r.headers["Location"]
    with app_db(app) as s:
        assert [p.stage for p in s.scalars(select(Project).order_by(Project.id))] == [
            "alternative"] * 2 + ["pool"] * 4
    funnel = client.get("/pool/?year=2024").get_data(as_text=True)
    assert 'data-count="pool">6<' in funnel and 'data-count="alternative">2<' in funnel
    assert "领导小组第二次会议" in funnel and "经研究选定" in funnel
    assert 'data-went-in="1">6<' in funnel and 'data-came-out="1">2<' in funnel


def test_round_form_refuses_an_empty_choice(app, client, secretariat, pool_2024):
    url = "/pool/manage/rounds/new?year=2024"
    token = csrf_of(client.get(url).get_data(as_text=True))
    r = client.post(url, data={"csrf_token": token, "body": "x", "decided_on": "2024-01-05",
                               "rationale": "y", "confirmed": "yes"})
    assert r.status_code == 422 and "请至少选择一个项目。" in r.get_data(as_text=True)


def test_project_edit_form_keeps_the_stage(app, client, secretariat, pool_2024):
    url = f"/pool/manage/projects/{pool_2024[0]}/edit"
    token = csrf_of(client.get(url).get_data(as_text=True))
    r = client.post(url, data={"csrf_token": token, "title": "新名称", "year": "2024",
                               "targets": "新建学校 = 4 所", "investment_wan_yuan": "abc",
                               "stage": "candidate"})
    assert r.status_code == 422 and "“abc”不是数字。" in r.get_data(as_text=True)
    r = client.post(url, data={"csrf_token": token, "title": "新名称", "year": "2024",
                               "targets": "新建学校 = 4 所", "investment_wan_yuan": "1,200",
                               "stage": "candidate"})
    assert r.status_code == 302
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "新名称" in page and "新建学校" in page and "1200.00 万元" in page
    with app_db(app) as s:
        assert s.get(Project, pool_2024[0]).stage == "pool"


def test_public_pages_in_english(client, pool_2024):
    assert "The funnel" in client.get("/pool/?year=2024&lang=en").get_data(as_text=True)
    assert "Stage history" in client.get(f"/pool/projects/{pool_2024[0]}").get_data(as_text=True)
    assert client.get("/pool/projects/99999").status_code == 404


def test_moderation_queue_and_merge_pages(app, client, secretariat, pool_2024):
    anonymous = app.test_client()
    token = csrf_of(anonymous.get("/pool/suggest").get_data(as_text=True))
    for title in ("建议甲", "建议乙"):
        anonymous.post("/pool/suggest", data={"csrf_token": token, "submitter_kind": "cppcc",
                                              "title": title, "body": "内容"})
    queue = client.get("/pool/manage/suggestions").get_data(as_text=True)
    assert "建议甲" in queue and "政协委员" in queue
    with app_db(app) as s:
        first, second = s.scalars(select(Suggestion).order_by(Suggestion.id)).all()
    r = client.post(f"/pool/manage/suggestions/{first.id}/moderate",
                    data={"csrf_token": secretariat, "decision": "reject", "note": ""})
    assert "请说明不予采纳的理由。" in client.get(r.headers["Location"]).get_data(as_text=True)
    r = client.post(f"/pool/manage/suggestions/{first.id}/moderate",
                    data={"csrf_token": secretariat, "decision": "approve", "note": "可行"})
    assert "建议甲" in anonymous.get("/pool/suggest").get_data(as_text=True)

    page = client.get(f"/pool/manage/suggestions/{second.id}/merge").get_data(as_text=True)
    assert 'value="建议乙"' in page  # the new-project form starts from the suggestion
    r = client.post(f"/pool/manage/suggestions/{second.id}/merge",
                    data={"mode": "existing", "existing-csrf_token": csrf_of(page),
                          "existing-project_id": "99999"})
    assert r.status_code == 422 and "没有这个项目。" in r.get_data(as_text=True)
    r = client.post(f"/pool/manage/suggestions/{second.id}/merge",
                    data={"mode": "new", "new-csrf_token": csrf_of(page), "new-title": "建议乙项目",
                          "new-year": "2025", "new-targets": "", "new-investment_wan_yuan": ""})
    assert r.status_code == 302
    detail = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "建议乙项目" in detail and "储备库" in detail and "建议乙" in detail


def test_manage_filters_by_year_stage_field_and_text(app, client, secretariat, pool_2024):
    with app_db(app) as s:
        s.get(Project, pool_2024[0]).stage = "alternative"
        s.get(Project, pool_2024[1]).field = "养老"
    assert "共 6 个项目。" in client.get("/pool/manage?year=2024").get_data(as_text=True)
    html = client.get("/pool/manage?stage=alternative").get_data(as_text=True)
    assert "共 1 个项目。" in html and ">项目1<" in html
    html = client.get("/pool/manage?field=养老").get_data(as_text=True)
    assert "共 1 个项目。" in html and ">项目2<" in html
    assert "共 1 个项目。" in client.get("/pool/manage?q=项目3").get_data(as_text=True)
    assert "共 0 个项目。" in client.get("/pool/manage?year=2023").get_data(as_text=True)


def test_a_correction_round_moves_projects_back_through_the_form(app, client, secretariat,
                                                                 pool_2024):
    with app_db(app) as s:
        screen(s, pool_2024[:3])
    url = "/pool/manage/rounds/new?year=2024&move=reverse:alternative"
    page = client.get(url).get_data(as_text=True)
    assert page.count('type="checkbox" name="project_id"') == 3
    form = {"csrf_token": csrf_of(page), "body": "领导小组办公室", "decided_on": "2024-01-08",
            "rationale": "项目3误选，退回储备库", "project_id": [pool_2024[2]], "confirmed": "yes"}
    assert client.post(url, data=form).status_code == 302
    with app_db(app) as s:
        assert s.get(Project, pool_2024[2]).stage == "pool"
    funnel = client.get("/pool/?year=2024").get_data(as_text=True)
    assert "更正：退回" in funnel and "项目3误选，退回储备库" in funnel
    assert 'data-count="alternative">2<' in funnel


def test_anyone_can_download_the_years_projects_as_open_data(client, pool_2024):
    r = client.get("/pool/projects-2024.csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    body = r.get_data().decode("utf-8-sig")
    assert body.count("项目") >= 6 and "储备库" in body
    assert "projects-2024.csv" in client.get("/pool/?year=2024").get_data(as_text=True)
    assert client.get("/pool/projects-2024.pdf").status_code == 404


def test_search_treats_wildcards_as_text(app, client, secretariat, pool_2024):
    assert "共 0 个项目。" in client.get("/pool/manage?q=%25").get_data(as_text=True)
    assert "共 0 个项目。" in client.get("/pool/manage?q=_").get_data(as_text=True)

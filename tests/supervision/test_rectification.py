"""整改 from publication to closure, through the pages: who may add which step, what a refused
step leaves (nothing, and the text typed still in the form), the public record, the audit log."""

from __future__ import annotations

import pytest

from tests.helpers import app_db, csrf_of, login
from tests.supervision.evaluating import evaluated
from voting.audit.models import AuditEntry
from voting.supervision import evaluation
from voting.supervision.models import Rectification, RectificationStep

LIST = "/supervision/rectifications"


@pytest.fixture
def year(app, sitting):
    arranged = evaluated(app, sitting)
    with app_db(app) as s:
        rect = s.query(Rectification).one()
        arranged["rect"] = rect.id
    return arranged


def signed_in(app, username):
    client = app.test_client()
    login(client, username)
    return client


def step(client, rect_id, action, body):
    page = client.get(f"{LIST}/{rect_id}").get_data(as_text=True)
    return client.post(f"{LIST}/{rect_id}/steps",
                       data={"csrf_token": csrf_of(page), "action": action, "body": body})


def steps(app, rect_id):
    with app_db(app) as s:
        return [(st.kind, st.by, st.body) for st in
                s.query(RectificationStep).filter_by(rectification_id=rect_id)
                .order_by(RectificationStep.id)]


def test_the_lifecycle_report_follow_up_close_reopen(app, year):
    rect = year["rect"]
    clerk, unit = signed_in(app, "clerk"), signed_in(app, "u3")
    listed = clerk.get(LIST).get_data(as_text=True)
    assert "中小学校建设" in listed and "整改中" in listed
    assert "中小学校建设" in unit.get(LIST).get_data(as_text=True)

    refused = step(clerk, rect, "close", "已整改")
    assert refused.status_code == 422
    assert "责任单位尚未提交整改报告" in refused.get_data(as_text=True)
    assert "已整改" in refused.get_data(as_text=True)  # what was typed is kept

    assert step(unit, rect, "report", "已新建教学楼两栋，9月投入使用。").status_code == 302
    assert step(clerk, rect, "follow_up", "实地察看，情况属实。").status_code == 302
    assert step(clerk, rect, "close", "整改到位，予以办结。").status_code == 302
    assert [k for k, _by, _b in steps(app, rect)] == ["report", "follow_up", "closed"]
    assert steps(app, rect)[0][1] == "u3"

    late = step(unit, rect, "report", "补充材料")
    assert late.status_code == 422 and "已办结" in late.get_data(as_text=True)
    assert step(clerk, rect, "reopen", "群众反映仍有问题。").status_code == 302
    assert step(unit, rect, "report", "补充整改。").status_code == 302
    with app_db(app) as s:
        ev = evaluation.project_evaluation(s, year["projects"][2])
        actions = [e.action for e in s.query(AuditEntry).filter_by(object_type="rectification")
                   .order_by(AuditEntry.seq)]
    assert ev["rectification"]["closed"] is False
    assert [st["kind"] for st in ev["rectification"]["steps"]] == [
        "report", "follow_up", "closed", "reopened", "report"]
    assert actions == ["rectification.open", "rectification.report", "rectification.follow_up",
                       "rectification.closed", "rectification.reopened", "rectification.report"]


def test_only_the_projects_own_unit_reports_and_only_the_secretariat_follows_up(app, year):
    rect = year["rect"]
    other_unit = signed_in(app, "u1")  # 市单位1: another project's unit
    assert "中小学校建设" not in other_unit.get(LIST).get_data(as_text=True)
    assert "add-step" not in other_unit.get(f"{LIST}/{rect}").get_data(as_text=True)  # no form
    assert step(other_unit, rect, "report", "越权报告").status_code == 403
    unit = signed_in(app, "u3")
    for action in ("follow_up", "close", "reopen"):
        assert step(unit, rect, action, "越权").status_code == 403
    teller, deputy = signed_in(app, "t1"), signed_in(app, "d001")
    for client in (teller, deputy):
        assert client.get(LIST).status_code == 403
        assert step(client, rect, "report", "越权").status_code == 403
    assert step(signed_in(app, "clerk"), rect, "report", "秘书处代报").status_code == 403
    assert app.test_client().get(LIST).status_code in (302, 401)
    assert steps(app, rect) == []


def test_an_empty_or_too_long_text_is_refused(app, year):
    unit = signed_in(app, "u3")
    r = step(unit, year["rect"], "report", "   ")
    assert r.status_code == 422
    r = step(unit, year["rect"], "report", "长" * 5001)
    assert r.status_code == 422
    assert steps(app, year["rect"]) == []


def test_the_record_is_public_and_the_project_partial_shows_it(app, year):
    rect = year["rect"]
    assert step(signed_in(app, "u3"), rect, "report", "已新建教学楼两栋。").status_code == 302
    public = app.test_client().get(f"{LIST}/{rect}")
    assert public.status_code == 200
    html = public.get_data(as_text=True)
    assert "已新建教学楼两栋。" in html and "责任单位整改报告" in html and "整改中" in html
    assert "<form" not in html.split("</header>", 1)[1]  # no step form for the public
    assert app.test_client().get(f"{LIST}/999").status_code == 404


def test_the_evaluation_partial_renders_each_rating(app, year):
    from flask import render_template

    with app.test_request_context():
        from voting import db

        s = db.session()
        pages = [render_template("supervision/_evaluation.html",
                                 evaluation=evaluation.project_evaluation(s, pid))
                 for pid in year["projects"][:4]]
    satisfied, basic, dissatisfied, none = pages
    assert 'data-rating="satisfied"' in satisfied and "满意" in satisfied
    assert 'data-mark="satisfied">3<' in satisfied and "<svg" in satisfied
    assert 'data-rating="basic"' in basic and "基本满意" in basic
    assert 'data-rating="dissatisfied"' in dissatisfied and "整改中" in dissatisfied
    assert f'/supervision/rectifications/{year["rect"]}' in dissatisfied
    assert "整改" not in satisfied
    assert "代表尚未对本项目进行满意度测评" in none


def test_the_project_page_and_open_data_show_the_rating_and_rectification(app, year):
    client = app.test_client()
    p3 = year["projects"][2]
    html = client.get(f"/projects/{p3}").get_data(as_text=True)
    assert 'data-rating="dissatisfied"' in html and "整改中" in html
    assert f'/supervision/rectifications/{year["rect"]}' in html
    doc = client.get(f"/api/v1/projects/{p3}").get_json()
    assert doc["evaluation"]["rating"] == "dissatisfied"
    assert doc["evaluation"]["counts"] == {"satisfied": 1, "basic": 1, "dissatisfied": 2,
                                           "abstain": 0}
    assert doc["evaluation"]["rectification"]["closed"] is False
    p1 = client.get(f"/projects/{year['projects'][0]}").get_data(as_text=True)
    assert 'data-rating="satisfied"' in p1 and "72.73" in p1


def test_in_public_a_step_names_the_unit_or_the_secretariat_never_the_account(app, year):
    rect, p3 = year["rect"], year["projects"][2]
    assert step(signed_in(app, "u3"), rect, "report", "已新建教学楼两栋。").status_code == 302
    assert step(signed_in(app, "clerk"), rect, "follow_up", "实地察看。").status_code == 302
    public = app.test_client()
    record = public.get(f"{LIST}/{rect}").get_data(as_text=True)
    project = public.get(f"/projects/{p3}").get_data(as_text=True)
    for html in (record, project):
        by = [part.split("</span>", 1)[0] for part in html.split('class="step-by">')[1:]]
        assert by == ["市单位3", "秘书处"]
        assert "u3" not in html and "clerk" not in html
    doc = public.get(f"/api/v1/projects/{p3}").get_json()
    assert [s["by"] for s in doc["evaluation"]["rectification"]["steps"]] == ["市单位3", "秘书处"]
    listed = signed_in(app, "clerk").get(LIST).get_data(as_text=True)
    assert "秘书处" in listed and "clerk" not in listed.split("</header>", 1)[1]
    with app_db(app) as s:  # the account is kept in the audit log
        actors = [e.actor for e in s.query(AuditEntry).filter(
            AuditEntry.action.in_(["rectification.report", "rectification.follow_up"]))
            .order_by(AuditEntry.seq)]
    assert actors == ["u3", "clerk"]


def test_the_record_links_to_the_public_project_page(app, year):
    html = app.test_client().get(f"{LIST}/{year['rect']}").get_data(as_text=True)
    p3 = year["projects"][2]
    assert f'href="/projects/{p3}"' in html and "/pool/projects/" not in html


def test_unit_rows_give_a_unit_its_rectifications_for_a_list(app, year):
    from voting.auth.models import User
    from voting.supervision import rectification

    with app.test_request_context():
        from voting import db

        s = db.session()
        mine = rectification.unit_rows(s, s.query(User).filter_by(username="u3").one())
        other = rectification.unit_rows(s, s.query(User).filter_by(username="u1").one())
        assert [(r.project.title, r.state, r.closed, r.url) for r in mine] == [
            ("中小学校建设", "open", False, f"{LIST}/{year['rect']}")]
        assert other == []

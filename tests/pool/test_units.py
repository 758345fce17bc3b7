"""Responsible units as entities (linked to projects and to the users who report for them),
the seed units, and a selected project's frozen targets with recorded amendments."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from tests.helpers import HASH, app_db, user
from tests.pool.helpers import screen, values
from voting.audit.models import AuditEntry
from voting.auth.services import create_user
from voting.errors import Conflict, Invalid
from voting.pool import demo, projects, rounds, units
from voting.pool.models import Project, ProjectTarget, ProjectUnit, TargetAmendment, Unit
from voting.pool.values import Target


def _names(project):
    return ([project.lead.name] if project.lead else []), [u.name for u in project.units]


def _selected_project(app, **kw) -> int:
    """A 2024 project with two targets, moved to selected through recorded rounds and the vote."""
    with app_db(app) as s:
        actor = user(s, "clerk")
        p = projects.create_project(s, actor, values(
            "老旧小区改造", targets=[Target("改造老旧小区", "个", Decimal("120")),
                                Target("改造面积", "万平方米", Decimal("1005"))],
            lead_unit="市住建局", responsible_units=["市住建局", "各区政府"], **kw))
        pid = p.id
    with app_db(app) as s:
        screen(s, [pid])
        screen(s, [pid], stage="alternative")
        rounds.select_by_vote(s, user(s, "clerk"), year=2024, project_ids=[pid],
                              body="市十六届人大二次会议", decided_on=date(2024, 1, 10),
                              rationale="票决")
    return pid


def _audit(app, action):
    with app_db(app) as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == action)))


# ---- units on projects -----------------------------------------------------------------

def test_units_named_on_a_project_become_units_linked_to_it(app, clerk):
    with app_db(app) as s:
        p = projects.create_project(s, user(s, "clerk"), values(
            "燃气改造", lead_unit="市住建局", responsible_units=["市住建局", "各区政府", "市住建局"]))
        pid = p.id
    with app_db(app) as s:
        p = s.get(Project, pid)
        assert _names(p) == (["市住建局"], ["市住建局", "各区政府"])  # a repeat is linked once
        assert (p.lead_unit, p.responsible_units) == ("市住建局", "市住建局、各区政府")
        assert s.scalar(select(func.count(Unit.id))) == 2  # one unit per distinct name
        q = projects.create_project(s, user(s, "clerk"), values("供热", responsible_units=["各区政府"]))
        assert q.units[0].id == p.units[1].id  # the same name is the same unit
        assert [(x.title, role) for x, role in units.unit_projects(s, q.units[0].id)] == [
            ("燃气改造", "responsible"), ("供热", "responsible")]


def test_editing_a_project_relinks_its_units(app, clerk):
    with app_db(app) as s:
        pid = projects.create_project(s, user(s, "clerk"), values(
            "燃气改造", lead_unit="市住建局", responsible_units=["市住建局", "各区政府"])).id
    with app_db(app) as s:
        projects.update_project(s, user(s, "clerk"), pid, values(
            "燃气改造", responsible_units=["各区政府", "市财政局"]))
    with app_db(app) as s:
        p = s.get(Project, pid)
        assert _names(p) == ([], ["各区政府", "市财政局"])
        assert (p.lead_unit, p.responsible_units) == ("", "各区政府、市财政局")
        assert s.scalar(select(func.count()).select_from(ProjectUnit)) == 2


def test_the_database_refuses_a_second_lead_unit(app, clerk):
    with app_db(app) as s:
        pid = projects.create_project(s, user(s, "clerk"), values("燃气改造", lead_unit="市住建局")).id
        uid = units.ensure_unit(s, "市财政局").id
    with app_db(app) as s, pytest.raises(DBAPIError):
        s.execute(text("INSERT INTO project_units (project_id, role, position, unit_id) "
                       "VALUES (:p, 'lead', 2, :u)"), {"p": pid, "u": uid})
        s.flush()


def test_seed_units_one_per_distinct_name(app, clerk):
    paths = sorted(demo.CANDIDATES_DIR.glob("*.json"))
    names = units.seed_unit_names(paths)
    assert "省教育厅" in names and "中国铁路哈尔滨局集团有限公司" in names
    assert len(names) == len(set(names))
    with app_db(app) as s:
        created = units.import_seed_units(s, user(s, "clerk"), paths)
        assert sorted(u.name for u in created) == sorted(names)
        assert units.import_seed_units(s, user(s, "clerk"), paths) == []  # idempotent
        assert s.scalar(select(func.count(Unit.id))) == len(names)
    assert len(_audit(app, "unit.import")) == 1


def test_demo_pool_links_the_seed_units_to_their_projects(app, clerk):
    with app_db(app) as s:
        demo.build_demo_pool(s, user(s, "clerk"))
    with app_db(app) as s:
        assert s.scalar(select(func.count(Unit.id))) == len(
            units.seed_unit_names(sorted(demo.CANDIDATES_DIR.glob("*.json"))))
        p = s.scalar(select(Project).where(Project.responsible_units.like("%中国铁路%")))
        assert [u.name for u in p.units] == p.responsible_units.split("、")
        assert len(p.units) == 4


# ---- users who report for a unit ------------------------------------------------------------

def test_attach_only_unit_role_users_and_audit_it(app, clerk):
    with app_db(app) as s:
        create_user(s, hash_method=HASH, username="jyt", password="correct-horse", role="unit", display_name="教育厅")
        pid = projects.create_project(s, user(s, "clerk"), values(
            "新建学校", responsible_units=["省教育厅"])).id
        other = projects.create_project(s, user(s, "clerk"), values(
            "新建医院", responsible_units=["省卫生健康委"])).id
        unit_id = units.unit_by_name(s, "省教育厅").id
    with app_db(app) as s:
        with pytest.raises(Invalid):
            units.attach_user(s, user(s, "clerk"), unit_id, "clerk")  # a secretariat account
        with pytest.raises(Invalid):
            units.attach_user(s, user(s, "clerk"), unit_id, "nobody")
        units.attach_user(s, user(s, "clerk"), unit_id, "jyt")
        with pytest.raises(Conflict):
            units.attach_user(s, user(s, "clerk"), unit_id, "jyt")
    with app_db(app) as s:
        jyt = user(s, "jyt")
        assert [u.name for u in units.units_of_user(s, jyt)] == ["省教育厅"]
        assert units.may_report(s, jyt, pid) and not units.may_report(s, jyt, other)
    [entry] = _audit(app, "unit.attach_user")
    assert entry.details == {"username": "jyt"}


def test_create_unit_refuses_a_blank_or_taken_name(app, clerk):
    with app_db(app) as s:
        units.create_unit(s, user(s, "clerk"), " 市民政局 ")
        with pytest.raises(Invalid):
            units.create_unit(s, user(s, "clerk"), "  ")
        with pytest.raises(Conflict):
            units.create_unit(s, user(s, "clerk"), "市民政局")
    assert [e.details for e in _audit(app, "unit.create")] == [{"name": "市民政局"}]


# ---- frozen targets -------------------------------------------------------------------------

def test_a_selected_projects_targets_cannot_be_rewritten_by_an_edit(app, clerk):
    pid = _selected_project(app)
    with app_db(app) as s:
        before = [(t.id, t.metric, t.value) for t in s.get(Project, pid).targets]
        with pytest.raises(Conflict) as exc:
            projects.update_project(s, user(s, "clerk"), pid, values(
                "老旧小区改造", targets=[Target("改造面积", "万平方米", Decimal("1005"))]))
        assert exc.value.code == "targets_frozen"
    with app_db(app) as s:
        assert [(t.id, t.metric, t.value) for t in s.get(Project, pid).targets] == before
        # other fields may still be edited when the targets stay as they are
        projects.update_project(s, user(s, "clerk"), pid, values(
            "老旧小区改造工程", targets=[Target("改造老旧小区", "个", Decimal("120.0")),
                                   Target("改造面积", "万平方米", Decimal("1005"))],
            responsible_units=["各区政府"]))
    with app_db(app) as s:
        p = s.get(Project, pid)
        assert p.title == "老旧小区改造工程"
        assert [(t.id, t.metric, t.value) for t in p.targets] == before


def test_an_amendment_keeps_the_target_id_and_records_both_values(app, clerk):
    pid = _selected_project(app)
    with app_db(app) as s:
        target = s.get(Project, pid).targets[1]
        tid = target.id
        units.amend_target(s, user(s, "clerk"), tid, metric="改造面积", unit="万平方米",
                           value=Decimal("1100"), reason="省里追加任务")
    with app_db(app) as s:
        target = s.get(ProjectTarget, tid)
        assert (target.project_id, target.position, target.value) == (pid, 2, Decimal("1100"))
        [a] = units.amendments_of(s, pid)
        assert (a.target_id, a.old_value, a.new_value, a.reason, a.amended_by) == (
            tid, Decimal("1005"), Decimal("1100"), "省里追加任务", "clerk")
        assert a.amended_at is not None
    [entry] = _audit(app, "target.amend")
    assert entry.object_id == str(tid)
    assert entry.details["old"]["value"] == "1005.0000"
    assert entry.details["new"]["value"] == "1100.0000"


def test_amendments_refused_with_bad_input_change_nothing(app, clerk, pool_2024):
    pid = _selected_project(app)
    with app_db(app) as s:
        tid = s.get(Project, pid).targets[0].id
        pool_tid = None
        p = s.get(Project, pool_2024[0])
        projects.update_project(s, user(s, "clerk"), p.id, values(
            p.title, targets=[Target("新建", "所", Decimal("4"))]))
        pool_tid = p.targets[0].id
    with app_db(app) as s:
        clerk_ = user(s, "clerk")
        with pytest.raises(Invalid):  # no reason
            units.amend_target(s, clerk_, tid, metric="改造老旧小区", unit="个", value=Decimal("130"),
                               reason=" ")
        with pytest.raises(Invalid):  # negative
            units.amend_target(s, clerk_, tid, metric="改造老旧小区", unit="个", value=Decimal("-1"),
                               reason="调整")
        with pytest.raises(Invalid):  # nothing changes
            units.amend_target(s, clerk_, tid, metric="改造老旧小区", unit="个", value=Decimal("120"),
                               reason="调整")
        with pytest.raises(Conflict):  # not selected: edit the project instead
            units.amend_target(s, clerk_, pool_tid, metric="新建", unit="所", value=Decimal("5"),
                               reason="调整")
    with app_db(app) as s:
        assert s.scalar(select(func.count(TargetAmendment.id))) == 0
        assert s.get(ProjectTarget, tid).value == Decimal("120")


def test_the_database_keeps_amendments_and_selected_targets(app, clerk):
    pid = _selected_project(app)
    with app_db(app) as s:
        tid = s.get(Project, pid).targets[0].id
        units.amend_target(s, user(s, "clerk"), tid, metric="改造老旧小区", unit="个",
                           value=Decimal("130"), reason="追加")
    for statement in ("UPDATE target_amendments SET reason = 'x'",
                      "DELETE FROM target_amendments",
                      f"DELETE FROM project_targets WHERE id = {tid}"):
        with app_db(app) as s, pytest.raises(DBAPIError):
            s.execute(text(statement))
    with app_db(app) as s:
        assert s.get(ProjectTarget, tid) is not None


def _csv_upload(client, data, token):
    return client.post("/pool/manage/import/projects",
                       data={"file": (io.BytesIO(data.encode("utf-8")), "p.csv"),
                             "csrf_token": token}, content_type="multipart/form-data")


def test_import_refuses_new_targets_for_a_selected_project(app, client, secretariat, clerk):
    pid = _selected_project(app)
    changed = f"编号,项目名称,年度,目标任务,责任单位\n{pid},老旧小区改造,2024,改造老旧小区=99 个,各区政府\n"
    r = _csv_upload(client, changed, secretariat)
    html = r.get_data(as_text=True)
    assert "its targets are fixed" in html or "目标任务已固定" in html
    same = (f"编号,项目名称,年度,目标任务,责任单位\n{pid},老旧小区改造,2024,"
            "改造老旧小区=120 个；改造面积=1005 万平方米,各区政府、市财政局\n")
    r = _csv_upload(client, same, secretariat)
    html = r.get_data(as_text=True)
    content = re.search(r'name="content" type="hidden" value="([^"]*)"', html).group(1)
    r = client.post("/pool/manage/import/projects/confirm",
                    data={"filename": "p.csv", "content": content, "csrf_token": secretariat})
    assert r.status_code == 302
    with app_db(app) as s:
        p = s.get(Project, pid)
        assert [u.name for u in p.units] == ["各区政府", "市财政局"]
        assert [t.value for t in p.targets] == [Decimal("120"), Decimal("1005")]


# ---- pages ----------------------------------------------------------------------------------

def test_unit_pages_are_the_secretariats_only(app, client, make_user):
    from tests.helpers import login

    assert client.get("/pool/manage/units").status_code in (302, 401)
    make_user("jyt", "unit")
    token = login(client, "jyt")
    assert client.get("/pool/manage/units").status_code == 403
    assert client.post("/pool/manage/units", data={"name": "x", "csrf_token": token}
                       ).status_code == 403
    with app_db(app) as s:
        assert s.scalar(select(func.count(Unit.id))) == 0


def test_secretariat_adds_a_unit_and_attaches_an_account(app, client, secretariat, make_user):
    make_user("jyt", "unit", display_name="教育厅填报员")
    make_user("deputy1", "deputy")
    r = client.post("/pool/manage/units", data={"name": "  ", "csrf_token": secretariat})
    assert r.status_code == 422
    r = client.post("/pool/manage/units", data={"name": "省教育厅", "csrf_token": secretariat})
    assert r.status_code == 302
    with app_db(app) as s:
        unit_id = units.unit_by_name(s, "省教育厅").id
    r = client.post("/pool/manage/units", data={"name": "省教育厅", "csrf_token": secretariat})
    assert r.status_code == 422 and "省教育厅" in r.get_data(as_text=True)
    r = client.post(f"/pool/manage/units/{unit_id}/members",
                    data={"username": "deputy1", "csrf_token": secretariat})
    assert r.status_code == 422
    assert "Only a user of the responsible-unit role" in r.get_data(as_text=True) or \
        "只有责任单位角色的账号" in r.get_data(as_text=True)
    r = client.post(f"/pool/manage/units/{unit_id}/members",
                    data={"username": "jyt", "csrf_token": secretariat})
    assert r.status_code == 302
    html = client.get(f"/pool/manage/units/{unit_id}").get_data(as_text=True)
    assert "教育厅填报员" in html
    assert "省教育厅" in client.get("/pool/manage/units").get_data(as_text=True)
    with app_db(app) as s:
        assert [m.user.username for m in units.get_unit(s, unit_id).members] == ["jyt"]
        jyt_id = user(s, "jyt").id
    r = client.post(f"/pool/manage/units/{unit_id}/members/{jyt_id}/remove",
                    data={"csrf_token": secretariat})
    assert r.status_code == 302
    with app_db(app) as s:
        assert units.get_unit(s, unit_id).members == []
    assert [e.action for e in _audit(app, "unit.create") + _audit(app, "unit.attach_user")
            + _audit(app, "unit.detach_user")] == ["unit.create", "unit.attach_user",
                                                    "unit.detach_user"]


def test_project_page_shows_units_and_amendments(app, client, secretariat, clerk):
    pid = _selected_project(app)
    with app_db(app) as s:
        tid = s.get(Project, pid).targets[1].id
    r = client.post(f"/pool/manage/projects/{pid}/targets", data={
        "target_id": tid, "metric": "改造面积", "unit": "万平方米", "value": "1,100",
        "reason": "", "csrf_token": secretariat})
    assert r.status_code == 422
    r = client.post(f"/pool/manage/projects/{pid}/targets", data={
        "target_id": tid, "metric": "改造面积", "unit": "万平方米", "value": "1,100",
        "reason": "省里追加任务", "csrf_token": secretariat})
    assert r.status_code == 302
    html = app.test_client().get(f"/pool/projects/{pid}").get_data(as_text=True)  # the public
    assert "市住建局</span>、<span" in html and "各区政府" in html
    assert "省里追加任务" in html and "1005" in html and "1100" in html
    assert f'id="target-{tid}"' in html
    with app_db(app) as s:
        assert s.get(ProjectTarget, tid).value == Decimal("1100")

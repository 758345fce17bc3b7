"""Project and suggestion import (every row checked first, any problem imports nothing, a
preview before) and exports safe against formula injection."""

import csv
import io

from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from tests.import_steps import confirm, upload
from tests.helpers import app_db
from voting.pool.models import Project, Suggestion

GOOD = ("项目名称,年度,领域,内容,目标任务,估算投资（万元）,牵头单位,责任单位\n"
        "燃气安全设施改造项目,2023,安全,安装居民室内燃气安全设施,安装燃气安全设施=25万套；改造燃气立管=125公里,3000,市住建局,市住建局、各区政府\n"
        "重症医学科建设项目,2023,医疗卫生,市属综合医院增设重症医学科,,,市卫健委,\n")
# Row 2: the year is no number; row 3: no title; row 4: a bad target and an unknown field;
# row 5: a negative investment; row 6: an unknown project id.
BAD = ("编号,项目名称,年度,领域,目标任务,估算投资（万元）\n"
       ",项目甲,二〇二三,,,\n"
       ",,2023,,,\n"
       ",项目丙,2023,娱乐,新建学校四所,\n"
       ",项目丁,2023,,,-5\n"
       "999,项目戊,2023,,,\n")


def _upload(client, kind, data, token, *, filename="projects.csv", lang=None):
    url = f"/pool/manage/import/{kind}" + (f"?lang={lang}" if lang else "")
    return upload(client, url, data, token, filename=filename)


def _confirm(client, kind, html, token, **override):
    return confirm(client, f"/pool/manage/import/{kind}/confirm", html, token, **override)


def _count(app, model):
    with app_db(app) as s:
        return s.scalar(select(func.count(model.id)))


def test_preview_then_confirm_creates_projects_with_targets(app, client, secretariat):
    r = _upload(client, "projects", GOOD, secretariat)
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "将在储备库新建 2 个项目，更新 0 个项目。" in html
    assert _count(app, Project) == 0  # the preview changes nothing
    r = _confirm(client, "projects", html, secretariat)
    assert r.status_code == 302
    with app_db(app) as s:
        gas = s.scalar(select(Project).where(Project.title == "燃气安全设施改造项目"))
        assert (gas.year, gas.stage, gas.field, gas.investment_wan_yuan) == (2023, "pool", "安全", 3000)
        assert [(t.metric, t.value, t.unit) for t in gas.targets] == [
            ("安装燃气安全设施", 25, "万套"), ("改造燃气立管", 125, "公里")]
        assert gas.responsible_units == "市住建局、各区政府"
    assert _count(app, Project) == 2


def test_an_id_updates_that_project_but_never_its_stage(app, client, secretariat, pool_2024):
    target = pool_2024[0]
    with app_db(app) as s:
        s.get(Project, target).stage = "alternative"  # as if a round had moved it
    text = f"编号,项目名称,年度,内容\n{target},改名后的项目,2024,新内容\n"
    html = _upload(client, "projects", text, secretariat).get_data(as_text=True)
    assert f"更新项目 {target}" in html
    assert _confirm(client, "projects", html, secretariat).status_code == 302
    with app_db(app) as s:
        p = s.get(Project, target)
        assert (p.title, p.content, p.stage) == ("改名后的项目", "新内容", "alternative")
    assert _count(app, Project) == 6


def test_every_row_error_is_listed_and_nothing_is_imported_zh(app, client, secretariat):
    r = _upload(client, "projects", BAD, secretariat)
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert "文件中有 6 处问题，未导入任何内容。" in html
    assert "第 4 行，“领域”：“娱乐”不是以下之一：就业、社保" in html
    assert "第 2 行，“年份”：“二〇二三”不是整数。" in html
    assert "第 3 行，“项目名称”：此项必填。" in html
    assert "第 4 行，“目标任务”：“新建学校四所”不符合“指标 = 数值 单位”的格式" in html
    assert "第 5 行，“估算投资（万元）”：估算投资须为 0 至" in html
    assert "第 6 行，“编号”：没有编号为 999 的项目。" in html
    assert "确认导入" not in html
    assert _count(app, Project) == 0


def test_row_errors_in_english(app, client, secretariat):
    html = _upload(client, "projects", BAD, secretariat, lang="en").get_data(as_text=True)
    assert "The file has 6 problem(s); nothing was imported." in html
    assert "Row 3, Title: A value is required." in html
    assert "Row 6, ID: There is no project 999." in html
    assert _count(app, Project) == 0


def test_a_garbled_confirmation_is_refused(app, client, secretariat):
    html = _upload(client, "projects", GOOD, secretariat).get_data(as_text=True)
    r = _confirm(client, "projects", html, secretariat, content="not base64!")
    assert r.status_code == 400
    assert _count(app, Project) == 0


def test_xlsx_with_english_headers(app, client, secretariat):
    wb = Workbook()
    ws = wb.active
    ws.append(["Title", "Year", "Field", "Targets", "Investment"])
    ws.append(["Old residential areas", 2023, "住房", "Buildings = 120 栋", 5200.5])
    buf = io.BytesIO()
    wb.save(buf)
    html = _upload(client, "projects", buf.getvalue(), secretariat,
                   filename="p.xlsx").get_data(as_text=True)
    assert _confirm(client, "projects", html, secretariat).status_code == 302
    with app_db(app) as s:
        p = s.scalar(select(Project))
        assert (p.title, p.year, str(p.investment_wan_yuan)) == ("Old residential areas", 2023, "5200.50")
        assert [(t.metric, t.unit) for t in p.targets] == [("Buildings", "栋")]


def test_suggestions_import_into_the_moderation_queue(app, client, secretariat):
    text = ("建议标题,建议内容,建议人类别,建议人\n"
            "老旧小区加装电梯,道里区多个小区老人上下楼困难,人大代表,张三\n"
            "公园增设公厕,群力公园如厕难,,\n"
            "坏行,缺内容,外星人,\n")
    r = _upload(client, "suggestions", text, secretariat, filename="s.csv")
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert "第 4 行，“建议内容”：此项必填。" not in html
    assert "第 4 行，“建议人类别”：“外星人”不是以下之一" in html
    text = "\n".join(text.splitlines()[:3]) + "\n"
    html = _upload(client, "suggestions", text, secretariat, filename="s.csv").get_data(as_text=True)
    assert "将有 2 条建议进入待审核队列。" in html
    assert _confirm(client, "suggestions", html, secretariat).status_code == 302
    with app_db(app) as s:
        rows = s.scalars(select(Suggestion).order_by(Suggestion.id)).all()
        assert [(x.title, x.submitter_kind, x.status) for x in rows] == [
            ("老旧小区加装电梯", "deputy", "pending"), ("公园增设公厕", "public", "pending")]


def test_exports_neutralise_formulas_and_carry_targets(app, client, secretariat, pool_2024):
    with app_db(app) as s:
        p = s.get(Project, pool_2024[0])
        p.title = '=HYPERLINK("http://evil.example","点击")'
        p.lead_unit = "@SUM(1+1)"
    client.post("/pool/suggest", data={"csrf_token": secretariat, "submitter_kind": "public",
                                       "title": "+cmd|' /C calc'!A0", "body": "-2+3"})
    r = client.get("/pool/manage/export/projects.csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(r.get_data().decode("utf-8-sig"))))
    assert rows[0][:3] == ["编号", "项目名称", "年份"]
    row = next(x for x in rows if x[0] == str(pool_2024[0]))
    assert row[1].startswith("'=HYPERLINK") and row[8] == "'@SUM(1+1)"

    r = client.get("/pool/manage/export/projects.xlsx")
    ws = load_workbook(io.BytesIO(r.get_data())).active
    row = next(r for r in ws.iter_rows() if r[0].value == pool_2024[0])
    # XLSX: the text exactly, stored as text with the quote-prefix style, never a formula
    assert row[1].value == '=HYPERLINK("http://evil.example","点击")' and row[1].quotePrefix
    assert row[1].data_type == "s" and ws.cell(1, 7).value == "目标任务"

    rows = list(csv.reader(io.StringIO(client.get("/pool/manage/export/suggestions.csv")
                                       .get_data().decode("utf-8-sig"))))
    assert rows[1][:2] == ["'+cmd|' /C calc'!A0", "'-2+3"]


def test_exported_projects_import_back_unchanged(app, client, secretariat):
    _confirm(client, "projects", _upload(client, "projects", GOOD, secretariat)
             .get_data(as_text=True), secretariat)
    exported = client.get("/pool/manage/export/projects.xlsx").get_data()
    html = _upload(client, "projects", exported, secretariat, filename="p.xlsx").get_data(as_text=True)
    assert "将在储备库新建 0 个项目，更新 2 个项目。" in html
    assert _confirm(client, "projects", html, secretariat).status_code == 302
    with app_db(app) as s:
        gas = s.scalar(select(Project).where(Project.title == "燃气安全设施改造项目"))
        assert [(t.metric, t.value, t.unit) for t in gas.targets] == [
            ("安装燃气安全设施", 25, "万套"), ("改造燃气立管", 125, "公里")]
    assert _count(app, Project) == 2

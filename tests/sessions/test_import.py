"""Roster import: every row checked first, any problem imports nothing, a preview before."""

import io
import re

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from tests.import_steps import confirm, upload
from tests.helpers import HASH, add_deputies, app_db, user
from voting.audit.models import AuditEntry
from voting.auth.models import User
from voting.core.tabular import ImportRefused, read_rows
from voting.sessions import roster_import
from voting.sessions.models import Delegation, Deputy

GOOD = ("姓名,代表团,代表证号,用户名\n"
        "张三,道里区代表团,001,\n"
        "李四,道里区代表团,002,lisi\n"
        "王五,南岗区代表团,003,\n")
# Row 3 repeats row 2's number; row 4 has no name; row 5 takes a username already in use;
# row 6 repeats row 5's username; row 7's number is already on the roster.
BAD = ("姓名,代表团,代表证号,用户名\n"
       "张三,道里区代表团,001,\n"
       "李四,道里区代表团,001,\n"
       ",南岗区代表团,003,\n"
       "王五,南岗区代表团,004,clerk\n"
       "赵六,南岗区代表团,005,clerk\n"
       "钱七,南岗区代表团,900,\n")


def _upload(client, congress_id, text, token, *, filename="roster.csv", lang=None):
    url = f"/sessions/congresses/{congress_id}/import" + (f"?lang={lang}" if lang else "")
    return upload(client, url, text, token, filename=filename)


def _confirm(client, congress_id, html, token):
    return confirm(client, f"/sessions/congresses/{congress_id}/import/confirm", html, token)


def _deputy_count(app):
    with app_db(app) as s:
        return s.scalar(select(func.count(Deputy.id)))


@pytest.fixture
def roster_of_one(app, sitting):
    """The congress already has deputy 900."""
    with app_db(app) as s:
        add_deputies(s, user(s, "clerk"), sitting[0], 1, start=900)
    return sitting[0]


def test_preview_then_confirm_imports_everyone_and_prints_slips(app, client, secretariat, sitting):
    congress_id, _ = sitting
    r = _upload(client, congress_id, GOOD, secretariat)
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "将添加 3 名代表" in html and "新增代表团：南岗区代表团、道里区代表团" in html
    assert "d001" in html and "lisi" in html  # usernames, generated or given
    assert _deputy_count(app) == 0  # a preview changes nothing

    r = _confirm(client, congress_id, html, secretariat)
    slips = r.get_data(as_text=True)
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    assert slips.count('class="slip"') == 3 and slips.count('class="qr"') == 3
    with app_db(app) as s:
        deputies = s.scalars(select(Deputy).order_by(Deputy.number)).all()
        assert [(d.name, d.number, d.delegation.name, d.user.username) for d in deputies] == [
            ("张三", "001", "道里区代表团", "d001"), ("李四", "002", "道里区代表团", "lisi"),
            ("王五", "003", "南岗区代表团", "d003")]
        assert s.scalar(select(func.count(Delegation.id))) == 2
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "roster.import"))
        assert entry.actor == "secretariat"
        assert entry.details["count"] == 3 and entry.details["numbers"] == ["001", "002", "003"]
    for username in ("d001", "lisi", "d003"):
        password = re.search(rf'data-username="{username}".*?class="slip-password">([^<]+)<',
                             slips, re.S).group(1)
        r = app.test_client().post("/api/v1/auth/login",
                                   json={"username": username, "password": password})
        assert r.status_code == 200 and r.get_json()["role"] == "deputy"


def test_every_row_error_is_listed_and_nothing_is_imported_zh(app, client, secretariat,
                                                              roster_of_one):
    r = _upload(client, roster_of_one, BAD, secretariat)
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert "文件中有 5 处问题，未导入任何内容。" in html
    assert "第 3 行，“代表证号”：代表证号 001 与第 2 行重复。" in html
    assert "第 4 行，“姓名”：此项必填。" in html
    assert "第 5 行，“用户名”：用户名 clerk 已被占用。" in html
    assert "第 6 行，“用户名”：用户名 clerk 与第 5 行重复。" in html
    assert "第 7 行，“代表证号”：代表证号 900 已在名册中。" in html
    assert "确认导入" not in html
    assert _deputy_count(app) == 1


def test_row_errors_in_english(app, client, secretariat, roster_of_one):
    r = _upload(client, roster_of_one, BAD, secretariat, lang="en")
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert "The file has 5 problem(s); nothing was imported." in html
    assert "Row 3, Deputy number: Number 001 is also on row 2." in html
    assert "Row 7, Deputy number: Number 900 is already on the roster." in html
    assert _deputy_count(app) == 1


def test_service_refuses_the_whole_file(app, roster_of_one):
    with app_db(app) as s:
        with pytest.raises(ImportRefused) as exc:
            roster_import.import_roster(s, user(s, "clerk"), hash_method=HASH, congress_id=roster_of_one,
                                        filename="roster.csv", data=BAD.encode())
        assert [e.row for e in exc.value.errors] == [3, 4, 5, 6, 7]
    assert _deputy_count(app) == 1


def test_missing_column_and_unreadable_file(app, client, secretariat, sitting):
    congress_id, _ = sitting
    r = _upload(client, congress_id, "姓名,代表团\n张三,道里区代表团\n", secretariat)
    assert r.status_code == 422 and "第 1 行，“代表证号”：缺少此列。" in r.get_data(as_text=True)
    r = _upload(client, congress_id, b"PK\x03\x04 not really", secretariat, filename="x.xlsx")
    assert r.status_code == 422 and "该文件不是可读取的 XLSX 工作簿。" in r.get_data(as_text=True)
    r = _upload(client, congress_id, "x", secretariat, filename="roster.pdf")
    assert r.status_code == 422 and "请上传 .csv 或 .xlsx 文件。" in r.get_data(as_text=True)
    assert _deputy_count(app) == 0


def test_xlsx_with_english_headers(app, client, secretariat, sitting):
    congress_id, _ = sitting
    wb = Workbook()
    ws = wb.active
    ws.append(["Name", "Delegation", "Number", "Username"])
    ws.append(["张三", "道里区代表团", 1, None])  # a number cell, as Excel stores it
    ws.append(["李四", None, "002", "lisi"])
    buf = io.BytesIO()
    wb.save(buf)
    r = _upload(client, congress_id, buf.getvalue(), secretariat, filename="roster.xlsx")
    assert r.status_code == 200, r.get_data(as_text=True)
    r = _confirm(client, congress_id, r.get_data(as_text=True), secretariat)
    assert r.status_code == 200
    with app_db(app) as s:
        usernames = s.scalars(select(User.username).where(User.role == "deputy"))
        assert sorted(usernames) == ["d1", "lisi"]


def test_confirm_checks_the_file_again(app, client, secretariat, sitting):
    """The roster may change between preview and confirm: then nothing is imported."""
    congress_id, _ = sitting
    html = _upload(client, congress_id, GOOD, secretariat).get_data(as_text=True)
    with app_db(app) as s:
        add_deputies(s, user(s, "clerk"), congress_id, 1, start=2)
    r = _confirm(client, congress_id, html, secretariat)
    assert r.status_code == 422
    assert "代表证号 002 已在名册中" in r.get_data(as_text=True)
    assert _deputy_count(app) == 1


def test_templates_have_the_headers_the_import_accepts(app, client, secretariat, sitting):
    for fmt in ("csv", "xlsx"):
        r = client.get(f"/sessions/roster-template.{fmt}")
        assert r.status_code == 200 and "attachment" in r.headers["Content-Disposition"]
        header = read_rows(f"t.{fmt}", r.data)[0]
        assert header == ["姓名", "代表团", "代表证号", "用户名"]
    wb = load_workbook(io.BytesIO(client.get("/sessions/roster-template.xlsx").data))
    wb.active.append(["张三", "道里区代表团", "001", None])
    buf = io.BytesIO()
    wb.save(buf)
    r = _upload(client, sitting[0], buf.getvalue(), secretariat, filename="filled.xlsx")
    assert r.status_code == 200 and "将添加 1 名代表" in r.get_data(as_text=True)

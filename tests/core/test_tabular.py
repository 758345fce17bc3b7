import csv
import io

import pytest
from flask_babel import force_locale
from openpyxl import Workbook, load_workbook

from tests.helpers import HASH
from voting.core.tabular import (Column, export_csv, export_xlsx, parse_decimal, parse_int,
                                 parse_table, read_rows)
from voting.errors import Invalid

COLUMNS = [
    Column("title", "项目名称", aliases=("title", "name"), required=True),
    Column("value", "目标值", aliases=("value",), parse=parse_decimal),
    Column("year", "年度", aliases=("year",), required=True, parse=parse_int),
]


def _xlsx(rows):
    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_reads_csv_in_utf8_bom_and_gb18030():
    text = "项目名称,年度\n老旧小区改造项目,2023\n"
    for data in (("\ufeff" + text).encode("utf-8"), text.encode("gb18030")):
        assert read_rows("x.csv", data) == [["项目名称", "年度"], ["老旧小区改造项目", "2023"]]


def test_reads_xlsx_numbers_as_text():
    rows = read_rows("x.xlsx", _xlsx([["项目名称", "年度"], ["燃气安全设施改造项目", 2023]]))
    assert rows == [["项目名称", "年度"], ["燃气安全设施改造项目", "2023"]]


def test_refuses_other_files_and_broken_xlsx():
    with pytest.raises(Invalid):
        read_rows("x.pdf", b"%PDF")
    with pytest.raises(Invalid):
        read_rows("x.xlsx", b"not a zip")


def test_every_problem_is_reported_with_row_and_column(app):
    rows = [["项目名称", "目标值", "年度"],
            ["A", "1005", "2023"],
            ["", "abc", "2023"],
            ["C", "12", "二〇二三"]]
    with app.test_request_context(), force_locale("zh_CN"):
        result = parse_table(rows, COLUMNS)
        messages = [str(e) for e in result.errors]
    assert not result.ok
    assert [(e.row, e.column) for e in result.errors] == [(3, "项目名称"), (3, "目标值"), (4, "年度")]
    assert messages[0].startswith("第 3 行")
    with app.test_request_context(), force_locale("en"):
        assert str(parse_table(rows, COLUMNS).errors[0]).startswith("Row 3")


def test_headers_match_in_either_language_and_ignore_spaces(app):
    with app.test_request_context():
        result = parse_table([["Title ", "YEAR"], ["x", "2024"]], COLUMNS)
    assert result.ok and result.rows == [{"_row": 2, "title": "x", "value": None, "year": 2024}]


def test_missing_required_column(app):
    with app.test_request_context():
        result = parse_table([["项目名称"], ["x"]], COLUMNS)
    assert [(e.row, e.column) for e in result.errors] == [(1, "年度")]


def test_exports_neutralise_formulas():
    rows = [["=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "普通文本", 5]]
    data = export_csv(["a", "b", "c", "d", "e", "f"], rows)
    assert data.startswith("\ufeff".encode())
    parsed = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert parsed[1] == ["'=HYPERLINK(\"http://x\")", "'+1", "'-2", "'@SUM(A1)", "普通文本", "5"]
    ws = load_workbook(io.BytesIO(export_xlsx(["a", "b", "c", "d", "e", "f"], rows))).active
    values = [c.value for c in ws[2]]
    # XLSX: the text as it is, stored as text with the quote-prefix style, never a formula
    assert values == rows[0]
    assert all(c.data_type != "f" for c in ws[2])
    assert [c.quotePrefix for c in ws[2]][:5] == [True, True, True, True, False]


TRICKY = ["=1+1", "+86 451 8467 3000", "-5%", "@home", "'=already quoted", "''+two", "it's fine",
          "'plain apostrophe", "普通文本"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_formula_looking_text_round_trips_exactly(fmt):
    export = export_csv if fmt == "csv" else export_xlsx
    data = export(["项目名称"], [[t] for t in TRICKY])
    assert [r[0] for r in read_rows(f"x.{fmt}", data)[1:]] == TRICKY


def test_import_drops_the_visible_apostrophe_of_older_xlsx_exports():
    data = _xlsx([["项目名称"], ["'=1+1"], ["'+86 10 1234"], ["'not a formula"]])
    assert read_rows("x.xlsx", data)[1:] == [["=1+1"], ["+86 10 1234"], ["'not a formula"]]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_project_titles_survive_export_and_reimport(app, fmt):
    """The pool's own export, read back by its own import: the titles are unchanged."""
    from voting import db
    from voting.auth.services import create_user
    from voting.pool import imports, projects
    from voting.pool import values as values_svc

    titles = ["=1+1", "+86 热线 12345 服务提升"]
    with app.test_request_context():
        s = db.session()
        actor = create_user(s, hash_method=HASH, username="clerk", password="correct-horse", role="secretariat",
                            display_name="秘书处")
        ids = [projects.create_project(s, actor, values_svc.ProjectValues(title=t, year=2024)).id
               for t in titles]
        headers, rows = imports.project_table(s, year=2024)
        data, _mime = imports.export(headers, rows, fmt, title="projects-2024")
        preview = imports.check_projects(s, f"projects.{fmt}", data)
        assert preview.ok, [str(e) for e in preview.errors]
        assert {r["id"]: r["title"] for r in preview.rows} == dict(zip(ids, titles))
        imports.import_projects(s, actor, filename=f"projects.{fmt}", data=data)
        s.flush()
        assert [projects.get_project(s, i).title for i in ids] == titles


def _damaged_sheet() -> bytes:
    """A workbook whose zip and workbook part are sound but whose sheet is cut in half."""
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(_xlsx([["项目名称", "年度"], ["燃气安全设施改造项目", 2023]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for item in src.infolist():
            data = src.read(item.filename)
            z.writestr(item, data[: len(data) // 2] if item.filename.endswith("sheet1.xml") else data)
    return out.getvalue()


def test_a_damaged_sheet_or_a_huge_csv_cell_is_refused_with_a_reason(app):
    """Found by tests/test_form_fuzz.py: a sheet is parsed row by row after the workbook opens,
    and the csv reader refuses a cell beyond its field limit; both were 500s on every import."""
    with app.test_request_context():
        with pytest.raises(Invalid, match="XLSX"):
            read_rows("x.xlsx", _damaged_sheet())
        with pytest.raises(Invalid, match="131072"):
            read_rows("x.csv", b"title\n" + b"y" * 200_000 + b"\n")


def test_reads_a_csv_whose_rows_end_in_a_bare_carriage_return():
    """Old Mac files end rows in \\r alone (the csv reader used to fail on them); a line break
    inside a quoted cell stays as it was."""
    data = '项目名称,年度\r燃气安全设施改造项目,2023\r"两行\r\n内容",2024\r'.encode()
    assert read_rows("x.csv", data) == [["项目名称", "年度"], ["燃气安全设施改造项目", "2023"],
                                        ["两行\r\n内容", "2024"]]

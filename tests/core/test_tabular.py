import csv
import io

import pytest
from flask_babel import force_locale
from openpyxl import Workbook, load_workbook

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
    assert values == ["'=HYPERLINK(\"http://x\")", "'+1", "'-2", "'@SUM(A1)", "普通文本", 5]
    assert all(c.data_type != "f" for c in ws[2])

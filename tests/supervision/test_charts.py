"""The server-rendered SVG charts: well-formed SVG, labelled for screen readers (role="img",
<title>, <desc>), bars in proportion, the 100 % line, and the numbers as table rows."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal

from voting.supervision import charts

SVG = "{http://www.w3.org/2000/svg}"


def _parse(chart):
    return ET.fromstring(str(chart.svg))


def test_completion_bars_are_labelled_and_in_proportion():
    chart = charts.completion_bars("c1", "各项目完成率", [("老旧小区改造", Decimal("50")),
                                                      ("绿化景观", Decimal("972.66")),
                                                      ("公共厕所", None)],
                                   none_text="尚无数字", head=("项目", "完成率"))
    root = _parse(chart)
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "c1-title c1-desc"
    assert root.find(f"{SVG}title").text == "各项目完成率"
    desc = root.find(f"{SVG}desc").text
    assert "老旧小区改造: 50.00\u00a0%" in desc and "绿化景观: 972.66\u00a0%" in desc
    assert "公共厕所: 尚无数字" in desc
    bars = [r for r in root.iter(f"{SVG}rect") if "chart-bar" in r.get("class")]
    assert len(bars) == 2  # nothing drawn without a figure
    # the scale reaches the largest value: 972.66 fills the bar area, 50 is in proportion
    assert float(bars[1].get("width")) == charts.BAR_AREA
    assert abs(float(bars[0].get("width")) - 50 / 972.66 * charts.BAR_AREA) < 0.1
    assert "over" in bars[1].get("class") and "over" not in bars[0].get("class")
    goal = root.find(f"{SVG}line")
    assert abs(float(goal.get("x1")) - 100 / 972.66 * charts.BAR_AREA) < 0.1
    assert chart.head == ["项目", "完成率"]
    assert chart.rows == [["老旧小区改造", "50.00\u00a0%"], ["绿化景观", "972.66\u00a0%"],
                          ["公共厕所", "尚无数字"]]


def test_text_is_escaped():
    chart = charts.completion_bars("x", "<script>", [("<b>&", Decimal(1))])
    assert "<script>" not in str(chart.svg) and "&lt;b&gt;&amp;" in str(chart.svg)
    _parse(chart)  # still well-formed


def test_count_bars():
    chart = charts.count_bars("s", "各状态项目数", [("超额完成", 4, "status-exceeded"),
                                               ("全部完成", 6, "status-completed"),
                                               ("滞后", 0, "status-behind")])
    root = _parse(chart)
    bars = [r for r in root.iter(f"{SVG}rect") if "chart-bar" in r.get("class")]
    assert [float(b.get("width")) for b in bars] == [
        round(4 / 6 * charts.BAR_AREA, 1), charts.BAR_AREA]
    assert chart.rows == [["超额完成", "4"], ["全部完成", "6"], ["滞后", "0"]]


def test_progress_columns_leave_unreported_periods_empty():
    periods = ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]
    points = {"2025-Q1": (Decimal("200"), Decimal("19.90")),
              "2025-Q2": (Decimal("600"), Decimal("59.70"))}
    chart = charts.progress_columns("t", "改造老旧住宅", periods, points, "万平方米",
                                    none_text="未报告")
    root = _parse(chart)
    columns = [r for r in root.iter(f"{SVG}rect") if "chart-bar" in r.get("class")]
    assert len(columns) == 2
    assert float(columns[1].get("height")) > float(columns[0].get("height"))
    ticks = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "chart-tick"]
    assert ["Q1", "Q2", "Q3", "Q4"] == [t for t in ticks if t.startswith("Q")]
    assert chart.rows == [["2025-Q1", "200 万平方米", "19.90\u00a0%"],
                          ["2025-Q2", "600 万平方米", "59.70\u00a0%"],
                          ["2025-Q3", "未报告", "未报告"], ["2025-Q4", "未报告", "未报告"]]
    assert "2025-Q3: 未报告" in root.find(f"{SVG}desc").text

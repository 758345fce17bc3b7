"""In Chromium, at phone and desktop widths: a unit's user signs in, files this quarter's report
on the form (one figure typed in 株 against a target in 万株), sees it listed as filed, and the
project's completion changes on the secretariat's dashboard and in the figures."""

from __future__ import annotations

from datetime import date

import pytest

from tests.helpers import app_db, sign_in
from tests.lazy_playwright import expect
from tests.supervision.reporting import quarterly, selected_project, unit_account
from voting.pool.models import Project
from voting.supervision import progress

ZONE = "Asia/Shanghai"


def _fits_width(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.fixture
def this_year(app, clerk):
    today = progress.local_today(ZONE)
    with app_db(app) as s:
        quarterly(s, "clerk", year=today.year, final=date(today.year, 12, 31))
        p = selected_project(s, year=today.year)
        unit_account(s, "u_green", "市园林局")
        q = (today.month - 1) // 3 + 1
        # Filed today: late only after the 25th of the quarter's last month.
        return {"id": p.id, "year": today.year, "quarter": f"{today.year}-Q{q}", "today": today,
                "late": today > date(today.year, 3 * q, 25)}


@pytest.mark.browser
def test_a_unit_files_a_quarterly_report_and_the_completion_changes(page, live_server, app,
                                                                     this_year):
    sign_in(page, live_server, "u_green")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="我的进展报告").click()
    expect(page.get_by_role("heading", name="我的进展报告", level=1)).to_be_visible()
    assert _fits_width(page)
    row = page.locator(f'tr[data-period="{this_year["quarter"]}"]')
    expect(row).to_contain_text("未报送" if this_year["late"] else "未到期")
    row.get_by_role("link", name=f"报送 城市绿化景观提升 {this_year['quarter']}").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text(this_year["quarter"])
    expect(page.get_by_text("这将是第 1 版。")).to_be_visible()
    page.get_by_label("累计完成：新增绿地").fill("3")
    page.get_by_label("累计完成：补植乔木").fill("17500")
    page.get_by_label("“补植乔木”的计量单位").select_option("株")
    page.get_by_label("进展情况").fill("新增绿地3公顷，补植乔木17500株")
    page.get_by_label("累计完成投资（万元）").fill("260.5")
    page.get_by_label("建设状态").select_option(label="部分投入使用")
    assert _fits_width(page)
    page.get_by_role("button", name="报送", exact=True).click()

    expect(page.locator(".flash")).to_contain_text("第 1 版报告已报送")
    row = page.locator(f'tr[data-period="{this_year["quarter"]}"]')
    expect(row).to_have_attribute("data-state", "late" if this_year["late"] else "on_time")
    expect(row).to_contain_text("第 1 版")
    expect(page.locator(f'[data-project="{this_year["id"]}"] [data-completion]')).to_contain_text(
        "100.00")

    with app_db(app) as s:
        pp = progress.project_progress(s, s.get(Project, this_year["id"]),
                                       today=this_year["today"])
        assert str(pp.completion) == "100.00" and pp.status == "completed"
        assert [(v.achieved, v.entered_unit) for v in pp.latest.values] == [("3", "公顷"),
                                                                           ("1.75", "株")]

    # The correction: the form shows what was typed and says it will be version 2.
    page.get_by_role("link", name=f"更正 城市绿化景观提升 {this_year['quarter']}").click()
    expect(page.get_by_label("累计完成：补植乔木")).to_have_value("17500")
    expect(page.locator("[data-next-version]")).to_have_attribute("data-next-version", "2")


@pytest.mark.browser
def test_the_dashboard_is_cards_on_a_phone_and_a_table_on_a_desktop(page, live_server, app,
                                                                   this_year):
    """QA: on a phone the dashboard was a cramped six-column table."""
    sign_in(page, live_server, "clerk")
    page.goto(f"{live_server}/supervision/?year={this_year['year']}")
    row = page.locator(f'#dashboard-projects tr[data-project="{this_year["id"]}"]')
    expect(row).to_contain_text("城市绿化景观提升")
    phone = page.viewport_size["width"] < 600
    display = row.evaluate("tr => getComputedStyle(tr).display")
    assert display == ("block" if phone else "table-row")
    if phone:
        # Each figure is labelled inside its card, and the card fits the screen.
        label = row.locator("[data-completion]").evaluate(
            "td => getComputedStyle(td, '::before').content")
        assert "完成率" in label
        box = row.bounding_box()
        assert box["width"] <= page.viewport_size["width"]
        expect(page.locator("#dashboard-projects thead")).not_to_be_in_viewport()
    assert _fits_width(page)

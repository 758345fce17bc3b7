"""In Chromium, at phone and desktop widths: the secretariat records a screening round by
ticking projects, checks and confirms it, and the public funnel shows the new counts and
the round's record."""

import pytest
from tests.lazy_playwright import expect

from tests.helpers import app_db, sign_in, user
from tests.pool.helpers import values
from voting.pool import projects


def _fits_width(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.fixture
def pool_2022(app, clerk):
    with app_db(app) as s:
        actor = user(s, "clerk")
        return [projects.create_project(s, actor, values(title, year=2022)).id
                for title in ("绿化景观项目", "公租房保障项目", "稳就业专项行动项目", "消防安全提升项目")]


@pytest.mark.browser
def test_secretariat_records_a_round_and_the_public_sees_it(page, browser, live_server, pool_2022):
    sign_in(page, live_server, "clerk")

    page.goto(f"{live_server}/pool/manage")
    page.get_by_role("link", name="记录筛选轮次").click()
    page.get_by_label("年份").select_option("2022")
    page.get_by_role("button", name="显示项目").click()
    page.get_by_label("绿化景观项目").check()
    page.get_by_label("消防安全提升项目").check()
    expect(page.locator("#chosen-count")).to_have_text("2")
    page.get_by_label("决定机构").fill("市政府民生项目监督工作领导小组第二次会议")
    page.get_by_label("决定日期").fill("2022-01-10")
    page.get_by_label("理由").fill("群众呼声最集中的两项")
    assert _fits_width(page)
    page.get_by_role("button", name="核对后记录").click()

    expect(page.get_by_text("4 个项目中有 2 个由“储备库”进入“备选项目”，2 个留下")).to_be_visible()
    assert _fits_width(page)
    page.get_by_role("button", name="记录此轮筛选").click()
    expect(page.get_by_text("筛选轮次已记录：2 个项目进入“备选项目”。")).to_be_visible()

    public = browser.new_context(locale="zh-CN").new_page()
    try:
        public.goto(f"{live_server}/pool/?year=2022")
        expect(public.locator('[data-count="pool"]')).to_have_text("4")
        expect(public.locator('[data-count="alternative"]')).to_have_text("2")
        record = public.locator(".pool-round").first
        expect(record).to_contain_text("市政府民生项目监督工作领导小组第二次会议")
        expect(record).to_contain_text("2022-01-10")
        expect(record).to_contain_text("群众呼声最集中的两项")
        expect(record.locator("[data-went-in]")).to_have_text("4")
        expect(record.locator("[data-came-out]")).to_have_text("2")
        record.get_by_text("调整的项目（2）").click()
        expect(record.get_by_role("link", name="消防安全提升项目")).to_be_visible()
    finally:
        public.context.close()
    page.goto(f"{live_server}/pool/?year=2022")
    assert _fits_width(page)

"""The public supervision pages with a year of data: the home page at a glance, the published
result linking each project, a project's page (targets, completion, timeline, every report
version, late marks), the year's page with its filters, search and charts, the history by year
and by congress, and the rule with a worked example. Nothing here needs a sign-in."""

from __future__ import annotations

import re

import pytest

from tests.supervision.public_data import data  # noqa: F401  (the fixture)
from tests.supervision.public_data import page_html as _page


def _rows(html: str) -> dict[int, str]:
    """project id → the HTML of its row (or card) on a list page."""
    out = {}
    for m in re.finditer(r'<(tr|li) [^>]*data-project="(\d+)"[^>]*>(.*?)</\1>', html, re.S):
        out[int(m.group(2))] = m.group(3)
    return out


def _status(fragment: str) -> str:
    return re.search(r'data-status="([^"]+)"', fragment).group(1)


def test_home_shows_this_years_projects_at_a_glance(client, data):
    html = _page(client, "/")
    assert "2025年民生实事项目监督" in html
    rows = _rows(html)
    assert set(rows) == {data["renovate"], data["parking"], data["toilets"], data["trees"]}
    assert _status(rows[data["renovate"]]) == "in_progress"
    assert "完成率 59.85\u00a0%" in rows[data["renovate"]]
    assert _status(rows[data["parking"]]) == "behind" and "滞后" in rows[data["parking"]]
    assert _status(rows[data["trees"]]) == "exceeded" and "超额完成" in rows[data["trees"]]
    assert _status(rows[data["toilets"]]) == "none" and "2 期报告逾期" in rows[data["toilets"]]
    assert f'href="/projects/{data["renovate"]}"' in html
    # the recent published result is there too
    assert f'href="/results/{data["poll"]}"' in html and "2025年民生实事项目票决" in html


def test_home_without_selected_projects_still_works(client):
    html = _page(client, "/")
    assert "民生实事项目监督" not in html


def test_the_published_result_links_every_project(client, data):
    html = _page(client, f"/results/{data['poll']}")
    for key in ("renovate", "parking", "toilets", "trees", "lost"):
        assert f'data-project-link="{data[key]}"' in html
    assert f'<a href="/projects/{data["renovate"]}">老旧小区改造</a>' in html


def test_project_page_shows_targets_completion_and_reports(client, data):
    html = _page(client, f"/projects/{data['renovate']}")
    assert "<h1>老旧小区改造</h1>" in html
    assert "改造老旧住宅小区，完善配套设施" in html and "老旧小区改造的意义" in html
    assert re.search(r'data-stat="completion">59.85\u00a0%<', html)
    assert 'data-status="in_progress"' in html and "推进中" in html
    t1, t2 = data["targets"]["renovate"]
    row = re.search(rf'<tr id="target-{t1}".*?</tr>', html, re.S).group(0)
    assert "1005 万平方米" in row and "600 万平方米" in row and "59.70\u00a0%" in row
    assert "市住建局" in html
    # a chart per target with its numbers in a table, and the overview chart
    assert html.count('role="img"') == 3
    assert f'id="target-chart-{t1}"' in html and f'id="target-chart-{t2}"' in html
    assert '<th scope="row">2025-Q1</th><td class="num">200 万平方米</td>' in html
    assert 'href="/supervision/rules"' in html
    assert f'href="/api/v1/projects/{data["renovate"]}"' in html


def test_project_page_keeps_every_version_and_marks_the_late_one(client, data):
    html = _page(client, f"/projects/{data['parking']}")
    reports = re.findall(r'<li class="sv-report( late)?" data-period="([^"]+)" '
                         r'data-version="(\d)"', html)
    assert sorted((p, v, bool(late)) for late, p, v in reports) == [
        ("2025-Q1", "1", True), ("2025-Q2", "1", False), ("2025-Q2", "2", False)]
    assert "迟报" in html and "已被更新版本取代" in html and "更正" in html and "初报" in html
    assert 'data-status="behind"' in html


def test_project_without_reports_shows_overdue_and_no_figures(client, data):
    html = _page(client, f"/projects/{data['toilets']}")
    assert "尚未报送进展报告" in html
    assert "逾期未报" in html and "已逾期 98 天" in html
    assert re.search(r'data-stat="completion">—<', html)


def test_a_seed_year_shows_the_sources_percent(client, data):
    html = _page(client, f"/projects/{data['seed']}")
    assert "972.66\u00a0%" in html and "按原始文件所载" in html
    assert 'data-status="exceeded"' in html


def test_the_pool_page_of_a_selected_project_links_its_progress(client, data):
    html = _page(client, f"/pool/projects/{data['parking']}")
    assert f'href="/projects/{data["parking"]}"' in html and 'data-status="behind"' in html
    assert f'href="/projects/{data["lost"]}"' not in _page(client, f"/pool/projects/{data['lost']}")


def test_unknown_project_page_is_404(client, data):
    assert client.get("/projects/99999").status_code == 404


def test_year_page_counts_and_lists_the_selected_projects(client, data):
    html = _page(client, "/years/2025")
    assert "2025年民生实事项目" in html
    counts = dict(re.findall(r'data-count="(\w+)">(\d+)<', html))
    assert counts == {"exceeded": "1", "completed": "0", "partly_completed": "0",
                      "in_progress": "1", "behind": "1", "none": "1"}
    rows = _rows(html)
    assert set(rows) == {data["renovate"], data["parking"], data["toilets"], data["trees"]}
    assert "59.85\u00a0%" in rows[data["renovate"]]
    assert html.count('role="img"') == 2  # status and completion charts, with tables
    assert 'data-chart-table="status-chart"' in html
    assert 'href="/years/2025/projects.csv"' in html and 'href="/years/2025/projects.xlsx"' in html
    # the average of the four completions that exist: (59.85 + 35 + 100) / 3
    assert "平均完成率 64.95\u00a0%" in html


@pytest.mark.parametrize("query, keys", [
    ("?status=behind", {"parking"}),
    ("?status=none", {"toilets"}),
    ("?status=exceeded", {"trees"}),
    ("?field=交通", {"parking"}),
    ("?q=食堂", set()),  # the metric is not the title or content
    ("?q=口袋公园", {"trees"}),  # content
    ("?q=停车", {"parking"}),  # title
    ("?status=bogus", {"renovate", "parking", "toilets", "trees"}),
])
def test_year_page_filters_and_search(client, data, query, keys):
    html = _page(client, "/years/2025" + query)
    assert set(_rows(html)) == {data[k] for k in keys}
    if not keys:
        assert "没有符合筛选条件的项目" in html


def test_year_page_filters_by_unit(client, data):
    html = _page(client, f"/years/2025?unit={data['units']['housing']}")
    assert set(_rows(html)) == {data["renovate"], data["toilets"]}
    assert f'<option value="{data["units"]["housing"]}" selected>市住建局</option>' in html
    html = _page(client, "/years/2025?unit=" + "9" * 40)  # nonsense: no filter, no error
    assert len(_rows(html)) == 4


def test_a_search_keeps_what_was_typed(client, data):
    html = _page(client, "/years/2025?q=%3Cb%3E停车")
    assert 'value="&lt;b&gt;停车"' in html and "<b>停车" not in html


def test_unknown_year_is_404(client, data):
    assert client.get("/years/1999").status_code == 404


def test_years_page_by_year_and_by_congress(client, data):
    html = _page(client, "/years/")
    years = re.findall(r'<tr data-year="(\d+)">', html)
    # 2023: the year of the congress session, without projects of its own (no link)
    assert years == ["2025", "2023", "2022"]
    assert 'href="/years/2025"' in html and 'href="/years/2022"' in html
    assert 'href="/years/2023"' not in html
    assert "哈尔滨市第十六届人民代表大会" in html and "第二次会议" in html
    assert f'href="/results/{data["poll"]}">2025年民生实事项目票决</a>' in html


def test_search_across_years(client, data):
    html = _page(client, "/projects/search?q=绿化")
    assert set(_rows(html)) == {data["trees"], data["seed"]}
    assert "没有与“无此项目”匹配的入选项目" in _page(client, "/projects/search?q=无此项目")


def test_rules_page_states_the_rule_and_works_an_example(client, data):
    html = _page(client, "/supervision/rules")
    for words in ("以上", "不少于", "左右", "不超过", "110.00", "部分完成", "滞后", "100%"):
        assert words in html
    # the example comes from the open data of this year: 老旧小区改造
    assert "600 ÷ 1005 × 100 %" in html
    assert re.search(r"data-example-completion>项目完成率 = （59.70 \+ 60.00）÷ 2 = 59.85", html)


def test_rules_page_in_english(client, data):
    html = _page(client, "/supervision/rules?lang=en")
    assert "How completion and status are computed" in html
    assert "capped at 100 %" in html


def test_pages_work_without_any_data(client):
    for url in ("/years/", "/supervision/rules", "/projects/search?q=x"):
        assert client.get(url).status_code == 200

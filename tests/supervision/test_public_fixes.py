"""What QA found on the public pages, each as a reader meets it: an evaluation's result card
(no seats, so no "应选 None 项"), the year page's per-project ratings and rectifications, past
years that the deputies did not vote (a plan, a district), seed reports that were loaded and
not filed, the per-target and per-version downloads, the rule's code text in Chinese first,
a figure without a target value, and what the year's average is the mean of."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from tests.helpers import app_db, user
from tests.supervision.evaluating import evaluated
from tests.supervision.public_data import _at, _project, _report
from tests.supervision.public_data import data  # noqa: F401  (the fixture)
from tests.supervision.public_data import page_html as _page
from voting.core import tabular
from voting.supervision import history


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# ---- 1. an evaluation's result card ---------------------------------------------------------

def test_an_evaluation_result_card_says_what_was_rated_not_seats(app, client, sitting):
    year = evaluated(app, sitting)
    doc = year["result"]
    for url in ("/", "/results/"):
        html = _page(client, url)
        card = re.search(rf'data-summary="{year["evaluation"]}">(.*?)</p>', html, re.S).group(1)
        assert "None" not in card and "应选" not in card
        assert f"投出选票 {doc['ballots_cast']} 张" in card
        assert "测评项目 3 个" in card and "不满意 1 个" in card
        assert f"总体满意率 {doc['overall_rate']} %" in card
        # the selection beside it still reads in seats
        sel = re.search(rf'data-summary="{year["selection"]}">(.*?)</p>', html, re.S)
        if sel:
            assert "应选 3 项" in sel.group(1)
    announcement = _page(client, f"/results/{year['evaluation']}")
    assert "None" not in _text(announcement)


# ---- 2. the year page rates every project ---------------------------------------------------

def test_the_year_page_shows_each_projects_rating_counts_and_rectification(app, client, sitting):
    year = evaluated(app, sitting)
    html = _page(client, "/years/2023")
    rows = {int(m.group(1)): m.group(2) for m in re.finditer(
        r'<tr data-rated-project="(\d+)">(.*?)</tr>', html, re.S)}
    p1, p2, p3 = year["projects"][:3]
    assert set(rows) == {p1, p2, p3}
    assert 'data-rating="satisfied"' in rows[p1] and "满意" in rows[p1]
    assert 'data-rating="basic"' in rows[p2] and "基本满意" in rows[p2]
    assert 'data-rating="dissatisfied"' in rows[p3] and "不满意" in rows[p3]
    counts = year["result"]["counts"]
    for pid, cid in ((p1, "c01"), (p2, "c02"), (p3, "c03")):
        for mark in ("satisfied", "basic", "dissatisfied", "abstain"):
            assert f'data-mark="{mark}">{counts[cid][mark]}</td>' in rows[pid]
    assert 'data-rectification="open"' in rows[p3] and "整改中" in rows[p3]
    assert 'data-rectification="none"' in rows[p1]
    assert "不满意 1 个" in html


# ---- 3. past years not voted by the deputies ------------------------------------------------

def _load(app, file_name):
    with app_db(app) as s:
        seed = next(y for y in history.SEED_YEARS if y.file == file_name)
        loaded = history.load_year(s, user(s, "clerk"), seed)
        return [p.id for p in loaded]


def test_a_government_plan_year_says_who_listed_it_and_where(app, client, clerk):
    ids = _load(app, "heilongjiang-2024-twenty.json")
    html = _page(client, "/years/2024")
    lead = re.search(r'<p class="lead"[^>]*>(.*?)</p>', html, re.S).group(1)
    assert "代表票决选出" not in lead
    assert "列入年度计划的项目 20 个" in lead
    assert "范围：黑龙江省" in lead and "黑龙江省人民政府办公厅" in lead
    page = _page(client, f"/projects/{ids[0]}")
    badge = re.search(r'data-stage="selected">([^<]*)<', page).group(1)
    assert badge == "列入年度计划"
    assert "票决入选" not in page
    assert "票决入选" not in _page(client, f"/pool/projects/{ids[0]}")


def test_a_district_year_reads_selected_with_its_scope(app, client, clerk):
    ids = _load(app, "pingfang-2019-report.json")
    html = _page(client, "/years/2019")
    lead = re.search(r'<p class="lead"[^>]*>(.*?)</p>', html, re.S).group(1)
    assert "代表票决选出" not in lead and "范围：平房区" in lead and "入选项目" in lead
    page = _page(client, f"/projects/{ids[0]}")
    assert re.search(r'data-stage="selected">([^<]*)<', page).group(1) == "入选"
    # its figures are the report's of 2020-01-04, not filed (nor loaded) at some time
    report = re.search(r'<li class="sv-report[^>]*>(.*?)</li>', page, re.S).group(1)
    assert "据原始文件：《" in report and "报送于" not in report
    assert "原始文件日期 2020-01-04" in report and "载入于" not in report


def test_a_year_the_deputies_voted_still_says_so(client, data):
    lead = re.search(r'<p class="lead"[^>]*>(.*?)</p>', _page(client, "/years/2025"),
                     re.S).group(1)
    assert "代表票决选出 4 个项目" in lead
    page = _page(client, f"/projects/{data['renovate']}")
    assert re.search(r'data-stage="selected">([^<]*)<', page).group(1) == "票决入选"
    # the 2022 project of the fixture came from no poll
    seed_page = _page(client, f"/projects/{data['seed']}")
    assert re.search(r'data-stage="selected">([^<]*)<', seed_page).group(1) == "入选"


# ---- 4. seed reports were loaded, not filed -------------------------------------------------

def test_a_seed_report_names_its_source_and_is_not_shown_as_filed(app, client, data):
    with app_db(app) as s:
        from voting.pool.models import Project
        s.get(Project, data["seed"]).source = "哈尔滨市 2022：2022年民生实事完成情况"
    html = _page(client, f"/projects/{data['seed']}")
    report = re.search(r'<li class="sv-report[^>]*>(.*?)</li>', html, re.S).group(1)
    assert "据原始文件：哈尔滨市 2022：2022年民生实事完成情况" in report
    assert "载入于" in report and "报送于" not in report
    doc = client.get(f"/api/v1/projects/{data['seed']}").get_json()
    (r,) = doc["reports"]
    assert r["source"] == "seed" and r["submitted"] == "2023-01-10T09:00:00Z"
    filed = _page(client, f"/projects/{data['parking']}")
    assert "报送于" in filed and "据原始文件" not in filed


def test_the_protocol_documents_the_report_source():
    from pathlib import Path
    text = (Path(__file__).resolve().parents[2] / "docs" / "protocol.md").read_text()
    assert '`"seed"` for the figures' in text and "/years/YYYY/targets.csv" in text


# ---- 5. per-target and per-version downloads ------------------------------------------------

def test_csv_content_type_names_the_charset_once(client, data):
    for url in ("/years/2025/projects.csv", "/years/2025/targets.csv",
                "/years/2025/reports.csv"):
        r = client.get(url)
        assert r.status_code == 200
        assert r.headers["Content-Type"] == "text/csv; charset=utf-8", url


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_targets_download_recomputes_every_completion(client, data, fmt):
    r = client.get(f"/years/2025/targets.{fmt}")
    assert f"supervision-2025-targets.{fmt}" in r.headers["Content-Disposition"]
    rows = tabular.read_rows(f"x.{fmt}", r.data)
    keys = [h.rsplit("(", 1)[1].rstrip(")") for h in rows[0]]
    assert keys == ["project_id", "project_title", "target_id", "metric", "unit", "target",
                    "achieved", "completion", "completion_source", "qualifier", "met",
                    "contribution", "status"]
    body = [dict(zip(keys, row)) for row in rows[1:]]
    by_target = {int(row["target_id"]): row for row in body}
    doc = client.get(f"/api/v1/projects/{data['renovate']}").get_json()
    for t in doc["targets"]:
        row = by_target[t["id"]]
        assert row["target"] == t["target"] and row["achieved"] == (t["achieved"] or "")
        assert row["completion"] == (t["completion"] or "")
        assert row["status"] == doc["status"]
        # recomputable from the file alone
        if row["completion_source"] == "achieved_over_target":
            assert (Decimal(row["achieved"]) / Decimal(row["target"]) * 100).quantize(
                Decimal("0.01")) == Decimal(row["completion"])
    assert by_target[data["targets"]["parking"]]["achieved"] == "350"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_reports_download_has_every_version(client, data, fmt):
    r = client.get(f"/years/2025/reports.{fmt}")
    assert r.status_code == 200
    rows = tabular.read_rows(f"x.{fmt}", r.data)
    keys = [h.rsplit("(", 1)[1].rstrip(")") for h in rows[0]]
    body = [dict(zip(keys, row)) for row in rows[1:]]
    parking = [row for row in body if row["project_id"] == str(data["parking"])]
    assert [(row["period"], row["version"], row["achieved"], row["counts"])
            for row in parking] == [("2025-Q1", "1", "100", "true"),
                                    ("2025-Q2", "1", "300", "false"),
                                    ("2025-Q2", "2", "350", "true")]
    assert parking[0]["late"] == "true" and parking[0]["source"] == "form"
    # the Q2 figures the period uses are the project JSON's achieved to date
    doc = client.get(f"/api/v1/projects/{data['renovate']}").get_json()
    used = {int(row["target_id"]): row["achieved"] for row in body
            if row["project_id"] == str(data["renovate"]) and row["period"] == "2025-Q2"
            and row["counts"] == "true"}
    assert used == {t["id"]: t["achieved"] for t in doc["targets"]}


def test_the_year_page_links_the_downloads(client, data):
    html = _page(client, "/years/2025")
    assert 'href="/years/2025/targets.csv"' in html and 'href="/years/2025/reports.csv"' in html


# ---- 6. the rule's code text: Chinese first -------------------------------------------------

def test_the_rules_page_states_the_code_constants_in_chinese_first(client, data):
    html = _page(client, "/supervision/rules")
    block = html[html.index('id="rule-text"'):]
    block = block[:block.index("</dl>")]
    for key in ("completion", "project", "exceeded_at", "about_met_at"):
        item = re.search(rf'data-rule="{key}"><dt>(.*?)</dt><dd>(.*?)</dd>', block, re.S)
        assert item, key
        term, value = item.group(1), _text(item.group(2)).strip()
        assert re.search(r"[\u4e00-\u9fff]", term), key
        assert re.match(r"[\u4e00-\u9fff\d]", value), (key, value)
        assert "程序原文" in value
    assert "累计完成 ÷ 年度目标 × 100" in block
    # the English is the code's own text, marked as such and only inside <code>
    assert re.sub(r'<code lang="en">.*?</code>', "", block).count("achieved ÷") == 0


# ---- 7. a figure without a target value -----------------------------------------------------

def test_a_figure_without_a_target_value_is_shown_with_no_target_value(app, client, data):
    with app_db(app) as s:
        p = _project(s, "绿化景观", 2022, stage="selected", field="生态环境",
                     targets=[("新增公园（游园）", "个", None)])
        (t,) = p.targets
        _report(s, p, [(t, "8")], period="2022", submitted=_at(2023, 1, 10), due=None,
                source="seed")
        pid, tid = p.id, t.id
    html = _page(client, f"/projects/{pid}")
    timeline = html[html.index('id="timeline-heading"'):]
    timeline = timeline[:timeline.index("</section>")]
    assert "8 个" in timeline and "无目标值" in timeline and "未报告" not in timeline
    row = re.search(rf'<tr id="target-{tid}".*?</tr>', html, re.S).group(0)
    assert "8 个" in row and "无目标值" in row
    overview = html[html.index('id="targets-heading"'):html.index('id="timeline-heading"')]
    assert "8 个，无目标值" in overview


# ---- 8. what the average is the mean of -----------------------------------------------------

def test_the_year_average_says_how_many_projects_it_is_the_mean_of(client, data):
    lead = _text(re.search(r'<p class="lead"[^>]*>(.*?)</p>', _page(client, "/years/2025"),
                           re.S).group(1))
    # renovate, parking and trees have reported; toilets has not (lost was not elected)
    assert "已报告完成率的 3 个项目的平均" in lead

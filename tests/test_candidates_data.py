"""Validate candidates/*.json: the common schema, and faithfulness to the seed documents.

Standard library + pytest only. The seed documents are copied into candidates/seeds/.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
CANDIDATES = REPO_ROOT / "candidates"
SEEDS = CANDIDATES / "seeds"  # a copy of ../shared/seeds: the documents the data comes from

FIELDS = {"就业", "社保", "医疗卫生", "教育", "养老", "住房", "城市建设", "交通", "生态环境",
          "文化体育", "政务服务", "农业农村", "安全", "其他"}
KINDS = {"selected", "results", "plan", "midyear", "report"}
SOURCE_KEYS = {"seed", "title", "issuer", "date"}
TOP_KEYS = {"source", "scope", "year", "kind", "projects"}
PROJECT_KEYS = {"key", "title", "field", "content", "significance", "targets",
                "investment_wan_yuan", "lead_unit", "responsible_units", "status", "results",
                "notes"}
TARGET_KEYS = {"metric", "unit", "value"}
RESULT_KEYS = {"metric", "unit", "value", "percent_of_target"}
DECIMAL_RE = re.compile(r"^-?\d+(\.\d+)?$")
KEY_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")

FILES = sorted(CANDIDATES.glob("*.json"))
EXPECTED_FILES = {
    "harbin-2023-selected.json", "harbin-2022-results.json", "heilongjiang-2024-twenty.json",
    "harbin-2025-tasks.json", "harbin-2021-midyear.json", "pingfang-2019-report.json",
}


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def by_name(name: str) -> dict:
    return load(CANDIDATES / name)


def fold(s: str) -> str:
    """NFKC (full-width → half-width: （）→(), ，→, ％→%, digits), unify curly quotes."""
    s = unicodedata.normalize("NFKC", s)
    return s.translate(str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"}))


def squash(s: str) -> str:
    """Fold and drop all whitespace: for comparing running text across line/page breaks."""
    return re.sub(r"\s+", "", fold(s))


def has_number(text: str, value: str, percent: bool = False) -> bool:
    """value occurs in text as a whole number token (not part of a longer number)."""
    pattern = r"(?<![\d.])" + re.escape(value) + r"(?!\d|\.\d)"
    if percent:
        pattern += r"\s*%"
    return re.search(pattern, text) is not None


def is_decimal_string(v) -> bool:
    if not isinstance(v, str) or not DECIMAL_RE.match(v):
        return False
    try:
        return Decimal(v).is_finite()
    except InvalidOperation:
        return False


def seed_text(doc: dict) -> str:
    path = SEEDS / doc["source"]["seed"]
    assert path.is_file(), f"seed {path.name} named by the file does not exist in {SEEDS}"
    return path.read_text(encoding="utf-8")


param_files = pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])


def test_expected_files_present():
    assert EXPECTED_FILES <= {p.name for p in FILES}


@param_files
def test_schema(path: Path):
    doc = load(path)
    assert TOP_KEYS <= doc.keys(), f"missing top-level keys: {TOP_KEYS - doc.keys()}"

    src = doc["source"]
    assert isinstance(src, dict) and set(src) == SOURCE_KEYS
    assert isinstance(src["seed"], str) and src["seed"].endswith(".txt")
    assert isinstance(src["title"], str) and src["title"].strip()
    assert src["issuer"] is None or (isinstance(src["issuer"], str) and src["issuer"].strip())
    if src["date"] is not None:
        assert re.match(r"^\d{4}-\d{2}-\d{2}$", src["date"])
        dt.date.fromisoformat(src["date"])

    assert isinstance(doc["scope"], str) and doc["scope"].strip()
    assert isinstance(doc["year"], int) and not isinstance(doc["year"], bool)
    assert 2000 <= doc["year"] <= 2100
    assert doc["kind"] in KINDS
    assert isinstance(doc["projects"], list) and doc["projects"]

    keys = [p.get("key") for p in doc["projects"]]
    assert len(keys) == len(set(keys)), "project keys must be unique within the file"

    for p in doc["projects"]:
        where = f"{path.name}:{p.get('key')}"
        assert set(p) == PROJECT_KEYS, f"{where}: keys {set(p) ^ PROJECT_KEYS}"
        assert isinstance(p["key"], str) and KEY_RE.match(p["key"]), where
        assert isinstance(p["title"], str) and p["title"].strip(), where
        assert not re.match(r"^\s*([0-9]+[.、]|[一二三四五六七八九十]+、|[(（][一二三四五六七八九十]+[)）])",
                            p["title"]), f"{where}: title keeps its list numbering"
        assert p["field"] in FIELDS, f"{where}: field {p['field']!r}"
        assert isinstance(p["content"], str) and p["content"].strip(), where
        for k in ("significance", "lead_unit", "status", "notes"):
            assert p[k] is None or (isinstance(p[k], str) and p[k].strip()), f"{where}: {k}"
        assert p["investment_wan_yuan"] is None or is_decimal_string(p["investment_wan_yuan"]), where
        assert isinstance(p["responsible_units"], list), where
        assert all(isinstance(u, str) and u.strip() for u in p["responsible_units"]), where

        assert isinstance(p["targets"], list), where
        for t in p["targets"]:
            assert isinstance(t, dict) and set(t) == TARGET_KEYS, f"{where}: target {t}"
            assert isinstance(t["metric"], str) and t["metric"].strip(), where
            assert isinstance(t["unit"], str) and t["unit"].strip(), where
            assert is_decimal_string(t["value"]), f"{where}: target value {t['value']!r}"

        assert isinstance(p["results"], list), where
        for r in p["results"]:
            assert isinstance(r, dict) and set(r) == RESULT_KEYS, f"{where}: result {r}"
            assert isinstance(r["metric"], str) and r["metric"].strip(), where
            assert isinstance(r["unit"], str) and r["unit"].strip(), where
            assert is_decimal_string(r["value"]), f"{where}: result value {r['value']!r}"
            pct = r["percent_of_target"]
            assert pct is None or is_decimal_string(pct), f"{where}: percent {pct!r}"


@param_files
def test_reporting_shape(path: Path):
    doc = load(path)
    rep = doc.get("reporting")
    if rep is None:
        return
    assert rep["frequency"] in {"monthly", "quarterly"}
    if rep["due_day_of_month"] is not None:
        assert isinstance(rep["due_day_of_month"], int) and 1 <= rep["due_day_of_month"] <= 31
    if rep["due_months"] is not None:
        assert all(isinstance(m, int) and 1 <= m <= 12 for m in rep["due_months"])
    for k in ("completion_deadline_date", "outdoor_works_deadline_date"):
        if rep.get(k) is not None:
            dt.date.fromisoformat(rep[k])


@param_files
def test_faithful_to_seed(path: Path):
    doc = load(path)
    raw = seed_text(doc)
    text = fold(raw)
    flat = squash(raw)

    assert squash(doc["source"]["title"]) in flat, "source title not found in the seed"
    for p in doc["projects"]:
        where = f"{path.name}:{p['key']}"
        assert squash(p["title"]) in flat, f"{where}: title {p['title']!r} not in seed"
        assert squash(p["content"]) in flat, f"{where}: content is not verbatim"
        if p["significance"] is not None:
            assert squash(p["significance"]) in flat, f"{where}: significance is not verbatim"
        for u in p["responsible_units"]:
            assert squash(u) in flat, f"{where}: responsible unit {u!r} not in seed"
        if p["lead_unit"] is not None:
            assert squash(p["lead_unit"]) in flat, f"{where}: lead unit not in seed"
        for t in p["targets"]:
            assert has_number(text, t["value"]), f"{where}: target {t} not in seed"
        for r in p["results"]:
            assert has_number(text, r["value"]), f"{where}: result {r} not in seed"
            if r["percent_of_target"] is not None:
                assert has_number(text, r["percent_of_target"], percent=True), \
                    f"{where}: percent {r['percent_of_target']} not in seed"


def test_harbin_2023_selected():
    doc = by_name("harbin-2023-selected.json")
    assert (doc["year"], doc["kind"], doc["scope"]) == (2023, "selected", "哈尔滨市")
    assert len(doc["projects"]) == 10
    by_title = {p["title"]: p for p in doc["projects"]}
    old = by_title["老旧小区改造项目"]
    assert {"metric": "改造老旧住宅", "unit": "万平方米", "value": "1005"} in old["targets"]
    assert all(p["significance"] for p in doc["projects"])
    sel = doc["selection"]
    assert (sel["pool"], sel["alternatives"], sel["candidates"], sel["selected"]) == (146, 30, 15, 10)


def test_harbin_2022_results():
    doc = by_name("harbin-2022-results.json")
    assert (doc["year"], doc["kind"]) == (2022, "results")
    assert len(doc["projects"]) == 10
    statuses = [p["status"] for p in doc["projects"]]
    assert statuses.count("超额完成") == 4 and statuses.count("全部完成") == 6
    pcts = {r["percent_of_target"] for p in doc["projects"] for r in p["results"]}
    assert {"100.73", "972.66"} <= pcts
    green = doc["projects"][0]
    assert green["title"] == "绿化景观项目"
    assert {"metric": "新增绿地", "unit": "万平方米", "value": "29.18",
            "percent_of_target": "972.66"} in green["results"]


def test_heilongjiang_2024_twenty():
    doc = by_name("heilongjiang-2024-twenty.json")
    assert (doc["year"], doc["kind"], doc["scope"]) == (2024, "plan", "黑龙江省")
    assert len(doc["projects"]) == 20
    assert all(p["responsible_units"] for p in doc["projects"])
    assert doc["reporting"]["frequency"] == "monthly"


def test_harbin_2025_tasks_reporting():
    doc = by_name("harbin-2025-tasks.json")
    assert (doc["year"], doc["kind"]) == (2025, "plan")
    assert len(doc["projects"]) == 18
    rep = doc["reporting"]
    assert rep["frequency"] == "quarterly"
    assert rep["due_day_of_month"] == 25 and rep["due_months"] == [3, 6, 9, 12]
    assert rep["completion_deadline_date"] == "2025-12-31"
    assert doc["source"]["date"] == "2025-04-11"


def test_harbin_2021_midyear():
    doc = by_name("harbin-2021-midyear.json")
    assert (doc["year"], doc["kind"]) == (2021, "midyear")
    assert len(doc["projects"]) == 10
    statuses = [p["status"] for p in doc["projects"]]
    assert statuses.count("已完工并投入使用") == 1
    assert statuses.count("部分投入使用") == 6
    assert statuses.count("推进中") == 3


def test_pingfang_2019_report():
    doc = by_name("pingfang-2019-report.json")
    assert (doc["year"], doc["kind"], doc["scope"]) == (2019, "report", "平房区")
    figures = {(f["metric"], f["unit"], f["value"]) for f in doc["summary"]["figures"]}
    assert ("平房区本级投入民生资金", "亿元", "5.8") in figures
    assert ("31项惠民实事合计支出", "亿元", "1.45") in figures
    assert doc["summary"]["items"] == 31
    assert len(doc["projects"]) == 10

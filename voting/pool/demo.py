"""The demo pool, built only from the real projects in candidates/ and screened through two
recorded rounds that mirror Harbin 2023 (储备库 146 → 备选 30 → 候选 15 → 票决 10).

The source names 146 projects in the reserve pool but lists only the 10 finally selected;
the demo pool therefore holds a copy of every other real project the repository has (all files
in candidates/, each also loaded as its own year by voting.supervision.history), labelled as
a filler in its source, and the funnel shows those counts. The round records quote the real figures.
The seed gives the screening bodies but no dates, so the rounds' dates are left empty.
"""

from __future__ import annotations

import json
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from voting import REPO_ROOT
from voting.pool import projects, rounds, units, values
from voting.pool.models import Project

CANDIDATES_DIR = REPO_ROOT / "candidates"
SELECTED_FILE = "harbin-2023-selected.json"
# Files in the order their projects enter the pool; the first ones fill the alternatives.
OTHER_FILES = ("harbin-2022-results.json", "harbin-2021-midyear.json",
               "heilongjiang-2024-twenty.json", "harbin-2025-tasks.json",
               "pingfang-2019-report.json")
ALTERNATIVES, CANDIDATES = 30, 15


def _load(name: str) -> dict:
    return json.loads((CANDIDATES_DIR / name).read_text(encoding="utf-8"))


def _values(doc: dict, item: dict, year: int) -> values.ProjectValues:
    source = f"{doc['scope']} {doc['year']}：{doc['source']['title']}"
    if doc["year"] != year:  # a filler: a copy of another year's project, said so
        source = f"演示填充副本（原为{doc['scope']}{doc['year']}年项目，非{year}年候选）：{doc['source']['title']}"
    return values.ProjectValues(
        title=item["title"], year=year, field=item.get("field") or "",
        content=item.get("content") or "", significance=item.get("significance") or "",
        targets=[values.Target(t["metric"], t["unit"], Decimal(t["value"]))
                 for t in item.get("targets") or []],
        investment_wan_yuan=(Decimal(item["investment_wan_yuan"])
                             if item.get("investment_wan_yuan") else None),
        lead_unit=item.get("lead_unit") or "",
        responsible_units=list(item.get("responsible_units") or []),
        source=source[:values.SOURCE_MAX])


def build_demo_pool(db: Session, actor, year: int = 2023) -> list[Project]:
    """The 15 candidate projects of `year` after the two rounds. Safe to call again: if the
    year already has projects, it changes nothing and returns the year's candidates. The
    units the seed documents name are created first (one per distinct name)."""
    units.import_seed_units(db, actor, sorted(CANDIDATES_DIR.glob("*.json")))
    if db.scalar(select(Project.id).where(Project.year == year).limit(1)) is not None:
        return projects.projects_in_stage(db, year, "candidate")
    selected_doc = _load(SELECTED_FILE)
    selection = selected_doc["selection"]
    steps = selection["steps"]
    selected = [projects.create_project(db, actor, _values(selected_doc, item, year))
                for item in selected_doc["projects"]]
    others = []
    for name in OTHER_FILES:
        doc = _load(name)
        others += [projects.create_project(db, actor, _values(doc, item, year))
                   for item in doc["projects"]]
    total = len(selected) + len(others)
    honest = (f"（演示数据说明：原文储备库共{selection['pool']}个项目，但只公布了最终入选的"
              f"{selection['selected']}个；本演示库收录 candidates/ 中全部{total}个真实项目，"
              f"除这{len(selected)}个2023年项目外，其余为其他年份、地区真实项目的演示填充副本"
              "（原项目另在其本年度），按原文的备选、候选项目数代入筛选。原文未载明决定日期。）")
    alternatives = selected + others[:ALTERNATIVES - len(selected)]
    rounds.record_round(
        db, actor, year=year, from_stage="pool",
        project_ids_advanced=[p.id for p in alternatives], body=steps[0]["by"], decided_on=None,
        rationale=f"{steps[0]['text']}，{steps[1]['text']}。{honest}")
    candidates = selected + others[:CANDIDATES - len(selected)]
    rounds.record_round(
        db, actor, year=year, from_stage="alternative",
        project_ids_advanced=[p.id for p in candidates], body=steps[2]["by"], decided_on=None,
        rationale=f"{steps[2]['text']}；{steps[3]['text']}。{honest}")
    return projects.projects_in_stage(db, year, "candidate")

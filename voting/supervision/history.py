"""The past years from the seed documents, each loaded as its own year: its projects selected
through recorded rounds that say where the record comes from, their targets, and the source's
own figures as a progress report (source "seed"), so that 2019–2025 read with the numbers the
documents published (绿化景观项目 2022: 100.73 %, 972.66 %, 176.84 %).

Nothing is invented: a target's annual value is None where the source gives only what was
achieved (its completion is then the source's stated percent), the delivery comes from the
source's own status word, and a year the documents give no figures for (a plan) has no report.
Services flush and never commit; loading a year that already has projects changes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from voting.audit.services import record
from voting.pool import projects, rounds, units, values
from voting.pool.demo import CANDIDATES_DIR
from voting.pool.models import Project
from voting.sessions import congresses
from voting.sessions.models import Congress, CongressSession
from voting.supervision.models import ProgressReport, ReportValue

SUBMITTED_BY_MAX = 80

# The source's status word → what is delivered (seed 004's three counts).
DELIVERY_OF = {"超额完成": "in_use", "全部完成": "in_use", "已完工并投入使用": "in_use",
               "部分投入使用": "partly_in_use", "推进中": "under_way"}


@dataclass(frozen=True)
class SeedYear:
    """One seed file loaded as its year. `selected_by` is the body that chose the projects as
    the source names it (or says that it does not); `congress` the congress and session to
    record where the source names them: (congress name, term, session name)."""

    file: str
    selected_by: str
    congress: tuple[str, int, str] | None = None


SEED_YEARS = (
    SeedYear("pingfang-2019-report.json",
             "平房区（原文只称“年初确定的惠民任务”，未载明确定机关）"),
    SeedYear("harbin-2021-midyear.json", "市十五届人大六次会议（人大代表投票表决）",
             ("哈尔滨市第十五届人民代表大会", 15, "第六次会议")),
    SeedYear("harbin-2022-results.json",
             "哈尔滨市（原文只报道2022年项目完成情况，未载明确定项目的会议）"),
    SeedYear("heilongjiang-2024-twenty.json", "黑龙江省人民政府办公厅（印发《新时代幸福龙江建设20件民生实事（2024年）》）"),
    SeedYear("harbin-2025-tasks.json", "哈尔滨市人民政府办公厅（印发2025年民生实事工作方案）"),
)
# The demo's vote year: its projects are the candidates of the demo poll (voting.pool.demo).
VOTE_YEAR_FILE = "harbin-2023-selected.json"


def load_doc(name: str) -> dict:
    return json.loads((CANDIDATES_DIR / name).read_text(encoding="utf-8"))


def seed_docs() -> dict[int, dict]:
    """Every seed document by its year (the vote year's too)."""
    docs = {}
    for name in [s.file for s in SEED_YEARS] + [VOTE_YEAR_FILE]:
        doc = load_doc(name)
        docs[doc["year"]] = doc
    return docs


def seed_doc(year: int) -> dict | None:
    """The seed document of a year, for the review pages' quotation of the source's own words."""
    return seed_docs().get(year)


def report_period(doc: dict) -> str | None:
    """Where the source's figures go: a year-end report or results as the year ("2022"), a
    mid-year review as its first half ("2021-H1"); a plan has no figures."""
    if doc["kind"] in ("results", "report"):
        return str(doc["year"])
    if doc["kind"] == "midyear":
        return f"{doc['year']}-H1"
    return None


def source_label(doc: dict) -> str:
    return f"{doc['scope']} {doc['year']}：{doc['source']['title']}"[:values.SOURCE_MAX]


def seed_targets(item: dict) -> list[values.Target]:
    """The item's stated targets, then one target without a value for each result the source
    gives no target for (metric and unit as written)."""
    out = [values.Target(t["metric"], t["unit"], Decimal(t["value"]))
           for t in item.get("targets") or []]
    known = {(t.metric, t.unit) for t in out}
    for r in item.get("results") or []:
        if (r["metric"], r["unit"]) not in known:
            known.add((r["metric"], r["unit"]))
            out.append(values.Target(r["metric"], r["unit"], None))
    return out


def project_values(doc: dict, item: dict) -> values.ProjectValues:
    return values.ProjectValues(
        title=item["title"], year=doc["year"], field=item.get("field") or "",
        content=item.get("content") or "", significance=item.get("significance") or "",
        targets=seed_targets(item),
        investment_wan_yuan=(Decimal(item["investment_wan_yuan"])
                             if item.get("investment_wan_yuan") else None),
        lead_unit=item.get("lead_unit") or "",
        responsible_units=list(item.get("responsible_units") or []),
        source=source_label(doc))


def submitted_by(doc: dict) -> str:
    return (doc["source"].get("issuer") or doc["source"]["title"])[:SUBMITTED_BY_MAX]


def seed_report(doc: dict, item: dict, project: Project, period: str) -> ProgressReport:
    """The source's figures on one project as version 1 of its report for `period`."""
    by_key = {(t.metric, t.unit): t for t in project.targets}
    report_values = [
        ReportValue(target_id=by_key[(r["metric"], r["unit"])].id, achieved=r["value"],
                    entered=r["value"], entered_unit=r["unit"],
                    stated_completion=r.get("percent_of_target"))
        for r in item.get("results") or []]
    narrative = item.get("content") or ""
    if item.get("status"):
        narrative += f"\n（状态：{item['status']}）"
    if item.get("notes"):
        narrative += f"\n说明：{item['notes']}"
    narrative = narrative.strip()
    return ProgressReport(project_id=project.id, period=period, version=1, unit_id=None,
                          submitted_by=submitted_by(doc), due=None, late=False,
                          narrative=narrative, spending_wan_yuan=None,
                          delivery=DELIVERY_OF.get(item.get("status") or ""), source="seed",
                          values=report_values)


def _rationale(doc: dict, step: str) -> str:
    src = doc["source"]
    where = "、".join(x for x in (src.get("issuer"), src.get("date")) if x)
    return (f"历史数据载入（{step}）：依据《{src['title']}》{('（' + where + '）') if where else ''}"
            f"载入{doc['scope']}{doc['year']}年的{len(doc['projects'])}个项目。原文只载明最终确定的"
            "项目，未载明此前的筛选；此处逐级载入只为留痕，不是筛选决定。")


def select_loaded(db: Session, actor, doc: dict, year_seed: SeedYear,
                  loaded: list[Project]) -> None:
    """Move the loaded projects to `selected` through recorded rounds (pool → alternative →
    candidate → selected), each saying that it is a load of the published record."""
    ids = [p.id for p in loaded]
    year = doc["year"]
    decided = doc["source"].get("date")
    # A plan's date is the day it was decided (issued); a report's is only when it was written.
    decided_on = date.fromisoformat(decided) if decided and doc["kind"] == "plan" else None
    body = "历史数据载入（依据公开文件）"
    rounds.record_round(db, actor, year=year, from_stage="pool", project_ids_advanced=ids,
                        body=body, decided_on=None, rationale=_rationale(doc, "储备库 → 备选"))
    rounds.record_round(db, actor, year=year, from_stage="alternative",
                        project_ids_advanced=ids, body=body, decided_on=None,
                        rationale=_rationale(doc, "备选 → 候选"))
    rounds.select_by_vote(db, actor, year=year, project_ids=ids, body=year_seed.selected_by,
                          decided_on=decided_on, rationale=_rationale(doc, "候选 → 入选"))


def ensure_congress_session(db: Session, actor, name: str, term: int, session_name: str,
                            year: int) -> CongressSession:
    """The congress and session the source names, created once."""
    congress = db.scalar(select(Congress).where(Congress.name == name))
    if congress is None:
        congress = congresses.create_congress(db, actor, name=name, term=term)
    session = db.scalar(select(CongressSession).where(CongressSession.congress_id == congress.id,
                                                      CongressSession.name == session_name))
    if session is None:
        session = congresses.create_session(db, actor, congress_id=congress.id,
                                            name=session_name, year=year)
    return session


def load_year(db: Session, actor, year_seed: SeedYear) -> list[Project]:
    """One seed year: its projects selected, their targets, the source's figures as a report.
    A year that already has projects is left as it is (returns its selected projects)."""
    doc = load_doc(year_seed.file)
    year = doc["year"]
    if year_seed.congress:
        name, term, session_name = year_seed.congress
        ensure_congress_session(db, actor, name, term, session_name, year)
    if db.scalar(select(Project.id).where(Project.year == year).limit(1)) is not None:
        return projects.projects_in_stage(db, year, "selected")
    loaded = [projects.create_project(db, actor, project_values(doc, item))
              for item in doc["projects"]]
    select_loaded(db, actor, doc, year_seed, loaded)
    period = report_period(doc)
    reports = 0
    if period is not None:
        for item, project in zip(doc["projects"], loaded):
            db.add(seed_report(doc, item, project, period))
            reports += 1
        db.flush()
    record(db, actor, "history.load", "year", year, seed=doc["source"]["seed"],
           scope=doc["scope"], kind=doc["kind"], projects=len(loaded), reports=reports,
           period=period)
    return loaded


def load_history(db: Session, actor) -> dict[int, list[Project]]:
    """Every seed year but the vote year, each as its own year; the seed units first."""
    units.import_seed_units(db, actor, sorted(CANDIDATES_DIR.glob("*.json")))
    return {load_doc(s.file)["year"]: load_year(db, actor, s) for s in SEED_YEARS}

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
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from voting.audit.services import record
from voting.pool import projects, rounds, units, values
from voting.pool.demo import CANDIDATES_DIR
from voting.pool.models import Project, ScreeningRound
from voting.sessions import congresses
from voting.sessions.models import Congress, CongressSession
from voting.supervision.models import ProgressReport, ReportValue

SUBMITTED_BY_MAX = 80
# The sources' dates are local (Harbin) days; callers pass the app's zone.
DEFAULT_ZONE = "Asia/Shanghai"

# The source's status word → what is delivered (seed 004's three counts).
DELIVERY_OF = {"超额完成": "in_use", "全部完成": "in_use", "已完工并投入使用": "in_use",
               "部分投入使用": "partly_in_use", "推进中": "under_way"}


@dataclass(frozen=True)
class SeedYear:
    """One seed file loaded as its year. `selected_by` is the body that chose the projects as
    the source names it (or says that it does not); `congress` the congress and session to
    record where the source names them: (congress name, term, session name). `voted`: the
    source says deputies voted the projects (seeds 000, 004); `session` the session it names."""

    file: str
    selected_by: str
    congress: tuple[str, int, str] | None = None
    voted: bool = False
    session: str | None = None
    origin: str = ""  # short, for the projects' `source`: who decided, voted or not


SEED_YEARS = (
    SeedYear("pingfang-2019-report.json",
             "平房区（原文只称“年初确定的惠民任务”，未载明确定机关；非人大代表票决）",
             origin="区级惠民实事，非人大代表票决"),
    SeedYear("harbin-2021-midyear.json", "市十五届人大六次会议（人大代表投票表决）",
             ("哈尔滨市第十五届人民代表大会", 15, "第六次会议"), voted=True,
             session="市十五届人大六次会议", origin="市十五届人大六次会议人大代表投票表决"),
    SeedYear("harbin-2022-results.json",
             "哈尔滨市人大代表实施监督的民生项目（原文报道2022年度完成情况，未载明票决会议）",
             voted=True, origin="人大代表实施监督的民生项目，原文未载明票决会议"),
    SeedYear("heilongjiang-2024-twenty.json",
             "黑龙江省人民政府办公厅（印发《新时代幸福龙江建设20件民生实事（2024年）》；"
             "省政府确定，非人大代表票决）",
             origin="省政府办公厅印发，非人大代表票决"),
    SeedYear("harbin-2025-tasks.json",
             "哈尔滨市人民政府办公厅（印发2025年民生实事工作方案；市政府确定，非人大代表票决）",
             origin="市政府办公厅印发，非人大代表票决"),
)
# The vote year as its source tells it (the demo's poll re-enacts it: voting.pool.demo).
VOTE_YEAR = SeedYear("harbin-2023-selected.json", "市十六届人大二次会议（人大代表无记名投票）",
                     voted=True, session="市十六届人大二次会议",
                     origin="市十六届人大二次会议人大代表无记名投票")
# The demo's vote year: its projects are the candidates of the demo poll (voting.pool.demo).
VOTE_YEAR_FILE = VOTE_YEAR.file


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


def source_label(doc: dict, seed: SeedYear | None = None) -> str:
    """Scope, year and who decided (kept ahead of the title, which may be cut), then the
    source's title: 「平房区 2019（区级惠民实事，非人大代表票决）：民生优先…」."""
    origin = f"（{seed.origin}）" if seed and seed.origin else ""
    return f"{doc['scope']} {doc['year']}{origin}：{doc['source']['title']}"[:values.SOURCE_MAX]


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


def project_values(doc: dict, item: dict, seed: SeedYear | None = None) -> values.ProjectValues:
    return values.ProjectValues(
        title=item["title"], year=doc["year"], field=item.get("field") or "",
        content=item.get("content") or "", significance=item.get("significance") or "",
        targets=seed_targets(item),
        investment_wan_yuan=(Decimal(item["investment_wan_yuan"])
                             if item.get("investment_wan_yuan") else None),
        lead_unit=item.get("lead_unit") or "",
        responsible_units=list(item.get("responsible_units") or []),
        source=source_label(doc, seed))


def submitted_by(doc: dict) -> str:
    """The source document by its title (and who published it, where that fits): the figures
    are the document's, no unit filed them."""
    src = doc["source"]
    title = f"《{src['title']}》"
    with_issuer = f"{title}（{src['issuer']}）" if src.get("issuer") else title
    if len(with_issuer) <= SUBMITTED_BY_MAX:
        return with_issuer
    if len(title) <= SUBMITTED_BY_MAX:
        return title
    return title[:SUBMITTED_BY_MAX - 2] + "…》"


def source_moment(doc: dict, zone: str) -> datetime | None:
    """The source's own date (local midnight of that day) as the figures' time, or None where
    the source gives no date: the report then keeps the time it was loaded, and the pages say
    so rather than show an invented date."""
    day = doc["source"].get("date")
    if not day:
        return None
    return datetime.combine(date.fromisoformat(day), time(0), ZoneInfo(zone))


def seed_report(doc: dict, item: dict, project: Project, period: str,
                zone: str = DEFAULT_ZONE) -> ProgressReport:
    """The source's figures on one project as version 1 of its report for `period`, dated by
    the source where it gives a date."""
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
    moment = source_moment(doc, zone)
    dated = {"submitted_at": moment} if moment is not None else {}
    return ProgressReport(project_id=project.id, period=period, version=1, unit_id=None,
                          submitted_by=submitted_by(doc), due=None, late=False, **dated,
                          narrative=narrative, spending_wan_yuan=None,
                          delivery=DELIVERY_OF.get(item.get("status") or ""), source="seed",
                          values=report_values)


def _origin_sentence(doc: dict, seed: SeedYear) -> str:
    """Who decided the year's projects and whether deputies voted them, as the source says."""
    if seed.voted:
        how = (f"由{seed.session}人大代表投票确定" if seed.session
               else "为人大代表实施监督的项目（原文未载明票决会议）")
    else:
        how = "不是人大代表票决的项目"
    return f"{doc['scope']}{doc['year']}年项目的确定：{seed.selected_by}；{how}。"


def _rationale(doc: dict, step: str, seed: SeedYear) -> str:
    src = doc["source"]
    where = "、".join(x for x in (src.get("issuer"), src.get("date")) if x)
    return (f"历史数据载入（{step}）：依据《{src['title']}》{('（' + where + '）') if where else ''}"
            f"载入{doc['scope']}{doc['year']}年的{len(doc['projects'])}个项目。"
            f"{_origin_sentence(doc, seed)}原文只载明最终确定的"
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
                        body=body, decided_on=None,
                        rationale=_rationale(doc, "储备库 → 备选", year_seed))
    rounds.record_round(db, actor, year=year, from_stage="alternative",
                        project_ids_advanced=ids, body=body, decided_on=None,
                        rationale=_rationale(doc, "备选 → 候选", year_seed))
    rounds.select_by_vote(db, actor, year=year, project_ids=ids, body=year_seed.selected_by,
                          decided_on=decided_on,
                          rationale=_rationale(doc, "候选 → 入选", year_seed))


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


def load_year(db: Session, actor, year_seed: SeedYear,
              zone: str = DEFAULT_ZONE) -> list[Project]:
    """One seed year: its projects selected, their targets, the source's figures as a report.
    A year that already has projects is left as it is (returns its selected projects)."""
    doc = load_doc(year_seed.file)
    year = doc["year"]
    if year_seed.congress:
        name, term, session_name = year_seed.congress
        ensure_congress_session(db, actor, name, term, session_name, year)
    if db.scalar(select(Project.id).where(Project.year == year).limit(1)) is not None:
        return projects.projects_in_stage(db, year, "selected")
    loaded = [projects.create_project(db, actor, project_values(doc, item, year_seed))
              for item in doc["projects"]]
    select_loaded(db, actor, doc, year_seed, loaded)
    period = report_period(doc)
    reports = 0
    if period is not None:
        for item, project in zip(doc["projects"], loaded):
            db.add(seed_report(doc, item, project, period, zone))
            reports += 1
        db.flush()
    record(db, actor, "history.load", "year", year, seed=doc["source"]["seed"],
           scope=doc["scope"], kind=doc["kind"], projects=len(loaded), reports=reports,
           period=period)
    return loaded


def _seed_year_of(year: int, projects_of_year: list[Project]) -> tuple[SeedYear, dict] | None:
    """The seed year these projects were loaded from (their `source` is the seed's label)."""
    for seed in SEED_YEARS + (VOTE_YEAR,):
        doc = load_doc(seed.file)
        labels = (source_label(doc, seed), source_label(doc))  # the latter: loaded before
        if doc["year"] == year and any(p.source in labels for p in projects_of_year):
            return seed, doc
    return None


def year_origin(db: Session, year: int) -> dict | None:
    """Who decided a year's selected projects, and whether deputies voted them: the pages say
    so, since a district report (2019) or a government plan (2024, 2025) was never voted.
    None while the year has no selected projects. A published poll of the year's projects
    makes it voted by that session; otherwise the seed document the projects came from says;
    otherwise the recorded round's body decided, without a vote."""
    from voting.ballots.models import Poll, PollCandidate

    selected = projects.projects_in_stage(db, year, "selected")
    if not selected:
        return None
    final = db.scalar(select(ScreeningRound).where(
        ScreeningRound.year == year, ScreeningRound.to_stage == "selected")
        .order_by(ScreeningRound.id.desc()).limit(1))
    seed = _seed_year_of(year, selected)
    out = {"scope": seed[1]["scope"] if seed else "",
           "decided_by": final.body if final else "",
           "voted": False, "session": None,
           "source_title": seed[1]["source"]["title"] if seed else "",
           "decided_on": final.decided_on if final else None}
    poll = db.scalar(select(Poll).join(PollCandidate, PollCandidate.poll_id == Poll.id).where(
        PollCandidate.project_id.in_([p.id for p in selected]), Poll.status == "published",
        Poll.kind.in_(("selection", "for_against"))).order_by(Poll.id.desc()).limit(1))
    if poll is not None:
        session = db.get(CongressSession, poll.session_id)
        out.update(voted=True, session=session.title, decided_by=final.body if final
                   else session.title)
    elif seed is not None:
        out.update(voted=seed[0].voted, session=seed[0].session,
                   decided_by=final.body if final else seed[0].selected_by)
    return out


def load_history(db: Session, actor, zone: str = DEFAULT_ZONE) -> dict[int, list[Project]]:
    """Every seed year but the vote year, each as its own year; the seed units first. `zone`:
    where the sources' dates are days (the app's BABEL_DEFAULT_TIMEZONE)."""
    units.import_seed_units(db, actor, sorted(CANDIDATES_DIR.glob("*.json")))
    return {load_doc(s.file)["year"]: load_year(db, actor, s, zone) for s in SEED_YEARS}

"""A year under supervision for the public pages' tests, arranged through the models (the
reporting services belong to another part): 2025 with a quarterly schedule, four projects
selected by a published poll, reports on time, late and corrected; a 2022 project with a seed
document's stated percent; a project still in the pool. `TODAY` is the date the figures below
are computed for (the tests pin `progress.local_today` to it)."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from tests.helpers import app_db, user
from tests.polls import cast, poll_in_database, roster
from voting.pool.models import Project, ProjectTarget, ProjectUnit, Unit
from voting.supervision import progress
from voting.supervision.models import ProgressReport, ReportingSchedule, ReportValue
from voting.tally import services as tally

TODAY = date(2025, 7, 1)  # Q1 and Q2 due dates passed: 50 % of the periods elapsed
UTC = timezone.utc


def _at(y, m, d):
    return datetime(y, m, d, 9, 0, tzinfo=UTC)


def _report(s, project, target_values, *, period, version=1, submitted, due, late=False,
            narrative="", unit=None, source="form", stated=None):
    r = ProgressReport(project_id=project.id, period=period, version=version,
                       unit_id=unit.id if unit else None, submitted_by="unit",
                       submitted_at=submitted, due=due, late=late, narrative=narrative,
                       source=source)
    r.values = [ReportValue(target_id=t.id, achieved=v, entered=v, entered_unit=t.unit,
                            stated_completion=(stated or {}).get(t.id))
                for t, v in target_values]
    s.add(r)
    s.flush()
    return r


def _project(s, title, year, *, stage="candidate", field="住房", content="", targets=(),
             lead=None, units=()):
    p = Project(title=title, year=year, stage=stage, field=field, content=content,
                significance=f"{title}的意义", lead_unit=lead.name if lead else "",
                responsible_units="、".join(u.name for u in units))
    p.targets = [ProjectTarget(position=i, metric=m, unit=u,
                               value=None if v is None else Decimal(v))
                 for i, (m, u, v) in enumerate(targets, start=1)]
    links = []
    if lead:
        links.append(ProjectUnit(role="lead", position=1, unit_id=lead.id))
    links += [ProjectUnit(role="responsible", position=i, unit_id=u.id)
              for i, u in enumerate(units, start=1)]
    p.unit_links = links
    s.add(p)
    s.flush()
    return p


def build(app, poll_key, sitting) -> dict:
    """Everything above; returns the ids by name."""
    congress_id, session_id = sitting
    with app_db(app) as s:
        housing = Unit(name="市住建局")
        traffic = Unit(name="市交通局")
        greening = Unit(name="市园林局")
        s.add_all([housing, traffic, greening])
        s.flush()
        renovate = _project(s, "老旧小区改造", 2025, content="改造老旧住宅小区，完善配套设施",
                            targets=[("改造老旧住宅", "万平方米", "1005"),
                                     ("新建社区食堂（不少于）", "个", "10")],
                            lead=housing, units=[housing])
        parking = _project(s, "新增停车泊位", 2025, field="交通", content="在医院和学校周边新增停车泊位",
                           targets=[("新增停车泊位", "个", "1000")], lead=traffic,
                           units=[traffic])
        toilets = _project(s, "公共厕所改造", 2025, field="城市建设", content="改造城区公共厕所",
                           targets=[("改造公共厕所", "座", "50")], units=[housing])
        trees = _project(s, "城市绿化提升", 2025, field="生态环境", content="新植树木，建设口袋公园",
                         targets=[("新植树木", "万株", "1.5")], lead=greening, units=[greening])
        lost = _project(s, "农贸市场升级", 2025, field="其他", content="升级农贸市场",
                        targets=[("升级农贸市场", "个", "5")])
        pool_only = _project(s, "=HYPERLINK(\"http://x\")储备项目", 2025, stage="pool",
                             field="其他", targets=[])

        poll = poll_in_database(s, poll_key, session_id, candidates=5, seats=4,
                                title="2025年民生实事项目票决",
                                titles=[p.title for p in (renovate, parking, toilets, trees,
                                                          lost)])
        for c, p in zip(poll.candidates, (renovate, parking, toilets, trees, lost)):
            c.project_id = p.id
        s.flush()
        roster(s, congress_id, session_id, 10, poll=poll)
        cast(s, poll_key, poll, [["c1", "c2", "c3", "c4"]] * 7 + [["c5"]] * 3)
        tally.tally_poll(s, user(s, "clerk"), poll.id, app.instance_path)
        tally.publish_poll(s, user(s, "clerk"), poll.id)

        s.add(ReportingSchedule(year=2025, frequency="quarterly", due_day=25,
                                final_deadline=date(2025, 12, 31), set_by="clerk"))
        s.flush()
        t1, t2 = renovate.targets
        _report(s, renovate, [(t1, "200"), (t2, "3")], period="2025-Q1",
                submitted=_at(2025, 3, 20), due=date(2025, 3, 25), unit=housing,
                narrative="一季度开工")
        _report(s, renovate, [(t1, "600"), (t2, "6")], period="2025-Q2",
                submitted=_at(2025, 6, 24), due=date(2025, 6, 25), unit=housing,
                narrative="二季度推进")
        (tp,) = parking.targets
        _report(s, parking, [(tp, "100")], period="2025-Q1", submitted=_at(2025, 4, 2),
                due=date(2025, 3, 25), late=True, unit=traffic, narrative="迟报")
        _report(s, parking, [(tp, "300")], period="2025-Q2", submitted=_at(2025, 6, 20),
                due=date(2025, 6, 25), unit=traffic, narrative="初报")
        _report(s, parking, [(tp, "350")], period="2025-Q2", version=2,
                submitted=_at(2025, 6, 23), due=date(2025, 6, 25), unit=traffic,
                narrative="更正")
        (tt,) = trees.targets
        _report(s, trees, [(tt, "1.76")], period="2025-Q1", submitted=_at(2025, 3, 1),
                due=date(2025, 3, 25), unit=greening, narrative="提前完成")
        _report(s, trees, [(tt, "1.76")], period="2025-Q2", submitted=_at(2025, 6, 1),
                due=date(2025, 6, 25), unit=greening)

        seed = _project(s, "绿化景观项目", 2022, stage="selected", field="生态环境",
                        targets=[("新植树木", "万株", None), ("新建口袋公园", "个", "20")])
        g1, g2 = seed.targets
        _report(s, seed, [(g1, "17.6"), (g2, "21")], period="2022", submitted=_at(2023, 1, 10),
                due=None, source="seed", stated={g1.id: "972.66"})
        return {"poll": poll.id, "renovate": renovate.id, "parking": parking.id,
                "toilets": toilets.id, "trees": trees.id, "lost": lost.id,
                "pool_only": pool_only.id, "seed": seed.id,
                "targets": {"renovate": [t1.id, t2.id], "parking": tp.id, "trees": tt.id,
                            "seed": [g1.id, g2.id]},
                "units": {"housing": housing.id, "traffic": traffic.id,
                          "greening": greening.id}}


@pytest.fixture
def data(app, poll_key, sitting, monkeypatch):
    """The public year of `build`, seen on TODAY (imported by the public page tests)."""
    monkeypatch.setattr(progress, "local_today", lambda zone: TODAY)
    return build(app, poll_key, sitting)


def page_html(client, url) -> str:
    r = client.get(url)
    assert r.status_code == 200, url
    return r.get_data(as_text=True)

"""The demo pool: every real project from candidates/, screened by two recorded rounds that
mirror Harbin 2023, with the ten projects Harbin actually selected among the 15 candidates."""

import json

from sqlalchemy import func, select

from tests.helpers import app_db, user
from voting import REPO_ROOT
from voting.pool import projects
from voting.pool.demo import build_demo_pool
from voting.pool.models import Project, ScreeningRound


def _real_count() -> int:
    return sum(len(json.loads(p.read_text(encoding="utf-8"))["projects"])
               for p in (REPO_ROOT / "candidates").glob("*.json"))


def test_demo_pool_mirrors_harbin_2023(app, clerk):
    harbin = json.loads((REPO_ROOT / "candidates" / "harbin-2023-selected.json")
                        .read_text(encoding="utf-8"))
    with app_db(app) as s:
        candidates = build_demo_pool(s, user(s, "clerk"))
    with app_db(app) as s:
        assert len(candidates) == 15 and all(p.stage == "candidate" for p in candidates)
        titles = {p.title for p in candidates}
        assert {p["title"] for p in harbin["projects"]} <= titles
        f = projects.funnel(s, 2023)
        total = _real_count()
        assert [projects.reached(f.counts, st) for st in ("pool", "alternative", "candidate")] == [
            total, 30, 15]
        first, second = f.rounds
        assert (first.from_stage, first.to_stage, len(first.entries)) == ("pool", "alternative", total)
        assert (second.from_stage, second.to_stage, len(second.entries)) == (
            "alternative", "candidate", 30)
        assert second.body == "市政府民生项目监督工作领导小组第二次会议"
        assert "146" in first.rationale and "市政府第15次常务会议" in second.rationale
        assert second.decided_on is None  # the source gives no date; none is invented
        assert all(p.source for p in s.scalars(select(Project)))
        # the other years' projects stand in the 2023 pool as copies, and say so
        fillers = s.scalars(select(Project).where(Project.title.not_in(
            [p["title"] for p in harbin["projects"]]))).all()
        assert len(fillers) == total - 10
        assert all(p.source.startswith("演示填充副本（原为") and p.year == 2023 for p in fillers)
        assert "演示填充副本" in first.rationale
        gas = s.scalar(select(Project).where(Project.title == "燃气安全设施改造项目"))
        assert gas.significance.startswith("保证居民安全使用管道燃气")


def test_demo_pool_is_safe_to_build_twice(app, clerk):
    with app_db(app) as s:
        first = build_demo_pool(s, user(s, "clerk"))
    with app_db(app) as s:
        again = build_demo_pool(s, user(s, "clerk"))
        assert [p.id for p in again] == [p.id for p in first]
        assert s.scalar(select(func.count(ScreeningRound.id))) == 2
        assert s.scalar(select(func.count(Project.id))) == _real_count()


def test_funnel_page_shows_the_demo_counts(app, client, clerk):
    with app_db(app) as s:
        build_demo_pool(s, user(s, "clerk"))
    html = client.get("/pool/").get_data(as_text=True)
    assert f'data-count="pool">{_real_count()}<' in html
    assert 'data-count="alternative">30<' in html and 'data-count="candidate">15<' in html
    assert "市政府民生项目监督工作领导小组第二次会议" in html and "来源未载明" in html

"""Projects and screening rounds: stages change only through recorded rounds, which never change."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DatabaseError

from tests.helpers import app_db, user
from tests.pool.helpers import screen, values
from voting.audit.models import AuditEntry
from voting.errors import Conflict, Invalid
from voting.pool import projects, rounds
from voting.pool import values as values_svc
from voting.pool.models import Project, RoundEntry, ScreeningRound


def _stages(s, ids):
    return [s.get(Project, i).stage for i in ids]


def test_create_and_update_project_with_targets(app, clerk):
    with app_db(app) as s:
        actor = user(s, "clerk")
        p = projects.create_project(s, actor, values(
            "基础教育设施建设项目", year=2023, field="教育", content="新建4所中小学校",
            targets=values_svc.parse_targets("新建中小学校 = 4 所\n增加义务教育学位=8000个"),
            investment_wan_yuan=Decimal("1200.5"), responsible_units=["市教育局", "市财政局"]))
        assert p.stage == "pool"
        assert [(t.position, t.metric, t.unit, t.value) for t in p.targets] == [
            (1, "新建中小学校", "所", Decimal("4")), (2, "增加义务教育学位", "个", Decimal("8000"))]
        assert p.responsible_units == "市教育局、市财政局"
        projects.update_project(s, actor, p.id, values("基础教育设施建设项目", year=2023,
                                                       targets=[]))
        assert p.targets == [] and p.stage == "pool"
        actions = [e.action for e in s.scalars(select(AuditEntry).order_by(AuditEntry.seq))]
        assert actions[-2:] == ["project.create", "project.update"]


def test_project_validation_names_the_field(app, clerk):
    with app_db(app) as s:
        actor = user(s, "clerk")
        with pytest.raises(Invalid) as exc:
            projects.create_project(s, actor, values("  "))
        assert exc.value.field == "title"
        with pytest.raises(Invalid) as exc:
            projects.create_project(s, actor, values("x", year=1800))
        assert exc.value.field == "year"
        with pytest.raises(Invalid) as exc:
            projects.create_project(s, actor, values("x", investment_wan_yuan=Decimal("-1")))
        assert exc.value.field == "investment_wan_yuan"
        with pytest.raises(Invalid) as exc:
            projects.create_project(s, actor, values("x", field="娱乐"))
        assert exc.value.field == "field"
        with pytest.raises(ValueError, match="指标 = 数值 单位"):
            values_svc.parse_targets("新建学校四所")
        assert s.scalar(select(Project.id)) is None


def test_forward_rounds_move_the_chosen_and_record_all_that_went_in(app, pool_2024):
    ids = pool_2024
    with app_db(app) as s:
        first = screen(s, ids[:4])
        assert first.to_stage == "alternative"
        assert _stages(s, ids) == ["alternative"] * 4 + ["pool"] * 2
        assert sorted((e.project_id, e.outcome) for e in first.entries) == [
            (i, "advanced") for i in ids[:4]] + [(i, "kept") for i in ids[4:]]
        second = screen(s, ids[:2], stage="alternative", body="市政府第15次常务会议")
        assert _stages(s, ids) == ["candidate"] * 2 + ["alternative"] * 2 + ["pool"] * 2
        assert len(second.entries) == 4  # only the alternatives went in
        f = projects.funnel(s, 2024)
        assert f.counts == {"pool": 2, "alternative": 2, "candidate": 2, "selected": 0}
        assert [projects.reached(f.counts, st) for st in ("pool", "alternative", "candidate")] == [6, 4, 2]
        assert [r.body for r in f.rounds] == ["领导小组第二次会议", "市政府第15次常务会议"]
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "round.record")
                         .order_by(AuditEntry.seq.desc()))
        assert entry.details["moved"] == sorted(ids[:2]) and entry.details["went_in"] == 4


def test_wrong_stage_wrong_year_and_empty_choice_are_refused(app, pool_2024):
    ids = pool_2024
    with app_db(app) as s:
        screen(s, ids[:3])
    with app_db(app) as s:
        with pytest.raises(Conflict):  # ids[0] is no longer in the pool
            screen(s, [ids[0], ids[4]])
        with pytest.raises(Conflict):  # no project of 2023
            screen(s, [ids[4]], year=2023)
        with pytest.raises(Invalid) as exc:
            screen(s, [])
        assert exc.value.field == "project_ids"
        with pytest.raises(Invalid):  # candidates cannot move further forward by a round
            screen(s, [ids[0]], stage="candidate")
        with pytest.raises(Invalid):  # nothing is before the pool
            screen(s, [ids[4]], stage="pool", direction="reverse")
        with pytest.raises(Invalid) as exc:
            rounds.record_round(s, user(s, "clerk"), year=2024, from_stage="pool",
                                project_ids_advanced=[ids[4]], body="x", rationale="y",
                                decided_on=date.today() + timedelta(days=1))
        assert exc.value.field == "decided_on"
        s.rollback()
    with app_db(app) as s:
        assert _stages(s, ids) == ["alternative"] * 3 + ["pool"] * 3
        assert len(s.scalars(select(ScreeningRound)).all()) == 1


def test_reverse_round_undoes_a_mistake_as_new_history(app, pool_2024):
    ids = pool_2024
    with app_db(app) as s:
        screen(s, ids[:3])
        undo = rounds.record_round(s, user(s, "clerk"), year=2024, from_stage="alternative",
                                   project_ids_advanced=[ids[2]], body="领导小组办公室",
                                   decided_on=None, rationale="误选：项目3与项目1重复",
                                   direction="reverse")
        assert (undo.from_stage, undo.to_stage, undo.direction) == ("alternative", "pool", "reverse")
        assert _stages(s, ids) == ["alternative"] * 2 + ["pool"] * 4
        history = projects.stage_history(s, ids[2])
        assert [(r.direction, e.outcome) for r, e in history] == [("forward", "advanced"),
                                                                  ("reverse", "advanced")]


def test_recorded_rounds_cannot_be_edited_or_deleted(app, pool_2024):
    with app_db(app) as s:
        round_id = screen(s, pool_2024[:2]).id
    with app_db(app) as s:
        for stmt in (update(ScreeningRound).where(ScreeningRound.id == round_id)
                     .values(rationale="改写"),
                     delete(RoundEntry).where(RoundEntry.round_id == round_id),
                     update(RoundEntry).values(outcome="kept")):
            with pytest.raises(DatabaseError, match="immutable"):
                s.execute(stmt)
            s.rollback()
    with app_db(app) as s:
        assert s.get(ScreeningRound, round_id).rationale == "按群众呼声排序"


def test_year_is_fixed_after_a_round_and_the_stage_is_not_editable(app, pool_2024):
    with app_db(app) as s:
        screen(s, pool_2024[:1])
        with pytest.raises(Conflict) as exc:
            projects.update_project(s, user(s, "clerk"), pool_2024[0], values("项目1", year=2025))
        assert exc.value.field == "year"
        late = projects.create_project(s, user(s, "clerk"), values("后来的项目"))
        p = projects.update_project(s, user(s, "clerk"), late.id, values("新名称", year=2025))
        assert (p.year, p.stage) == (2025, "pool")

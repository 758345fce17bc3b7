"""The public completion and status rules (voting.supervision.rules), at their edges."""

from datetime import date
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from voting.supervision import rules
from voting.supervision.rules import TargetState


def test_completion_is_achieved_over_target_rounded_half_up():
    assert TargetState("新增绿地", D("3"), D("29.18")).completion == D("972.67")
    assert TargetState("x", D("8"), D("1")).completion == D("12.50")
    assert TargetState("x", D("3"), D("2")).completion == D("66.67")
    assert TargetState("x", D("200"), D("0.01")).completion == D("0.01")  # 0.005 rounds up


def test_no_target_value_has_no_completion_unless_the_source_states_one():
    assert TargetState("新增公园（游园）", None, D("8")).completion is None
    assert TargetState("新增公园（游园）", None, D("8")).met is None
    assert TargetState("补植", None, D("1.76"), stated=D("100.73")).completion == D("100.73")
    assert TargetState("x", D("0"), D("5")).completion is None  # a zero target cannot be divided by


def test_no_report_has_no_completion_and_no_status():
    t = TargetState("x", D("10"), None)
    assert t.completion is None
    assert rules.status([t], reported=False, elapsed=D(50), year_over=False) is None


def test_a_target_exceeded_tenfold_counts_as_100_in_the_project_mean():
    tenfold = TargetState("新增绿地", D("3"), D("30"))
    half = TargetState("新植树木", D("10"), D("5"))
    assert tenfold.completion == D("1000.00")
    assert rules.project_completion([tenfold, half]) == D("75.00")
    assert rules.status([tenfold, half], reported=True, elapsed=D(50), year_over=False) == "in_progress"
    assert rules.status([tenfold, half], reported=True, elapsed=D(100), year_over=True) == "partly_completed"


@pytest.mark.parametrize("metric,target,achieved,met", [
    ("举办线上线下招聘活动（以上）", "500", "500", True),   # 以上 includes the number
    ("举办线上线下招聘活动（以上）", "500", "499", False),
    ("新增儿童友好城市（不少于）", "3", "3", True),
    ("务工规模（不低于）", "19.67", "19.66", False),
    ("集采品种平均降价（超过）", "50", "50", False),          # 超过 is strictly more
    ("集采品种平均降价（超过）", "50", "50.1", True),
    ("新建学位（左右）", "1000", "950", True),                # about: from 95 %
    ("新建学位（左右）", "1000", "949", False),
    ("等待时间（不超过）", "30", "30", True),                 # a ceiling
    ("等待时间（不超过）", "30", "31", False),
    ("改造老旧小区", "1005", "1005", True),                   # no qualifier: at least
])
def test_qualifiers(metric, target, achieved, met):
    assert TargetState(metric, D(target), D(achieved)).met is met


def test_a_ceiling_contributes_100_when_kept_and_its_inverse_otherwise():
    assert TargetState("x（不超过）", D(30), D(15)).contribution == D(100)
    assert TargetState("x（不超过）", D(30), D(60)).contribution == D("50.00")


def test_status_exceeded_needs_110_percent_on_one_target_and_all_met():
    # the seeds: 972.66 % is 超额完成, a project at 101 % is 全部完成 (2022 城区排污设施改造项目)
    assert rules.status([TargetState("a", None, D(1), D("100.73")), TargetState("b", None, D(1), D("972.66"))],
                        reported=True, elapsed=D(100), year_over=True) == "exceeded"
    assert rules.status([TargetState("a", None, D(1), D("101"))],
                        reported=True, elapsed=D(100), year_over=True) == "completed"
    assert rules.status([TargetState("a", D(10), D(11)), TargetState("b", D(10), D(9))],
                        reported=True, elapsed=D(25), year_over=False) == "in_progress"


def test_behind_is_below_the_share_of_periods_elapsed():
    t = TargetState("a", D(100), D(49))
    assert rules.status([t], reported=True, elapsed=D(50), year_over=False) == "behind"
    t = TargetState("a", D(100), D(50))
    assert rules.status([t], reported=True, elapsed=D(50), year_over=False) == "in_progress"


def test_year_over_with_nothing_met_is_behind_and_with_some_is_partly_completed():
    none_met = [TargetState("a", D(100), D(10))]
    some = [TargetState("a", D(100), D(10)), TargetState("b", D(1), D(1))]
    assert rules.status(none_met, reported=True, elapsed=D(100), year_over=True) == "behind"
    assert rules.status(some, reported=True, elapsed=D(100), year_over=True) == "partly_completed"


def test_without_figures_the_status_follows_what_is_delivered():
    assert rules.status([], reported=True, elapsed=D(50), year_over=False, delivery="in_use") == "completed"
    assert rules.status([], reported=True, elapsed=D(50), year_over=False, delivery="under_way") == "in_progress"
    assert rules.status([], reported=True, elapsed=D(100), year_over=True,
                        delivery="partly_in_use") == "partly_completed"


def test_a_target_in_wan_against_a_report_in_units():
    assert rules.convert(D("17600"), "株", "万株") == D("1.76")
    assert rules.convert(D("1.24"), "亿元", "万元") == D("12400")
    assert rules.convert(D("5"), "个", "个") == D("5")
    with pytest.raises(rules.UnitMismatch):
        rules.convert(D("5"), "公里", "万平方米")
    with pytest.raises(rules.UnitMismatch):
        rules.convert(D("5"), "万", "亿")  # a bare scale is no unit
    assert rules.compatible_units("万平方米")[:2] == ["万平方米", "平方米"]


@pytest.mark.parametrize("text,value", [("1005", D("1005")), ("1.76", D("1.76")), (" 0 ", D(0)),
                                        ("-1", None), ("1e3", None), ("NaN", None), ("", None),
                                        ("1,000", None), ("１２.５", D("12.5")), ("١٢", None), (12, None), (None, None)])
def test_parse_decimal(text, value):
    assert rules.parse_decimal(text) == value


def test_quarterly_periods_fall_due_on_the_25th_of_each_quarters_last_month():
    ps = rules.periods(2025, "quarterly", 25, date(2025, 12, 31))
    assert [(p.key, p.due) for p in ps] == [("2025-Q1", date(2025, 3, 25)), ("2025-Q2", date(2025, 6, 25)),
                                            ("2025-Q3", date(2025, 9, 25)), ("2025-Q4", date(2025, 12, 25))]
    monthly = rules.periods(2024, "monthly", 31, date(2024, 12, 20))
    assert monthly[1].due == date(2024, 2, 29) and monthly[-1].due == date(2024, 12, 20)


def test_elapsed_share_and_days_late():
    ps = rules.periods(2025, "quarterly", 25, date(2025, 12, 31))
    assert rules.elapsed_share(ps, date(2025, 3, 25)) == D(0)  # due today: not yet elapsed
    assert rules.elapsed_share(ps, date(2025, 3, 26)) == D("25.00")
    assert rules.days_late(date(2025, 6, 25), date(2025, 6, 25)) == 0
    assert rules.days_late(date(2025, 6, 25), date(2025, 7, 2)) == 7


@given(st.lists(st.tuples(st.integers(1, 10**6), st.integers(0, 10**7)), min_size=1, max_size=8))
def test_project_completion_stays_within_0_and_100(pairs):
    targets = [TargetState("x", D(t), D(a)) for t, a in pairs]
    done = rules.project_completion(targets)
    assert D(0) <= done <= D(100)
    all_met = all(a >= t for t, a in pairs)
    status = rules.status(targets, reported=True, elapsed=D(100), year_over=True)
    assert (status in ("exceeded", "completed")) == all_met
    assert (done == D(100)) == all_met


@given(st.decimals(min_value=0, max_value=10**9, places=4, allow_nan=False),
       st.sampled_from(["株", "平方米", "元", "人次"]))
def test_converting_to_wan_and_back_is_exact(value, unit):
    assert rules.convert(rules.convert(value, unit, "万" + unit), "万" + unit, unit) == value

"""How a project's figures are computed: completion per target, the project's completion, its
status, the reporting periods and their due dates. Plain Python (no Flask, no database): the
server, the open data and anyone re-checking them use the same rules, and the public rule page
(`/supervision/rules`) quotes `RULE_TEXT` word for word.

Every figure is recomputable from the open data: a target's completion is achieved ÷ target;
the project's completion is the plain mean of its targets' contributions (each capped at
100 %, every target weighing the same); the status follows from those and the calendar.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
# A target is exceeded (超额完成) when it reaches this share of its value: the seeds call
# 972.66 % and 114 % exceeded but 101 % merely completed (2022: 城区排污设施改造项目).
EXCEEDED_AT = Decimal(110)
# 左右 ("about"): met from this share of the target on.
ABOUT_MET_AT = Decimal(95)

STATUSES = ("exceeded", "completed", "partly_completed", "in_progress", "behind")

# ---- qualifiers ---------------------------------------------------------------------------

AT_LEAST, MORE_THAN, AT_MOST, LESS_THAN, ABOUT = ("at_least", "more_than", "at_most",
                                                  "less_than", "about")
# Written in the metric's label, as the seeds write them: （以上）, （不少于）, 左右 …
# In Chinese law and usage 以上 and 以下 include the number itself.
_QUALIFIERS = (
    (("不超过", "不高于", "以内", "以下", "控制在"), AT_MOST),
    (("低于",), LESS_THAN),
    (("左右", "约"), ABOUT),
    (("超过", "突破"), MORE_THAN),
    (("以上", "不少于", "不低于", "至少", "余", "达到"), AT_LEAST),
)


# Longest words first: 不低于 must not read as 低于, nor 不超过 as 超过.
_BY_LENGTH = sorted(((word, kind) for words, kind in _QUALIFIERS for word in words),
                    key=lambda pair: -len(pair[0]))


def qualifier(metric: str) -> str:
    """The comparison a target's label asks for; at least the value when it says nothing."""
    for word, kind in _BY_LENGTH:
        if word in metric:
            return kind
    return AT_LEAST


# ---- units --------------------------------------------------------------------------------

_SCALES = (("亿", Decimal(10) ** 8), ("万", Decimal(10) ** 4), ("千", Decimal(10) ** 3))


class UnitMismatch(ValueError):
    """A reported quantity whose unit cannot be converted into the target's."""


def _scale(unit: str) -> tuple[Decimal, str]:
    unit = unit.strip()
    for prefix, factor in _SCALES:
        if unit.startswith(prefix) and len(unit) > len(prefix):
            return factor, unit[len(prefix):]
    return Decimal(1), unit


def convert(value: Decimal, from_unit: str, to_unit: str) -> Decimal:
    """`value` in `from_unit` expressed in `to_unit`, where the two differ only by a scale
    prefix (万, 亿, 千): 17600 株 → 1.76 万株. Anything else raises UnitMismatch."""
    if from_unit.strip() == to_unit.strip():
        return value
    f_from, base_from = _scale(from_unit)
    f_to, base_to = _scale(to_unit)
    if base_from != base_to or base_from == "":
        raise UnitMismatch(f"{from_unit} → {to_unit}")
    return plain(value * f_from / f_to)


def compatible_units(unit: str) -> list[str]:
    """The units a figure for a target in `unit` may be typed in: the unit itself first."""
    _, base = _scale(unit)
    out = [unit.strip()]
    for candidate in [base] + [prefix + base for prefix, _ in _SCALES]:
        if candidate and candidate not in out:
            out.append(candidate)
    return out


# ---- numbers ------------------------------------------------------------------------------

def parse_decimal(text) -> Decimal | None:
    """A non-negative finite decimal written plainly ("1005", "1.76"; full-width digits as typed
    on a Chinese keyboard are read too), else None."""
    if isinstance(text, bool) or not isinstance(text, str):
        return None
    text = unicodedata.normalize("NFKC", text).strip()
    if not re.fullmatch(r"[0-9]{1,14}(\.[0-9]{1,6})?", text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
        return None


def plain(value: Decimal) -> Decimal:
    """Without trailing zeros or an exponent: Decimal("1.7600") → 1.76, 1E+2 → 100."""
    value = value.normalize()
    return value.quantize(Decimal(1)) if value == value.to_integral() else value


def text(value: Decimal | None) -> str | None:
    """The open data's decimal string."""
    return None if value is None else format(plain(Decimal(value)), "f")


def percent(value: Decimal) -> str:
    """A completion as the open data writes it: two decimals ("100.73")."""
    return format(value.quantize(CENT, rounding=ROUND_HALF_UP), "f")


# ---- one target ---------------------------------------------------------------------------

@dataclass(frozen=True)
class TargetState:
    """A target and what has been achieved on it to date. `stated` is the source's own
    percent for a past year whose annual value it never gave."""

    metric: str
    target: Decimal | None
    achieved: Decimal | None
    stated: Decimal | None = None

    @property
    def qualifier(self) -> str:
        return qualifier(self.metric)

    @property
    def completion(self) -> Decimal | None:
        """achieved ÷ target in percent, two decimals, rounded half up; the stated percent
        where there is no target value; None without a report or a target to compare with."""
        if self.achieved is not None and self.target:
            return (self.achieved * HUNDRED / self.target).quantize(CENT, rounding=ROUND_HALF_UP)
        if self.stated is not None:
            return self.stated
        return None

    @property
    def met(self) -> bool | None:
        """Whether the target is reached, by its qualifier; None when it cannot be told."""
        c = self.completion
        if c is None:
            return None
        return {AT_LEAST: c >= HUNDRED, MORE_THAN: c > HUNDRED, AT_MOST: c <= HUNDRED,
                LESS_THAN: c < HUNDRED, ABOUT: c >= ABOUT_MET_AT}[self.qualifier]

    @property
    def exceeded(self) -> bool:
        c = self.completion
        return (c is not None and self.qualifier in (AT_LEAST, MORE_THAN, ABOUT)
                and c >= EXCEEDED_AT)

    @property
    def contribution(self) -> Decimal | None:
        """Its share in the project's completion: the completion capped at 100 %; a ceiling
        (at most X) gives 100 % when kept and X ÷ achieved otherwise."""
        c = self.completion
        if c is None:
            return None
        if self.qualifier in (AT_MOST, LESS_THAN):
            if self.met:
                return HUNDRED
            return (HUNDRED * HUNDRED / c).quantize(CENT, rounding=ROUND_HALF_UP)
        return min(c, HUNDRED)


def project_completion(targets: list[TargetState]) -> Decimal | None:
    """The mean of the targets' contributions, every target with a completion weighing the
    same; None when none has one."""
    parts = [t.contribution for t in targets if t.contribution is not None]
    if not parts:
        return None
    return (sum(parts) / len(parts)).quantize(CENT, rounding=ROUND_HALF_UP)


# ---- status -------------------------------------------------------------------------------

IN_USE, PARTLY_IN_USE, UNDER_WAY = "in_use", "partly_in_use", "under_way"


def status(targets: list[TargetState], *, reported: bool, elapsed: Decimal,
           year_over: bool, delivery: str | None = None) -> str | None:
    """The project's status, never typed in:
    - None before any report;
    - 超额完成 `exceeded`: every target with a completion met, one of them at 110 % or more;
    - 全部完成 `completed`: every target with a completion met;
    - when the year is over and not all are met: 部分完成 `partly_completed` if some are met
      (or the unit reports it partly in use), else 滞后 `behind`;
    - during the year: 滞后 `behind` when the project's completion is below the share of the
      reporting periods elapsed (`elapsed`, in percent), else 推进中 `in_progress`.
    A project without a single target with a completion follows the unit's report of what is
    delivered: in use counts as completed; otherwise as above with its completion unknown
    (never behind during the year)."""
    if not reported:
        return None
    judged = [t for t in targets if t.met is not None]
    if judged:
        if all(t.met for t in judged):
            return "exceeded" if any(t.exceeded for t in judged) else "completed"
        if year_over:
            return "partly_completed" if any(t.met for t in judged) else "behind"
        done = project_completion(judged)
        return "behind" if done is not None and done < elapsed else "in_progress"
    if delivery == IN_USE:
        return "completed"
    if year_over:
        return "partly_completed" if delivery == PARTLY_IN_USE else "behind"
    return "in_progress"


# ---- periods ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    key: str  # "2025-Q1", "2025-03"
    due: date
    last_month: int


def _due(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def periods(year: int, frequency: str, due_day: int, final_deadline: date) -> list[Period]:
    """The year's reporting periods and due dates: quarterly reports fall due on `due_day` of
    each quarter's last month (seed 003: the 25th of March, June, September, December), monthly
    ones on `due_day` of each month; no due date falls after the final deadline."""
    if frequency == "quarterly":
        rows = [(f"{year}-Q{q}", 3 * q) for q in range(1, 5)]
    elif frequency == "monthly":
        rows = [(f"{year}-{m:02d}", m) for m in range(1, 13)]
    else:
        raise ValueError(frequency)
    return [Period(key, min(_due(year, month, due_day), final_deadline), month)
            for key, month in rows]


def elapsed_share(schedule: list[Period], today: date) -> Decimal:
    """The share of the periods whose due date has passed, in percent."""
    if not schedule:
        return Decimal(0)
    passed = sum(1 for p in schedule if p.due < today)
    return (Decimal(passed) * HUNDRED / len(schedule)).quantize(CENT, rounding=ROUND_HALF_UP)


def days_late(due: date, on: date) -> int:
    """Days after the due date (0 when on time): a report filed on the due date is on time."""
    return max(0, (on - due).days)


RULE_TEXT = {
    "completion": "achieved ÷ target × 100, two decimals, rounded half up",
    "project": "mean of the targets' completions, each capped at 100 %, equal weights",
    "exceeded_at": format(EXCEEDED_AT, "f"),
    "about_met_at": format(ABOUT_MET_AT, "f"),
}

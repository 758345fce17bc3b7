"""The values of a project as people type them: text limits, targets, investment, units,
year; checked the same way by forms and by imports."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from voting.core.years import YEAR_MESSAGE, check_year, year_in_range
from voting.errors import Invalid


FIELDS = ("就业", "社保", "医疗卫生", "教育", "养老", "住房", "城市建设", "交通", "生态环境",
          "文化体育", "政务服务", "农业农村", "安全", "其他")
TITLE_MAX, UNIT_MAX, SOURCE_MAX, BODY_MAX = 200, 200, 200, 200
TEXT_MAX = 5000
NAME_MAX, CONTACT_MAX = 80, 120
INVESTMENT_MAX = Decimal("999999999999.99")
TARGET_RE = re.compile(r"^(?P<metric>.+?)\s*[=＝]\s*(?P<value>[-+]?[\d,]*\.?\d+)\s*(?P<unit>.*)$")


@dataclass(frozen=True)
class Target:
    metric: str
    unit: str
    value: Decimal


@dataclass
class ProjectValues:
    """The editable fields of a project (the stage is not one of them)."""

    title: str
    year: int
    field: str = ""
    content: str = ""
    significance: str = ""
    targets: list[Target] = dataclasses.field(default_factory=list)
    investment_wan_yuan: Decimal | None = None
    lead_unit: str = ""
    responsible_units: list[str] = dataclasses.field(default_factory=list)
    source: str = ""


def clean_text(value: str | None, limit: int, field_name: str, *, required: bool = False) -> str:
    value = (value or "").strip()
    if not value and required:
        raise Invalid(_l("A value is required."), field=field_name)
    if len(value) > limit:
        raise Invalid(_l("At most %(n)s characters.", n=limit), field=field_name)
    return value


def parse_targets(text: str) -> list[Target]:
    """Targets written one per line (or separated by ；), as `metric = value unit`, e.g.
    `新建中小学校 = 4 所`. Raises ValueError with a message for the user."""
    targets = []
    for part in re.split(r"[\n;；]+", text or ""):
        part = part.strip()
        if not part:
            continue
        m = TARGET_RE.match(part)
        if m is None:
            raise ValueError(_("“%(t)s” is not of the form “metric = value unit”, e.g. "
                               "“新建中小学校 = 4 所”.", t=part))
        metric, unit = m["metric"].strip(), m["unit"].strip()
        try:
            value = Decimal(m["value"].replace(",", ""))
        except InvalidOperation:
            raise ValueError(_("“%(v)s” is not a number.", v=m["value"])) from None
        if len(metric) > 200 or len(unit) > 40:
            raise ValueError(_("A target's metric may have at most 200 characters and its "
                               "unit at most 40."))
        if abs(value) >= Decimal("1e14"):
            raise ValueError(_("“%(v)s” is too large.", v=m["value"]))
        targets.append(Target(metric, unit, value))
    return targets


def format_targets(targets) -> str:
    """The inverse of `parse_targets`, one target per line."""
    return "\n".join(f"{t.metric} = {plain_number(t.value)} {t.unit}".rstrip() for t in targets)


def plain_number(value: Decimal) -> str:
    text = format(Decimal(value), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def parse_investment(text: str | None) -> Decimal | None:
    text = (text or "").strip().replace(",", "").replace("，", "")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(_("“%(v)s” is not a number.", v=text)) from None
    if not value.is_finite() or value < 0 or value > INVESTMENT_MAX:
        raise ValueError(_("The investment must be a number of 万元 from 0 to %(max)s.",
                           max=INVESTMENT_MAX))
    return value.quantize(Decimal("0.01"))


def split_units(text: str | None) -> list[str]:
    return [u.strip() for u in re.split(r"[、,，;；\n]+", text or "") if u.strip()]


def parse_year(text: str) -> int:
    try:
        year = int(str(text).strip())
    except ValueError:
        raise ValueError(_("“%(v)s” is not a whole number.", v=text)) from None
    if not year_in_range(year):
        raise ValueError(str(YEAR_MESSAGE))
    return year


def clean_values(values: ProjectValues) -> ProjectValues:
    """Checks every field; raises Invalid naming the first bad one."""
    check_year(values.year)
    investment = values.investment_wan_yuan
    if investment is not None and (investment < 0 or investment > INVESTMENT_MAX):
        raise Invalid(_l("The investment must be a number of 万元 from 0 to %(max)s.",
                         max=INVESTMENT_MAX), field="investment_wan_yuan")
    if values.field and values.field not in FIELDS:
        raise Invalid(_l("“%(v)s” is not one of: %(kinds)s.", v=values.field,
                         kinds="、".join(FIELDS)), field="field")
    units = [u.strip() for u in values.responsible_units if u.strip()]
    if len("、".join(units)) > TEXT_MAX:
        raise Invalid(_l("At most %(n)s characters.", n=TEXT_MAX), field="responsible_units")
    return ProjectValues(
        title=clean_text(values.title, TITLE_MAX, "title", required=True),
        year=values.year,
        field=values.field or "",
        content=clean_text(values.content, TEXT_MAX, "content"),
        significance=clean_text(values.significance, TEXT_MAX, "significance"),
        targets=list(values.targets),
        investment_wan_yuan=investment,
        lead_unit=clean_text(values.lead_unit, UNIT_MAX, "lead_unit"),
        responsible_units=units,
        source=clean_text(values.source, SOURCE_MAX, "source"))

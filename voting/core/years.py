"""The years a congress session or a pool project may carry: one range and one message for the
services, the forms and the imports alike."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from voting.errors import Invalid

# From the People's Republic's first year, far enough ahead for any plan.
YEAR_MIN, YEAR_MAX = 1949, 2200
YEAR_MESSAGE = _l("The year must be from 1949 to 2200.")


def year_in_range(year: int | None) -> bool:
    return year is not None and YEAR_MIN <= year <= YEAR_MAX


def check_year(year: int | None, field: str = "year") -> int:
    """The year, or Invalid naming `field` when it is out of range."""
    if not year_in_range(year):
        raise Invalid(YEAR_MESSAGE, field=field)
    return year

"""The request edge of a command: one transaction per service call."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import click
from sqlalchemy.orm import Session

from voting import db
from voting.errors import DomainError

T = TypeVar("T")


def run_service(action: Callable[[Session], T]) -> T:
    """Commit what `action` did, or roll it back and exit non-zero with the domain error's
    message (in the default language)."""
    s = db.new_session()
    try:
        value = action(s)
        s.commit()
        return value
    except DomainError as exc:
        s.rollback()
        raise click.ClickException(str(exc.message)) from exc
    finally:
        s.close()

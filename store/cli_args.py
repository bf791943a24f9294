"""Parsing of command-line values shared by every package's commands (errors name the option)."""
from __future__ import annotations

from datetime import date, datetime

import typer


def parse_day(value: str | None, option: str) -> date | None:
    """An ISO date option, or None when not given; a bad value is an error naming the option."""
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise typer.BadParameter(f"{option}: expected a date like 2025-01-24, got {value!r}") from None


def parse_moment(value: str | None, option: str) -> datetime | None:
    """An ISO date or date-time option (``2025-03-01`` or ``2025-03-01T09:00``), or None when not given."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"{option}: expected a date or date-time like 2025-03-01 or 2025-03-01T09:00, got {value!r}") from None

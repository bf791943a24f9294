"""Parsing of command-line values shared by every package's commands (errors name the option)."""
from __future__ import annotations

from datetime import date

import typer


def parse_day(value: str | None, option: str) -> date | None:
    """An ISO date option, or None when not given; a bad value is an error naming the option."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{option}: expected a date like 2024-03-15, got {value!r}") from None

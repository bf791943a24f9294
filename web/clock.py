"""The moment the web UI evaluates deadlines at: ``web.as_of`` when set (a copy of the data that ends on an
earlier day, such as the demo), otherwise now.

Every page that compares data with "today" (overdue figures and filter, deadline states, source freshness,
topic trends, the hot list) reads it here, so they all agree with each other and with
``hotline-monitor analyze --as-of``. Logins, acknowledgements and notes record the real time.
"""
from __future__ import annotations

from datetime import date, datetime, time

from fastapi import Request

from store.models import now_local


def parse_as_of(value: str | None, name: str = "setting web.as_of") -> datetime | None:
    """None for an empty value; a day means the end of that day (as in analysis.deadlines.compute.deadline_state), a
    date-time that moment. A bad value is an error naming ``name``."""
    text = (value or "").strip()
    if not text:
        return None
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time.max)
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is not None:
        raise ValueError(f"{name}: expected a day like 2025-12-16 or a local date-time like 2025-12-16T09:00 "
                         f"(no time zone: timestamps are stored in local time), got {value!r}")
    return moment


def as_of_label(moment: datetime) -> str:
    """``2025-12-16`` for the end of a day, ``2025-12-16 09:00`` for a moment within it."""
    return moment.date().isoformat() if moment.time() == time.max else f"{moment:%Y-%m-%d %H:%M}"


def pinned_as_of(request: Request) -> datetime | None:
    """The fixed moment the app was started with (``web.as_of``), or None when it follows the clock."""
    return getattr(request.app.state, "as_of", None)


def as_of(request: Request) -> datetime:
    """The moment this request evaluates deadlines at."""
    pinned = pinned_as_of(request)
    return pinned if pinned is not None else now_local()


def as_of_day(request: Request) -> date:
    return as_of(request).date()

"""Query-string values shared by the list pages (messages, alerts, ledger export)."""
from __future__ import annotations

from datetime import date

from fastapi import HTTPException


def day_param(value: str, field: str) -> date | None:
    """An optional ISO day from the query string; a malformed one is a 400 naming the field."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise HTTPException(400, f"{field}: {value!r} is not a date (YYYY-MM-DD)") from None

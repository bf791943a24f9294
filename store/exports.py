"""Safe cell values for every spreadsheet and CSV the product writes (citizen text is untrusted).

A cell whose text starts with = + - @ (or a tab/carriage return before one) is read by Excel/WPS as a
formula: a citizen could make an official's spreadsheet run ``=HYPERLINK(…)``. Such text gets a leading
apostrophe. Numbers, dates and None pass through unchanged.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise_row(values: Iterable[Any]) -> list[Any]:
    return [neutralise_cell(v) for v in values]

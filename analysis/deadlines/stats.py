"""Responsiveness statistics: on-time rate with its Wilson interval, median working days to reply, ranking."""
from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from analysis.deadlines.compute import _CODE, DECIDED_STATES, DeadlineState
from analysis.deadlines.rules import DeadlineError, DeadlinePolicy
from analysis.deadlines.vectorised import NO_DATE, DeadlineFrame
from analysis.deadlines.workcalendar import WorkCalendar, get_calendar


def wilson_interval(successes: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """The Wilson score interval of a proportion (95 % by default); (0, 1) for n = 0."""
    if n <= 0:
        return 0.0, 1.0
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)



def period_key(ordinal: int, period: str) -> str:
    day = dt.date.fromordinal(int(ordinal))
    if period == "month":
        return day.strftime("%Y-%m")
    if period == "half_month":  # the biweekly publication periods: 1st-15th and 16th-end
        return f"{day:%Y-%m}-{'01' if day.day <= 15 else '16'}"
    if period == "quarter":
        return f"{day.year}Q{(day.month - 1) // 3 + 1}"
    if period == "year":
        return str(day.year)
    raise DeadlineError(f"unknown period {period!r} (month, half_month, quarter, year)")


@dataclass(frozen=True)
class GroupStats:
    group: tuple[str, ...]
    cases: int                 # decided as of the date: replied, overdue or unanswered
    on_time: int
    on_time_rate: float | None
    ci_low: float | None
    ci_high: float | None
    replied: int
    replied_late: int
    late_reply_share: float | None
    open_overdue: int          # overdue + seriously overdue + unanswered as of the date
    median_working_days_to_reply: float | None
    ranked: bool
    rank: int | None
    note: str = ""

    def to_json(self, keys: Sequence[str]) -> dict[str, Any]:
        data: dict[str, Any] = dict(zip(keys, self.group, strict=True))
        data.update({k: getattr(self, k) for k in (
            "cases", "on_time", "on_time_rate", "ci_low", "ci_high", "replied", "replied_late", "late_reply_share",
            "open_overdue", "median_working_days_to_reply", "ranked", "rank", "note")})
        return data


def responsiveness_stats(
    frame: DeadlineFrame,
    *,
    as_of: dt.date,
    by: Sequence[str] = ("unit",),
    calendar: WorkCalendar | None = None,
    policy: DeadlinePolicy | None = None,
    min_cases: int | None = None,
) -> list[GroupStats]:
    """On-time rate (with its 95 % Wilson interval), median working days to reply and late-reply share per group.

    ``by`` names columns of ``frame.groups`` or a period (``month``, ``half_month``, ``quarter``, ``year`` of the
    receipt date). Groups with fewer than ``min_cases`` decided cases are reported with ``ranked=False``;
    the others are ranked by on-time rate (ties: the higher Wilson lower bound first). Sorted by rank, then
    unranked groups by size.
    """
    calendar = calendar or get_calendar()
    policy = policy or DeadlinePolicy()
    min_cases = policy.min_cases_for_ranking if min_cases is None else min_cases
    states, _left, _late = frame.states(as_of, calendar, policy)
    to_reply = frame.working_days_to_reply(calendar)
    replied_by = (frame.replied != NO_DATE) & (frame.replied <= as_of.toordinal())
    key_columns: list[Sequence[str]] = []
    for key in by:
        if key in frame.groups:
            key_columns.append([v if v not in (None, "") else "(none)" for v in frame.groups[key]])
        elif key in ("month", "half_month", "quarter", "year"):
            key_columns.append([period_key(o, key) if o != NO_DATE else "(none)" for o in frame.submitted])
        else:
            raise DeadlineError(f"cannot group by {key!r}: not a frame column {sorted(frame.groups)} or a period")
    members: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for i, key in enumerate(zip(*key_columns, strict=True)):
        members[key].append(i)
    decided_codes = np.array([_CODE[s] for s in DECIDED_STATES])
    results: list[GroupStats] = []
    for key, index_list in members.items():
        index = np.array(index_list, dtype=np.int64)
        group_states = states[index]
        decided = np.isin(group_states, decided_codes)
        cases = int(decided.sum())
        on_time = int((group_states == _CODE[DeadlineState.REPLIED_ON_TIME]).sum())
        replied_late = int((group_states == _CODE[DeadlineState.REPLIED_LATE]).sum())
        replied = on_time + replied_late
        open_overdue = int(np.isin(group_states, [_CODE[DeadlineState.OVERDUE],
                                                  _CODE[DeadlineState.SERIOUSLY_OVERDUE],
                                                  _CODE[DeadlineState.UNANSWERED]]).sum())
        reply_days = to_reply[index][replied_by[index] & (to_reply[index] >= 0)]
        rate = on_time / cases if cases else None
        low, high = wilson_interval(on_time, cases) if cases else (None, None)
        ranked = cases >= min_cases and cases > 0
        results.append(GroupStats(
            group=key, cases=cases, on_time=on_time, on_time_rate=rate, ci_low=low, ci_high=high,
            replied=replied, replied_late=replied_late,
            late_reply_share=(replied_late / replied) if replied else None, open_overdue=open_overdue,
            median_working_days_to_reply=float(np.median(reply_days)) if reply_days.size else None,
            ranked=ranked, rank=None,
            note="" if ranked else f"too few cases ({cases} < {min_cases}): not ranked"))
    ranked_groups = sorted((g for g in results if g.ranked), key=lambda g: (-g.on_time_rate, -g.ci_low, g.group))
    output = [GroupStats(**{**g.__dict__, "rank": i + 1}) for i, g in enumerate(ranked_groups)]
    output += sorted((g for g in results if not g.ranked), key=lambda g: (-g.cases, g.group))
    return output


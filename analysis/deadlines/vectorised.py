"""Bulk deadlines with numpy: due dates of many messages at once, states as of any date, the column frame.

Dates are int64 ordinals (``date.toordinal()``), ``NO_DATE`` for a missing one. The results agree with the scalar
``analysis.deadlines.compute`` (tests/deadlines compare the two); this module is imported only by bulk callers.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from analysis.deadlines.compute import _CODE, DeadlineState
from analysis.deadlines.rules import Convention, DayUnit, DeadlinePolicy, DeadlineRule, RuleSet, load_rules
from analysis.deadlines.workcalendar import WorkCalendar, get_calendar, warn_provisional

NO_DATE = -1  # ordinal placeholder in the vectorised columns




def received_ordinals(submitted: Sequence[dt.datetime | dt.date | None], cutoff: dt.time | None = None
                      ) -> np.ndarray:
    """Date ordinals of receipt (after the cut-off), NO_DATE for a missing value."""
    if cutoff is None:
        return np.fromiter((d.toordinal() if d is not None else NO_DATE for d in submitted),
                           dtype=np.int64, count=len(submitted))
    return np.fromiter(
        (NO_DATE if d is None else
         d.toordinal() + (1 if isinstance(d, dt.datetime) and d.time() >= cutoff else 0) for d in submitted),
        dtype=np.int64, count=len(submitted))


def due_ordinals(calendar: WorkCalendar, received: np.ndarray, days: np.ndarray | int,
                 counts_receipt_day: np.ndarray | bool = False, calendar_days: np.ndarray | bool = False,
                 deem_next_working_day: np.ndarray | bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised base due dates: (deemed received ordinals, due ordinals). ``received`` must be valid dates.

    Without flags, the general rule (the N-th working day after the day of receipt); ``deem_next_working_day``
    (``next_working_day``) and ``counts_receipt_day`` (``receipt_day_counts``) first move a receipt on a day off
    to the next working day. The cumulative working-day index and its inverse make this a few array lookups per
    message.
    """
    received = np.asarray(received, dtype=np.int64)
    days = np.broadcast_to(np.asarray(days, dtype=np.int64), received.shape)
    counts = np.broadcast_to(np.asarray(counts_receipt_day, dtype=bool), received.shape)
    natural = np.broadcast_to(np.asarray(calendar_days, dtype=bool), received.shape)
    deem = np.broadcast_to(np.asarray(deem_next_working_day, dtype=bool), received.shape) | counts
    cum = calendar.cum_ordinals(received)
    is_work = calendar.is_workday_ordinals(received)
    # The number of the last working day on or before the receipt; the general rule counts from there (a day
    # off adds nothing), the deeming conventions from the next working day's number when received on a day off.
    general = ~deem & ~is_work
    deemed_cum = cum + (~is_work & deem)
    due = calendar.ordinals_of_cum(deemed_cum + days - counts)
    deemed = calendar.ordinals_of_cum(np.maximum(deemed_cum, 1))
    deemed[general] = received[general]  # general rule: counting starts the day after receipt, whatever it was
    if natural.any():
        idx = np.flatnonzero(natural)
        end = received[idx] + days[idx] - counts[idx]
        due[idx] = calendar.next_workday_ordinals(end)
        deemed[idx] = received[idx]
    return deemed, due


@dataclass
class BulkDueDates:
    rule_index: np.ndarray      # index into rules_used
    rules_used: list[DeadlineRule]
    received: np.ndarray        # receipt ordinals after the cut-off (NO_DATE when missing)
    deemed: np.ndarray
    due: np.ndarray             # NO_DATE when received is missing or outside the calendar
    provisional: np.ndarray
    out_of_range: int = 0       # receipts outside the supported calendar (bad dates such as 1900-01-01)


def bulk_due_dates(
    submitted: Sequence[dt.datetime | dt.date | None],
    *,
    channels: Sequence[str | None] | None = None,
    kinds: Sequence[str | None] | None = None,
    sources: Sequence[str | None] | None = None,
    units: Sequence[str | None] | None = None,
    categories: Sequence[str | None] | None = None,
    rules: RuleSet | None = None,
    calendar: WorkCalendar | None = None,
    policy: DeadlinePolicy | None = None,
    warn: bool = True,
) -> BulkDueDates:
    """Base due dates of many messages at once (rules resolved per distinct attribute combination)."""
    calendar = calendar or get_calendar()
    rules = rules or load_rules()
    policy = policy or DeadlinePolicy()
    n = len(submitted)
    none = [None] * n
    columns = [channels or none, kinds or none, sources or none, units or none, categories or none]
    rule_positions: dict[str, int] = {}
    rules_used: list[DeadlineRule] = []
    combo_index: dict[tuple, int] = {}
    rule_index = np.empty(n, dtype=np.int32)
    for i, combo in enumerate(zip(*columns, strict=True)):
        position = combo_index.get(combo)
        if position is None:
            rule = rules.match(*combo)
            position = rule_positions.get(rule.id)
            if position is None:
                position = rule_positions[rule.id] = len(rules_used)
                rules_used.append(rule)
            combo_index[combo] = position
        rule_index[i] = position
    received = received_ordinals(submitted, policy.receipt_cutoff)
    days = np.array([r.days for r in rules_used], dtype=np.int64)[rule_index] if rules_used else np.zeros(0)
    conventions = [r.convention or policy.convention for r in rules_used]
    counts = np.array([c == Convention.RECEIPT_DAY_COUNTS for c in conventions],
                      dtype=bool)[rule_index] if rules_used else np.zeros(0, dtype=bool)
    deem = np.array([c == Convention.NEXT_WORKING_DAY for c in conventions],
                    dtype=bool)[rule_index] if rules_used else np.zeros(0, dtype=bool)
    natural = np.array([r.day_unit == DayUnit.CALENDAR for r in rules_used], dtype=bool)[rule_index] \
        if rules_used else np.zeros(0, dtype=bool)
    # A bad receipt date (outside the calendar, or too late for any due date to fit) is skipped, not fatal.
    last_safe = calendar.last_day.toordinal() - 366
    in_range = (received >= calendar.first_day.toordinal()) & (received <= last_safe)
    out_of_range = int(((received != NO_DATE) & ~in_range).sum())
    valid = (received != NO_DATE) & in_range
    deemed = np.full(n, NO_DATE, dtype=np.int64)
    due = np.full(n, NO_DATE, dtype=np.int64)
    provisional = np.zeros(n, dtype=bool)
    if valid.any():
        d, u = due_ordinals(calendar, received[valid], days[valid], counts[valid], natural[valid], deem[valid])
        deemed[valid], due[valid] = d, u
        provisional[valid] = calendar.provisional_ordinals(received[valid], u)
        if warn and provisional.any():
            years = sorted({dt.date.fromordinal(int(o)).year for o in np.unique(np.concatenate(
                [received[provisional], due[provisional]]))} & set(calendar.provisional_years))
            warn_provisional(years, calendar)
    return BulkDueDates(rule_index, rules_used, received, deemed, due, provisional, out_of_range)


def states_as_of(
    calendar: WorkCalendar,
    as_of: dt.date,
    *,
    received: np.ndarray,
    due: np.ndarray,
    replied: np.ndarray,
    reply_undated: np.ndarray | None = None,
    closed: np.ndarray | None = None,
    paused: np.ndarray | None = None,
    policy: DeadlinePolicy | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Vectorised ``deadline_state`` as of the end of ``as_of`` (ordinal columns, NO_DATE = none).

    Returns (state codes into STATE_CODES, working days left (-1 if n/a), working days late (-1 if n/a)).
    ``paused`` marks messages whose due date is unknown because a pause is open at ``as_of``. ``received`` is
    the submission day (a message submitted after ``as_of`` is ``not_received``).
    """
    policy = policy or DeadlinePolicy()
    n = len(received)
    reply_undated = np.zeros(n, dtype=bool) if reply_undated is None else reply_undated
    closed = np.zeros(n, dtype=bool) if closed is None else closed
    paused = np.zeros(n, dtype=bool) if paused is None else paused
    as_of_ordinal = as_of.toordinal()
    as_of_cum = int(calendar.cum_ordinals(np.array([as_of_ordinal]))[0])
    as_of_late_cum = int(calendar.cum_ordinals(calendar.next_workday_ordinals(np.array([as_of_ordinal])))[0])
    has_due = due != NO_DATE
    due_cum = np.zeros(n, dtype=np.int64)
    due_cum[has_due] = calendar.cum_ordinals(due[has_due])
    replied_known = (replied != NO_DATE) & (replied <= as_of_ordinal)
    reply_cum = np.zeros(n, dtype=np.int64)
    if replied_known.any():
        reply_cum[replied_known] = calendar.cum_ordinals(calendar.next_workday_ordinals(replied[replied_known]))

    state = np.full(n, _CODE[DeadlineState.ON_TIME], dtype=np.int8)
    left = np.full(n, -1, dtype=np.int64)
    late = np.full(n, -1, dtype=np.int64)
    open_ = ~replied_known
    # Open, not yet due.
    not_due = open_ & has_due & (due >= as_of_ordinal)
    left[not_due] = due_cum[not_due] - as_of_cum
    state[not_due & (left <= policy.due_soon_days)] = _CODE[DeadlineState.DUE_SOON]
    # Open, past due.
    past = open_ & has_due & (due < as_of_ordinal)
    late[past] = as_of_late_cum - due_cum[past]
    state[past] = np.where(late[past] >= policy.seriously_overdue_days, _CODE[DeadlineState.SERIOUSLY_OVERDUE],
                           _CODE[DeadlineState.OVERDUE])
    state[past & closed & (replied == NO_DATE)] = _CODE[DeadlineState.UNANSWERED]
    state[open_ & (paused | ~has_due)] = _CODE[DeadlineState.PAUSED]
    state[open_ & (replied == NO_DATE) & reply_undated] = _CODE[DeadlineState.REPLIED_UNDATED]
    # Replied by as_of.
    on_time = replied_known & (~has_due | (replied <= due))
    state[on_time] = _CODE[DeadlineState.REPLIED_ON_TIME]
    late[on_time] = 0
    replied_late = replied_known & has_due & (replied > due)
    state[replied_late] = _CODE[DeadlineState.REPLIED_LATE]
    late[replied_late] = reply_cum[replied_late] - due_cum[replied_late]
    state[received > as_of_ordinal] = _CODE[DeadlineState.NOT_RECEIVED]
    # Days left only for open, not yet due; days late only for late replies, overdue and unanswered.
    left[(state != _CODE[DeadlineState.ON_TIME]) & (state != _CODE[DeadlineState.DUE_SOON])] = -1
    late[np.isin(state, [_CODE[s] for s in (DeadlineState.PAUSED, DeadlineState.REPLIED_UNDATED,
                                            DeadlineState.NOT_RECEIVED)])] = -1
    return state, left, late



@dataclass
class DeadlineFrame:
    """Columns of many deadlines, for states as of any date and statistics.

    Ordinal columns use NO_DATE for missing. ``groups`` holds string columns to group by (unit, category,
    channel, kind, rule…); ``period`` keys are derived from the receipt date.
    """

    message_ids: np.ndarray
    submitted: np.ndarray       # the submission day
    received: np.ndarray        # the receipt day after the cut-off (where the rules start)
    deemed: np.ndarray
    due: np.ndarray
    replied: np.ndarray
    reply_undated: np.ndarray
    closed: np.ndarray
    paused: np.ndarray
    provisional: np.ndarray
    groups: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.received)

    def states(self, as_of: dt.date, calendar: WorkCalendar | None = None,
               policy: DeadlinePolicy | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return states_as_of(calendar or get_calendar(), as_of, received=self.submitted, due=self.due,
                            replied=self.replied, reply_undated=self.reply_undated, closed=self.closed,
                            paused=self.paused, policy=policy)

    def working_days_to_reply(self, calendar: WorkCalendar | None = None) -> np.ndarray:
        """Working days from the deemed receipt to the reply (a non-working reply day rounds up); -1 if none."""
        calendar = calendar or get_calendar()
        result = np.full(len(self), -1, dtype=np.int64)
        ok = (self.replied != NO_DATE) & (self.deemed != NO_DATE)
        if ok.any():
            result[ok] = np.maximum(
                calendar.cum_ordinals(calendar.next_workday_ordinals(self.replied[ok]))
                - calendar.cum_ordinals(self.deemed[ok]), 0)
        return result


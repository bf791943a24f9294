"""Reply deadlines: declarative rules, due dates with their explanation, overdue states, responsiveness statistics.

Counting (the default convention, ``general_rule``): the general rule of time computation (民法典 第二百零一条:
the starting day is not counted, counting begins the next day); the due date is the N-th working day after the
day of receipt, whatever kind of day that was (received Saturday in an ordinary week, 3 working days: Mon, Tue,
due Wednesday; received Sat 2025-01-25: Sun 01-26 is a make-up working day and counts, then Mon 01-27, then the
Spring Festival break, due Wed 02-05); due at the end of that day, Asia/Shanghai. Named alternatives:
``next_working_day`` (a message received on a non-working day is deemed received on the next working day and
counting starts the day after: received Saturday, due Thursday) and ``receipt_day_counts`` (the day of receipt, or
the next working day, is day 1). Rules (which N, which convention,
working or calendar days) come from ``analysis/data/deadline_rules.toml`` or the ``deadlines.rules_file`` setting;
each rule cites its policy source. Calendar: ``analysis.deadlines.workcalendar`` (official years, overrides, provisional
years flagged).

Public API (for analyze, alerts, reports and the web UI)::

    from analysis.deadlines.engine import (compute_deadline, deadline_state, working_days_late, load_rules,
                                           DeadlinePolicy, DeadlineState, Extension, Pause)

    rules = load_rules()                                   # the configured RuleSet
    rule = rules.match(channel="hotline", kind="咨询")      # -> DeadlineRule (id, days, source, ...)
    due = compute_deadline(submitted_at, rule=rule)        # -> DueDate
    due.due, due.provisional, due.explanation, due.explanation_zh
    compute_deadline(submitted_at, 5, extensions=[Extension(date(...), extra_working_days=5)],
                     pauses=[Pause(date(...), date(...))], as_of=date(...))   # events known at as_of only
    status = deadline_state(due.due, as_of=date(2025, 2, 10), replied_at=None)   # -> DeadlineStatus
    status.state            # DeadlineState.OVERDUE ...; .working_days_left, .working_days_late
    working_days_late(due.due, when)                       # 0 when on time; a late non-working day rounds up

    # database (the analyze step, bulk and idempotent; logs calendar changes and moved due dates)
    compute_deadlines(session, as_of=None) -> DeadlineRunCounts
    message_deadline(session, message_id, as_of=None) -> MessageDeadline   # due + state + explanation
    load_frame(session, as_of=None) -> DeadlineFrame   # columns (as_of: due dates as known then, for replay)
    overdue_rows(session, as_of, unit=None) -> list[OverdueRow]     # the `overdue` command
    frame.states(as_of)                      # vectorised states as of any date (replayable history)
    responsiveness_stats(frame, by=("unit",), as_of=...) -> list[GroupStats]   # rate, Wilson 95 %, median

States as of a date D (the end of that day): ``replied_on_time`` / ``replied_late`` (a reply dated on or before
D), ``unanswered`` (no reply, the case is closed per ``deadlines.closed_statuses``, the due date passed),
``replied_undated`` (a reply without a date: excluded from rates), ``paused`` (an open pause), otherwise open:
``on_time``, ``due_soon`` (at most ``deadlines.due_soon_days`` working days left), ``overdue``,
``seriously_overdue`` (at least ``deadlines.seriously_overdue_days`` working days late). Working days late: the
working days in (due, D], a late non-working day counting as the next working day (so a Saturday reply after a
Friday due date is 1 working day late).

Where each part lives (this module only re-exports them: the public API for other packages):

- ``analysis.deadlines.rules``: ``DeadlinePolicy`` (settings), ``DeadlineRule``, ``RuleSet``, ``load_rules``; the
  file's pydantic schema is ``analysis.deadlines.schema``.
- ``analysis.deadlines.compute``: one due date (``compute_deadline``, ``Extension``, ``Pause``) and one state
  (``deadline_state``); numpy-free.
- ``analysis.deadlines.vectorised``: ``bulk_due_dates``, ``states_as_of``, ``DeadlineFrame`` (numpy).
- ``analysis.deadlines.stats``: ``responsiveness_stats``, ``wilson_interval``.
- ``analysis.deadlines.db``: the database steps (``compute_deadlines``, ``message_deadline``, ``load_frame``,
  ``overdue_rows``).
- ``analysis.deadlines.workcalendar``: the working-day calendar.

Each name is loaded from its module on first use (PEP 562), so importing this module costs nothing; a name from
``vectorised``, ``stats`` or ``db`` loads numpy.
"""
from __future__ import annotations

import importlib
from typing import Any

# Where each public name lives (analysis.deadlines.<module>).
_HOMES = {
    "compute": ("ATTENTION_STATES", "DECIDED_STATES", "OPEN_STATES", "STATE_CODES", "DeadlineState", "DeadlineStatus",
                "DueDate", "Extension", "Pause", "compute_deadline", "deadline_state", "working_days_late"),
    "db": ("DeadlineRunCounts", "MessageDeadline", "OverdueRow", "compute_deadlines", "load_frame", "message_deadline",
           "overdue_rows"),
    "rules": ("Convention", "DayUnit", "DeadlineError", "DeadlinePolicy", "DeadlineRule", "RuleSet", "load_rules",
              "parse_rules"),
    "stats": ("GroupStats", "period_key", "responsiveness_stats", "wilson_interval"),
    "vectorised": ("NO_DATE", "BulkDueDates", "DeadlineFrame", "bulk_due_dates", "due_ordinals", "received_ordinals",
                   "states_as_of"),
    "workcalendar": ("get_calendar",),
}
_MODULE_OF = {name: module for module, names in _HOMES.items() for name in names}
__all__ = sorted(_MODULE_OF)


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"analysis.deadlines.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__

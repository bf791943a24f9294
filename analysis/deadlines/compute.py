"""One due date and one state: counting working days from the receipt, extensions, pauses, and the explanation.

Scalar and numpy-free (``workdays add`` and ``deadlines explain`` stay light); the bulk, vectorised versions are in
``analysis.deadlines.vectorised``. Conventions and rules: ``analysis.deadlines.rules``.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from analysis.deadlines.rules import Convention, DayUnit, DeadlineError, DeadlinePolicy, DeadlineRule
from analysis.deadlines.workcalendar import (
    DayKind,
    WorkCalendar,
    format_day,
    get_calendar,
    holiday_name_en,
    warn_provisional,
)


class DeadlineState(StrEnum):
    ON_TIME = "on_time"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    SERIOUSLY_OVERDUE = "seriously_overdue"
    REPLIED_ON_TIME = "replied_on_time"
    REPLIED_LATE = "replied_late"
    UNANSWERED = "unanswered"
    REPLIED_UNDATED = "replied_undated"
    PAUSED = "paused"
    NOT_RECEIVED = "not_received"  # as of a date before the message arrived


# Integer codes of the vectorised state arrays (index into this tuple).
STATE_CODES: tuple[DeadlineState, ...] = tuple(DeadlineState)
_CODE = {state: index for index, state in enumerate(STATE_CODES)}
OPEN_STATES = frozenset({DeadlineState.ON_TIME, DeadlineState.DUE_SOON, DeadlineState.OVERDUE,
                         DeadlineState.SERIOUSLY_OVERDUE, DeadlineState.PAUSED})
# Cases whose timeliness is settled as of the date: they make up the on-time rate.
DECIDED_STATES = frozenset({DeadlineState.REPLIED_ON_TIME, DeadlineState.REPLIED_LATE, DeadlineState.OVERDUE,
                            DeadlineState.SERIOUSLY_OVERDUE, DeadlineState.UNANSWERED})
ATTENTION_STATES = frozenset({DeadlineState.DUE_SOON, DeadlineState.OVERDUE, DeadlineState.SERIOUSLY_OVERDUE,
                              DeadlineState.UNANSWERED, DeadlineState.PAUSED})


# --------------------------------------------------------------------------------------------------
# Extensions and pauses
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Extension:
    """An approved extension (延期): a new due date, or extra working days added to the current one."""

    approved_on: dt.date
    new_due: dt.date | None = None
    extra_working_days: int | None = None
    reason: str = ""

    def __post_init__(self) -> None:
        if (self.new_due is None) == (self.extra_working_days is None):
            raise DeadlineError("an extension needs exactly one of new_due and extra_working_days")
        if self.extra_working_days is not None and self.extra_working_days < 1:
            raise DeadlineError(f"extension extra_working_days must be >= 1, got {self.extra_working_days}")

    @property
    def event_date(self) -> dt.date:
        return self.approved_on


@dataclass(frozen=True)
class Pause:
    """The clock stopped (e.g. waiting for the citizen's materials); working days in (started_on, ended_on]
    do not count. ``ended_on`` None: still waiting."""

    started_on: dt.date
    ended_on: dt.date | None = None
    reason: str = ""

    def __post_init__(self) -> None:
        if self.ended_on is not None and self.ended_on < self.started_on:
            raise DeadlineError(f"pause ends ({self.ended_on}) before it starts ({self.started_on})")

    @property
    def event_date(self) -> dt.date:
        return self.started_on


# --------------------------------------------------------------------------------------------------
# One due date
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DueDate:
    """A computed due date and why."""

    received_at: dt.datetime | dt.date
    received_on: dt.date           # after the receipt cut-off, if any
    deemed_received_on: dt.date    # where counting starts
    days: int
    day_unit: DayUnit
    convention: Convention
    base_due: dt.date              # before extensions and pauses
    due: dt.date | None            # None while a pause is open
    paused_since: dt.date | None
    provisional: bool
    provisional_years: tuple[int, ...]
    explanation: str
    explanation_zh: str
    rule: DeadlineRule | None = None
    applied_events: tuple[Extension | Pause, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "due": self.due.isoformat() if self.due else None,
            "provisional": self.provisional,
            "explanation": self.explanation,
            "explanation_zh": self.explanation_zh,
            "received_on": self.received_on.isoformat(),
            "deemed_received_on": self.deemed_received_on.isoformat(),
            "days": self.days,
            "day_unit": self.day_unit.value,
            "convention": self.convention.value,
            "base_due": self.base_due.isoformat(),
            "paused_since": self.paused_since.isoformat() if self.paused_since else None,
            "provisional_years": list(self.provisional_years),
            "rule": self.rule.id if self.rule else None,
            "rule_source": self.rule.source if self.rule else None,
        }


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _received_on(received_at: dt.date | dt.datetime, cutoff: dt.time | None) -> dt.date:
    if isinstance(received_at, dt.datetime):
        day = received_at.date()
        if cutoff is not None and received_at.time() >= cutoff:
            return day + dt.timedelta(days=1)
        return day
    return received_at


def _day_off_label(calendar: WorkCalendar, day: dt.date, lang: str) -> str:
    kind = calendar.day_kind(day)
    if kind == DayKind.HOLIDAY:
        name = calendar.holiday_name(day) or ""
        return f"{name}假期" if lang == "zh" else f"in the {holiday_name_en(name)} holiday"
    return "周末" if lang == "zh" else "a weekend day"


def _working_days(n: int) -> str:
    return f"{n} working day" + ("" if n == 1 else "s")


class _Explainer:
    """Collects the parts of an explanation in English and Chinese side by side."""

    def __init__(self) -> None:
        self.en: list[str] = []
        self.zh: list[str] = []

    def add(self, en: str, zh: str) -> None:
        self.en.append(en)
        self.zh.append(zh)

    def render(self) -> tuple[str, str]:
        return "; ".join(self.en), "；".join(self.zh)


def _base_due(calendar: WorkCalendar, received_on: dt.date, days: int, day_unit: DayUnit,
              convention: Convention) -> tuple[dt.date, dt.date]:
    """(deemed received, base due) without warnings."""
    counts_receipt = convention == Convention.RECEIPT_DAY_COUNTS
    if day_unit == DayUnit.CALENDAR:
        # Natural days from the day of receipt; a due date on a non-working day moves to the next working day.
        end = received_on + dt.timedelta(days=days - 1 if counts_receipt else days)
        return received_on, calendar.next_workday(end)
    if convention == Convention.GENERAL_RULE:
        return received_on, calendar.add_workdays(received_on, days, warn=False)
    deemed = calendar.next_workday(received_on)
    return deemed, calendar.add_workdays(deemed, days - 1 if counts_receipt else days, warn=False)


def no_reply_duty(received_at: dt.datetime | dt.date, rule: DeadlineRule, calendar: WorkCalendar,
                  policy: DeadlinePolicy) -> DueDate:
    """The "deadline" of a letter without a reply duty (a no_reply_duty rule): no due date, so no alert."""
    received_on = _received_on(received_at, policy.receipt_cutoff)
    return DueDate(
        received_at=received_at, received_on=received_on, deemed_received_on=received_on, days=0,
        day_unit=rule.day_unit, convention=rule.convention or policy.convention, base_due=received_on, due=None,
        paused_since=None, provisional=False, provisional_years=(),
        explanation=f"no reply duty ({rule.label or rule.id}): no deadline, no alerts",
        explanation_zh=f"{rule.label or '无答复义务'}：不计答复期限，不发提醒", rule=rule)


def compute_deadline(
    received_at: dt.datetime | dt.date,
    days: int | None = None,
    *,
    rule: DeadlineRule | None = None,
    calendar: WorkCalendar | None = None,
    policy: DeadlinePolicy | None = None,
    convention: Convention | str | None = None,
    day_unit: DayUnit | str | None = None,
    extensions: Iterable[Extension] = (),
    pauses: Iterable[Pause] = (),
    as_of: dt.date | dt.datetime | None = None,
    warn: bool = True,
) -> DueDate:
    """The due date of a message received at ``received_at`` with ``days`` (or ``rule.days``) days.

    Convention: the argument, else the rule's, else the policy's (``deadlines.convention``). Extensions
    (approved) and pauses are applied in date order; with ``as_of`` only those known by then (an extension
    approved on or before it, a pause started on or before it and, if it ended after it, still open).
    """
    calendar = calendar or get_calendar()
    policy = policy or DeadlinePolicy()
    if days is None:
        if rule is None:
            raise DeadlineError("compute_deadline needs days or a rule")
        days = rule.days
    if days < 0:
        raise DeadlineError(f"days must be >= 0, got {days}")
    convention = Convention(convention or (rule.convention if rule else None) or policy.convention)
    day_unit = DayUnit(day_unit or (rule.day_unit if rule else DayUnit.WORKING))
    if days == 0 and convention == Convention.RECEIPT_DAY_COUNTS:
        raise DeadlineError("with receipt_day_counts, days must be >= 1")

    received_on = _received_on(received_at, policy.receipt_cutoff)
    deemed, base_due = _base_due(calendar, received_on, days, day_unit, convention)
    due: dt.date | None = base_due
    out = _Explainer()

    # Receipt.
    received_day = _as_date(received_at)
    en = f"received {format_day(received_day)}"
    zh = f"{format_day(received_day, 'zh')}收到"
    if received_on != received_day:
        cutoff = policy.receipt_cutoff.strftime("%H:%M") if policy.receipt_cutoff else ""
        en += f" after {cutoff}, counted as received {format_day(received_on)}"
        zh += f"（{cutoff}后），按{format_day(received_on, 'zh')}收到计"
    out.add(en, zh)
    if convention == Convention.GENERAL_RULE and day_unit == DayUnit.WORKING and not calendar.is_workday(received_on):
        out.add(f"{format_day(received_on)} is {_day_off_label(calendar, received_on, 'en')}; as any day of receipt "
                "it is not counted, counting begins the next day (Civil Code art. 201)",
                f"{format_day(received_on, 'zh')}为{_day_off_label(calendar, received_on, 'zh')}，"
                "收到当日不计入，自次日起算（民法典第二百零一条）")
    if deemed != received_on:
        makeup = calendar.day_kind(deemed) == DayKind.MAKEUP_WORKDAY
        out.add(f"{format_day(received_on)} is {_day_off_label(calendar, received_on, 'en')}, "
                f"deemed received {format_day(deemed)}" + (" (a make-up working day)" if makeup else ""),
                f"{format_day(received_on, 'zh')}为{_day_off_label(calendar, received_on, 'zh')}，"
                f"视为{format_day(deemed, 'zh')}" + ("（调休上班日）" if makeup else "") + "收到")

    # Period.
    unit_en = "working day" if day_unit == DayUnit.WORKING else "calendar day"
    unit_zh = "个工作日" if day_unit == DayUnit.WORKING else "个自然日"
    en = f"{days} {unit_en}{'s' if days != 1 else ''}"
    zh = f"{days}{unit_zh}"
    if convention == Convention.RECEIPT_DAY_COUNTS:
        en += " counting the day of receipt"
        zh += "（收到当日计入）"
    if rule is not None:
        en += f" (rule {rule.id})"
        zh += f"（规则 {rule.id}）"
    out.add(en, zh)

    # Special days on the way (holiday runs, make-up working days).
    first_counted = deemed - dt.timedelta(days=1) if convention == Convention.RECEIPT_DAY_COUNTS else deemed
    for span in calendar.special_days(first_counted, base_due):
        if span.kind == DayKind.HOLIDAY and span.last < deemed:
            continue  # already said: the receipt fell in it
        out.add(span.describe("en"), span.describe("zh"))
    out.add(f"due {format_day(base_due)}", f"{format_day(base_due, 'zh')}到期")

    # Extensions and pauses, in date order.
    as_of_day = _as_date(as_of) if as_of is not None else None
    events: list[Extension | Pause] = sorted(
        [*extensions, *pauses], key=lambda e: (e.event_date, isinstance(e, Extension)))
    applied: list[Extension | Pause] = []
    paused_since: dt.date | None = None
    for event in events:
        if as_of_day is not None and event.event_date > as_of_day:
            continue
        assert due is not None
        if isinstance(event, Extension):
            if event.new_due is not None:
                if event.new_due <= due:
                    out.add(f"extension approved {event.approved_on.isoformat()} to {format_day(event.new_due)} "
                            "is not later than the due date: ignored",
                            f"{event.approved_on.isoformat()}批准的延期（至{event.new_due.isoformat()}）不晚于原期限，不予采用")
                    continue
                due = event.new_due
                en_what, zh_what = "new due date", "延期至"
            else:
                assert event.extra_working_days is not None
                due = calendar.add_workdays(due, event.extra_working_days, warn=False)
                en_what = f"+{_working_days(event.extra_working_days)}"
                zh_what = f"延期{event.extra_working_days}个工作日，"
            reason_en = f" ({event.reason})" if event.reason else ""
            reason_zh = f"（{event.reason}）" if event.reason else ""
            out.add(f"extension approved {event.approved_on.isoformat()}{reason_en}: {en_what}, "
                    f"due {format_day(due)}",
                    f"{event.approved_on.isoformat()}批准{reason_zh}{zh_what}{format_day(due, 'zh')}到期")
            applied.append(event)
            continue
        # A pause.
        if event.started_on > due:
            out.add(f"pause from {event.started_on.isoformat()} began after the due date: not applied",
                    f"{event.started_on.isoformat()}起的暂停在期限届满后，不予顺延")
            continue
        reason_en = f" ({event.reason})" if event.reason else ""
        reason_zh = f"（{event.reason}）" if event.reason else ""
        ended = event.ended_on if (event.ended_on is not None and (as_of_day is None or event.ended_on <= as_of_day)) \
            else None
        if ended is None:
            left = calendar.workdays_between(event.started_on, due, warn=False)
            out.add(f"paused since {format_day(event.started_on)}{reason_en} with {_working_days(left)} left: "
                    "the due date is set when the clock restarts",
                    f"自{format_day(event.started_on, 'zh')}起暂停计时{reason_zh}，"
                    f"尚余{left}个工作日，恢复计时后确定期限")
            paused_since, due = event.started_on, None
            applied.append(event)
            break
        if day_unit == DayUnit.WORKING:
            shift = calendar.workdays_between(event.started_on, ended, warn=False)
            due = calendar.add_workdays(due, shift, warn=False)
            en_shift, zh_shift = f"+{_working_days(shift)}", f"顺延{shift}个工作日"
        else:
            shift = (ended - event.started_on).days
            due = calendar.next_workday(due + dt.timedelta(days=shift))
            en_shift, zh_shift = f"+{shift} calendar days", f"顺延{shift}个自然日"
        out.add(f"paused {event.started_on.isoformat()}..{ended.isoformat()}{reason_en}: {en_shift}, "
                f"due {format_day(due)}",
                f"{event.started_on.isoformat()}至{ended.isoformat()}暂停计时{reason_zh}，{zh_shift}，"
                f"{format_day(due, 'zh')}到期")
        applied.append(event)

    last_day = due or paused_since or base_due
    provisional_years = tuple(calendar.provisional_years_between(received_on, max(last_day, base_due)))
    if provisional_years:
        years = ", ".join(map(str, provisional_years))
        out.add(f"provisional: no holiday notice for {years} yet (weekends and statutory holidays only)",
                f"暂定：{years}年节假日安排尚未发布（仅按周末和法定节日计算）")
        if warn:
            warn_provisional(provisional_years, calendar)
    explanation, explanation_zh = out.render()
    return DueDate(received_at=received_at, received_on=received_on, deemed_received_on=deemed, days=days,
                   day_unit=day_unit, convention=convention, base_due=base_due, due=due, paused_since=paused_since,
                   provisional=bool(provisional_years), provisional_years=provisional_years,
                   explanation=explanation, explanation_zh=explanation_zh, rule=rule, applied_events=tuple(applied))


# --------------------------------------------------------------------------------------------------
# States
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeadlineStatus:
    state: DeadlineState
    due: dt.date | None
    as_of: dt.date
    working_days_left: int | None = None   # open and not yet late
    working_days_late: int | None = None   # replied late, overdue, unanswered

    def to_json(self) -> dict[str, Any]:
        return {"state": self.state.value, "due": self.due.isoformat() if self.due else None,
                "as_of": self.as_of.isoformat(), "working_days_left": self.working_days_left,
                "working_days_late": self.working_days_late}


def working_days_late(due: dt.date, when: dt.date | dt.datetime, calendar: WorkCalendar | None = None) -> int:
    """Working days from the end of ``due`` to ``when``: 0 on or before the due date; a late non-working day
    counts as the next working day (a Saturday after a Friday due date is 1 working day late)."""
    calendar = calendar or get_calendar()
    when = _as_date(when)
    if when <= due:
        return 0
    return calendar.workdays_between(due, calendar.next_workday(when), warn=False)


def deadline_state(
    due: dt.date | None,
    *,
    as_of: dt.date | dt.datetime,
    replied_at: dt.datetime | dt.date | None = None,
    received_at: dt.datetime | dt.date | None = None,
    has_reply_text: bool = False,
    closed: bool = False,
    paused: bool = False,
    calendar: WorkCalendar | None = None,
    policy: DeadlinePolicy | None = None,
) -> DeadlineStatus:
    """The state of a message as of the end of ``as_of`` (a date) or at ``as_of`` (a datetime).

    ``due`` None means a pause is open (the state is ``paused`` unless a reply came). ``received_at`` after
    ``as_of`` gives ``not_received``. A reply dated after ``as_of`` is not known yet at ``as_of``.
    """
    calendar = calendar or get_calendar()
    policy = policy or DeadlinePolicy()
    as_of_moment = as_of if isinstance(as_of, dt.datetime) else dt.datetime.combine(as_of, dt.time.max)
    as_of_day = as_of_moment.date()

    def moment(value: dt.datetime | dt.date) -> dt.datetime:
        return value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time.min)

    if received_at is not None and moment(received_at) > as_of_moment:
        return DeadlineStatus(DeadlineState.NOT_RECEIVED, due, as_of_day)
    if replied_at is not None and moment(replied_at) <= as_of_moment:
        reply_day = _as_date(replied_at)
        if due is None or reply_day <= due:
            return DeadlineStatus(DeadlineState.REPLIED_ON_TIME, due, as_of_day, working_days_late=0)
        return DeadlineStatus(DeadlineState.REPLIED_LATE, due, as_of_day,
                              working_days_late=working_days_late(due, reply_day, calendar))
    if replied_at is None and has_reply_text:
        return DeadlineStatus(DeadlineState.REPLIED_UNDATED, due, as_of_day)
    if paused or due is None:
        return DeadlineStatus(DeadlineState.PAUSED, due, as_of_day)
    if as_of_day <= due:
        left = calendar.workdays_between(as_of_day, due, warn=False)
        state = DeadlineState.DUE_SOON if left <= policy.due_soon_days else DeadlineState.ON_TIME
        return DeadlineStatus(state, due, as_of_day, working_days_left=left)
    late = working_days_late(due, as_of_day, calendar)
    if closed and replied_at is None:
        return DeadlineStatus(DeadlineState.UNANSWERED, due, as_of_day, working_days_late=late)
    state = DeadlineState.SERIOUSLY_OVERDUE if late >= policy.seriously_overdue_days else DeadlineState.OVERDUE
    return DeadlineStatus(state, due, as_of_day, working_days_late=late)


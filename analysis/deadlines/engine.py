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
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import math
import tomllib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from analysis import DATA_DIR
from analysis.deadlines.workcalendar import (
    DayKind,
    WorkCalendar,
    format_day,
    get_calendar,
    holiday_name_en,
    warn_provisional,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

logger = logging.getLogger(__name__)

PACKAGED_RULES_FILE = DATA_DIR / "deadline_rules.toml"
NO_DATE = -1  # ordinal placeholder in the vectorised columns


class DeadlineError(ValueError):
    """A deadline problem with a clear reason (bad rule file, bad extension, unknown message)."""


class Convention(StrEnum):
    # 民法典 第二百零一条: the day of receipt is not counted; due the N-th working day after it (the default)
    GENERAL_RULE = "general_rule"
    NEXT_WORKING_DAY = "next_working_day"      # non-working receipt deemed received the next working day, then N
    RECEIPT_DAY_COUNTS = "receipt_day_counts"  # the (deemed) day of receipt is day 1


class DayUnit(StrEnum):
    WORKING = "working"
    CALENDAR = "calendar"


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
# Policy settings
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeadlinePolicy:
    """The ``deadlines.*`` settings that shape computations (defaults = the documented policy)."""

    convention: Convention = Convention.GENERAL_RULE
    receipt_cutoff: dt.time | None = None
    due_soon_days: int = 1
    seriously_overdue_days: int = 5
    min_cases_for_ranking: int = 20
    closed_statuses: frozenset[str] = frozenset({"已办结", "办结", "已完成", "已关闭", "已结束", "已终止"})

    @classmethod
    def from_settings(cls, settings: Any = None) -> DeadlinePolicy:
        from store.settings import get_settings

        settings = settings or get_settings()
        convention_text = settings.get("deadlines.convention")
        try:
            convention = Convention(convention_text)
        except ValueError:
            raise DeadlineError(f"setting deadlines.convention: {convention_text!r} is not one of "
                                f"{[c.value for c in Convention]}") from None
        cutoff_text = settings.get("deadlines.receipt_cutoff").strip()
        cutoff = None
        if cutoff_text:
            try:
                cutoff = dt.time.fromisoformat(cutoff_text)
            except ValueError:
                raise DeadlineError(f"setting deadlines.receipt_cutoff: {cutoff_text!r} is not a time HH:MM") from None
        return cls(convention=convention, receipt_cutoff=cutoff,
                   due_soon_days=int(settings.get("deadlines.due_soon_days")),
                   seriously_overdue_days=int(settings.get("deadlines.seriously_overdue_days")),
                   min_cases_for_ranking=int(settings.get("deadlines.min_cases_for_ranking")),
                   closed_statuses=frozenset(settings.get("deadlines.closed_statuses")))

    def counting_key(self) -> str:
        """What of the policy changes due dates (part of the rules fingerprint)."""
        return f"{self.convention.value}|{self.receipt_cutoff.isoformat() if self.receipt_cutoff else ''}"


# --------------------------------------------------------------------------------------------------
# Rules
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeadlineRule:
    id: str
    days: int
    source: str
    label: str = ""
    day_unit: DayUnit = DayUnit.WORKING
    convention: Convention | None = None
    channels: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    units: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    priority: int = 0
    enabled: bool = True
    order: int = 0
    # Rule type "no_reply_duty" (``type = "no_reply_duty"``): letters it matches (praise, thanks…) have no reply
    # deadline, so no due date and no alerts. ``admissibility`` matches messages.admissibility exactly.
    no_reply_duty: bool = False
    admissibility: tuple[str, ...] = ()

    @property
    def specificity(self) -> int:
        return sum(1 for c in (self.channels, self.kinds, self.sources, self.units, self.categories,
                               self.admissibility) if c)

    def matches(self, channel: str | None = None, kind: str | None = None, source: str | None = None,
                unit: str | None = None, category: str | None = None, admissibility: str | None = None) -> bool:
        if self.channels and (channel or "") not in self.channels:
            return False
        if self.admissibility and (admissibility or "") not in self.admissibility:
            return False
        for wanted, value in ((self.kinds, kind), (self.sources, source), (self.units, unit),
                              (self.categories, category)):
            if wanted and not any(w in (value or "") for w in wanted):
                return False
        return True


class RuleSet:
    """The enabled rules in match order, with the catch-all default."""

    def __init__(self, rules: Sequence[DeadlineRule], path: Path | None = None):
        self.path = path
        self.all_rules = list(rules)
        self.rules = sorted((r for r in rules if r.enabled), key=lambda r: (-r.priority, -r.specificity, r.order))
        defaults = [r for r in self.rules if r.specificity == 0 and not r.no_reply_duty]
        if not defaults:
            raise DeadlineError(f"{path or 'rules'}: no enabled rule without criteria: a default rule is required")
        if len(defaults) > 1:
            raise DeadlineError(f"{path or 'rules'}: several default rules without criteria: "
                                f"{[r.id for r in defaults]}; keep one")
        self.default = defaults[0]
        self._by_id = {r.id: r for r in self.all_rules}
        self._cache: dict[tuple, DeadlineRule] = {}
        payload = [(r.id, r.days, r.day_unit.value, r.convention.value if r.convention else None, r.channels,
                    r.kinds, r.sources, r.units, r.categories, r.priority, r.enabled)
                   + ((r.no_reply_duty, r.admissibility) if r.no_reply_duty or r.admissibility else ())
                   for r in self.all_rules]
        self.fingerprint = hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode()).hexdigest()[:16]

    def match(self, channel: str | None = None, kind: str | None = None, source: str | None = None,
              unit: str | None = None, category: str | None = None, admissibility: str | None = None
              ) -> DeadlineRule:
        key = (channel, kind, source, unit, category, admissibility)
        rule = self._cache.get(key)
        if rule is None:
            rule = next(r for r in self.rules if r.matches(channel, kind, source, unit, category, admissibility))
            if len(self._cache) < 200_000:
                self._cache[key] = rule
        return rule

    def get(self, rule_id: str) -> DeadlineRule:
        if rule_id not in self._by_id:
            raise DeadlineError(f"unknown deadline rule {rule_id!r} (known: {sorted(self._by_id)})")
        return self._by_id[rule_id]


def _string_tuple(value: object, where: str, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise DeadlineError(f"{where}: `{key}` must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


def parse_rules(data: Mapping[str, Any], path: Path | None = None) -> RuleSet:
    where_file = str(path or "rules")
    raw_rules = data.get("rule")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise DeadlineError(f"{where_file}: no [[rule]] tables")
    known = {"id", "days", "source", "label", "day_unit", "convention", "channels", "kinds", "sources", "units",
             "categories", "priority", "enabled", "type", "admissibility"}
    rules: list[DeadlineRule] = []
    seen: set[str] = set()
    for order, entry in enumerate(raw_rules):
        rule_id = entry.get("id") if isinstance(entry, dict) else None
        where = f"{where_file}: [[rule]] #{order + 1}" + (f" ({rule_id})" if rule_id else "")
        if not isinstance(entry, dict):
            raise DeadlineError(f"{where}: must be a table")
        unknown = set(entry) - known
        if unknown:
            raise DeadlineError(f"{where}: unknown keys {sorted(unknown)}")
        if not isinstance(rule_id, str) or not rule_id.strip():
            raise DeadlineError(f"{where}: `id` is required")
        if rule_id in seen:
            raise DeadlineError(f"{where}: duplicate id {rule_id!r}")
        seen.add(rule_id)
        rule_type = entry.get("type", "deadline")
        if rule_type not in ("deadline", "no_reply_duty"):
            raise DeadlineError(f"{where}: `type` must be 'deadline' or 'no_reply_duty', got {rule_type!r}")
        no_reply_duty = rule_type == "no_reply_duty"
        days = entry.get("days", 0 if no_reply_duty else None)
        if no_reply_duty and days != 0:
            raise DeadlineError(f"{where}: a no_reply_duty rule has no `days`")
        if not no_reply_duty and (not isinstance(days, int) or isinstance(days, bool) or days < 1):
            raise DeadlineError(f"{where}: `days` must be an integer >= 1, got {days!r}")
        source = entry.get("source")
        if not isinstance(source, str) or not source.strip():
            raise DeadlineError(f"{where}: `source` (the policy this rule comes from) is required")
        try:
            day_unit = DayUnit(entry.get("day_unit", "working"))
        except ValueError:
            raise DeadlineError(f"{where}: `day_unit` must be 'working' or 'calendar'") from None
        convention = None
        if "convention" in entry:
            try:
                convention = Convention(entry["convention"])
            except ValueError:
                raise DeadlineError(f"{where}: `convention` must be one of {[c.value for c in Convention]}") from None
        channels = _string_tuple(entry.get("channels"), where, "channels")
        bad_channels = set(channels) - {"hotline", "mailbox", "feedback"}
        if bad_channels:
            raise DeadlineError(f"{where}: unknown channels {sorted(bad_channels)} (hotline, mailbox, feedback)")
        priority = entry.get("priority", 0)
        if not isinstance(priority, int) or isinstance(priority, bool):
            raise DeadlineError(f"{where}: `priority` must be an integer")
        enabled = entry.get("enabled", True)
        if not isinstance(enabled, bool):
            raise DeadlineError(f"{where}: `enabled` must be true or false")
        rules.append(DeadlineRule(
            id=rule_id.strip(), days=days, source=source.strip(), label=str(entry.get("label", "")),
            day_unit=day_unit, convention=convention, channels=channels,
            kinds=_string_tuple(entry.get("kinds"), where, "kinds"),
            sources=_string_tuple(entry.get("sources"), where, "sources"),
            units=_string_tuple(entry.get("units"), where, "units"),
            categories=_string_tuple(entry.get("categories"), where, "categories"),
            priority=priority, enabled=enabled, order=order, no_reply_duty=no_reply_duty,
            admissibility=_string_tuple(entry.get("admissibility"), where, "admissibility")))
        if no_reply_duty and not rules[-1].specificity:
            raise DeadlineError(f"{where}: a no_reply_duty rule needs criteria (admissibility, kinds…): without "
                                "them no letter would have a deadline")
    return RuleSet(rules, path)


@lru_cache(maxsize=8)
def _load_rules_cached(path: Path, mtime_ns: int, size: int) -> RuleSet:
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise DeadlineError(f"{path}: not valid TOML: {exc}") from exc
    return parse_rules(data, path)


def load_rules(path: Path | str | None = None) -> RuleSet:
    """The rules from ``path``, else the ``deadlines.rules_file`` setting, else the packaged file."""
    if path is None:
        from store.settings import get_settings

        configured = get_settings().get("deadlines.rules_file")
        path = Path(configured) if configured else PACKAGED_RULES_FILE
    path = Path(path)
    if not path.is_file():
        raise DeadlineError(f"deadline rules file {path} does not exist")
    stat = path.stat()
    return _load_rules_cached(path.resolve(), stat.st_mtime_ns, stat.st_size)


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


# --------------------------------------------------------------------------------------------------
# Bulk computation (numpy)
# --------------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------------
# Statistics
# --------------------------------------------------------------------------------------------------


def wilson_interval(successes: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """The Wilson score interval of a proportion (95 % by default); (0, 1) for n = 0."""
    if n <= 0:
        return 0.0, 1.0
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


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


# --------------------------------------------------------------------------------------------------
# Database: the analyze step, one message, the overdue list
# --------------------------------------------------------------------------------------------------


@dataclass
class DeadlineRunCounts:
    messages: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    due_changed: int = 0
    skipped_no_date: int = 0
    errors: int = 0
    provisional: int = 0
    paused: int = 0
    calendar_changed: bool = False
    calendar_fingerprint: str = ""
    states: dict[str, int] = field(default_factory=dict)
    error_samples: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _events_by_message(session: Session, message_ids: Iterable[int] | None = None
                       ) -> dict[int, list[Extension | Pause]]:
    from sqlalchemy import select

    from store.models.deadlines import DeadlineExtension, DeadlinePause

    events: dict[int, list[Extension | Pause]] = defaultdict(list)
    ext_query = select(DeadlineExtension).where(DeadlineExtension.status == "approved")
    pause_query = select(DeadlinePause)
    if message_ids is not None:
        ids = list(message_ids)
        ext_query = ext_query.where(DeadlineExtension.message_id.in_(ids))
        pause_query = pause_query.where(DeadlinePause.message_id.in_(ids))
    for ext in session.scalars(ext_query):
        try:
            events[ext.message_id].append(Extension(ext.approved_on, ext.new_due_on, ext.extra_working_days,
                                                    ext.reason or ""))
        except DeadlineError as exc:
            logger.error("deadline_extensions row %s (message %s): %s: ignored", ext.id, ext.message_id, exc)
    for pause in session.scalars(pause_query):
        try:
            events[pause.message_id].append(Pause(pause.started_on, pause.ended_on, pause.reason or ""))
        except DeadlineError as exc:
            logger.error("deadline_pauses row %s (message %s): %s: ignored", pause.id, pause.message_id, exc)
    return events


def _message_columns(session: Session, message_ids: Iterable[int] | None = None):
    from sqlalchemy import select

    from store.models.core import Message, Source

    query = (select(Message.id, Message.submitted_at, Message.channel, Message.kind, Source.name, Message.unit,
                    Message.category, Message.replied_at, Message.reply_text, Message.status, Message.admissibility)
             .join(Source, Source.id == Message.source_id).order_by(Message.id))
    if message_ids is not None:
        query = query.where(Message.id.in_(list(message_ids)))
    return session.execute(query).all()


def _record_calendar_version(session: Session, calendar: WorkCalendar) -> tuple[Any, bool]:
    """The log row of the calendar in use, appended when it differs from the latest; (row, changed)."""
    from sqlalchemy import select

    from store.models.deadlines import CalendarVersion

    latest = session.scalars(select(CalendarVersion).order_by(CalendarVersion.id.desc()).limit(1)).first()
    if latest is not None and latest.fingerprint == calendar.fingerprint:
        return latest, False
    previous = latest.fingerprint if latest else None
    version = CalendarVersion(fingerprint=calendar.fingerprint, previous_fingerprint=previous,
                              description=calendar.describe(),
                              year_sources={str(y): s.value for y, s in calendar.year_sources.items()
                                            if s.value != "chinesecalendar"},
                              deadlines_recomputed=0, deadlines_changed=0)
    session.add(version)
    session.flush()
    if previous is not None:
        logger.warning("working-day calendar changed (%s -> %s): %s", previous, calendar.fingerprint,
                       calendar.describe())
    return version, previous is not None


def compute_deadlines(
    session: Session,
    as_of: dt.date | dt.datetime | None = None,
    *,
    message_ids: Iterable[int] | None = None,
    calendar: WorkCalendar | None = None,
    rules: RuleSet | None = None,
    policy: DeadlinePolicy | None = None,
) -> DeadlineRunCounts:
    """(Re)compute the Deadline row of every message (or of ``message_ids``); idempotent.

    A row is written when it is missing or anything in it would change (calendar or rules fingerprint, rule,
    due date, explanation…). A moved due date is logged in ``deadline_changes`` with the reason, a new calendar
    in ``calendar_versions``. Returns counts, including the states as of ``as_of`` (default: now). The caller
    commits.
    """
    from sqlalchemy import insert, select, update

    from store.models.base import now_local
    from store.models.deadlines import Deadline, DeadlineChange

    calendar = calendar or get_calendar()
    rules = rules or load_rules()
    policy = policy or DeadlinePolicy.from_settings()
    rules_fingerprint = hashlib.sha256(f"{rules.fingerprint}|{policy.counting_key()}".encode()).hexdigest()[:16]
    counts = DeadlineRunCounts(calendar_fingerprint=calendar.fingerprint)
    version, counts.calendar_changed = _record_calendar_version(session, calendar)
    now = now_local()
    as_of_day = _as_date(as_of) if as_of is not None else now.date()

    rows = _message_columns(session, message_ids)
    counts.messages = len(rows)
    if not rows:
        return counts
    existing_query = select(Deadline.id, Deadline.message_id, Deadline.due_on, Deadline.base_due_on,
                            Deadline.rule_id, Deadline.calendar_fingerprint, Deadline.rules_fingerprint,
                            Deadline.received_at, Deadline.paused, Deadline.explanation, Deadline.provisional)
    if message_ids is not None:
        existing_query = existing_query.where(Deadline.message_id.in_([r[0] for r in rows]))
    existing = {d.message_id: d for d in session.execute(existing_query).all()}
    events = _events_by_message(session, [r[0] for r in rows] if message_ids is not None else None)

    with_date = [r for r in rows if r.submitted_at is not None]
    counts.skipped_no_date = len(rows) - len(with_date)
    explained: dict[tuple, DueDate] = {}  # messages sharing receipt day and rule share the explanation
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    provisional_years: set[int] = set()
    # Columns for the state counts as of as_of_day, filled as we go (no second query).
    state_columns: dict[str, list[Any]] = {k: [] for k in ("submitted", "due", "replied", "undated", "closed",
                                                          "paused")}
    for row in with_date:
        rule = rules.match(row.channel, row.kind, row.name, row.unit, row.category, row.admissibility)
        old = existing.get(row.id)
        message_events = events.get(row.id, [])
        try:
            if rule.no_reply_duty:
                result = known = no_reply_duty(row.submitted_at, rule, calendar, policy)
            elif message_events:
                extensions = [e for e in message_events if isinstance(e, Extension)]
                pauses = [e for e in message_events if isinstance(e, Pause)]
                result = compute_deadline(row.submitted_at, rule=rule, calendar=calendar, policy=policy,
                                          extensions=extensions, pauses=pauses, warn=False)
                known = compute_deadline(row.submitted_at, rule=rule, calendar=calendar, policy=policy,
                                         extensions=extensions, pauses=pauses, as_of=as_of_day, warn=False)
            else:
                key = (row.submitted_at.date(), row.submitted_at.time() >= policy.receipt_cutoff
                       if policy.receipt_cutoff else False, rule.id)
                result = explained.get(key)
                if result is None:
                    result = explained[key] = compute_deadline(row.submitted_at, rule=rule, calendar=calendar,
                                                               policy=policy, warn=False)
                known = result
        except Exception as exc:  # noqa: BLE001 - one bad record never aborts the batch
            counts.errors += 1
            if len(counts.error_samples) < 20:
                counts.error_samples.append(f"message {row.id}: {exc}")
            logger.error("deadline of message %s: %s", row.id, exc)
            continue
        state_columns["submitted"].append(row.submitted_at.toordinal())
        state_columns["due"].append(known.due.toordinal() if known.due else NO_DATE)
        state_columns["replied"].append(row.replied_at.toordinal() if row.replied_at else NO_DATE)
        state_columns["undated"].append(row.replied_at is None and bool((row.reply_text or "").strip()))
        state_columns["closed"].append((row.status or "").strip() in policy.closed_statuses)
        state_columns["paused"].append(known.paused_since is not None)
        provisional_years.update(result.provisional_years)
        paused = result.paused_since is not None
        counts.provisional += result.provisional
        counts.paused += paused
        if old is not None and (
                old.due_on == result.due and old.base_due_on == result.base_due and old.rule_id == rule.id
                and old.calendar_fingerprint == calendar.fingerprint and old.rules_fingerprint == rules_fingerprint
                and old.received_at == row.submitted_at and old.explanation == result.explanation
                and old.paused == paused and old.provisional == result.provisional):
            counts.unchanged += 1
            continue
        values = {
            "message_id": row.id, "rule_id": rule.id, "rule_source": rule.source, "days": result.days,
            "day_unit": result.day_unit.value, "convention": result.convention.value,
            "received_at": row.submitted_at, "deemed_received_on": result.deemed_received_on,
            "base_due_on": result.base_due, "due_on": result.due, "paused": paused,
            "provisional": result.provisional, "explanation": result.explanation,
            "explanation_zh": result.explanation_zh, "calendar_fingerprint": calendar.fingerprint,
            "rules_fingerprint": rules_fingerprint, "computed_at": now,
        }
        if old is None:
            inserts.append(values)
            counts.created += 1
            continue
        updates.append({"id": old.id, **values})
        counts.updated += 1
        if old.due_on != result.due:
            counts.due_changed += 1
            reasons = []
            if old.calendar_fingerprint != calendar.fingerprint:
                reasons.append(f"calendar {old.calendar_fingerprint} -> {calendar.fingerprint}")
            if old.rules_fingerprint != rules_fingerprint or old.rule_id != rule.id:
                reasons.append(f"rule {old.rule_id} -> {rule.id}" if old.rule_id != rule.id else "rules changed")
            if old.received_at != row.submitted_at:
                reasons.append("receipt time changed")
            if not reasons:
                reasons.append("extension or pause")
            changes.append({"message_id": row.id, "old_due_on": old.due_on, "new_due_on": result.due,
                            "old_calendar_fingerprint": old.calendar_fingerprint,
                            "new_calendar_fingerprint": calendar.fingerprint,
                            "reason": "; ".join(reasons)[:200], "changed_at": now})
    batch = 2000
    for start in range(0, len(inserts), batch):
        session.execute(insert(Deadline), inserts[start:start + batch])
    for start in range(0, len(updates), batch):
        session.execute(update(Deadline), updates[start:start + batch])
    for start in range(0, len(changes), batch):
        session.execute(insert(DeadlineChange), changes[start:start + batch])
    version.deadlines_recomputed += counts.created + counts.updated
    version.deadlines_changed += counts.due_changed
    if counts.due_changed:
        logger.warning("%d due dates moved on recomputation (see deadline_changes)", counts.due_changed)
    if provisional_years:
        logger.warning("%d deadlines depend on provisional calendar years %s (no holiday notice yet)",
                       counts.provisional, ", ".join(map(str, sorted(provisional_years))))
        warn_provisional(sorted(provisional_years), calendar)
    session.flush()
    columns = {k: np.array(v, dtype=bool if k in ("undated", "closed", "paused") else np.int64)
               for k, v in state_columns.items()}
    states, _left, _late = states_as_of(calendar, as_of_day, received=columns["submitted"], due=columns["due"],
                                        replied=columns["replied"], reply_undated=columns["undated"],
                                        closed=columns["closed"], paused=columns["paused"], policy=policy)
    for code, number in zip(*np.unique(states, return_counts=True), strict=True):
        counts.states[STATE_CODES[int(code)].value] = int(number)
    return counts


def load_frame(session: Session, *, message_ids: Iterable[int] | None = None,
               policy: DeadlinePolicy | None = None, as_of: dt.date | None = None,
               calendar: WorkCalendar | None = None) -> DeadlineFrame:
    """The stored deadlines with their messages as columns (messages without a Deadline row are left out).

    With ``as_of``, messages with extensions or pauses get the due date known at that date (replay).
    """
    from sqlalchemy import select

    from store.models.core import Message, Source
    from store.models.deadlines import Deadline

    policy = policy or DeadlinePolicy.from_settings()
    query = (select(Message.id, Message.submitted_at, Message.replied_at, Message.reply_text, Message.status,
                    Message.unit, Message.category, Message.channel, Message.kind, Source.name,
                    Message.external_id, Message.title, Deadline.deemed_received_on, Deadline.due_on,
                    Deadline.paused, Deadline.provisional, Deadline.rule_id)
             .join(Deadline, Deadline.message_id == Message.id).join(Source, Source.id == Message.source_id)
             .order_by(Message.id))
    if message_ids is not None:
        query = query.where(Message.id.in_(list(message_ids)))
    rows = session.execute(query).all()
    cutoff = policy.receipt_cutoff
    n = len(rows)

    def ordinals(values: Iterable[Any]) -> np.ndarray:  # date and datetime both have toordinal()
        return np.fromiter((v.toordinal() if v is not None else NO_DATE for v in values), dtype=np.int64, count=n)

    frame = DeadlineFrame(
        message_ids=np.fromiter((r.id for r in rows), dtype=np.int64, count=n),
        submitted=received_ordinals([r.submitted_at for r in rows]),
        received=received_ordinals([r.submitted_at for r in rows], cutoff),
        deemed=ordinals(r.deemed_received_on for r in rows),
        due=ordinals(r.due_on for r in rows),
        replied=ordinals(r.replied_at for r in rows),
        reply_undated=np.fromiter((r.replied_at is None and bool((r.reply_text or "").strip()) for r in rows),
                                  dtype=bool, count=n),
        closed=np.fromiter(((r.status or "").strip() in policy.closed_statuses for r in rows), dtype=bool, count=n),
        paused=np.fromiter((bool(r.paused) for r in rows), dtype=bool, count=n),
        provisional=np.fromiter((bool(r.provisional) for r in rows), dtype=bool, count=n),
        groups={
            "unit": np.array([r.unit or "" for r in rows], dtype=object),
            "category": np.array([r.category or "" for r in rows], dtype=object),
            "channel": np.array([r.channel or "" for r in rows], dtype=object),
            "kind": np.array([r.kind or "" for r in rows], dtype=object),
            "source": np.array([r.name or "" for r in rows], dtype=object),
            "rule": np.array([r.rule_id for r in rows], dtype=object),
            "external_id": np.array([r.external_id or "" for r in rows], dtype=object),
            "title": np.array([r.title or "" for r in rows], dtype=object),
        },
    )
    if as_of is not None and n:
        _replay_events(session, frame, as_of, calendar or get_calendar(), policy)
    return frame


def _replay_events(session: Session, frame: DeadlineFrame, as_of: dt.date, calendar: WorkCalendar,
                   policy: DeadlinePolicy) -> None:
    """Give messages with extensions/pauses the due date known at ``as_of`` (few rows: scalar path)."""
    from sqlalchemy import select

    from store.models.core import Message
    from store.models.deadlines import Deadline

    events = _events_by_message(session)
    if not events:
        return
    position = {int(m): i for i, m in enumerate(frame.message_ids)}
    rules = load_rules()
    stored = session.execute(select(Deadline.message_id, Deadline.rule_id, Deadline.days, Deadline.day_unit,
                                    Deadline.convention, Message.submitted_at)
                             .join(Message, Message.id == Deadline.message_id)
                             .where(Deadline.message_id.in_(list(events)))).all()
    for row in stored:
        i = position.get(row.message_id)
        if i is None:
            continue
        rule = rules._by_id.get(row.rule_id)
        message_events = events[row.message_id]
        result = compute_deadline(row.submitted_at, row.days, rule=rule, calendar=calendar, policy=policy,
                                  convention=row.convention, day_unit=row.day_unit,
                                  extensions=[e for e in message_events if isinstance(e, Extension)],
                                  pauses=[e for e in message_events if isinstance(e, Pause)], as_of=as_of,
                                  warn=False)
        frame.due[i] = result.due.toordinal() if result.due else NO_DATE
        frame.paused[i] = result.paused_since is not None


@dataclass(frozen=True)
class MessageDeadline:
    message_id: int
    external_id: str | None
    unit: str | None
    rule_id: str
    rule_label: str
    rule_source: str
    due: DueDate
    status: DeadlineStatus

    def to_json(self) -> dict[str, Any]:
        data = {"message_id": self.message_id, "external_id": self.external_id, "unit": self.unit,
                "rule": self.rule_id, "rule_label": self.rule_label, "rule_source": self.rule_source}
        data.update(self.due.to_json())
        data.update({"state": self.status.state.value, "as_of": self.status.as_of.isoformat(),
                     "working_days_left": self.status.working_days_left,
                     "working_days_late": self.status.working_days_late})
        return data


def message_deadline(session: Session, message_id: int, as_of: dt.date | dt.datetime | None = None, *,
                     calendar: WorkCalendar | None = None, rules: RuleSet | None = None,
                     policy: DeadlinePolicy | None = None) -> MessageDeadline:
    """The deadline of one message computed now from the current calendar, rules and events, with its state."""
    from store.models.base import now_local
    from store.models.core import Message

    message = session.get(Message, message_id)
    if message is None:
        raise DeadlineError(f"no message with id {message_id}")
    if message.submitted_at is None:
        raise DeadlineError(f"message {message_id} has no submission time: no deadline")
    calendar = calendar or get_calendar()
    rules = rules or load_rules()
    policy = policy or DeadlinePolicy.from_settings()
    rule = rules.match(message.channel, message.kind, message.source.name if message.source else None,
                       message.unit, message.category)
    events = _events_by_message(session, [message_id]).get(message_id, [])
    as_of = as_of or now_local()
    due = compute_deadline(message.submitted_at, rule=rule, calendar=calendar, policy=policy,
                           extensions=[e for e in events if isinstance(e, Extension)],
                           pauses=[e for e in events if isinstance(e, Pause)], as_of=as_of)
    status = deadline_state(due.due, as_of=as_of, replied_at=message.replied_at, received_at=message.submitted_at,
                            has_reply_text=bool((message.reply_text or "").strip()),
                            closed=(message.status or "").strip() in policy.closed_statuses,
                            paused=due.paused_since is not None, calendar=calendar, policy=policy)
    return MessageDeadline(message_id=message.id, external_id=message.external_id, unit=message.unit,
                           rule_id=rule.id, rule_label=rule.label, rule_source=rule.source, due=due, status=status)


@dataclass(frozen=True)
class OverdueRow:
    message_id: int
    external_id: str
    unit: str
    kind: str
    title: str
    received_on: dt.date
    due: dt.date | None
    state: DeadlineState
    working_days_left: int | None
    working_days_late: int | None
    provisional: bool

    def to_json(self) -> dict[str, Any]:
        return {"message_id": self.message_id, "external_id": self.external_id, "unit": self.unit,
                "kind": self.kind, "title": self.title, "received_on": self.received_on.isoformat(),
                "due": self.due.isoformat() if self.due else None, "state": self.state.value,
                "working_days_left": self.working_days_left, "working_days_late": self.working_days_late,
                "provisional": self.provisional}


def overdue_rows(session: Session, as_of: dt.date, *, unit: str | None = None,
                 states: Iterable[DeadlineState] | None = ATTENTION_STATES,
                 calendar: WorkCalendar | None = None, policy: DeadlinePolicy | None = None) -> list[OverdueRow]:
    """Messages in ``states`` (default: those needing attention) as of the end of ``as_of``, most late first.

    ``unit`` matches the responsible unit exactly or as a substring. ``states=None`` lists every received message.
    """
    calendar = calendar or get_calendar()
    policy = policy or DeadlinePolicy.from_settings()
    frame = load_frame(session, policy=policy, as_of=as_of, calendar=calendar)
    codes, left, late = frame.states(as_of, calendar, policy)
    wanted = None if states is None else {_CODE[DeadlineState(s)] for s in states}
    result: list[OverdueRow] = []
    for i in range(len(frame)):
        code = int(codes[i])
        if code == _CODE[DeadlineState.NOT_RECEIVED] or (wanted is not None and code not in wanted):
            continue
        unit_name = frame.groups["unit"][i]
        if unit and unit not in unit_name:
            continue
        result.append(OverdueRow(
            message_id=int(frame.message_ids[i]), external_id=frame.groups["external_id"][i], unit=unit_name,
            kind=frame.groups["kind"][i], title=frame.groups["title"][i],
            received_on=dt.date.fromordinal(int(frame.submitted[i])),
            due=dt.date.fromordinal(int(frame.due[i])) if frame.due[i] != NO_DATE else None,
            state=STATE_CODES[code], working_days_left=int(left[i]) if left[i] >= 0 else None,
            working_days_late=int(late[i]) if late[i] >= 0 else None, provisional=bool(frame.provisional[i])))
    result.sort(key=lambda r: (-(r.working_days_late or 0), r.due or dt.date.max, r.message_id))
    return result


__all__ = [
    "ATTENTION_STATES",
    "DECIDED_STATES",
    "NO_DATE",
    "OPEN_STATES",
    "STATE_CODES",
    "BulkDueDates",
    "Convention",
    "DayUnit",
    "DeadlineError",
    "DeadlineFrame",
    "DeadlinePolicy",
    "DeadlineRule",
    "DeadlineRunCounts",
    "DeadlineState",
    "DeadlineStatus",
    "DueDate",
    "Extension",
    "GroupStats",
    "MessageDeadline",
    "OverdueRow",
    "Pause",
    "RuleSet",
    "bulk_due_dates",
    "compute_deadline",
    "compute_deadlines",
    "deadline_state",
    "due_ordinals",
    "get_calendar",
    "load_frame",
    "load_rules",
    "message_deadline",
    "overdue_rows",
    "parse_rules",
    "period_key",
    "received_ordinals",
    "responsiveness_stats",
    "states_as_of",
    "wilson_interval",
    "working_days_late",
]

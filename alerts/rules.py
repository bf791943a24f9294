"""One alert run: decide every notification of the escalation ladder and queue the digests.

The run is a sequence of named steps (``_run_alerts``): load the candidates (``alerts.candidates``), evaluate
the ladder (``alerts.ladder``, pure), find who hears each level (``alerts.recipients``), decide what is notified
(acknowledgements stop a level's repeats, ``alerts.silences`` hold notifications back), list the digest items
(resolution notices, early warnings: ``alerts.early_warnings``), write alerts and ledger in bulk
(``alerts.writers``), then draft and queue the digests. An acknowledgement (``alerts.acknowledgements``) stops
that level's repeats, not the next level.

When the reply appears (or the case is closed), every firing alert of the message resolves and each
recipient that was notified gets a "resolved" item. Nothing is decided on a non-working day (unless
``alerts.send_on_non_working_days``): decisions wait for the next working day's run, so a recipient gets one
digest per run. Silences hold back the notifications they match; the items go out after the silence.
The decisions, the ledger rows and the outbox entries are written in one transaction (the caller's).
"""
from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import numpy as np
from sqlalchemy.orm import Session

from alerts.acknowledgements import acknowledge, acknowledge_message
from alerts.candidates import Existing, large_sqlite_cache, load_candidates, load_existing
from alerts.collector import collector_paused
from alerts.digest import build_digest
from alerts.digest_plan import DigestPlan, FiringItems
from alerts.directory import UnitDirectory, UnitInfo
from alerts.early_warnings import queue_urgent_warnings, warning_alerts
from alerts.ladder import LADDER, NO_DATE, AlertError, Evaluation, LadderPolicy, evaluate
from alerts.outbox import Digest, enqueue_many
from alerts.recipients import Recipient, recipient_for, unit_recipient
from alerts.silences import Silences, add_silence
from alerts.writers import write_alerts, write_ledger
from store.models.base import now_local

# The CLI, the web UI and the benchmarks import these from here.
__all__ = ["LADDER", "AlertError", "LadderPolicy", "RunReport", "acknowledge", "acknowledge_message", "add_silence",
           "evaluate", "run_alerts"]


@dataclass
class RunReport:
    as_of: dt.date
    working_day: bool
    decided: bool = True
    evaluated: int = 0
    firing: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    notified: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    resolved: int = 0
    held_by_ack: int = 0
    held_by_silence: int = 0
    warnings: int = 0
    warnings_waiting: int = 0  # early warnings not queued: no analyst contact configured
    seconds: dict[str, float] = field(default_factory=dict)  # time per phase of the run
    unit_unresolved: int = 0
    digests: int = 0
    outbox_entries: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"as_of": self.as_of.isoformat(), "working_day": self.working_day, "decided": self.decided,
                "evaluated": self.evaluated, "firing": dict(self.firing), "notified": dict(self.notified),
                "resolved": self.resolved, "held_by_ack": self.held_by_ack,
                "held_by_silence": self.held_by_silence, "warnings": self.warnings,
                "warnings_waiting": self.warnings_waiting,
                "unit_unresolved": self.unit_unresolved, "digests": self.digests,
                "outbox_entries": self.outbox_entries}

    def __str__(self) -> str:
        if not self.decided:
            return (f"{self.as_of}: not a working day: no reply alert decided (alerts.send_on_non_working_days is off)"
                    + (f"; {self.warnings} early warnings queued as urgent" if self.warnings else ""))
        notified = ", ".join(f"{k} {v}" for k, v in sorted(self.notified.items())) or "none"
        return (f"{self.as_of}: {self.evaluated} messages evaluated; notified: {notified}; resolved {self.resolved}; "
                f"held by acknowledgement {self.held_by_ack}, by silences {self.held_by_silence}; "
                f"{self.digests} digests, {self.outbox_entries} outbox entries"
                + (f"; {self.unit_unresolved} messages with no unit in the directory" if self.unit_unresolved else "")
                + (f"; {self.warnings_waiting} early warnings wait for an analyst contact (alerts.analysts)"
                   if self.warnings_waiting else ""))


def run_alerts(session: Session, *, now: dt.datetime | None = None, settings: Any = None,
               calendar: Any = None) -> RunReport:
    """Decide and queue this run's notifications (the caller commits: decisions and outbox together).

    Vectorised over the candidates: only what changes is written (a new alert, a new repeat period, a state
    change, a ledger field that moves), in bulk. The garbage collector is paused for the run
    (``alerts.collector``: counted, restored however the run ends).
    """
    with collector_paused(), large_sqlite_cache(session):
        return _run_alerts(session, now=now, settings=settings, calendar=calendar)


@dataclass
class _Context:
    """What every step of one run reads: the moment, the settings, the calendar and policies, the directory."""

    session: Session
    now: dt.datetime
    settings: Any
    calendar: Any
    policy: LadderPolicy
    deadline_policy: Any
    report: RunReport
    base_url: str  # the web UI's address (links in the digests), or ""
    directory: UnitDirectory | None = None
    silences: Silences | None = None

    @property
    def today(self) -> dt.date:
        return self.now.date()


@dataclass
class _Candidates:
    """The loaded candidates (columns by name, message id order) and the arrays derived from them."""

    n: int
    columns: dict[str, tuple[Any, ...]]
    message_ids: np.ndarray
    due: np.ndarray  # ordinal, NO_DATE when paused / none
    has_reply: np.ndarray


@dataclass
class _Audience:
    """Per candidate its responsible unit (index into ``units``, 0 = none) and, per level, who hears it (index
    into ``recipients``): resolved once per distinct spelling, not once per message."""

    units: list[UnitInfo | None]
    row_unit: np.ndarray
    recipients: list[Recipient]
    row_recipient: dict[str, np.ndarray]
    index_of: Callable[[Recipient], int]


@dataclass
class _Decision:
    firing: dict[str, np.ndarray]
    any_level: np.ndarray
    notify: dict[str, np.ndarray]
    settled: np.ndarray
    resolving: dict[str, np.ndarray]


def _run_alerts(session: Session, *, now: dt.datetime | None, settings: Any, calendar: Any) -> RunReport:
    ctx = _context(session, now, settings, calendar)
    if not ctx.report.working_day and not ctx.policy.send_on_non_working_days:
        _non_working_day(ctx)
        return ctx.report
    ctx.directory, ctx.silences = UnitDirectory.load(session), Silences(session, ctx.now)
    clock = _PhaseClock(ctx.report)
    candidates = _load(ctx)
    clock.lap("load")
    evaluation = _evaluate(ctx, candidates)
    existing = load_existing(session, candidates.message_ids)
    clock.lap("evaluate")
    audience = _audience(ctx, candidates)
    decision = _decide(ctx, evaluation, existing, audience)
    clock.lap("decide")
    plan = _plan_items(ctx, candidates, evaluation, decision, audience)
    _resolution_notices(ctx, candidates, existing, decision, audience, plan)
    warning_alerts(session, ctx.now, ctx.settings, ctx.report,
                   add_item=lambda recipient, item: plan.add(audience.index_of(recipient), item))
    clock.lap("items")
    write_alerts(session, candidates.columns, ctx.now, evaluation, existing, decision.firing, decision.notify,
                 decision.any_level, decision.resolving, audience.units, audience.row_unit, audience.recipients,
                 audience.row_recipient)
    clock.lap("write alerts")
    write_ledger(session, candidates.columns, ctx.now, candidates.due, decision.firing, decision.notify,
                 decision.any_level, decision.settled, existing, candidates.has_reply, audience.units,
                 audience.row_unit)
    clock.lap("write ledger")
    batch = _draft_digests(ctx, plan, candidates, evaluation, audience)
    clock.lap("digests")
    ctx.report.outbox_entries = enqueue_many(session, batch, production=bool(ctx.settings.production),
                                             test_recipient=dict(ctx.settings.get("alerts.test_recipient")),
                                             now=ctx.now)
    session.flush()
    clock.lap("outbox")
    return ctx.report


def _context(session: Session, now: dt.datetime | None, settings: Any, calendar: Any) -> _Context:
    from analysis.deadlines.engine import DeadlinePolicy
    from analysis.deadlines.workcalendar import get_calendar
    from store.settings import get_settings

    settings = settings or get_settings()
    now = now or now_local()
    calendar = calendar or get_calendar()
    report = RunReport(as_of=now.date(), working_day=calendar.is_workday(now.date()))
    return _Context(session, now, settings, calendar, LadderPolicy.from_settings(settings),
                    DeadlinePolicy.from_settings(settings), report, settings.get("alerts.base_url").rstrip("/"))


def _non_working_day(ctx: _Context) -> None:
    """No reply alert is decided; the new early warnings go out alone, as urgent, when so configured."""
    ctx.report.decided = False
    if ctx.settings.get("alerts.urgent_warnings"):
        queue_urgent_warnings(ctx.session, ctx.now, ctx.settings, ctx.report)


def _ordinals(values: Any, n: int) -> np.ndarray:
    return np.fromiter((NO_DATE if v is None else v.toordinal() for v in values), dtype=np.int64, count=n)


def _load(ctx: _Context) -> _Candidates:
    n, c = load_candidates(ctx.session)
    ctx.report.evaluated = n
    has_reply = np.fromiter((r is not None or bool(t) for r, t in zip(c["replied_at"], c["has_reply_text"],
                                                                     strict=True)), dtype=bool, count=n)
    return _Candidates(n, c, np.asarray(c["id"], dtype=np.int64), _ordinals(c["due_on"], n), has_reply)


def _evaluate(ctx: _Context, candidates: _Candidates) -> Evaluation:
    """The ladder of every candidate as of today (``alerts.ladder.evaluate``, on the deadline states)."""
    from analysis.deadlines.engine import received_ordinals

    n, c, replied_at = candidates.n, candidates.columns, candidates.columns["replied_at"]
    closed_statuses = ctx.deadline_policy.closed_statuses
    return evaluate(
        ctx.calendar, ctx.today,
        received=received_ordinals(list(c["submitted_at"]), ctx.deadline_policy.receipt_cutoff), due=candidates.due,
        replied=_ordinals((None if r is None else r.date() for r in replied_at), n),
        reply_undated=candidates.has_reply & np.fromiter((r is None for r in replied_at), dtype=bool, count=n),
        closed=np.fromiter(((s or "").strip() in closed_statuses for s in c["status"]), dtype=bool, count=n),
        paused=np.fromiter((bool(p) or d is None for p, d in zip(c["paused"], c["due_on"], strict=True)),
                           dtype=bool, count=n),
        policy=ctx.policy, deadline_policy=ctx.deadline_policy)


def _audience(ctx: _Context, candidates: _Candidates) -> _Audience:
    directory, c = ctx.directory, candidates.columns
    units: list[UnitInfo | None] = [None]
    unit_index: dict[Any, int] = {}
    spelled: dict[tuple[Any, Any], int] = {}

    def unit_of(unit_id: Any, name: Any) -> int:
        key = (unit_id, name)
        if key not in spelled:
            info = directory.units.get(unit_id) if unit_id else directory.resolve(name)
            if info is None:
                spelled[key] = 0
            else:
                if info.id not in unit_index:
                    unit_index[info.id] = len(units)
                    units.append(info)
                spelled[key] = unit_index[info.id]
        return spelled[key]

    row_unit = np.fromiter((unit_of(u, name) for u, name in zip(c["unit_id"], c["unit"], strict=True)),
                           dtype=np.int64, count=candidates.n)
    recipients: list[Recipient] = []
    recipient_index: dict[str, int] = {}

    def index_of(recipient: Recipient) -> int:
        if recipient.key not in recipient_index:
            recipient_index[recipient.key] = len(recipients)
            recipients.append(recipient)
        return recipient_index[recipient.key]

    row_recipient = {level: np.asarray([index_of(recipient_for(level, u, directory, ctx.settings)) for u in units],
                                       dtype=np.int64)[row_unit] for level in LADDER}
    return _Audience(units, row_unit, recipients, row_recipient, index_of)


def _decide(ctx: _Context, evaluation: Evaluation, existing: dict[str, Existing], audience: _Audience) -> _Decision:
    """The decisions, level by level, as boolean columns: a level is notified when its period is new, unless
    an acknowledgement stops its repeats or a silence holds it back."""
    report, silences = ctx.report, ctx.silences
    firing = {level: evaluation.periods[level] >= 0 for level in LADDER}
    n = len(evaluation.state)
    any_level = np.logical_or.reduce([firing[level] for level in LADDER]) if n else np.zeros(0, bool)
    notify: dict[str, np.ndarray] = {}
    for level in LADDER:
        period, old = evaluation.periods[level], existing[level]
        report.firing[level] += int(firing[level].sum())
        wanted = firing[level] & (period > old.last_period)
        held_by_ack = wanted & (period > 0) & old.present & old.acknowledged
        wanted &= ~held_by_ack
        report.held_by_ack += int(held_by_ack.sum())
        if silences.rows:
            holds = np.asarray([silences.holds(r.unit_id, level) for r in audience.recipients] or [False], dtype=bool)
            held = wanted & holds[audience.row_recipient[level]]
            wanted &= ~held
            report.held_by_silence += int(held.sum())
        notify[level] = wanted
        report.notified[level] += int(wanted.sum())
    report.unit_unresolved = int((any_level & (audience.row_unit == 0)).sum())
    settled = evaluation.settled
    resolving = {level: settled & existing[level].present for level in LADDER}
    return _Decision(firing, any_level, notify, settled, resolving)


def _link(ctx: _Context, candidates: _Candidates, i: int) -> str | None:
    base_url = ctx.base_url
    return f"{base_url}/messages/{candidates.columns['id'][i]}" if base_url else candidates.columns["url"][i]


def _plan_items(ctx: _Context, candidates: _Candidates, evaluation: Evaluation, decision: _Decision,
                audience: _Audience) -> DigestPlan:
    """Every notification counted and keyed per recipient; only the listed ones are formatted later."""
    plan = DigestPlan(LADDER, int(ctx.settings.get("alerts.digest_max_items")))
    notified_index = {level: np.flatnonzero(decision.notify[level]) for level in LADDER}
    plan.firing = FiringItems(
        recipient=np.concatenate([audience.row_recipient[level][notified_index[level]] for level in LADDER]),
        level=np.concatenate([np.full(len(notified_index[level]), rank, np.int64)
                              for rank, level in enumerate(LADDER)]),
        row=np.concatenate([notified_index[level] for level in LADDER]),
        period=np.concatenate([evaluation.periods[level][notified_index[level]] for level in LADDER]),
        due=np.concatenate([candidates.due[notified_index[level]] for level in LADDER]),
        message_id=np.concatenate([candidates.message_ids[notified_index[level]] for level in LADDER]))
    return plan


def _resolution_notices(ctx: _Context, candidates: _Candidates, existing: dict[str, Existing],
                        decision: _Decision, audience: _Audience, plan: DigestPlan) -> None:
    """To each recipient that heard a firing level of a message now answered: a "resolved" item."""
    c, directory, replied_at = candidates.columns, ctx.directory, candidates.columns["replied_at"]
    for level in LADDER:
        old = existing[level]
        for i in np.flatnonzero(decision.resolving[level] & old.firing & (old.last_period >= 0)).tolist():
            unit = directory.units.get(int(old.recipient_unit_id[i])) if old.recipient_unit_id[i] >= 0 else None
            recipient = unit_recipient(unit) if unit else recipient_for(level, None, directory, ctx.settings)
            item = {"key": f"message:{c['id'][i]}|{level}|resolved", "subject": f"message:{c['id'][i]}",
                    "level": level, "event": "resolved", "external_id": c["external_id"][i],
                    "title": (c["title"][i] or "")[:80], "url": _link(ctx, candidates, i)}
            if replied_at[i] is not None:
                item["replied_at"] = replied_at[i].isoformat(sep=" ", timespec="minutes")
            plan.add(audience.index_of(recipient), {k: v for k, v in item.items() if v is not None})
        ctx.report.resolved += int(decision.resolving[level].sum())


def _describer(ctx: _Context, candidates: _Candidates, evaluation: Evaluation,
               audience: _Audience) -> Callable[[int, str, int], dict[str, Any]]:
    """Formats one listed firing item (called only for the items a digest lists)."""
    c = candidates.columns
    late, left, unit_of_row = evaluation.late.tolist(), evaluation.left.tolist(), audience.row_unit.tolist()
    unit_names = [u.name if u else None for u in audience.units]
    ids, external_ids, titles, unit_texts, sources, due_days = (
        c["id"], c["external_id"], c["title"], c["unit"], c["source_name"], c["due_on"])

    def describe(i: int, level: str, period: int) -> dict[str, Any]:
        subject = f"message:{ids[i]}"
        item = {"key": f"{subject}|{level}|{period}", "subject": subject, "level": level, "period": period,
                "event": "firing", "external_id": external_ids[i], "title": (titles[i] or "")[:80],
                "unit": unit_names[unit_of_row[i]] or unit_texts[i] or "（未匹配）", "source": sources[i]}
        if due_days[i] is not None:
            item["due_on"] = due_days[i].isoformat()
        if late[i] > 0:
            item["late"] = late[i]
        if left[i] >= 0:
            item["left"] = left[i]
        url = _link(ctx, candidates, i)
        if url is not None:
            item["url"] = url
        return item

    return describe


def _draft_digests(ctx: _Context, plan: DigestPlan, candidates: _Candidates, evaluation: Evaluation,
                   audience: _Audience) -> list[Digest]:
    """One digest per recipient, without the channels a silence holds back."""
    batch: list[Digest] = []
    for planned in plan.plan(_describer(ctx, candidates, evaluation, audience)):
        recipient, items = audience.recipients[planned.recipient], planned.items
        skip = ctx.silences.channels(recipient.unit_id, items[0]["level"])
        contacts = {k: v for k, v in recipient.contacts.items() if k not in skip}
        message = build_digest(recipient.name, items, ctx.today.isoformat(), planned.totals,
                               _full_list(ctx.base_url, recipient.key))
        batch.append(Digest(recipient.key, recipient.name, contacts, message, planned.item_keys))
    ctx.report.digests = len(batch)
    return batch


def _full_list(base_url: str, recipient_key: str) -> str:
    """Where a digest's reader finds every item when the digest lists only the first ones."""
    if base_url:
        return f"{base_url}/alerts?{urlencode({'recipient': recipient_key})}"
    return f"hotline-monitor alerts list --recipient {recipient_key}"


class _PhaseClock:
    """Seconds spent in each phase of a run (``RunReport.seconds``: what the benchmark prints)."""

    def __init__(self, report: RunReport):
        self.report, self.started = report, time.perf_counter()

    def lap(self, phase: str) -> None:
        now = time.perf_counter()
        self.report.seconds[phase] = round(now - self.started, 2)
        self.started = now

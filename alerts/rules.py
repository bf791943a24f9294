"""Alert rules and the escalation ladder; one run decides every notification and queues the digests.

Ladder, for an open message (deadline states from ``analysis.deadlines.engine``), ``late`` = working days past due:

| level                 | when                                         | who hears            | repeats        |
|-----------------------|----------------------------------------------|----------------------|----------------|
| ``due_soon``          | at most ``deadlines.due_soon_days`` left     | the responsible unit | once           |
| ``overdue``           | late >= 1                                    | the responsible unit | every N w.days |
| ``seriously_overdue`` | late >= ``deadlines.seriously_overdue_days`` | its supervisor       | every N w.days |
| ``supervision``       | late >= ``alerts.supervision_after_days``    | the 督办 office      | every N w.days |

N is ``alerts.repeat_every_workdays``; a level's period is ``(late - threshold) // N``, so a run notifies a
level when its period is new. An acknowledgement stops that level's repeats, not the next level. A topic
early-warning event (``store.models.topics.WarningEvent``, status ``new``) goes once to the analysts.

When the reply appears (or the case is closed), every firing alert of the message resolves and each
recipient that was notified gets a "resolved" item. Nothing is decided on a non-working day (unless
``alerts.send_on_non_working_days``): decisions wait for the next working day's run, so a recipient gets one
digest per run. Silences hold back the notifications they match; the items go out after the silence.
The decisions, the ledger rows and the outbox entries are written in one transaction (the caller's).
"""
from __future__ import annotations

import datetime as dt
import gc
import logging
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import numpy as np
from sqlalchemy import bindparam, func, or_, select, text
from sqlalchemy.orm import Session

from alerts.bulk import bulk_update, drop_scratch, fetch_columns, fill_scratch
from alerts.digest import build_digest
from alerts.digest_plan import DigestPlan, FiringItems
from alerts.directory import UnitDirectory, UnitInfo
from alerts.outbox import Digest, addresses_of, enqueue, enqueue_many
from store.models.alerts import Acknowledgement, Alert, LedgerEntry, Silence
from store.models.base import now_local

logger = logging.getLogger(__name__)

LADDER = ("due_soon", "overdue", "seriously_overdue", "supervision")
NO_DATE = -1


@dataclass(frozen=True)
class LadderPolicy:
    due_soon_days: int = 1
    seriously_overdue_days: int = 5
    supervision_after_days: int = 10
    repeat_every: int = 2
    send_on_non_working_days: bool = False

    @classmethod
    def from_settings(cls, settings: Any = None) -> LadderPolicy:
        from store.settings import get_settings

        settings = settings or get_settings()
        repeat = int(settings.get("alerts.repeat_every_workdays"))
        if repeat < 1:
            raise ValueError(f"setting alerts.repeat_every_workdays: must be at least 1, got {repeat}")
        return cls(due_soon_days=int(settings.get("deadlines.due_soon_days")),
                   seriously_overdue_days=int(settings.get("deadlines.seriously_overdue_days")),
                   supervision_after_days=int(settings.get("alerts.supervision_after_days")),
                   repeat_every=repeat,
                   send_on_non_working_days=bool(settings.get("alerts.send_on_non_working_days")))

    def threshold(self, level: str) -> int:
        return {"overdue": 1, "seriously_overdue": self.seriously_overdue_days,
                "supervision": self.supervision_after_days}.get(level, 0)


# --------------------------------------------------------------------------------------------------
# Pure, vectorised evaluation
# --------------------------------------------------------------------------------------------------


@dataclass
class Evaluation:
    """Per message: which ladder levels fire and their period (-1: not firing), and whether it is settled."""

    periods: dict[str, np.ndarray]
    settled: np.ndarray  # replied or closed: its alerts resolve
    state: np.ndarray
    left: np.ndarray
    late: np.ndarray


def evaluate(calendar: Any, as_of: dt.date, *, received: np.ndarray, due: np.ndarray, replied: np.ndarray,
             reply_undated: np.ndarray, closed: np.ndarray, paused: np.ndarray, policy: LadderPolicy,
             deadline_policy: Any = None) -> Evaluation:
    """The ladder levels of many messages as of the end of ``as_of`` (ordinal columns, -1 = no date)."""
    from analysis.deadlines.engine import STATE_CODES, DeadlinePolicy, DeadlineState, states_as_of

    deadline_policy = deadline_policy or DeadlinePolicy(due_soon_days=policy.due_soon_days,
                                                        seriously_overdue_days=policy.seriously_overdue_days)
    state, left, late = states_as_of(calendar, as_of, received=received, due=due, replied=replied,
                                     reply_undated=reply_undated, closed=closed, paused=paused,
                                     policy=deadline_policy)
    code = {s: i for i, s in enumerate(STATE_CODES)}
    overdue = (state == code[DeadlineState.OVERDUE]) | (state == code[DeadlineState.SERIOUSLY_OVERDUE])
    periods: dict[str, np.ndarray] = {"due_soon": np.where(state == code[DeadlineState.DUE_SOON], 0, -1)}
    for level in LADDER[1:]:
        threshold = policy.threshold(level)
        firing = overdue & (late >= threshold)
        periods[level] = np.where(firing, (late - threshold) // policy.repeat_every, -1)
    settled = np.isin(state, [code[DeadlineState.REPLIED_ON_TIME], code[DeadlineState.REPLIED_LATE],
                              code[DeadlineState.REPLIED_UNDATED], code[DeadlineState.UNANSWERED]])
    return Evaluation(periods=periods, settled=settled, state=state, left=left, late=late)


# --------------------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------------------


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


@dataclass
class _Recipient:
    key: str
    name: str
    contacts: dict[str, Any]
    unit_id: int | None


class _Silences:
    def __init__(self, session: Session, now: dt.datetime):
        self.rows = session.execute(select(Silence.unit_id, Silence.level, Silence.channel).where(
            Silence.starts_at <= now, Silence.ends_at > now)).all()

    def holds(self, unit_id: int | None, level: str) -> bool:
        """A silence without a channel holds the whole notification."""
        return any(r.channel is None and (r.unit_id is None or r.unit_id == unit_id)
                   and (r.level is None or r.level == level) for r in self.rows)

    def channels(self, unit_id: int | None, level: str) -> set[str]:
        return {r.channel for r in self.rows if r.channel is not None and (r.unit_id is None or r.unit_id == unit_id)
                and (r.level is None or r.level == level)}


def _recipient_for(level: str, unit: UnitInfo | None, directory: UnitDirectory, settings: Any) -> _Recipient:
    target: UnitInfo | None
    if level in ("due_soon", "overdue"):
        target = unit or directory.supervision_office
    elif level == "seriously_overdue":
        target = directory.supervisor_of(unit)
    else:
        target = directory.supervision_office or directory.supervisor_of(unit)
    if target is None:  # the keys are also spelled in SQL by _insert_new_alerts
        return _Recipient("operators", "运维人员", dict(settings.get("alerts.operators")), None)
    return _Recipient(f"unit:{target.id}", target.name, target.contacts, target.id)


_CANDIDATE_COLUMNS = ("id", "submitted_at", "replied_at", "has_reply_text", "status", "unit", "unit_id", "title",
                      "external_id", "url", "source_name", "due_on", "paused",
                      "ledger_id", "ledger_highest", "ledger_first_alerted_at", "ledger_status", "ledger_due_on")


def _load_candidates(session: Session) -> tuple[int, dict[str, tuple[Any, ...]]]:
    """Open messages with a deadline, plus any message that still has a firing alert, with their ledger entry;
    as columns (name → values in message id order)."""
    from store.models.core import Message, Source
    from store.models.deadlines import Deadline

    firing_ids = select(Alert.message_id).where(Alert.state.in_(("firing", "superseded")),
                                                 Alert.message_id.is_not(None))
    # Whether a reply text exists, not the text (replies run to kilobytes).
    has_reply_text = func.length(func.trim(func.coalesce(Message.reply_text, ""))) > 0
    query = (select(Message.id, Message.submitted_at, Message.replied_at, has_reply_text, Message.status,
                    Message.unit, Message.unit_id, Message.title, Message.external_id, Message.url, Source.name,
                    Deadline.due_on, Deadline.paused,
                    LedgerEntry.id, LedgerEntry.highest_level, LedgerEntry.first_alerted_at, LedgerEntry.status,
                    LedgerEntry.due_on)
             .join(Deadline, Deadline.message_id == Message.id).join(Source, Source.id == Message.source_id)
             .outerjoin(LedgerEntry, LedgerEntry.message_id == Message.id)
             .where(or_(Message.replied_at.is_(None), Message.id.in_(firing_ids)))
             .order_by(Message.id))
    columns = fetch_columns(session.connection(), query)
    return len(columns[0]), dict(zip(_CANDIDATE_COLUMNS, columns, strict=True))


@dataclass
class _Existing:
    """The unresolved alerts of one level, aligned with the candidates (-1 / False where there is none)."""

    id: np.ndarray
    firing: np.ndarray  # state firing (else superseded)
    last_period: np.ndarray
    acknowledged: np.ndarray
    recipient_unit_id: np.ndarray

    @property
    def present(self) -> np.ndarray:
        return self.id >= 0


def _load_existing(session: Session, message_ids: np.ndarray) -> dict[str, _Existing]:
    """Every unresolved message alert in one query, mapped onto the candidates by message id."""
    n = len(message_ids)
    existing = {level: _Existing(np.full(n, -1, np.int64), np.zeros(n, bool), np.full(n, -1, np.int64),
                                 np.zeros(n, bool), np.full(n, -1, np.int64)) for level in LADDER}
    message, level, ids, state, last, acked, recipient_unit = fetch_columns(session.connection(), select(
        Alert.message_id, Alert.level, Alert.id, Alert.state, Alert.last_period,
        Alert.acknowledged_at.is_not(None),  # a flag: no timestamp parsed per alert
        Alert.recipient_unit_id).where(Alert.message_id.is_not(None), Alert.state != "resolved"))
    if not message or not n:
        return existing
    message_arr = np.asarray(message, dtype=np.int64)
    position = np.minimum(np.searchsorted(message_ids, message_arr), n - 1)
    known = message_ids[position] == message_arr  # an alert of a message no longer a candidate stays as it is
    level_arr = np.asarray(level)
    ids_arr = np.asarray(ids, dtype=np.int64)
    firing_arr = np.asarray(state) == "firing"
    last_arr = np.asarray(last, dtype=np.int64)
    acked_arr = np.asarray(acked, dtype=bool)
    recipient_arr = np.fromiter((-1 if u is None else u for u in recipient_unit), dtype=np.int64, count=len(message))
    for name, target in existing.items():
        mask = known & (level_arr == name)
        at = position[mask]
        target.id[at] = ids_arr[mask]
        target.firing[at] = firing_arr[mask]
        target.last_period[at] = last_arr[mask]
        target.acknowledged[at] = acked_arr[mask]
        target.recipient_unit_id[at] = recipient_arr[mask]
    return existing


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Millions of long-lived tuples make the cyclic garbage collector rescan them over and over (a third of
    a large run's time); the run creates no reference cycles worth collecting."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def run_alerts(session: Session, *, now: dt.datetime | None = None, settings: Any = None,
               calendar: Any = None) -> RunReport:
    """Decide and queue this run's notifications (the caller commits: decisions and outbox together).

    Vectorised over the candidates: only what changes is written (a new alert, a new repeat period, a state
    change, a ledger field that moves), in bulk.
    """
    with _collector_paused(), _large_sqlite_cache(session):
        return _run_alerts(session, now=now, settings=settings, calendar=calendar)


@contextmanager
def _large_sqlite_cache(session: Session, mib: int = 256) -> Iterator[None]:
    """SQLite's default 2 MiB page cache thrashes when a run adds a million entries to the alert and ledger
    indexes; a larger cache for the run's connection keeps the index pages in memory (restored afterwards)."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    before = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql(f"PRAGMA cache_size = -{int(mib) * 1024}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size = {int(before)}")


def _run_alerts(session: Session, *, now: dt.datetime | None, settings: Any, calendar: Any) -> RunReport:
    from analysis.deadlines.engine import DeadlinePolicy, received_ordinals
    from analysis.deadlines.workcalendar import get_calendar
    from store.settings import get_settings

    settings = settings or get_settings()
    now = now or now_local()
    today = now.date()
    calendar = calendar or get_calendar()
    policy = LadderPolicy.from_settings(settings)
    deadline_policy = DeadlinePolicy.from_settings(settings)
    working_day = calendar.is_workday(today)
    report = RunReport(as_of=today, working_day=working_day)
    if not working_day and not policy.send_on_non_working_days:
        report.decided = False
        if settings.get("alerts.urgent_warnings"):
            _queue_urgent_warnings(session, now, settings, report)
        return report

    directory = UnitDirectory.load(session)
    silences = _Silences(session, now)
    production = bool(settings.production)
    test_recipient = dict(settings.get("alerts.test_recipient"))
    base_url = settings.get("alerts.base_url").rstrip("/")

    clock = _PhaseClock(report)
    n, c = _load_candidates(session)
    clock.lap("load")
    report.evaluated = n
    message_ids = np.asarray(c["id"], dtype=np.int64)

    def ordinals(values):
        return np.fromiter((NO_DATE if v is None else v.toordinal() for v in values), dtype=np.int64, count=n)

    has_reply = np.fromiter((r is not None or bool(t)
                             for r, t in zip(c["replied_at"], c["has_reply_text"], strict=True)), dtype=bool, count=n)
    replied_at = c["replied_at"]
    due = ordinals(c["due_on"])
    evaluation = evaluate(
        calendar, today,
        received=received_ordinals(list(c["submitted_at"]), deadline_policy.receipt_cutoff), due=due,
        replied=ordinals(None if r is None else r.date() for r in replied_at),
        reply_undated=has_reply & np.fromiter((r is None for r in replied_at), dtype=bool, count=n),
        closed=np.fromiter(((s or "").strip() in deadline_policy.closed_statuses for s in c["status"]),
                           dtype=bool, count=n),
        paused=np.fromiter((bool(p) or d is None for p, d in zip(c["paused"], c["due_on"], strict=True)),
                           dtype=bool, count=n),
        policy=policy, deadline_policy=deadline_policy)
    existing = _load_existing(session, message_ids)
    clock.lap("evaluate")

    # The responsible unit of each candidate (index into `units`, 0 = none) and, per level, who hears it
    # (index into `recipients`): resolved once per distinct spelling, not once per message.
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
                           dtype=np.int64, count=n)
    recipients: list[_Recipient] = []
    recipient_index: dict[str, int] = {}

    def recipient_of(recipient: _Recipient) -> int:
        if recipient.key not in recipient_index:
            recipient_index[recipient.key] = len(recipients)
            recipients.append(recipient)
        return recipient_index[recipient.key]

    row_recipient = {level: np.asarray([recipient_of(_recipient_for(level, u, directory, settings)) for u in units],
                                       dtype=np.int64)[row_unit] for level in LADDER}

    # The decisions, level by level, as boolean columns.
    firing = {level: evaluation.periods[level] >= 0 for level in LADDER}
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
            holds = np.asarray([silences.holds(r.unit_id, level) for r in recipients] or [False], dtype=bool)
            held = wanted & holds[row_recipient[level]]
            wanted &= ~held
            report.held_by_silence += int(held.sum())
        notify[level] = wanted
        report.notified[level] += int(wanted.sum())
    report.unit_unresolved = int((any_level & (row_unit == 0)).sum())
    settled = evaluation.settled
    resolving = {level: settled & existing[level].present for level in LADDER}

    clock.lap("decide")
    # Digest items: every notification is counted and keyed; only the listed ones are formatted (``describe``,
    # called while the digests are drafted).
    plan = DigestPlan(LADDER, int(settings.get("alerts.digest_max_items")))
    notified_index = {level: np.flatnonzero(notify[level]) for level in LADDER}
    plan.firing = FiringItems(
        recipient=np.concatenate([row_recipient[level][notified_index[level]] for level in LADDER]),
        level=np.concatenate([np.full(len(notified_index[level]), rank, np.int64)
                              for rank, level in enumerate(LADDER)]),
        row=np.concatenate([notified_index[level] for level in LADDER]),
        period=np.concatenate([evaluation.periods[level][notified_index[level]] for level in LADDER]),
        due=np.concatenate([due[notified_index[level]] for level in LADDER]),
        message_id=np.concatenate([message_ids[notified_index[level]] for level in LADDER]))
    late, left, unit_of_row = evaluation.late.tolist(), evaluation.left.tolist(), row_unit.tolist()
    unit_names = [u.name if u else None for u in units]
    ids, external_ids, titles, unit_texts, sources, due_days, urls = (
        c["id"], c["external_id"], c["title"], c["unit"], c["source_name"], c["due_on"], c["url"])

    def link(i: int) -> str | None:
        return f"{base_url}/messages/{ids[i]}" if base_url else urls[i]

    def describe(i: int, level: str, period: int) -> dict[str, Any]:
        """One listed item."""
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
        url = link(i)
        if url is not None:
            item["url"] = url
        return item

    def add_item(recipient: _Recipient, item: dict[str, Any]) -> None:
        plan.add(recipient_of(recipient), item)

    # Resolution notices: to each recipient that heard a firing level of a message now answered.
    for level in LADDER:
        old = existing[level]
        for i in np.flatnonzero(resolving[level] & old.firing & (old.last_period >= 0)).tolist():
            unit = directory.units.get(int(old.recipient_unit_id[i])) if old.recipient_unit_id[i] >= 0 else None
            recipient = (_Recipient(f"unit:{unit.id}", unit.name, unit.contacts, unit.id) if unit
                         else _recipient_for(level, None, directory, settings))
            item = {"key": f"message:{c['id'][i]}|{level}|resolved", "subject": f"message:{c['id'][i]}",
                    "level": level, "event": "resolved", "external_id": c["external_id"][i],
                    "title": (c["title"][i] or "")[:80], "url": link(i)}
            if replied_at[i] is not None:
                item["replied_at"] = replied_at[i].isoformat(sep=" ", timespec="minutes")
            add_item(recipient, {k: v for k, v in item.items() if v is not None})
        report.resolved += int(resolving[level].sum())

    _warning_alerts(session, now, settings, report, add_item=add_item)
    clock.lap("items")

    _write_alerts(session, c, now, evaluation, existing, firing, notify, any_level, resolving, units, row_unit,
                  recipients, row_recipient)
    clock.lap("write alerts")
    _write_ledger(session, c, now, due, firing, notify, any_level, settled, existing, has_reply, units, row_unit)
    clock.lap("write ledger")
    batch: list[Digest] = []
    for planned in plan.plan(describe):
        recipient, items = recipients[planned.recipient], planned.items
        skip = silences.channels(recipient.unit_id, items[0]["level"])
        contacts = {k: v for k, v in recipient.contacts.items() if k not in skip}
        message = build_digest(recipient.name, items, today.isoformat(), planned.totals,
                               _full_list(base_url, recipient.key))
        batch.append(Digest(recipient.key, recipient.name, contacts, message, planned.item_keys))
    report.digests = len(batch)
    clock.lap("digests")
    report.outbox_entries = enqueue_many(session, batch, production=production, test_recipient=test_recipient,
                                         now=now)
    session.flush()
    clock.lap("outbox")
    return report


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


def _pick(values: tuple[Any, ...], index: list[int]) -> list[Any]:
    return list(map(values.__getitem__, index))


def _write_alerts(session: Session, c: dict[str, tuple[Any, ...]], now: dt.datetime, evaluation: Evaluation,
                  existing: dict[str, _Existing], firing: dict[str, np.ndarray], notify: dict[str, np.ndarray],
                  any_level: np.ndarray, resolving: dict[str, np.ndarray], units: list[UnitInfo | None],
                  row_unit: np.ndarray, recipients: list[_Recipient], row_recipient: dict[str, np.ndarray]) -> None:
    """New alerts inserted; existing ones updated only when their period, state or resolution changes.

    Built column by column from the decision arrays: no per-alert Python object is made.
    """
    table = Alert.__table__
    connection = session.connection()
    message_ids = np.asarray(c["id"], dtype=np.int64)
    late = np.maximum(evaluation.late, 0)
    unit_ids = np.asarray([u.id if u else -1 for u in units], dtype=np.int64)[row_unit]
    recipient_units = np.asarray([-1 if r.unit_id is None else r.unit_id for r in recipients] or [-1], dtype=np.int64)
    new_rows: list[np.ndarray] = []  # per level: the candidate rows that get a new alert
    kept_rows: list[np.ndarray] = []  # per level: the rows whose existing alert fires on
    kept_told: list[np.ndarray] = []  # … and is notified again (else it only comes back from superseded)
    superseded: list[int] = []
    resolved: list[int] = []
    for level in LADDER:
        old, notified = existing[level], notify[level]
        new_rows.append(np.flatnonzero(firing[level] & ~old.present))
        index = np.flatnonzero(firing[level] & old.present & (notified | ~old.firing))
        kept_rows.append(index)
        kept_told.append(notified[index])
        if level == "due_soon":  # overdue now: the due-soon alert ends without a "resolved" notice
            superseded += old.id[any_level & ~firing[level] & old.present & old.firing].tolist()
        resolved += old.id[resolving[level]].tolist()
    bulk_update(connection, table, superseded, {"state": ["superseded"] * len(superseded)})
    bulk_update(connection, table, resolved, {"state": ["resolved"] * len(resolved),
                                              "resolved_at": [now] * len(resolved)})
    _insert_new_alerts(connection, now, evaluation, notify, new_rows, message_ids, late, unit_ids, recipient_units,
                       row_recipient)
    _update_kept_alerts(connection, now, evaluation, existing, kept_rows, kept_told, message_ids, late)


def _update_kept_alerts(connection: Any, now: dt.datetime, evaluation: Evaluation, existing: dict[str, _Existing],
                        kept_rows: list[np.ndarray], kept_told: list[np.ndarray], message_ids: np.ndarray,
                        late: np.ndarray) -> None:
    """Existing alerts that fire on: notified again (new period) or back from superseded. A narrow temporary
    table of the decisions; the due date is copied by the database from the deadline."""
    if not sum(len(index) for index in kept_rows):
        return
    levels = list(zip(LADDER, kept_rows, strict=True))
    rows = np.concatenate(kept_rows)
    fill_scratch(connection, "alert_run_kept", {
        "alert_id": ("BIGINT", np.concatenate([existing[level].id[index] for level, index in levels]).tolist()),
        "message_id": ("BIGINT", message_ids[rows].tolist()),
        "period": ("INTEGER", np.concatenate([evaluation.periods[level][index] for level, index in levels]).tolist()),
        "overdue_workdays": ("INTEGER", late[rows].tolist()),
        "notified": ("INTEGER", np.concatenate(kept_told).astype(np.int64).tolist())})
    connection.execute(text("""
        UPDATE alerts SET state = 'firing', overdue_workdays = n.overdue_workdays, due_on = d.due_on,
               last_period = CASE WHEN n.notified = 1 THEN n.period ELSE alerts.last_period END,
               last_notified_at = CASE WHEN n.notified = 1 THEN :now ELSE alerts.last_notified_at END
        FROM alert_run_kept n JOIN deadlines d ON d.message_id = n.message_id
        WHERE alerts.id = n.alert_id""").bindparams(
        bindparam("now", now, type_=Alert.__table__.c.last_notified_at.type)))
    drop_scratch(connection, "alert_run_kept")


def _insert_new_alerts(connection: Any, now: dt.datetime, evaluation: Evaluation, notify: dict[str, np.ndarray],
                       new_rows: list[np.ndarray], message_ids: np.ndarray, late: np.ndarray, unit_ids: np.ndarray,
                       recipient_units: np.ndarray,
                       row_recipient: dict[str, np.ndarray]) -> None:
    """The new alerts: only what the run decided goes through Python (a narrow temporary table of ints and the
    recipient key); subject, title and due date are copied by the database from the message and its deadline.
    Rows go in message order (levels in ladder order within a message) so the indexes grow at their ends."""
    rows = np.concatenate(new_rows)
    if not len(rows):
        return
    rank = np.concatenate([np.full(len(index), r, np.int64) for r, index in enumerate(new_rows)])
    period = np.concatenate([evaluation.periods[level][index] for level, index in zip(LADDER, new_rows, strict=True)])
    notified = np.concatenate([notify[level][index] for level, index in zip(LADDER, new_rows, strict=True)])
    who = np.concatenate([row_recipient[level][index] for level, index in zip(LADDER, new_rows, strict=True)])
    order = np.lexsort((rank, rows))
    rows, rank, period, notified, who = rows[order], rank[order], period[order], notified[order], who[order]
    # Only ints: the recipient key is "unit:<id>", else "operators" (``_recipient_for``), and a level is
    # notified exactly when its last period is set.
    fill_scratch(connection, "alert_run_new", {
        "message_id": ("BIGINT", message_ids[rows].tolist()), "level_rank": ("INTEGER", rank.tolist()),
        "unit_id": ("BIGINT", unit_ids[rows].tolist()), "recipient_unit_id": ("BIGINT", recipient_units[who].tolist()),
        "overdue_workdays": ("INTEGER", late[rows].tolist()),
        "last_period": ("INTEGER", np.where(notified, period, -1).tolist())})
    table = Alert.__table__
    level_name = "CASE n.level_rank " + " ".join(f"WHEN {r} THEN '{level}'" for r, level in enumerate(LADDER)) + " END"
    # CROSS JOIN: SQLite scans the scratch table in order and looks messages up by key (PostgreSQL plans freely).
    connection.execute(text(f"""
        INSERT INTO alerts (subject, message_id, level, unit_id, recipient_unit_id, recipient, state, title, due_on,
                            overdue_workdays, last_period, first_fired_at, last_notified_at, details)
        SELECT 'message:' || CAST(n.message_id AS TEXT), n.message_id, {level_name}, NULLIF(n.unit_id, -1),
               NULLIF(n.recipient_unit_id, -1),
               CASE WHEN n.recipient_unit_id >= 0 THEN 'unit:' || CAST(n.recipient_unit_id AS TEXT)
                    ELSE 'operators' END,
               'firing', substr(COALESCE(m.title, ''), 1, 200), d.due_on, n.overdue_workdays, n.last_period, :now,
               CASE WHEN n.last_period >= 0 THEN :now END, :details
        FROM alert_run_new n CROSS JOIN messages m CROSS JOIN deadlines d
        WHERE m.id = n.message_id AND d.message_id = n.message_id""").bindparams(
        bindparam("now", now, type_=table.c.first_fired_at.type),
        bindparam("details", {}, type_=table.c.details.type)))
    drop_scratch(connection, "alert_run_new")


def _write_ledger(session: Session, c: dict[str, tuple[Any, ...]], now: dt.datetime, due: np.ndarray,
                  firing: dict[str, np.ndarray], notify: dict[str, np.ndarray], any_level: np.ndarray,
                  settled: np.ndarray, existing: dict[str, _Existing], has_reply: np.ndarray,
                  units: list[UnitInfo | None], row_unit: np.ndarray) -> None:
    """A ledger entry for every alerted message; an existing entry is written only when a field moves."""
    n = len(due)
    if not n:
        return
    table = LedgerEntry.__table__
    connection = session.connection()
    highest = np.full(n, -1, np.int64)
    for rank, level in enumerate(LADDER):
        highest[firing[level]] = rank
    notified = np.logical_or.reduce([notify[level] for level in LADDER])
    alerted_before = np.logical_or.reduce([existing[level].present for level in LADDER])
    touched = any_level | (settled & alerted_before)
    has_entry = np.fromiter((e is not None for e in c["ledger_id"]), dtype=bool, count=n)

    index = np.flatnonzero(touched & ~has_entry)
    unit_ids = np.asarray([u.id if u else -1 for u in units], dtype=np.int64)
    # A narrow table of what the run decided; the message's and the unit's fields are copied by the database.
    fill_scratch(connection, "ledger_run_new", {
        "message_id": ("BIGINT", np.asarray(c["id"], dtype=np.int64)[index].tolist()),
        "unit_id": ("BIGINT", unit_ids[row_unit[index]].tolist()),
        "level_rank": ("INTEGER", highest[index].tolist()),  # -1: none
        "notified": ("INTEGER", notified[index].astype(np.int64).tolist()),
        "replied": ("INTEGER", has_reply[index].astype(np.int64).tolist())})
    level_name = "CASE n.level_rank " + " ".join(f"WHEN {r} THEN '{level}'" for r, level in enumerate(LADDER)) + " END"
    connection.execute(text(f"""
        INSERT INTO response_ledger (subject, message_id, kind, first_discovered_at, source, channel, external_id,
                                     title, url, unit_id, unit_name, due_on, highest_level, first_alerted_at,
                                     replied_at, reply_url, status, updated_at)
        SELECT 'message:' || CAST(n.message_id AS TEXT), n.message_id, 'message', m.first_seen_at, s.name,
               m.channel, m.external_id, m.title, m.url, NULLIF(n.unit_id, -1), COALESCE(u.name, m.unit),
               d.due_on, {level_name}, CASE WHEN n.notified = 1 THEN :now END, m.replied_at,
               CASE WHEN n.replied = 1 THEN m.url END, CASE WHEN n.replied = 1 THEN 'replied' ELSE 'open' END, :now
        FROM ledger_run_new n CROSS JOIN messages m CROSS JOIN sources s CROSS JOIN deadlines d
             LEFT JOIN units u ON u.id = n.unit_id
        WHERE m.id = n.message_id AND s.id = m.source_id AND d.message_id = n.message_id""").bindparams(
        bindparam("now", now, type_=table.c.updated_at.type)))
    drop_scratch(connection, "ledger_run_new")
    if not has_entry.any():
        return
    order = {level: rank for rank, level in enumerate(LADDER)}
    stored_rank = np.fromiter((order.get(h, -1) for h in c["ledger_highest"]), dtype=np.int64, count=n)
    first_alerted = np.fromiter((f is not None for f in c["ledger_first_alerted_at"]), dtype=bool, count=n)
    stored_due = np.fromiter((NO_DATE if d is None else d.toordinal() for d in c["ledger_due_on"]), dtype=np.int64,
                             count=n)
    to_reply = touched & has_entry & has_reply & np.fromiter((s != "replied" for s in c["ledger_status"]),
                                                             dtype=bool, count=n)
    changed = touched & has_entry & ((highest > stored_rank) | (notified & ~first_alerted)
                                     | ((due >= 0) & (due != stored_due)) | to_reply)
    rows = np.flatnonzero(changed).tolist()
    rank = np.maximum(highest, stored_rank)[changed]
    bulk_update(connection, table, _pick(c["ledger_id"], rows), {
        "highest_level": [LADDER[r] if r >= 0 else None for r in rank.tolist()],
        "first_alerted_at": [f or (now if x else None) for f, x in
                             zip(_pick(c["ledger_first_alerted_at"], rows), notified[changed].tolist(), strict=True)],
        "due_on": [d or old for d, old in zip(_pick(c["due_on"], rows), _pick(c["ledger_due_on"], rows), strict=True)],
        "updated_at": [now] * len(rows)})
    rows = np.flatnonzero(to_reply).tolist()
    bulk_update(connection, table, _pick(c["ledger_id"], rows), {
        "status": ["replied"] * len(rows), "replied_at": _pick(c["replied_at"], rows),
        "reply_url": _pick(c["url"], rows)})


WARNING_KINDS = {"spike": "诉求量激增", "new_surge": "新话题快速聚集"}


def _warning_detail(event: Any) -> str:
    """One line on what was observed; only the event fields that exist are used (the topics model evolves)."""
    kind = WARNING_KINDS.get(getattr(event, "kind", None), getattr(event, "kind", None) or "预警")
    day = getattr(event, "day", None)
    figures = [(label, getattr(event, name, None)) for label, name in
               (("当日", "observed"), ("基线", "baseline"), ("阈值", "threshold"))]
    shown = "，".join(f"{label} {value:g}" + (" 件" if label == "当日" else "") for label, value in figures
                     if isinstance(value, int | float))
    return f"{kind}：{day or ''} {shown}".rstrip()


def _queue_urgent_warnings(session: Session, now: dt.datetime, settings: Any, report: RunReport) -> None:
    """A non-working day: the new early warnings alone, in one urgent digest to the analysts."""
    queued: list[tuple[_Recipient, dict[str, Any]]] = []
    _warning_alerts(session, now, settings, report, add_item=lambda recipient, item: queued.append((recipient, item)))
    if not queued:
        return
    recipient, items = queued[0][0], [item for _, item in queued]
    report.digests = 1
    report.outbox_entries = len(enqueue(
        session, recipient=recipient.key, recipient_name=recipient.name, contacts=recipient.contacts,
        message=build_digest(recipient.name, items, now.date().isoformat()), item_keys=[i["key"] for i in items],
        production=bool(settings.production), test_recipient=dict(settings.get("alerts.test_recipient")),
        urgent=True, now=now))


def _warning_alerts(session: Session, now: dt.datetime, settings: Any, report: RunReport, *, add_item) -> None:
    """Topic early-warning events (status ``new``) → the analysts, once each.

    Once queued, the event is ``delivered`` (the outbox sends it, retrying) and its key
    ``warning:<id>|warning|0`` keeps a re-run from queueing it again. In production with no analyst contacts
    (``alerts.analysts``) the events stay ``new`` and are counted as waiting, rather than marked sent to nobody.
    """
    try:
        from store.models.topics import Topic, WarningEvent
    except ImportError:  # the topics work is not there
        return
    events = session.execute(select(WarningEvent, Topic.label).join(Topic, Topic.id == WarningEvent.topic_id)
                             .where(WarningEvent.status == "new").order_by(WarningEvent.id)).all()
    if not events:
        return
    recipient = _Recipient("analysts", "舆情分析人员", dict(settings.get("alerts.analysts")), None)
    if settings.production and not addresses_of(recipient.contacts):
        report.warnings_waiting = len(events)
        logger.warning("%d early warnings wait: setting alerts.analysts has no contact", len(events))
        return
    for event, label in events:
        subject = f"warning:{event.id}"
        kind = WARNING_KINDS.get(event.kind, event.kind)
        add_item(recipient, {"key": f"{subject}|warning|0", "subject": subject, "level": "warning", "period": 0,
                             "event": "firing", "external_id": f"话题{event.topic_id}", "title": label or "",
                             "detail": _warning_detail(event)})
        existing = session.scalar(select(Alert).where(Alert.subject == subject, Alert.level == "warning"))
        if existing is None:
            day = getattr(event, "day", None)
            session.add(Alert(subject=subject, level="warning", recipient="analysts", state="firing",
                              title=label or "", first_fired_at=now, last_period=0, last_notified_at=now,
                              details={"kind": event.kind, "day": day.isoformat() if day else None,
                                       "topic_id": event.topic_id, "evidence": getattr(event, "evidence", None)}))
        if session.scalar(select(LedgerEntry.id).where(LedgerEntry.subject == subject)) is None:
            session.add(LedgerEntry(subject=subject, kind="warning", first_discovered_at=event.created_at,
                                    source="话题预警", title=f"{label}（{kind}）", highest_level="warning",
                                    first_alerted_at=now, status="open", updated_at=now))
        event.status = "delivered"
        report.warnings += 1
        report.notified["warning"] += 1


# --------------------------------------------------------------------------------------------------
# Acknowledgements, silences, listing (the CLI and the web UI call these)
# --------------------------------------------------------------------------------------------------


class AlertError(ValueError):
    pass


def acknowledge(session: Session, alert_id: int, by: str, note: str | None = None,
                now: dt.datetime | None = None) -> Alert:
    """Acknowledge one alert level: its repeats stop; escalation to the next level does not."""
    now = now or now_local()
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise AlertError(f"no alert #{alert_id}")
    if not by.strip():
        raise AlertError("an acknowledgement needs the name of who acknowledges")
    session.add(Acknowledgement(alert_id=alert.id, acknowledged_by=by.strip(), note=note, acknowledged_at=now))
    if alert.acknowledged_at is None:
        alert.acknowledged_at = now
    ledger = session.scalar(select(LedgerEntry).where(LedgerEntry.subject == alert.subject))
    if ledger is not None and ledger.acknowledged_at is None:
        ledger.acknowledged_at, ledger.acknowledged_by = now, by.strip()
        if ledger.status == "open":
            ledger.status = "acknowledged"
    if alert.level == "warning" and alert.subject.startswith("warning:"):
        try:
            from store.models.topics import WarningEvent

            event = session.get(WarningEvent, int(alert.subject.split(":", 1)[1]))
            if event is not None:
                event.status = "acknowledged"
        except ImportError:
            pass
    session.flush()
    return alert


def acknowledge_message(session: Session, message_id: int, by: str, note: str | None = None,
                        now: dt.datetime | None = None) -> list[Alert]:
    """Acknowledge every firing level of one message (the web UI's "签收")."""
    alerts = list(session.scalars(select(Alert).where(Alert.message_id == message_id, Alert.state == "firing")))
    if not alerts:
        raise AlertError(f"message #{message_id} has no firing alert")
    return [acknowledge(session, alert.id, by, note, now) for alert in alerts]


def add_silence(session: Session, *, starts_at: dt.datetime, ends_at: dt.datetime, reason: str,
                unit_id: int | None = None, level: str | None = None, channel: str | None = None,
                created_by: str | None = None) -> Silence:
    if ends_at <= starts_at:
        raise AlertError(f"a silence must end after it starts ({starts_at} .. {ends_at})")
    if level is not None and level not in (*LADDER, "warning"):
        raise AlertError(f"unknown level {level!r} (one of {', '.join((*LADDER, 'warning'))})")
    if not reason.strip():
        raise AlertError("a silence needs a reason")
    if channel is not None:
        from alerts.notifiers import channels

        if channel not in channels():
            raise AlertError(f"unknown channel {channel!r} (one of {', '.join(channels())})")
    silence = Silence(starts_at=starts_at, ends_at=ends_at, reason=reason, unit_id=unit_id, level=level,
                      channel=channel, created_by=created_by)
    session.add(silence)
    session.flush()
    return silence

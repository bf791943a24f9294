"""The database steps of deadlines: the analyze step (``compute_deadlines``), one message, the frame, the overdue list.

Bulk and idempotent: a Deadline row is written only when something in it changes; moved due dates are logged in
``deadline_changes`` and a new working-day calendar in ``calendar_versions``. The SQLAlchemy ORM is imported inside
the functions.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from analysis.deadlines.compute import (
    _CODE,
    ATTENTION_STATES,
    STATE_CODES,
    DeadlineState,
    DeadlineStatus,
    DueDate,
    Extension,
    Pause,
    _as_date,
    compute_deadline,
    deadline_state,
    no_reply_duty,
)
from analysis.deadlines.rules import DeadlineError, DeadlinePolicy, RuleSet, load_rules
from analysis.deadlines.vectorised import NO_DATE, DeadlineFrame, received_ordinals, states_as_of
from analysis.deadlines.workcalendar import WorkCalendar, get_calendar, warn_provisional

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

logger = logging.getLogger(__name__)




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
    scope: str = "all"  # or "new or changed" (the deadlines step after its first run)

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def add(self, other: DeadlineRunCounts) -> None:
        """Count in another batch's run."""
        for name in ("messages", "created", "updated", "unchanged", "due_changed", "skipped_no_date", "errors",
                     "provisional", "paused"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.calendar_changed |= other.calendar_changed
        for state, number in other.states.items():
            self.states[state] = self.states.get(state, 0) + number
        self.error_samples = (self.error_samples + other.error_samples)[:20]


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


_IDS_PER_QUERY = 5000
# The message fields a deadline reads (rules.match and compute_deadline): a revision of one of them makes the
# deadlines step compute the message's deadline again (analysis.watermarks).
DEADLINE_INPUTS = ("submitted_at", "kind", "unit", "category", "replied_at", "reply_text", "status", "admissibility")


def _rules_fingerprint(rules: RuleSet, policy: DeadlinePolicy) -> str:
    return hashlib.sha256(f"{rules.fingerprint}|{policy.counting_key()}".encode()).hexdigest()[:16]


def update_deadlines(session: Session, as_of: dt.date | dt.datetime | None = None) -> DeadlineRunCounts:
    """The analysis step ``deadlines``: compute the deadlines of the letters new or changed since its last run;
    of every letter on the first run or when the calendar, the rules or the counting policy changed. The state
    counts cover the letters computed. Extensions and pauses recompute their letter when they are recorded."""
    from analysis.watermarks import pending_messages

    calendar, rules, policy = get_calendar(), load_rules(), DeadlinePolicy.from_settings()
    version = f"{calendar.fingerprint}|{_rules_fingerprint(rules, policy)}"
    pending = pending_messages(session, "deadlines", version, DEADLINE_INPUTS)
    if pending.everything:
        counts = compute_deadlines(session, as_of, calendar=calendar, rules=rules, policy=policy)
    else:
        counts = DeadlineRunCounts(calendar_fingerprint=calendar.fingerprint, scope="new or changed")
        ids = pending.message_ids
        for start in range(0, len(ids), _IDS_PER_QUERY):  # a database takes only so many parameters at once
            counts.add(compute_deadlines(session, as_of, message_ids=ids[start:start + _IDS_PER_QUERY],
                                         calendar=calendar, rules=rules, policy=policy))
    pending.done(session)
    return counts


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
    rules_fingerprint = _rules_fingerprint(rules, policy)
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



def decide_extension(session: Session, extension_id: int, *, approve: bool, by: str, on: dt.date) -> Any:
    """Approve or refuse a requested extension (延期申请, as a unit asks for it from the alerts page). An approved
    one applies from ``on`` (the deadline is recomputed now); a refused one stays on record and changes nothing.
    Returns the ``DeadlineExtension`` row; a DeadlineError when it does not exist or was already decided."""
    from store.models.deadlines import DeadlineExtension

    extension = session.get(DeadlineExtension, extension_id)
    if extension is None:
        raise DeadlineError(f"no extension request {extension_id}")
    if extension.status != "requested":
        raise DeadlineError(f"extension request {extension_id} was already decided ({extension.status})")
    extension.status = "approved" if approve else "rejected"
    extension.approved_by = by
    extension.approved_on = on
    session.flush()
    if approve:
        compute_deadlines(session, message_ids=[extension.message_id])
    return extension

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

"""Alert rules and the escalation ladder; one run decides every notification and queues the digests.

Ladder, for an open message (deadline states from ``analysis.deadlines``), ``late`` = working days past due:

| level               | when                                            | who hears           | repeats                 |
|---------------------|-------------------------------------------------|---------------------|-------------------------|
| ``due_soon``        | at most ``deadlines.due_soon_days`` left          | the responsible unit | once                    |
| ``overdue``         | late >= 1                                       | the responsible unit | every N working days    |
| ``seriously_overdue`` | late >= ``deadlines.seriously_overdue_days``    | its supervisor      | every N working days    |
| ``supervision``     | late >= ``alerts.supervision_after_days``         | the 督办 office      | every N working days    |

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
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import bindparam, insert, or_, select, update
from sqlalchemy.orm import Session

from alerts.digest import build_digest
from alerts.directory import UnitDirectory, UnitInfo
from alerts.outbox import enqueue
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
    from analysis.deadlines import STATE_CODES, DeadlinePolicy, DeadlineState, states_as_of

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
    unit_unresolved: int = 0
    digests: int = 0
    outbox_entries: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"as_of": self.as_of.isoformat(), "working_day": self.working_day, "decided": self.decided,
                "evaluated": self.evaluated, "firing": dict(self.firing), "notified": dict(self.notified),
                "resolved": self.resolved, "held_by_ack": self.held_by_ack,
                "held_by_silence": self.held_by_silence, "warnings": self.warnings,
                "unit_unresolved": self.unit_unresolved, "digests": self.digests,
                "outbox_entries": self.outbox_entries}

    def __str__(self) -> str:
        if not self.decided:
            return f"{self.as_of}: not a working day: nothing decided (alerts.send_on_non_working_days is off)"
        notified = ", ".join(f"{k} {v}" for k, v in sorted(self.notified.items())) or "none"
        return (f"{self.as_of}: {self.evaluated} messages evaluated; notified: {notified}; resolved {self.resolved}; "
                f"held by acknowledgement {self.held_by_ack}, by silences {self.held_by_silence}; "
                f"{self.digests} digests, {self.outbox_entries} outbox entries"
                + (f"; {self.unit_unresolved} messages with no unit in the directory" if self.unit_unresolved else ""))


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
    if target is None:
        return _Recipient("operators", "运维人员", dict(settings.get("alerts.operators")), None)
    return _Recipient(f"unit:{target.id}", target.name, target.contacts, target.id)


def _candidate_rows(session: Session) -> list[Any]:
    """Open messages with a deadline, plus any message that still has a firing alert."""
    from store.models.core import Message, Source
    from store.models.deadlines import Deadline

    firing_ids = select(Alert.message_id).where(Alert.state.in_(("firing", "superseded")),
                                                 Alert.message_id.is_not(None))
    query = (select(Message.id, Message.submitted_at, Message.replied_at, Message.reply_text, Message.status,
                    Message.unit, Message.unit_id, Message.title, Message.external_id, Message.url,
                    Message.channel, Message.first_seen_at, Source.name.label("source_name"),
                    Deadline.due_on, Deadline.paused)
             .join(Deadline, Deadline.message_id == Message.id).join(Source, Source.id == Message.source_id)
             .where(or_(Message.replied_at.is_(None), Message.id.in_(firing_ids)))
             .order_by(Message.id))
    return session.execute(query).all()


def run_alerts(session: Session, *, now: dt.datetime | None = None, settings: Any = None,
               calendar: Any = None) -> RunReport:
    """Decide and queue this run's notifications (the caller commits: decisions and outbox together)."""
    from analysis.deadlines import DeadlinePolicy, received_ordinals
    from analysis.workcalendar import get_calendar
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
        _warning_alerts(session, now, settings, report, urgent_only=True)
        return report

    directory = UnitDirectory.load(session)
    silences = _Silences(session, now)
    production = bool(settings.production)
    test_recipient = dict(settings.get("alerts.test_recipient"))
    base_url = settings.get("alerts.base_url").rstrip("/")

    rows = _candidate_rows(session)
    n = len(rows)
    report.evaluated = n

    def ordinals(values):
        return np.fromiter((v.toordinal() if v is not None else NO_DATE for v in values), dtype=np.int64, count=n)

    evaluation = evaluate(
        calendar, today,
        received=received_ordinals([r.submitted_at for r in rows], deadline_policy.receipt_cutoff),
        due=ordinals(r.due_on for r in rows),
        replied=ordinals(r.replied_at.date() if r.replied_at else None for r in rows),
        reply_undated=np.fromiter((r.replied_at is None and bool((r.reply_text or "").strip()) for r in rows),
                                  dtype=bool, count=n),
        closed=np.fromiter(((r.status or "").strip() in deadline_policy.closed_statuses for r in rows),
                           dtype=bool, count=n),
        paused=np.fromiter((bool(r.paused) or r.due_on is None for r in rows), dtype=bool, count=n),
        policy=policy, deadline_policy=deadline_policy)

    # Existing alerts of the candidates: (message_id, level) -> row.
    existing: dict[tuple[int, str], Any] = {}
    for row in session.execute(select(Alert.id, Alert.message_id, Alert.level, Alert.state, Alert.last_period,
                                      Alert.acknowledged_at, Alert.recipient, Alert.recipient_unit_id)
                               .where(Alert.message_id.is_not(None), Alert.state != "resolved")):
        existing[(row.message_id, row.level)] = row

    digests: dict[str, tuple[_Recipient, list[dict[str, Any]], list[str]]] = {}
    new_alerts: list[dict[str, Any]] = []
    alert_updates: list[dict[str, Any]] = []
    ledger_touch: dict[int, dict[str, Any]] = {}

    def add_item(recipient: _Recipient, item: dict[str, Any]) -> None:
        digests.setdefault(recipient.key, (recipient, [], []))
        digests[recipient.key][1].append(item)
        digests[recipient.key][2].append(item["key"])

    def link(row: Any) -> str | None:
        return f"{base_url}/messages/{row.id}" if base_url else row.url

    # Python lists: element access in the loop below is several times faster than on numpy arrays.
    late_arr, left_arr = evaluation.late.tolist(), evaluation.left.tolist()
    period_lists = {level: evaluation.periods[level].tolist() for level in LADDER}
    settled_idx = np.flatnonzero(evaluation.settled).tolist()
    any_level = np.zeros(n, dtype=bool)
    for level in LADDER:
        any_level |= evaluation.periods[level] >= 0
    for i in np.flatnonzero(any_level).tolist():
        row = rows[i]
        unit = directory.units.get(row.unit_id) if row.unit_id else directory.resolve(row.unit)
        if unit is None:
            report.unit_unresolved += 1
        for level in LADDER:
            period = period_lists[level][i]
            current = existing.get((row.id, level))
            if period < 0:
                if level == "due_soon" and current is not None and current.state == "firing":
                    alert_updates.append({"id": current.id, "state": "superseded"})
                continue
            report.firing[level] += 1
            recipient = _recipient_for(level, unit, directory, settings)
            last_period = current.last_period if current is not None else -1
            notify = period > last_period
            if notify and period > 0 and current is not None and current.acknowledged_at is not None:
                report.held_by_ack += 1
                notify = False
            if notify and silences.holds(recipient.unit_id, level):
                report.held_by_silence += 1
                notify = False
            values: dict[str, Any] = {"overdue_workdays": max(int(late_arr[i]), 0), "due_on": row.due_on}
            if notify:
                values.update(last_period=period, last_notified_at=now)
                item = {"key": f"message:{row.id}|{level}|{period}", "subject": f"message:{row.id}",
                        "level": level, "period": period, "event": "firing", "external_id": row.external_id,
                        "title": (row.title or "")[:80], "unit": unit.name if unit else (row.unit or "（未匹配）"),
                        "due_on": row.due_on.isoformat() if row.due_on else None,
                        "late": int(late_arr[i]) if late_arr[i] > 0 else None,
                        "left": int(left_arr[i]) if left_arr[i] >= 0 else None, "url": link(row),
                        "source": row.source_name}
                add_item(recipient, item)
                report.notified[level] += 1
            if current is None:
                new_alerts.append({"subject": f"message:{row.id}", "message_id": row.id, "level": level,
                                   "unit_id": unit.id if unit else None, "recipient_unit_id": recipient.unit_id,
                                   "recipient": recipient.key, "state": "firing",
                                   "title": (row.title or "")[:200], "first_fired_at": now,
                                   "last_period": values.get("last_period", -1),
                                   "last_notified_at": values.get("last_notified_at"),
                                   "overdue_workdays": values["overdue_workdays"], "due_on": row.due_on,
                                   "details": {}})
            else:
                alert_updates.append({"id": current.id, "state": "firing", **values})
            ledger = ledger_touch.setdefault(row.id, {"row": row, "unit": unit, "levels": set(), "notified": False})
            ledger["levels"].add(level)
            ledger["notified"] |= notify

    # Resolution: settled messages with firing alerts.
    for i in settled_idx:
        row = rows[i]
        for level in LADDER:
            current = existing.get((row.id, level))
            if current is None:
                continue
            alert_updates.append({"id": current.id, "state": "resolved", "resolved_at": now})
            if current.state == "firing" and current.last_period >= 0:
                unit = directory.units.get(current.recipient_unit_id) if current.recipient_unit_id else None
                recipient = (_Recipient(f"unit:{unit.id}", unit.name, unit.contacts, unit.id) if unit
                             else _recipient_for(level, None, directory, settings))
                add_item(recipient, {"key": f"message:{row.id}|{level}|resolved", "subject": f"message:{row.id}",
                                     "level": level, "period": None, "event": "resolved",
                                     "external_id": row.external_id, "title": (row.title or "")[:80],
                                     "replied_at": row.replied_at.isoformat(sep=" ", timespec="minutes")
                                     if row.replied_at else None, "url": link(row)})
            report.resolved += 1
        ledger_touch.setdefault(row.id, {"row": row, "unit": None, "levels": set(), "notified": False})

    # Write the decisions (bulk: this runs over every open message).
    # Core executemany: the ORM bulk paths cost several times more per row here.
    connection = session.connection()
    if new_alerts:
        connection.execute(insert(Alert.__table__), new_alerts)
    for state_key, group in _group_updates(alert_updates).items():
        table = Alert.__table__
        statement = update(table).where(table.c.id == bindparam("alert_id")).values(
            {key: bindparam(f"v_{key}") for key in state_key})
        connection.execute(statement, [{"alert_id": u["id"], **{f"v_{k}": u[k] for k in state_key}} for u in group])
    _update_ledger(session, ledger_touch, now)
    _warning_alerts(session, now, settings, report, urgent_only=False, add_item=add_item)

    as_of_text = today.isoformat()
    for recipient, items, keys in digests.values():
        level_of_first = items[0]["level"]
        skip = silences.channels(recipient.unit_id, level_of_first)
        contacts = {k: v for k, v in recipient.contacts.items() if k not in skip}
        message = build_digest(recipient.name, items, as_of_text)
        urgent = any(item["level"] in ("supervision", "warning") and item.get("urgent") for item in items)
        added = enqueue(session, recipient=recipient.key, recipient_name=recipient.name, contacts=contacts,
                        message=message, item_keys=keys, production=production, test_recipient=test_recipient,
                        urgent=urgent, now=now)
        report.digests += 1
        report.outbox_entries += len(added)
    session.flush()
    return report


def _group_updates(updates: list[dict[str, Any]]) -> dict[tuple[str, ...], list[dict[str, Any]]]:
    """Updates grouped by the columns they set (one executemany per shape)."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for values in updates:
        groups[tuple(sorted(k for k in values if k != "id"))].append(values)
    return groups


def _update_ledger(session: Session, touched: dict[int, dict[str, Any]], now: dt.datetime) -> None:
    if not touched:
        return
    order = {level: i for i, level in enumerate(LADDER)}
    existing = {}
    ids = list(touched)
    for start in range(0, len(ids), 5000):
        for entry in session.scalars(select(LedgerEntry).where(LedgerEntry.message_id.in_(ids[start:start + 5000]))):
            existing[entry.message_id] = entry
    inserts = []
    for message_id, info in touched.items():
        row, unit = info["row"], info["unit"]
        entry = existing.get(message_id)
        highest = max(info["levels"], key=order.get) if info["levels"] else None
        status = "replied" if row.replied_at or (row.reply_text or "").strip() else None
        if entry is None:
            inserts.append({"subject": f"message:{message_id}", "message_id": message_id, "kind": "message",
                            "first_discovered_at": row.first_seen_at, "source": row.source_name,
                            "channel": row.channel, "external_id": row.external_id, "title": row.title,
                            "url": row.url, "unit_id": unit.id if unit else None,
                            "unit_name": unit.name if unit else row.unit, "due_on": row.due_on,
                            "highest_level": highest, "first_alerted_at": now if info["notified"] else None,
                            "replied_at": row.replied_at, "reply_url": row.url if status else None,
                            "status": status or "open", "updated_at": now})
            continue
        if highest and (entry.highest_level not in order or order[highest] > order[entry.highest_level]):
            entry.highest_level = highest
        if info["notified"] and entry.first_alerted_at is None:
            entry.first_alerted_at = now
        entry.due_on = row.due_on or entry.due_on
        if status:
            entry.status, entry.replied_at, entry.reply_url = "replied", row.replied_at, row.url
        entry.updated_at = now
    if inserts:
        session.connection().execute(insert(LedgerEntry.__table__), inserts)


def _warning_alerts(session: Session, now: dt.datetime, settings: Any, report: RunReport, *, urgent_only: bool,
                    add_item=None) -> None:
    """Topic early-warning events (status ``new``) → the analysts, once each."""
    try:
        from store.models.topics import Topic, WarningEvent
    except ImportError:  # the topics work is not there
        return
    if urgent_only:  # no notion of an urgent warning yet: they wait for the working day like the rest
        return
    events = session.execute(select(WarningEvent, Topic.label).join(Topic, Topic.id == WarningEvent.topic_id)
                             .where(WarningEvent.status == "new").order_by(WarningEvent.id)).all()
    if not events:
        return
    recipient = _Recipient("analysts", "舆情分析人员", dict(settings.get("alerts.analysts")), None)
    for event, label in events:
        subject = f"warning:{event.id}"
        kind = {"spike": "诉求量激增", "new_surge": "新话题快速聚集"}.get(event.kind, event.kind)
        detail = f"{kind}：{event.day} 当日 {event.observed:g} 件，基线 {event.baseline:g}，阈值 {event.threshold:g}"
        add_item(recipient, {"key": f"{subject}|warning|0", "subject": subject, "level": "warning", "period": 0,
                             "event": "firing", "external_id": f"话题{event.topic_id}", "title": label or "",
                             "detail": detail})
        existing = session.scalar(select(Alert).where(Alert.subject == subject, Alert.level == "warning"))
        if existing is None:
            session.add(Alert(subject=subject, level="warning", recipient="analysts", state="firing",
                              title=label or "", first_fired_at=now, last_period=0, last_notified_at=now,
                              details={"kind": event.kind, "day": event.day.isoformat(), "topic_id": event.topic_id}))
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
    silence = Silence(starts_at=starts_at, ends_at=ends_at, reason=reason, unit_id=unit_id, level=level,
                      channel=channel, created_by=created_by)
    session.add(silence)
    session.flush()
    return silence

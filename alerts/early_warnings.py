"""Topic early warnings (``store.models.topics.WarningEvent``, status ``new``) → the analysts, once each; on a
non-working day, alone, in one urgent digest (``alerts.urgent_warnings``)."""
from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.digest import build_digest
from alerts.outbox import addresses_of, enqueue
from alerts.recipients import ANALYSTS, Recipient, group_recipient
from store.models.alerts import Alert, LedgerEntry
from store.models.topics import Topic, WarningEvent

if TYPE_CHECKING:
    from alerts.rules import RunReport

logger = logging.getLogger(__name__)


WARNING_KINDS = {"spike": "诉求量激增", "new_surge": "新话题快速聚集"}


def warning_detail(event: Any) -> str:
    """One line on what was observed; only the event fields that exist are used (the topics model evolves)."""
    kind = WARNING_KINDS.get(getattr(event, "kind", None), getattr(event, "kind", None) or "预警")
    day = getattr(event, "day", None)
    figures = [(label, getattr(event, name, None)) for label, name in
               (("当日", "observed"), ("基线", "baseline"), ("阈值", "threshold"))]
    shown = "，".join(f"{label} {value:g}" + (" 件" if label == "当日" else "") for label, value in figures
                     if isinstance(value, int | float))
    return f"{kind}：{day or ''} {shown}".rstrip()


def queue_urgent_warnings(session: Session, now: dt.datetime, settings: Any, report: RunReport) -> None:
    """A non-working day: the new early warnings alone, in one urgent digest to the analysts."""
    queued: list[tuple[Recipient, dict[str, Any]]] = []
    warning_alerts(session, now, settings, report, add_item=lambda recipient, item: queued.append((recipient, item)))
    if not queued:
        return
    recipient, items = queued[0][0], [item for _, item in queued]
    report.digests = 1
    report.outbox_entries = len(enqueue(
        session, recipient=recipient.key, recipient_name=recipient.name, contacts=recipient.contacts,
        message=build_digest(recipient.name, items, now.date().isoformat()), item_keys=[i["key"] for i in items],
        production=bool(settings.production), test_recipient=dict(settings.get("alerts.test_recipient")),
        urgent=True, now=now))


def warning_alerts(session: Session, now: dt.datetime, settings: Any, report: RunReport, *, add_item) -> None:
    """Topic early-warning events (status ``new``) → the analysts, once each.

    Once queued, the event is ``delivered`` (the outbox sends it, retrying) and its key
    ``warning:<id>|warning|0`` keeps a re-run from queueing it again. In production with no analyst contacts
    (``alerts.analysts``) the events stay ``new`` and are counted as waiting, rather than marked sent to nobody.
    """
    events = session.execute(select(WarningEvent, Topic.label).join(Topic, Topic.id == WarningEvent.topic_id)
                             .where(WarningEvent.status == "new").order_by(WarningEvent.id)).all()
    if not events:
        return
    recipient = group_recipient(ANALYSTS, settings)
    if settings.production and not addresses_of(recipient.contacts):
        report.warnings_waiting = len(events)
        logger.warning("%d early warnings wait: setting alerts.analysts has no contact", len(events))
        return
    for event, label in events:
        subject = f"warning:{event.id}"
        kind = WARNING_KINDS.get(event.kind, event.kind)
        add_item(recipient, {"key": f"{subject}|warning|0", "subject": subject, "level": "warning", "period": 0,
                             "event": "firing", "external_id": f"话题{event.topic_id}", "title": label or "",
                             "detail": warning_detail(event)})
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

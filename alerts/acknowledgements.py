"""Acknowledgements (签收): acknowledging an alert level stops its repeats, not the escalation to the next level;
the ledger entry records who acknowledged first, and an early warning's event is marked acknowledged."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.ladder import AlertError
from store.models.alerts import Acknowledgement, Alert, LedgerEntry
from store.models.base import now_local
from store.models.topics import WarningEvent


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
        event = session.get(WarningEvent, int(alert.subject.split(":", 1)[1]))
        if event is not None:
            event.status = "acknowledged"
    session.flush()
    return alert


def acknowledge_message(session: Session, message_id: int, by: str, note: str | None = None,
                        now: dt.datetime | None = None) -> list[Alert]:
    """Acknowledge every firing level of one message (the web UI's "签收")."""
    alerts = list(session.scalars(select(Alert).where(Alert.message_id == message_id, Alert.state == "firing")))
    if not alerts:
        raise AlertError(f"message #{message_id} has no firing alert")
    return [acknowledge(session, alert.id, by, note, now) for alert in alerts]

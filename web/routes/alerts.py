"""Alerts and the response ledger: list, acknowledge (签收), add a note (alerts.notes: changes nothing else),
export the ledger as XLSX."""
from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from store.models import Message
from store.models.accounts import User
from store.models.alerts import Acknowledgement, Alert, LedgerEntry
from web.auth import current_user, get_db
from web.scope import is_unit_official
from web.templating import render

router = APIRouter()
ALERTS_PAGE_LIMIT = 500


def _alert_scope(user: User) -> list:
    """Unit officials: alerts about their unit's messages (or addressed to their unit) only."""
    if not is_unit_official(user):
        return []
    conditions = [Alert.message_id.in_(select(Message.id).where(Message.unit == user.unit))]
    if user.unit_id is not None:
        conditions.append(Alert.unit_id == user.unit_id)
    return [or_(*conditions)]


def _visible_alert(db: Session, user: User, alert_id: int) -> Alert:
    alert = db.scalar(select(Alert).where(Alert.id == alert_id, *_alert_scope(user)))
    if alert is None:
        raise HTTPException(404, "No such alert.")
    return alert


def _acknowledgements(db: Session, alert_ids: list[int]) -> dict[int, list[Acknowledgement]]:
    out: dict[int, list[Acknowledgement]] = {}
    if alert_ids:
        for ack in db.scalars(select(Acknowledgement).where(Acknowledgement.alert_id.in_(alert_ids))
                              .order_by(Acknowledgement.id)):
            out.setdefault(ack.alert_id, []).append(ack)
    return out


def _row_context(db: Session, alerts: list[Alert]) -> dict:
    from alerts.notes import notes_by_alert

    ids = [a.id for a in alerts]
    return {"acks": _acknowledgements(db, ids), "notes": notes_by_alert(db, ids)}


def _row(request: Request, db: Session, alert: Alert):
    return render(request, "_alert_row.html", {"a": alert, **_row_context(db, [alert])})


@router.get("/alerts")
def alerts_page(request: Request, state: str = Query("firing"), recipient: str = Query("", max_length=200),
                user: User = Depends(current_user), db: Session = Depends(get_db)):
    from alerts.notes import notes_by_subject

    query = select(Alert).where(*_alert_scope(user))
    if state in ("firing", "resolved", "superseded"):
        query = query.where(Alert.state == state)
    if recipient:  # the full list a digest links to when it lists only its first items
        query = query.where(Alert.recipient == recipient)
    alerts = list(db.scalars(query.order_by(Alert.acknowledged_at.is_not(None), Alert.due_on, Alert.id)
                             .limit(ALERTS_PAGE_LIMIT)))
    ledger_query = select(LedgerEntry).order_by(LedgerEntry.first_discovered_at.desc()).limit(200)
    if is_unit_official(user):
        ledger_query = ledger_query.where(LedgerEntry.unit_name == user.unit)
    ledger = list(db.scalars(ledger_query))
    return render(request, "alerts.html", {"alerts": alerts, "state": state, "recipient": recipient,
                                           "limit": ALERTS_PAGE_LIMIT, "ledger": ledger,
                                           "ledger_notes": notes_by_subject(db, [e.subject for e in ledger]),
                                           **_row_context(db, alerts)})


def _done(request: Request, db: Session, alert: Alert, done: str):
    if request.headers.get("hx-request") == "true":
        return _row(request, db, alert)
    return RedirectResponse(f"/alerts?done={done}", status_code=303)


@router.post("/alerts/{alert_id}/ack")
def alert_acknowledge(request: Request, alert_id: int, note: str = Form(""), user: User = Depends(current_user),
                      db: Session = Depends(get_db)):
    """Acknowledge (stops the repeats), with an optional note kept on the acknowledgement."""
    from alerts.rules import AlertError, acknowledge

    alert = _visible_alert(db, user, alert_id)
    try:
        acknowledge(db, alert.id, by=user.login, note=note.strip()[:2000] or None)
    except AlertError as exc:
        raise HTTPException(400, str(exc)) from None
    return _done(request, db, alert, "acked")


@router.post("/alerts/{alert_id}/note")
def alert_add_note(request: Request, alert_id: int, note: str = Form(""), user: User = Depends(current_user),
                   db: Session = Depends(get_db)):
    """A note only: an unacknowledged alert stays unacknowledged (and keeps repeating)."""
    from alerts.notes import NoteError, add_note

    alert = _visible_alert(db, user, alert_id)
    try:
        add_note(db, alert.id, author=user.login, text=note)
    except NoteError as exc:
        raise HTTPException(400, str(exc)) from None
    return _done(request, db, alert, "noted")


def _parse_day(value: str, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise HTTPException(400, f"{field}: {value!r} is not a date (YYYY-MM-DD)") from None


@router.get("/alerts/ledger.xlsx")
def ledger_export(date_from: str = Query("", alias="from"), date_to: str = Query("", alias="to"),
                  user: User = Depends(current_user), db: Session = Depends(get_db)):
    """alerts.ledger.export_ledger (which neutralises citizen text against formula injection)."""
    from alerts.ledger import export_ledger

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ledger.xlsx"
        export_ledger(db, path, date_from=_parse_day(date_from, "from"), date_to=_parse_day(date_to, "to"),
                      unit=user.unit if is_unit_official(user) else None)
        data = path.read_bytes()
    return Response(data, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": 'attachment; filename="ledger.xlsx"'})

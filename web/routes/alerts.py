"""Alerts and the response ledger: the work list (one row per message per recipient, filtered and paged),
acknowledge (签收), add a note (alerts.notes: changes nothing else), ask for an extension, return a misrouted
letter, export the ledger as XLSX.

Authorisation follows what an alert is addressed to: a unit official sees and acts on the alerts addressed to
their unit only (a supervisor's or the 督办 office's alert about the same letter is not theirs to silence)."""
from __future__ import annotations

import tempfile
import time
from datetime import datetime
from pathlib import Path

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import false, or_, select
from sqlalchemy.orm import Session

from store.models import Message
from store.models.accounts import User
from store.models.alerts import Alert, LedgerEntry
from store.models.core import Unit
from web.audit import record_request
from web.auth import DB, current_user
from web.clock import as_of
from web.i18n import N_, gettext
from web.params import day_param
from web.queries.alerts import (
    LEVEL_ORDER,
    STATES,
    AlertFilters,
    acknowledgements_and_notes,
    addressed_to_unit,
    alert_rows,
    same_row_alerts,
)
from web.scope import is_unit_official
from web.templating import render

router = APIRouter()
LEDGER_ROWS = 50  # the newest entries; the XLSX export has them all
# The fixed texts of a work-list row, translated once per page rather than once per row (_alert_row.html).
ROW_TEXTS = {"add_note": N_("Add note"), "acknowledge": N_("Acknowledge"), "note": N_("note"),
             "not_acknowledged": N_("not acknowledged"), "extension_or_return": N_("Extension / return"),
             "days_late": N_("%(num)s working days late")}  # formatted in the template: {"num": …}


UNIT_CHOICES_SECONDS = 60.0


def unit_choices(request: Request, db: Session) -> list[tuple[int, str]]:
    """The unit filter's (id, name) choices. The directory changes only with `units load`, so the list is kept
    per app for a minute rather than read on every page (a unit added shows in the filter within that time)."""
    cache, lock = request.app.state.choices_cache, request.app.state.choices_lock
    now = time.monotonic()
    with lock:
        kept = cache.get("alert-units")
    if kept is not None and now - kept[0] < UNIT_CHOICES_SECONDS:
        return kept[1]
    units = [tuple(row) for row in db.execute(select(Unit.id, Unit.name).order_by(Unit.name))]
    with lock:
        cache["alert-units"] = (now, units)
    return units


def alert_row_texts() -> dict[str, str]:
    return {key: gettext(text) for key, text in ROW_TEXTS.items()}


def alert_scope(user: User) -> list:
    """Unit officials: the alerts addressed to their unit only."""
    return [addressed_to_unit(user.unit_id, user.unit)] if is_unit_official(user) else []


def _visible_alert(db: Session, user: User, alert_id: int) -> Alert:
    alert = db.scalar(select(Alert).where(Alert.id == alert_id, *alert_scope(user)))
    if alert is None:
        raise HTTPException(404, N_("No such alert."))
    return alert


def _row_context(db: Session, alerts: list) -> dict:
    acks, notes = acknowledgements_and_notes(db, [a.id for a in alerts])
    return {"acks": acks, "notes": notes, "t": alert_row_texts()}


def _row(request: Request, db: Session, user: User, alert: Alert):
    from web.queries.alerts import AlertRow

    unit = db.get(Unit, alert.unit_id) if alert.unit_id else None
    from alerts.recipients import recipient_unit_id

    recipient_id = recipient_unit_id(alert.recipient)
    recipient = db.get(Unit, recipient_id) if recipient_id is not None else None
    row = AlertRow(alert, unit.name if unit else None, recipient.name if recipient else alert.recipient, 1)
    return render(request, "_alert_row.html", {"r": row, "a": alert, "unit_official": is_unit_official(user),
                                               **_row_context(db, [alert])})



@router.get("/alerts")
def alerts_page(request: Request, state: str = Query("firing"), recipient: str = Query("", max_length=200),
                level: str = Query(""), unit: str = Query(""), acknowledged: str = Query(""),
                date_from: str = Query("", alias="from"), date_to: str = Query("", alias="to"),
                page: int = Query(1, ge=1, le=100000), user: User = Depends(current_user),
                db: Session = DB):
    if state not in STATES:
        raise HTTPException(400, f"state: {state!r} is not one of {', '.join(STATES)}")
    if level and level not in LEVEL_ORDER:
        raise HTTPException(400, f"level: {level!r} is not one of {', '.join(LEVEL_ORDER)}")
    if acknowledged not in ("", "yes", "no"):
        raise HTTPException(400, N_("acknowledged: yes, no or empty"))
    try:
        unit_id = int(unit) if unit else None
    except ValueError:
        raise HTTPException(400, f"unit: {unit!r} is not a unit id") from None
    filters = AlertFilters(state=state, level=level, unit_id=unit_id, acknowledged=acknowledged,
                           fired_from=day_param(date_from, "from"), fired_to=day_param(date_to, "to"),
                           recipient=recipient, page=page)
    page_size = int(request.app.state.settings.get("web.page_size"))
    scope = alert_scope(user)
    rows, total = alert_rows(db, scope, filters, page_size)
    units = [] if is_unit_official(user) else unit_choices(request, db)
    pages = max(1, -(-total // page_size))
    return render(request, "alerts.html", {
        "rows": rows, "total": total, "filters": filters, "pages": pages, "page_size": page_size,
        "levels": LEVEL_ORDER, "units": units, "unit_official": is_unit_official(user),
        **_row_context(db, [r.alert for r in rows])})


@router.get("/alerts/ledger")
def ledger_page(request: Request, user: User = Depends(current_user), db: Session = DB):
    """The response ledger (回应处置台账): the newest entries, unit officials' own only; the export has all."""
    from alerts.notes import notes_by_subject

    # Plain rows, not ORM objects: the page only reads them.
    query = select(*LedgerEntry.__table__.c).order_by(LedgerEntry.first_discovered_at.desc()).limit(LEDGER_ROWS)
    if is_unit_official(user):
        query = query.where(or_(LedgerEntry.unit_name == user.unit,
                                LedgerEntry.unit_id == user.unit_id if user.unit_id else false()))
    ledger = db.execute(query).all()
    moment = as_of(request)
    return render(request, "ledger.html", {
        "ledger": ledger, "ledger_rows": LEDGER_ROWS, "ledger_notes": notes_by_subject(db, [e.subject for e in ledger]),
        # The ledger's discovery time is the crawl time; data viewed as of an earlier day reads as of that day.
        "discovered": lambda e: min(e.first_discovered_at, moment) if e.first_discovered_at else None})


def _done(request: Request, db: Session, user: User, alert: Alert, done: str):
    if request.headers.get("hx-request") == "true":
        return _row(request, db, user, alert)
    return RedirectResponse(f"/alerts?done={done}", status_code=303)


@router.post("/alerts/{alert_id}/ack")
def alert_acknowledge(request: Request, alert_id: int, note: str = Form(""), user: User = Depends(current_user),
                      db: Session = DB):
    """Acknowledge the row: every firing level of this message for this recipient (stops their repeats)."""
    from alerts.rules import AlertError, acknowledge

    alert = _visible_alert(db, user, alert_id)
    try:
        for each in same_row_alerts(db, alert):
            if each.acknowledged_at is None or each.id == alert.id:
                acknowledge(db, each.id, by=user.login, note=note.strip()[:2000] or None)
    except AlertError as exc:
        raise HTTPException(400, str(exc)) from None
    record_request(db, request, "alert_acknowledged", actor=user.login, subject=f"alert:{alert.id}",
                   detail=f"{alert.level} · {alert.recipient}")
    return _done(request, db, user, alert, "acked")


@router.post("/alerts/{alert_id}/note")
def alert_add_note(request: Request, alert_id: int, note: str = Form(""), user: User = Depends(current_user),
                   db: Session = DB):
    """A note only: an unacknowledged alert stays unacknowledged (and keeps repeating)."""
    from alerts.notes import NoteError, add_note

    alert = _visible_alert(db, user, alert_id)
    try:
        add_note(db, alert.id, author=user.login, text=note)
    except NoteError as exc:
        raise HTTPException(400, str(exc)) from None
    return _done(request, db, user, alert, "noted")


def _alert_message(db: Session, alert: Alert) -> Message:
    message = db.get(Message, alert.message_id) if alert.message_id else None
    if message is None:
        raise HTTPException(400, N_("this alert is not about a letter"))
    return message


@router.get("/alerts/{alert_id}/actions")
def alert_actions_page(request: Request, alert_id: int, user: User = Depends(current_user),
                       db: Session = DB):
    """The unit's two requests about an alert's letter: more time (延期申请) or return it (退回). Their forms
    are here rather than in every row of the work list (they were a third of its HTML)."""
    alert = _visible_alert(db, user, alert_id)
    message = _alert_message(db, alert)
    unit = db.get(Unit, alert.unit_id) if alert.unit_id else None
    return render(request, "alert_actions.html", {"a": alert, "message": message,
                                                  "unit_name": unit.name if unit else message.unit})


@router.post("/alerts/{alert_id}/extension")
def alert_request_extension(request: Request, alert_id: int, days: int = Form(..., ge=1, le=60),
                            reason: str = Form(""), user: User = Depends(current_user),
                            db: Session = DB):
    """A unit asks for more working days (延期申请): recorded as a requested extension, applied only once
    someone approves it (``deadlines extend``)."""
    from store.models.deadlines import DeadlineExtension

    alert = _visible_alert(db, user, alert_id)
    message = _alert_message(db, alert)
    reason = reason.strip()[:1000]
    if not reason:
        raise HTTPException(400, N_("reason: say why more time is needed"))
    db.add(DeadlineExtension(message_id=message.id, status="requested", approved_on=as_of(request).date(),
                             extra_working_days=days, reason=reason, approved_by=None))
    record_request(db, request, "extension_requested", actor=user.login, subject=f"message:{message.id}",
                   detail=f"延期{days}个工作日：{reason}")  # shown on the users page: Chinese
    return RedirectResponse("/alerts?done=extension_requested", status_code=303)


@router.post("/alerts/{alert_id}/return")
def alert_return_letter(request: Request, alert_id: int, reason: str = Form(""),
                        user: User = Depends(current_user), db: Session = DB):
    """A unit returns a letter that is not theirs (退回): the routing is cleared for the analysts to re-route,
    with the reason on the message's history and in the audit log."""
    from web import integrations

    alert = _visible_alert(db, user, alert_id)
    message = _alert_message(db, alert)
    reason = reason.strip()[:500]
    if not reason:
        raise HTTPException(400, N_("reason: say why the letter is not for your unit"))
    integrations.return_message(db, message, user.login, reason)
    record_request(db, request, "letter_returned", actor=user.login, subject=f"message:{message.id}",
                   detail=f"{message.unit or ''}: {reason}")
    return RedirectResponse("/alerts?done=letter_returned", status_code=303)


@router.get("/alerts/ledger.xlsx")
def ledger_export(date_from: str = Query("", alias="from"), date_to: str = Query("", alias="to"),
                  user: User = Depends(current_user), db: Session = DB):
    """alerts.ledger.export_ledger (which neutralises citizen text against formula injection)."""
    from alerts.ledger import export_ledger

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ledger.xlsx"
        export_ledger(db, path, date_from=day_param(date_from, "from"), date_to=day_param(date_to, "to"),
                      unit=user.unit if is_unit_official(user) else None)
        data = path.read_bytes()
    return Response(data, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": 'attachment; filename="ledger.xlsx"'})


_ = datetime  # (kept for type references in templates' date helpers)

"""Messages: search with filters, CSV export, one message's detail (revisions, deadline, routing, topic)."""
from __future__ import annotations

import csv
import io

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, StreamingResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import Message
from store.models.accounts import User
from store.models.deadlines import Deadline
from web import integrations
from web.auth import DB, current_user
from web.clock import as_of, as_of_day
from web.i18n import N_
from web.params import day_param
from web.queries.messages import COUNT_CAP, MessageFilters, count_messages, filter_choices, search_messages
from web.scope import check_message_visible, is_unit_official, message_conditions
from web.security import neutralise_row
from web.templating import render

router = APIRouter()

EXPORT_LIMIT = 10000



async def message_filters(q: str = "", channel: str = "", unit: str = "", status: str = "", kind: str = "",
                    source: str = "", date_from: str = Query("", alias="from"), date_to: str = Query("", alias="to"),
                    overdue: str = "", page: int = Query(1, ge=1, le=10000)) -> MessageFilters:
    return MessageFilters(q=q.strip()[:200], channel=channel, unit=unit, status=status, kind=kind, source=source,
                          date_from=day_param(date_from, "from"), date_to=day_param(date_to, "to"),
                          overdue=bool(overdue), page=page)


def cached_choices(request: Request, db: Session, user: User, scope: list) -> dict[str, list[str]]:
    """The filter drop-down values cost several DISTINCT scans and change only with the data: kept per scope
    until the data version changes (web.queries.version.DataVersionCheck, read at most once a second; one
    request computes them, concurrent ones wait)."""
    cache, lock = request.app.state.choices_cache, request.app.state.choices_lock
    key = user.unit if is_unit_official(user) else "*"
    version = request.app.state.data_version.current(db)
    with lock:
        hit = cache.get(key)
        if hit is None or hit[0] != version:
            hit = cache[key] = (version, filter_choices(db, scope))
    return hit[1]


@router.get("/messages")
def messages_page(request: Request, filters: MessageFilters = Depends(message_filters),
                  user: User = Depends(current_user), db: Session = DB):
    scope = message_conditions(user)
    page_size = int(request.app.state.settings.get("web.page_size"))
    rows, has_more = search_messages(db, filters, scope, as_of_day(request), page_size)
    total = count_messages(db, filters, scope, as_of_day(request))
    pages = -(-min(total, COUNT_CAP) // page_size) or 1
    context = {"rows": rows, "has_more": has_more, "filters": filters, "query": filters.as_query(),
               "total": total, "capped": total > COUNT_CAP, "cap": COUNT_CAP, "pages": pages}
    if request.headers.get("hx-request") == "true" and request.headers.get("hx-target") == "results":
        return render(request, "messages/_results.html", context)
    context["choices"] = cached_choices(request, db, user, scope)
    return render(request, "messages/list.html", context)


@router.get("/messages/export.csv")
def messages_export(request: Request, filters: MessageFilters = Depends(message_filters),
                    user: User = Depends(current_user), db: Session = DB):
    """The filtered messages as CSV (UTF-8 with BOM for Excel); cells never start a formula."""
    filters.page = 1
    rows, _ = search_messages(db, filters, message_conditions(user), as_of_day(request), EXPORT_LIMIT, full=True)
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(["id", "external_id", "source", "channel", "submitted_at", "title", "content", "kind",
                     "category", "unit", "status", "replied_at", "reply_text", "due_on"])
    for message, source_name, due_on in rows:
        writer.writerow(neutralise_row([
            message.id, message.external_id, source_name, message.channel,
            message.submitted_at.isoformat(sep=" ") if message.submitted_at else "", message.title,
            message.content, message.kind, message.category, message.unit, message.status,
            message.replied_at.isoformat(sep=" ") if message.replied_at else "", message.reply_text,
            due_on.isoformat() if due_on else ""]))
    return StreamingResponse(iter([buffer.getvalue()]), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": 'attachment; filename="messages.csv"'})


@router.get("/messages/{message_id}")
def message_detail(request: Request, message_id: int, user: User = Depends(current_user),
                   db: Session = DB):
    message = check_message_visible(user, db.get(Message, message_id))
    deadline = db.scalar(select(Deadline).where(Deadline.message_id == message.id))
    context = {
        "m": message,
        "source": message.source,
        "revisions": message.revisions,
        "deadline": deadline,
        "deadline_status": integrations.deadline_status(message, deadline, as_of(request)),
        "routing": integrations.routing_for_message(db, message),
        "topic": None if is_unit_official(user) else integrations.topic_of_message(db, message.id),
        "can_reroute": user.role in ("analyst", "editor", "admin"),
        "units": integrations.unit_names(db) if user.role in ("analyst", "editor", "admin") else [],
        **_alert_history(db, user, message.id),
    }
    return render(request, "messages/detail.html", context)


def _alert_history(db: Session, user: User, message_id: int) -> dict:
    """Every alert level of the letter the user may see, and who each was addressed to."""
    from alerts.recipients import recipient_unit_id
    from store.models import Unit
    from web.queries.alerts import message_history
    from web.routes.alerts import alert_scope

    history = message_history(db, message_id, alert_scope(user))
    ids = {recipient_unit_id(a.recipient) for a in history} - {None}
    names = dict(db.execute(select(Unit.id, Unit.name).where(Unit.id.in_(ids))).all()) if ids else {}
    return {"alert_history": history,
            "recipient_names": {a.id: names.get(recipient_unit_id(a.recipient), a.recipient) for a in history}}


@router.post("/messages/{message_id}/route")
def message_reroute(message_id: int, unit: str = Form(...), reason: str = Form(""),
                    user: User = Depends(current_user), db: Session = DB):
    if user.role not in ("analyst", "editor", "admin"):
        raise HTTPException(403, N_("only analysts, editors and administrators re-route messages"))
    message = check_message_visible(user, db.get(Message, message_id))
    unit = unit.strip()
    if not unit or len(unit) > 200:
        raise HTTPException(400, N_("unit: give the name of the responsible unit (1-200 characters)"))
    integrations.reroute_message(db, message, unit, user.login, reason.strip()[:500] or None)
    return RedirectResponse(f"/messages/{message.id}?done=rerouted", status_code=303)

"""Extension requests (延期申请): a unit asks for more working days from the alerts page; an analyst, editor or
administrator approves (the deadline moves from that day) or refuses it here, each decision with an audit line.
The requesting unit sees its own requests and their outcome."""
from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import Message
from store.models.accounts import User
from store.models.deadlines import Deadline, DeadlineExtension
from web.audit import record_request
from web.auth import DB, current_user, require_roles
from web.clock import as_of_day
from web.scope import is_unit_official, message_conditions
from web.templating import render

router = APIRouter()
DECIDERS = require_roles("analyst", "editor")  # and administrators
SHOWN = 200  # the newest requests; the pending ones are few


def extension_rows(db: Session, user: User) -> list:
    """Extensions (requested from the alerts page, or recorded by `deadlines extend`), pending first then newest,
    with their letter's title, unit and current due date; a unit official's own letters only."""
    query = (select(DeadlineExtension.id, DeadlineExtension.status, DeadlineExtension.extra_working_days,
                    DeadlineExtension.new_due_on, DeadlineExtension.reason, DeadlineExtension.created_at,
                    DeadlineExtension.approved_by, DeadlineExtension.approved_on, Message.id.label("message_id"),
                    Message.title, Message.unit, Deadline.due_on)
             .join(Message, Message.id == DeadlineExtension.message_id)
             .outerjoin(Deadline, Deadline.message_id == Message.id)
             .where(*message_conditions(user))
             .order_by((DeadlineExtension.status != "requested"), DeadlineExtension.id.desc()).limit(SHOWN))
    return db.execute(query).all()


@router.get("/extensions")
def extensions_page(request: Request, user: User = Depends(current_user), db: Session = DB):
    return render(request, "extensions.html", {"rows": extension_rows(db, user),
                                               "can_decide": not is_unit_official(user)})


def _decide(request: Request, db: Session, user: User, extension_id: int, approve: bool):
    from analysis.deadlines.db import decide_extension
    from analysis.deadlines.rules import DeadlineError

    try:
        extension = decide_extension(db, extension_id, approve=approve, by=user.login, on=as_of_day(request))
    except DeadlineError as exc:
        raise HTTPException(400, str(exc)) from None
    # The detail is shown on the users page's audit list: in Chinese, like the rest of the UI.
    days = (f"延期{extension.extra_working_days}个工作日" if extension.extra_working_days
            else f"延至{extension.new_due_on}")
    record_request(db, request, "extension_approved" if approve else "extension_rejected", actor=user.login,
                   subject=f"message:{extension.message_id}", detail=f"{days}：{extension.reason or ''}")
    return RedirectResponse(f"/extensions?done=extension_{'approved' if approve else 'rejected'}", status_code=303)


@router.post("/extensions/{extension_id}/approve")
def extension_approve(request: Request, extension_id: int, user: User = Depends(DECIDERS),
                      db: Session = DB):
    return _decide(request, db, user, extension_id, approve=True)


@router.post("/extensions/{extension_id}/reject")
def extension_reject(request: Request, extension_id: int, user: User = Depends(DECIDERS),
                     db: Session = DB):
    return _decide(request, db, user, extension_id, approve=False)

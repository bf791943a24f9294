"""Administrators manage accounts: add, change role, deactivate/reactivate, reset a password. Every change ends
the user's open sessions and leaves an audit line."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models.accounts import ROLES, AuditEvent, User
from web.accounts import AccountError, change_role, create_user, set_active, set_password
from web.audit import record_request
from web.auth import DB, SessionUser, require_roles
from web.i18n import N_
from web.integrations import unit_names
from web.templating import render

router = APIRouter()
ADMIN = require_roles("admin")


def _page(request: Request, db: Session, error: str | None = None, status_code: int = 200):
    users = list(db.scalars(select(User).order_by(User.login)))
    audit = list(db.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(50)))
    return render(request, "users.html", {"users": users, "roles": ROLES, "units": unit_names(db), "error": error,
                                          "audit": audit}, status_code=status_code)


def _user(db: Session, user_id: int) -> User:
    row = db.get(User, user_id)
    if row is None:
        raise HTTPException(404, N_("No such user."))
    return row


@router.get("/users")
def users_page(request: Request, user=Depends(ADMIN), db: Session = DB):
    return _page(request, db)


@router.post("/users")
def users_add(request: Request, login: str = Form(...), password: str = Form(...), role: str = Form(...),
              unit: str = Form(""), display_name: str = Form(""), user: SessionUser = Depends(ADMIN),
              db: Session = DB):
    try:
        create_user(db, login, password, role, unit=unit or None, display_name=display_name or None)
    except AccountError as exc:
        return _page(request, db, error=str(exc), status_code=400)
    record_request(db, request, "user_added", actor=user.login, subject=f"user:{login.strip()}", detail=role)
    return RedirectResponse("/users?done=user_added", status_code=303)


@router.post("/users/{user_id}/role")
def users_role(request: Request, user_id: int, role: str = Form(...), unit: str = Form(""),
               user: SessionUser = Depends(ADMIN), db: Session = DB):
    row = _user(db, user_id)
    before = f"{row.role}{' · ' + row.unit if row.unit else ''}"
    if row.id == user.id and role != "admin":
        return _page(request, db, error=N_("role: you cannot take the administrator role from yourself"),
                     status_code=400)
    try:
        change_role(db, row, role, unit)
    except AccountError as exc:
        return _page(request, db, error=str(exc), status_code=400)
    record_request(db, request, "role_changed", actor=user.login, subject=f"user:{row.login}",
                   detail=f"{before} -> {row.role}{' · ' + row.unit if row.unit else ''}")
    return RedirectResponse("/users?done=role_changed", status_code=303)


@router.post("/users/{user_id}/active")
def users_active(request: Request, user_id: int, active: str = Form(...), user: SessionUser = Depends(ADMIN),
                 db: Session = DB):
    row = _user(db, user_id)
    if row.id == user.id:
        return _page(request, db, error=N_("active: you cannot deactivate yourself"), status_code=400)
    set_active(db, row, active == "1")
    record_request(db, request, "user_activated" if row.active else "user_deactivated", actor=user.login,
                   subject=f"user:{row.login}")
    return RedirectResponse("/users?done=" + ("user_activated" if row.active else "user_deactivated"),
                            status_code=303)


@router.post("/users/{user_id}/password")
def users_password(request: Request, user_id: int, password: str = Form(...), user: SessionUser = Depends(ADMIN),
                   db: Session = DB):
    """A reset: the administrator chooses a temporary password, the user must change it at the next login."""
    row = _user(db, user_id)
    try:
        set_password(db, row, password, must_change=True)
    except AccountError as exc:
        return _page(request, db, error=str(exc), status_code=400)
    record_request(db, request, "password_reset", actor=user.login, subject=f"user:{row.login}")
    return RedirectResponse("/users?done=password_reset", status_code=303)

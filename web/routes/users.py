"""Administrators manage accounts."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models.accounts import ROLES, User
from web.accounts import AccountError, create_user
from web.auth import get_db, require_roles
from web.integrations import unit_names
from web.templating import render

router = APIRouter()


def _page(request: Request, db: Session, error: str | None = None, status_code: int = 200):
    users = list(db.scalars(select(User).order_by(User.login)))
    return render(request, "users.html", {"users": users, "roles": ROLES, "units": unit_names(db), "error": error},
                  status_code=status_code)


@router.get("/users")
def users_page(request: Request, user=Depends(require_roles("admin")), db: Session = Depends(get_db)):
    return _page(request, db)


@router.post("/users")
def users_add(request: Request, login: str = Form(...), password: str = Form(...), role: str = Form(...),
              unit: str = Form(""), display_name: str = Form(""), user=Depends(require_roles("admin")),
              db: Session = Depends(get_db)):
    try:
        create_user(db, login, password, role, unit=unit or None, display_name=display_name or None)
    except AccountError as exc:
        return _page(request, db, error=str(exc), status_code=400)
    return RedirectResponse("/users?done=user_added", status_code=303)

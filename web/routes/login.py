"""Login, logout, the user's own password and language."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from store.models.accounts import User
from web.accounts import AccountError, authenticate, change_own_password, end_sessions
from web.audit import client_of, record_request
from web.auth import DB, SessionUser, end_session, optional_user, start_session, user_changing_password
from web.i18n import LOCALES, N_
from web.templating import render

router = APIRouter()


def _safe_next(target: str | None) -> str:
    """Only a local path: never an absolute or scheme-relative URL (open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/login")
def login_page(request: Request, next: str = "/", user=Depends(optional_user)):
    if user is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return render(request, "login.html", {"next": _safe_next(next), "error": None})


@router.post("/login")
def login_submit(request: Request, login: str = Form(""), password: str = Form(""), next: str = Form("/"),
                 db: Session = DB):
    result = authenticate(db, login, password, client_of(request))
    if result.user is None:
        db.commit()  # keep the failed attempt and its audit line even though the response is an error page
        headers = {"Retry-After": str(result.retry_after_seconds)} if result.throttled else None
        response = render(request, "login.html", {"next": _safe_next(next), "error": result.error,
                                                  "retry_after": result.retry_after_seconds, "login": login},
                          status_code=429 if result.throttled else 401)
        if headers:
            response.headers.update(headers)
        return response
    start_session(request, result.user)
    if result.user.must_change_password:
        return RedirectResponse("/account/password", status_code=303)
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request, user: SessionUser | None = Depends(optional_user), db: Session = DB):
    """Ends this user's sessions everywhere (the epoch rises), not only this browser's cookie."""
    if user is not None:
        row = db.get(User, user.id)
        if row is not None:
            end_sessions(row)
            record_request(db, request, "logout", actor=user.login)
    end_session(request)
    return RedirectResponse("/login", status_code=303)


@router.get("/account/password")
def password_page(request: Request, user: SessionUser = Depends(user_changing_password)):
    return render(request, "account.html", {"must_change": user.must_change_password, "error": None,
                                            "locales": LOCALES})


@router.post("/account/password")
def password_change(request: Request, current: str = Form(""), new: str = Form(""), repeat: str = Form(""),
                    user: SessionUser = Depends(user_changing_password), db: Session = DB):
    """The user's own new password: their sessions end (this one too), so they log in again with it."""
    row = db.get(User, user.id)
    try:
        if new != repeat:
            raise AccountError(N_("password: the two new passwords differ"))
        change_own_password(db, row, current, new)
    except AccountError as exc:
        return render(request, "account.html", {"must_change": user.must_change_password, "error": str(exc),
                                                "locales": LOCALES},
                      status_code=400)
    record_request(db, request, "password_changed", actor=user.login, subject=f"user:{user.login}")
    start_session(request, row)  # the epoch rose: a new cookie for this browser only
    return RedirectResponse("/?done=password_set", status_code=303)


@router.post("/account/locale")
def locale_change(request: Request, locale: str = Form(...), user: SessionUser = Depends(user_changing_password),
                  db: Session = DB):
    if locale not in LOCALES:
        raise HTTPException(400, f"locale: {locale!r} is not one of {', '.join(LOCALES)}")
    row = db.get(User, user.id)
    row.locale = locale
    from web.auth import forget_user

    forget_user(user.id, db)
    return RedirectResponse("/account/password?done=locale_set", status_code=303)

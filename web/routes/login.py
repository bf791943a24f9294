"""Login and logout."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from web.accounts import authenticate
from web.auth import end_session, get_db, optional_user, start_session
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
                 db: Session = Depends(get_db)):
    client = request.client.host if request.client else "unknown"
    result = authenticate(db, login, password, client)
    if result.user is None:
        db.commit()  # keep the failed attempt for throttling even though the response is an error page
        return render(request, "login.html", {"next": _safe_next(next), "error": result.error, "login": login},
                      status_code=429 if result.throttled else 401)
    start_session(request, result.user)
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request):
    end_session(request)
    return RedirectResponse("/login", status_code=303)

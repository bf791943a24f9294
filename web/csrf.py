"""CSRF protection: every unsafe request must carry the session's token (form field or htmx header)."""
from __future__ import annotations

import hmac
import secrets

from fastapi import HTTPException, Request

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
FORM_FIELD = "csrf_token"
HEADER = "x-csrf-token"
# (translated where it is shown; the literal stays English so logs and API clients read the same)
CSRF_REFUSED = "CSRF token missing or wrong: reload the page and try again."


def new_token() -> str:
    return secrets.token_urlsafe(32)


async def verify_csrf(request: Request) -> None:
    """App-wide dependency: refuses (403) a POST/PUT/PATCH/DELETE without the session's CSRF token."""
    if request.method in SAFE_METHODS:
        return
    expected = request.scope.get("hm_session", {}).get("csrf")
    supplied = request.headers.get(HEADER)
    if not supplied:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(FORM_FIELD)
            supplied = value if isinstance(value, str) else None
    if not expected or not supplied or not hmac.compare_digest(expected, supplied):
        raise HTTPException(status_code=403, detail=CSRF_REFUSED)

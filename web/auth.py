"""Sessions (signed cookies), the current user, and role checks.

The cookie holds {"csrf", "uid", "ep", "born", "seen"} signed with itsdangerous. It ends
- ``web.session_hours`` after login ("born": absolute limit),
- ``web.idle_minutes`` after its last use ("seen", refreshed at most once a minute so most responses carry no
  new cookie),
- at once when ``ep`` no longer matches ``User.session_epoch``: logout, a password change or reset, a role change
  and a deactivation raise the epoch (server-side state), so a copied cookie dies with the session everywhere.

The user row behind a session is kept per process for at most ``USER_RECHECK_SECONDS`` (10 s), so a page does
not pay a users look-up on every request: a user deactivated, re-roled or given a new password by another
process (the CLI, another worker) loses the old access within 10 s; in this process ``forget_user`` (called by
``web.accounts.set_password``) drops the kept row at once.
"""
from __future__ import annotations

import logging
import secrets
import threading
import time
import weakref
from dataclasses import dataclass
from pathlib import Path

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models.accounts import User
from store.settings import Settings
from web.csrf import new_token

log = logging.getLogger(__name__)

COOKIE_NAME = "hm_session"


@dataclass(frozen=True)
class UserView:
    login: str
    display_name: str | None
    role: str
    unit: str | None


@dataclass(frozen=True)
class SessionUser:
    """The columns of a ``User`` row the pages read (routes take it where they declare ``User``)."""
    id: int
    login: str
    display_name: str | None
    role: str
    unit: str | None
    unit_id: int | None
    active: bool
    session_epoch: int
    must_change_password: bool
    locale: str | None


USER_RECHECK_SECONDS = 10.0


class UserCache:
    """Per application (so per database): user id -> (when read, the row or None), re-read after
    USER_RECHECK_SECONDS. Every cache of the process is reachable from ``forget_user``."""

    _all: weakref.WeakSet[UserCache] = weakref.WeakSet()

    def __init__(self) -> None:
        self._rows: dict[int, tuple[float, SessionUser | None]] = {}
        self._lock = threading.Lock()
        UserCache._all.add(self)

    def kept(self, uid: int) -> tuple[bool, SessionUser | None]:
        """(found, row) from memory only: found is False when the row must be read again."""
        hit = self._rows.get(uid)
        if hit is not None and time.monotonic() - hit[0] < USER_RECHECK_SECONDS:
            return True, hit[1]
        return False, None

    def load(self, db: Session, uid: int) -> SessionUser | None:
        """Read the row (None: no such user) and keep it."""
        now = time.monotonic()
        row = db.execute(select(User.id, User.login, User.display_name, User.role, User.unit, User.unit_id,
                                User.active, User.session_epoch, User.must_change_password, User.locale)
                         .where(User.id == uid)).first()
        user = SessionUser(*row) if row is not None else None
        with self._lock:
            if len(self._rows) > 10000:  # bounded whatever ids signed cookies carry
                self._rows.clear()
            self._rows[uid] = (now, user)
        return user

    def forget(self, uid: int | None) -> None:
        with self._lock:
            if uid is None:
                self._rows.clear()
            else:
                self._rows.pop(uid, None)


def forget_user(user_id: int | None = None, session: Session | None = None) -> None:
    """Drop the kept row of ``user_id`` (every kept row when None) in every app of this process: the next
    request reads the users table. (Ids are per database, so at worst another database's app re-reads.)
    With the ``session`` that changes the row: dropped again once it commits, since a request served between
    now and the commit would keep the old row (the old epoch: a logged-out cookie valid for 10 more seconds)."""
    for cache in list(UserCache._all):
        cache.forget(user_id)
    if session is not None:
        from sqlalchemy import event

        event.listen(session, "after_commit", lambda _session: forget_user(user_id), once=True)


class LoginRequired(Exception):
    """No valid session: the app redirects to the login page."""


class PasswordChangeRequired(Exception):
    """Logged in with a password someone else chose: only the password form (and logout) until it is changed."""


class Forbidden(Exception):
    """Logged in, but this page or record is not for this user's role or unit."""


def secret_key(settings: Settings) -> str:
    """The signing key: required in production; in development kept in <var_dir>/web_secret.key."""
    key = settings.get("web.secret_key")
    if key:
        if len(key) < 32:
            raise RuntimeError("web.secret_key must be at least 32 characters")
        return key
    if settings.production:
        raise RuntimeError(
            "web.secret_key is required in production mode: set HOTLINE_WEB_SECRET_KEY or [web] secret_key "
            "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)")
    path = settings.var_dir / "web_secret.key"
    if path.is_file():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    Path(path).chmod(0o600)
    return key


def cookie_secure(settings: Settings) -> bool:
    value = str(settings.get("web.cookie_secure")).strip().lower()
    if value == "auto":
        return settings.production
    if value in {"true", "1", "yes", "on"}:
        return True
    if value in {"false", "0", "no", "off"}:
        return False
    raise ValueError(f"web.cookie_secure: expected auto, true or false, got {value!r}")


class SessionMiddleware:
    """Loads the signed session into ``scope['hm_session']`` and writes it back when it changed."""

    SEEN_REFRESH_SECONDS = 60

    def __init__(self, app, secret: str, max_age_seconds: int, secure: bool, idle_seconds: int):
        self.app = app
        self.serializer = URLSafeTimedSerializer(secret, salt="hotline-monitor.session")
        self.max_age = max_age_seconds
        self.idle = idle_seconds
        self.secure = secure

    def _alive(self, data: dict, now: float) -> bool:
        """A logged-in session within both limits (a session without a user has none to keep)."""
        if "uid" not in data:
            return True
        born, seen = data.get("born"), data.get("seen")
        if not isinstance(born, int | float) or not isinstance(seen, int | float):
            return False  # a cookie from before these limits: log in again
        return now - born <= self.max_age and now - seen <= self.idle

    def _load(self, scope) -> dict | None:
        for name, value in scope.get("headers", []):
            if name != b"cookie":
                continue
            for part in value.decode("latin-1").split(";"):
                key, _, raw = part.strip().partition("=")
                if key == COOKIE_NAME and raw:
                    try:
                        data = self.serializer.loads(raw, max_age=self.max_age)
                    except BadSignature:
                        return None
                    if not isinstance(data, dict) or not data.get("csrf") or not self._alive(data, time.time()):
                        return None
                    return data
        return None

    def cookie_header(self, data: dict) -> bytes:
        parts = [f"{COOKIE_NAME}={self.serializer.dumps(data)}", "Path=/", "HttpOnly", "SameSite=Lax",
                 f"Max-Age={self.max_age}"]
        if self.secure:
            parts.append("Secure")
        return "; ".join(parts).encode("latin-1")

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)
            return
        data = self._load(scope)
        fresh = data is None
        session = data or {"csrf": new_token()}
        if "uid" in session and time.time() - session["seen"] >= self.SEEN_REFRESH_SECONDS:
            session["seen"] = int(time.time())
            fresh = True
        scope["hm_session"] = session
        scope["hm_session_dirty"] = fresh

        async def send_with_cookie(message):
            if message["type"] == "http.response.start" and scope.get("hm_session_dirty"):
                headers = list(message.get("headers", []))
                headers.append((b"set-cookie", self.cookie_header(scope["hm_session"])))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def start_session(request: Request, user: User) -> None:
    """Log ``user`` in: a new session (and a new CSRF token, so a pre-login token cannot be reused)."""
    now = int(time.time())
    request.scope["hm_session"] = {"csrf": new_token(), "uid": user.id, "ep": user.session_epoch, "born": now,
                                   "seen": now}
    request.scope["hm_session_dirty"] = True


def end_session(request: Request) -> None:
    request.scope["hm_session"] = {"csrf": new_token()}
    request.scope["hm_session_dirty"] = True


def _finish(session: Session, commit: bool) -> None:
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()


async def get_db(request: Request):
    """One database session per request, committed when the handler returns without error (routes take it as
    ``DB``, which commits before the response is sent). Async: opening a session needs no I/O (it connects at its
    first query), so only the commit or rollback goes to the thread pool, and a request makes one worker-thread
    hop fewer than with a sync dependency (entered and left there)."""
    session = request.app.state.session_factory()
    try:
        yield session
    except Exception:
        await run_in_threadpool(_finish, session, False)
        raise
    except BaseException:  # cancelled: no await may run now, so roll back here (one short round trip)
        _finish(session, False)
        raise
    await run_in_threadpool(_finish, session, True)


# The request's session as every route takes it (``db: Session = DB``): scope "function" commits before the
# response is sent. With FastAPI's default scope the commit ran after it, so a browser following a POST's redirect
# could read the page before the change was committed (tests/web/test_db_scope.py).
DB = Depends(get_db, scope="function")


async def optional_user(request: Request, db: Session = DB) -> SessionUser | None:
    # async, like the dependencies below: a kept row costs no worker-thread hop; a read goes to the thread pool.
    data = request.scope.get("hm_session") or {}
    uid = data.get("uid")
    if not isinstance(uid, int):
        return None
    cache = getattr(request.app.state, "user_cache", None)
    if cache is None:
        cache = request.app.state.user_cache = UserCache()
    found, user = cache.kept(uid)
    if not found:
        user = await run_in_threadpool(cache.load, db, uid)
    if user is None or not user.active or user.session_epoch != data.get("ep"):
        return None
    request.state.user = UserView(user.login, user.display_name, user.role, user.unit)
    request.state.locale = user.locale
    return user


async def user_changing_password(user: SessionUser | None = Depends(optional_user)) -> SessionUser:
    """The current user, even one who must still change their password (the password form, logout)."""
    if user is None:
        raise LoginRequired()
    return user


async def current_user(user: SessionUser = Depends(user_changing_password)) -> SessionUser:
    if user.must_change_password:
        raise PasswordChangeRequired()
    return user


def require_roles(*roles: str):
    """Dependency: the current user, if their role is one of ``roles`` (administrators always pass)."""

    async def dependency(user: SessionUser = Depends(current_user)) -> SessionUser:
        if user.role != "admin" and user.role not in roles:
            raise Forbidden(f"this page is for {', '.join(roles)}")
        return user

    return dependency


STAFF_ROLES = ("analyst", "editor")  # see every unit; unit officials and admins are handled explicitly

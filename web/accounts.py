"""Accounts: password hashing (Argon2 via pwdlib), login with throttling, user management, demo users."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.models import Message, Unit, now_local
from store.models.accounts import ROLES, LoginAttempt, User
from store.settings import get_settings
from web.auth import forget_user


@lru_cache(maxsize=1)
def _hasher():
    from pwdlib import PasswordHash

    return PasswordHash.recommended()


def hash_password(password: str) -> str:
    return _hasher().hash(password)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    # Verified against when the login is unknown, so both cases cost the same time.
    return hash_password(secrets.token_hex(16))


class AccountError(ValueError):
    """A user cannot be created or changed as asked (the message says why)."""


MIN_PASSWORD_LENGTH = 10


def create_user(session: Session, login: str, password: str, role: str, unit: str | None = None,
                display_name: str | None = None) -> User:
    login = (login or "").strip()
    if not login or len(login) > 100:
        raise AccountError("login: must be 1-100 characters")
    if role not in ROLES:
        raise AccountError(f"role: {role!r} is not one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"password: must be at least {MIN_PASSWORD_LENGTH} characters")
    if role == "unit_official" and not (unit or "").strip():
        raise AccountError("unit: a unit official needs the name of their unit")
    if session.scalar(select(User.id).where(User.login == login)) is not None:
        raise AccountError(f"login: {login!r} already exists")
    unit = unit.strip() if unit else None
    unit_id = session.scalar(select(Unit.id).where(Unit.name == unit)) if unit else None
    user = User(login=login, password_hash=hash_password(password), role=role, unit=unit, unit_id=unit_id,
                display_name=display_name, active=True, session_epoch=0)
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, user: User, password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"password: must be at least {MIN_PASSWORD_LENGTH} characters")
    user.password_hash = hash_password(password)
    user.session_epoch += 1  # ends the sessions opened with the old password
    if user.id is not None:
        forget_user(user.id)  # this process stops using the kept row at once (others within USER_RECHECK_SECONDS)


@dataclass
class LoginResult:
    user: User | None
    # None on success; otherwise what the login page says (never which of login/password was wrong)
    error: str | None = None
    throttled: bool = False


def _recent_failures(session: Session, column, value: str, since) -> int:
    return session.scalar(
        select(func.count(LoginAttempt.id)).where(
            column == value, LoginAttempt.succeeded.is_(False), LoginAttempt.attempted_at >= since)
    ) or 0


def authenticate(session: Session, login: str, password: str, client: str) -> LoginResult:
    """Check a login, recording the attempt. Too many recent failures (per login or per client) refuse it."""
    settings = get_settings()
    login = (login or "").strip()[:100]
    client = (client or "unknown")[:100]
    now = now_local()
    since = now - timedelta(minutes=settings.get("web.login_window_minutes"))
    if (_recent_failures(session, LoginAttempt.login, login, since) >= settings.get("web.login_max_failures")
            or _recent_failures(session, LoginAttempt.client, client, since)
            >= settings.get("web.login_max_failures_per_client")):
        session.add(LoginAttempt(login=login, client=client, succeeded=False, attempted_at=now))
        return LoginResult(None, "Too many failed logins: try again later.", throttled=True)
    user = session.scalar(select(User).where(User.login == login))
    hasher = _hasher()
    if user is None or not user.active:
        hasher.verify(password, _dummy_hash())
        ok = False
    else:
        ok, new_hash = hasher.verify_and_update(password, user.password_hash)
        if ok and new_hash:
            user.password_hash = new_hash
    session.add(LoginAttempt(login=login, client=client, succeeded=ok, attempted_at=now))
    if not ok:
        return LoginResult(None, "Wrong login or password.")
    user.last_login_at = now
    return LoginResult(user)


def demo_unit(session: Session) -> str | None:
    """The unit with the most messages: the demo unit official's unit."""
    return session.scalar(
        select(Message.unit).where(Message.unit.is_not(None)).group_by(Message.unit)
        .order_by(func.count(Message.id).desc(), Message.unit).limit(1))


def ensure_demo_users(session: Session) -> list[tuple[str, str, str]]:
    """Create one demo user per role (development only) and return (login, password, role) for each.

    Passwords are random per call; an existing demo user gets a new one so the printed login always works.
    Refuses in production mode: there is no default password there.
    """
    if get_settings().production:
        raise AccountError("demo users are not created in production mode (general.mode = production)")
    unit = demo_unit(session)
    wanted = [("demo-analyst", "analyst", None), ("demo-editor", "editor", None),
              ("demo-admin", "admin", None)]
    if unit:
        wanted.append(("demo-unit", "unit_official", unit))
    created = []
    for login, role, user_unit in wanted:
        password = "demo-" + secrets.token_urlsafe(9)
        user = session.scalar(select(User).where(User.login == login))
        if user is None:
            create_user(session, login, password, role, unit=user_unit, display_name=f"Demo {role}")
        else:
            user.role, user.unit, user.active = role, user_unit, True
            set_password(session, user, password)
        created.append((login, password, role))
    session.flush()
    return created

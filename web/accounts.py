"""Accounts: password hashing (Argon2 via pwdlib), login with throttling, user management, demo users."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from sqlalchemy import func, select
from sqlalchemy.orm import Session, object_session

from store.models import Message, Unit, now_local
from store.models.accounts import ROLES, LoginAttempt, User
from store.settings import get_settings
from web.auth import forget_user
from web.i18n import N_


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


MIN_PASSWORD_LENGTH = 10  # (the messages below say 10 and 128: change them with these)
MAX_PASSWORD_LENGTH = 128


def _unit_id(session: Session, unit: str | None) -> int | None:
    return session.scalar(select(Unit.id).where(Unit.name == unit)) if unit else None


def _check_password(password: str) -> None:
    # OWASP: length is what counts (at least 10 here), no composition rules, up to 128 characters.
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(N_("password: must be at least 10 characters"))
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(N_("password: at most 128 characters"))


def create_user(session: Session, login: str, password: str, role: str, unit: str | None = None,
                display_name: str | None = None, must_change_password: bool = True) -> User:
    """A new account. Its password was chosen by someone else (the administrator): by default the user must
    change it at the first login."""
    login = (login or "").strip()
    if not login or len(login) > 100:
        raise AccountError(N_("login: must be 1-100 characters"))
    if role not in ROLES:
        raise AccountError(N_("role: not one of the roles"))
    _check_password(password)
    if role == "unit_official" and not (unit or "").strip():
        raise AccountError(N_("unit: a unit official needs the name of their unit"))
    if session.scalar(select(User.id).where(User.login == login)) is not None:
        raise AccountError(N_("login: this login already exists"))
    unit = unit.strip() if unit else None
    user = User(login=login, password_hash=hash_password(password), role=role, unit=unit,
                unit_id=_unit_id(session, unit), display_name=display_name, active=True, session_epoch=0,
                must_change_password=must_change_password)
    session.add(user)
    session.flush()
    return user


def end_sessions(user: User) -> None:
    """Every open session of ``user`` ends (its cookies carry the old epoch)."""
    user.session_epoch += 1
    if user.id is not None:  # this process stops using the kept row (others within USER_RECHECK_SECONDS)
        forget_user(user.id, object_session(user))


def set_password(session: Session, user: User, password: str, *, must_change: bool = False) -> None:
    """A new password; ends the sessions opened with the old one. ``must_change``: someone else chose it (a
    reset), so the user must pick their own at the next login."""
    _check_password(password)
    user.password_hash = hash_password(password)
    user.must_change_password = must_change
    end_sessions(user)


def change_own_password(session: Session, user: User, current: str, new: str) -> None:
    """The user's own change: the current password is asked again, and the new one must differ from it."""
    if not _hasher().verify(current, user.password_hash):
        raise AccountError(N_("current password: wrong"))
    if new == current:
        raise AccountError(N_("password: the new password must differ from the current one"))
    set_password(session, user, new, must_change=False)


def change_role(session: Session, user: User, role: str, unit: str | None) -> None:
    """A new role (and unit for a unit official); the user's sessions end, so no page keeps the old rights."""
    if role not in ROLES:
        raise AccountError(N_("role: not one of the roles"))
    unit = (unit or "").strip() or None
    if role == "unit_official" and not unit:
        raise AccountError(N_("unit: a unit official needs the name of their unit"))
    user.role = role
    user.unit = unit if role == "unit_official" else None
    user.unit_id = _unit_id(session, user.unit)
    end_sessions(user)


def set_active(session: Session, user: User, active: bool) -> None:
    user.active = active
    end_sessions(user)


@dataclass
class LoginResult:
    user: User | None
    # None on success; otherwise a code the login page words (never which of login/password was wrong)
    error: str | None = None
    throttled: bool = False
    retry_after_seconds: int = 0


def throttle_delay(failures: int) -> float:
    """Seconds to wait after ``failures`` consecutive failures of one login from one address: none for the first
    web.login_max_failures, then web.login_delay_seconds doubling each time, at most web.login_max_delay_seconds."""
    settings = get_settings()
    free = int(settings.get("web.login_max_failures"))
    if failures < free:
        return 0.0
    return float(min(float(settings.get("web.login_delay_seconds")) * 2 ** (failures - free),
                     float(settings.get("web.login_max_delay_seconds"))))


def _failures_since_success(session: Session, login: str, client: str, since) -> tuple[int, object]:
    """(failures of ``login`` from ``client`` in the window after its last success there, the latest one)."""
    last_ok = session.scalar(select(func.max(LoginAttempt.attempted_at)).where(
        LoginAttempt.login == login, LoginAttempt.client == client, LoginAttempt.succeeded.is_(True),
        LoginAttempt.attempted_at >= since))
    start = max(since, last_ok) if last_ok is not None else since
    count, latest = session.execute(select(func.count(LoginAttempt.id), func.max(LoginAttempt.attempted_at)).where(
        LoginAttempt.login == login, LoginAttempt.client == client, LoginAttempt.succeeded.is_(False),
        LoginAttempt.attempted_at >= start)).one()
    return int(count or 0), latest


def authenticate(session: Session, login: str, password: str, client: str, now=None) -> LoginResult:
    """Check a login, recording the attempt and auditing a failure.

    Throttling follows OWASP's advice against account lock-out: failures are counted per (login, client address)
    only. After web.login_max_failures of them the next try from that address for that login must wait a delay
    that doubles with each further failure; a try made too early is refused without looking at the password and
    is not counted (so refused tries never prolong the wait). The same login from another address, and other
    logins from the same address (an office behind one NAT), are not slowed at all."""
    from web.audit import record

    settings = get_settings()
    login = (login or "").strip()[:100]
    client = (client or "unknown")[:100]
    now = now or now_local()
    since = now - timedelta(minutes=settings.get("web.login_window_minutes"))
    failures, latest = _failures_since_success(session, login, client, since)
    wait = throttle_delay(failures)
    if wait and latest is not None and (now - latest).total_seconds() < wait:
        retry = max(1, int(wait - (now - latest).total_seconds() + 0.999))
        record(session, "login_throttled", actor=login, client=client, detail=f"{failures} failures; wait {retry} s")
        return LoginResult(None, "throttled", throttled=True, retry_after_seconds=retry)
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
        record(session, "login_failed", actor=login, client=client,
               detail="unknown or inactive account" if user is None or not user.active else "wrong password")
        return LoginResult(None, "wrong")
    user.last_login_at = now
    record(session, "login", actor=login, client=client)
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
            create_user(session, login, password, role, unit=user_unit, display_name=f"Demo {role}",
                        must_change_password=False)  # the demo prints them: one step to every page
        else:
            user.role, user.unit, user.active = role, user_unit, True
            set_password(session, user, password)
        created.append((login, password, role))
    session.flush()
    return created

"""Web UI accounts: users with a role (and a unit for unit officials), and login attempts for throttling.

Sessions are signed cookies (see web/auth.py); ``User.session_epoch`` is part of every cookie, so raising it
(logout, password change or reset, role change, deactivation) ends every open session of that user: the
server-side state that makes a copied cookie useless.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base, now_local

ROLES = ("analyst", "editor", "unit_official", "admin")


class User(Base):
    """A person using the web UI. A unit official sees only messages and alerts of ``unit``."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20))  # one of ROLES
    # Unit officials: the unit name as stored on messages (messages.unit), and the directory entry when known.
    unit: Mapped[str | None] = mapped_column(String(200))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=now_local)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)
    # A password someone else chose (an administrator creating the account or resetting it): every page but
    # the password form is refused until the user picks their own.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    locale: Mapped[str | None] = mapped_column(String(10))  # UI language; None: the setting web.locale


class LoginAttempt(Base):
    """One login try; failures within the throttle window are counted per login and per client address."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_login_at", "login", "attempted_at"),
        Index("ix_login_attempts_client_at", "client", "attempted_at"),
        Index("ix_login_attempts_login_client_at", "login", "client", "attempted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(100))
    client: Mapped[str] = mapped_column(String(100))
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False)
    attempted_at: Mapped[datetime] = mapped_column(DateTime, default=now_local)


class AuditEvent(Base):
    """Who did what, from where: failed and throttled logins, logins and logouts, password and role changes,
    deactivations, acknowledgements, extension requests, returned letters, reopened summaries. Append-only."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_action_at", "action", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=now_local, index=True)
    actor: Mapped[str | None] = mapped_column(String(100))  # login of who acted (or tried to)
    client: Mapped[str | None] = mapped_column(String(100))  # address the request came from
    action: Mapped[str] = mapped_column(String(40))  # login_failed, login_throttled, ack, role_changed, …
    subject: Mapped[str | None] = mapped_column(String(200))  # what it acted on: user:<login>, alert:<id>, …
    detail: Mapped[str | None] = mapped_column(Text)

"""Reply deadlines: the due date of each message, its extensions and pauses, and the calendar-change log.

Computed by ``analysis.deadlines.engine.compute_deadlines``; the columns mirror ``analysis.deadlines.engine.DueDate``.
Dates (``*_on``) are calendar days in Asia/Shanghai; a due date means the end of that day.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base, JSONType, now_local


class Deadline(Base):
    """The reply deadline of one message, with the rule applied and why the due date is what it is."""

    __tablename__ = "deadlines"
    # 0010_perf_indexes: (due_on, message_id) lets the dashboard's due-date windows read message ids by index
    # only; (message_id, due_on) the message list's due date of each row.
    __table_args__ = (Index("ix_deadlines_due_on", "due_on"), Index("ix_deadlines_due_message", "due_on", "message_id"),
                      Index("ix_deadlines_message_due", "message_id", "due_on"))

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), unique=True)
    rule_id: Mapped[str] = mapped_column(String(100))
    rule_source: Mapped[str] = mapped_column(Text)  # the policy the rule cites, as it was when computed
    days: Mapped[int] = mapped_column(Integer)
    day_unit: Mapped[str] = mapped_column(String(10))  # working | calendar
    convention: Mapped[str] = mapped_column(String(30))
    received_at: Mapped[datetime] = mapped_column(DateTime)  # messages.submitted_at used for the computation
    deemed_received_on: Mapped[date] = mapped_column(Date)  # where counting starts (next working day…)
    base_due_on: Mapped[date] = mapped_column(Date)  # before extensions and pauses
    due_on: Mapped[date | None] = mapped_column(Date)  # None while a pause is open
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)  # touches a year without a notice
    explanation: Mapped[str] = mapped_column(Text)
    explanation_zh: Mapped[str] = mapped_column(Text)
    calendar_fingerprint: Mapped[str] = mapped_column(String(32))
    rules_fingerprint: Mapped[str] = mapped_column(String(32))
    computed_at: Mapped[datetime] = mapped_column(DateTime, default=now_local)


class DeadlineExtension(Base):
    """An extension (延期): a new due date or extra working days. Only approved ones are applied."""

    __tablename__ = "deadline_extensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="approved")  # requested | approved | rejected
    approved_on: Mapped[date] = mapped_column(Date)
    new_due_on: Mapped[date | None] = mapped_column(Date)
    extra_working_days: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(Text)
    approved_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=now_local)


class DeadlinePause(Base):
    """The clock stopped, e.g. waiting for the citizen's materials; ``ended_on`` None while still waiting.

    The working days in (started_on, ended_on] are not counted.
    """

    __tablename__ = "deadline_pauses"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    started_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=now_local)


class CalendarVersion(Base):
    """The calendar-change log: one row per working-day calendar deadlines were computed with."""

    __tablename__ = "calendar_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(32), index=True)
    previous_fingerprint: Mapped[str | None] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text)  # where each year comes from
    year_sources: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)  # {"2027": "override", …}
    first_used_at: Mapped[datetime] = mapped_column(DateTime, default=now_local)
    deadlines_recomputed: Mapped[int] = mapped_column(Integer, default=0)
    deadlines_changed: Mapped[int] = mapped_column(Integer, default=0)


class DeadlineChange(Base):
    """A stored due date that moved on recomputation, and why (calendar, rules, message, extension, pause)."""

    __tablename__ = "deadline_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    old_due_on: Mapped[date | None] = mapped_column(Date)
    new_due_on: Mapped[date | None] = mapped_column(Date)
    old_calendar_fingerprint: Mapped[str | None] = mapped_column(String(32))
    new_calendar_fingerprint: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(200))
    changed_at: Mapped[datetime] = mapped_column(DateTime, default=now_local)

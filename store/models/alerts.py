"""Alerts: what was decided (alerts per subject and level), what must be sent (the outbox) and what was sent
(delivery attempts), acknowledgements, silences, the response ledger and the scheduler's job-run record.

The unit directory itself is ``store.models.core.Unit``. Timestamps are naive Asia/Shanghai local time.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from itertools import chain
from typing import Any

from sqlalchemy import (
    Boolean,
    Connection,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    bindparam,
    event,
    func,
    inspect,
    literal_column,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.sql.elements import Grouping

from store.models.base import Base, JSONType, now_local

# Least urgent first: an alert's rank is its index here (-1 for a level not listed).
ALERT_LEVELS = ("warning", "due_soon", "overdue", "seriously_overdue", "supervision")


class Alert(Base):
    """One alert level of one subject (a message, or a topic early-warning event), as long as it lasts.

    ``subject`` is ``message:<id>`` or ``warning:<id>``. ``last_period`` is the last repeat period notified
    (-1: never): a level is notified again when a new period starts (every N working days), unless
    acknowledged. ``state``: firing | resolved | superseded (due_soon once overdue: no resolved notice).
    """

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("subject", "level", name="uq_alerts_subject_level"),
        Index("ix_alerts_state_level", "state", "level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(100))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    level: Mapped[str] = mapped_column(String(30))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))  # the responsible unit
    recipient_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))  # who hears this level
    recipient: Mapped[str] = mapped_column(String(200))  # "unit:<id>", "analysts", "operators"
    state: Mapped[str] = mapped_column(String(20), default="firing")
    title: Mapped[str] = mapped_column(Text, default="")
    due_on: Mapped[date | None] = mapped_column(Date)
    overdue_workdays: Mapped[int] = mapped_column(Integer, default=0)
    last_period: Mapped[int] = mapped_column(Integer, default=-1)
    first_fired_at: Mapped[datetime] = mapped_column(DateTime, default=now_local)
    last_notified_at: Mapped[datetime | None] = mapped_column(DateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime)
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    is_current: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    is_current_overall: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


# An alert level's rank in ALERT_LEVELS (-1: a level not listed), its values written out rather than bound: the
# work list's index is on this expression, and a database uses an index on an expression only for the very same
# expression. Spelled as PostgreSQL prints it back (its line breaks; less its casts), so that migrations and
# models compare equal (tests/store/test_migrations.py).
LEVEL_RANK_SQL = ("\nCASE\n" + "".join(f"    WHEN level = '{level}' THEN {rank}\n"
                                        for rank, level in enumerate(ALERT_LEVELS)) + "    ELSE -1\nEND")


def level_rank() -> Any:
    """The rank of the alert's level (``LEVEL_RANK_SQL``), in a statement reading the alerts table."""
    return literal_column(LEVEL_RANK_SQL, Integer)


# The work list's order (web.queries.alerts): unacknowledged first, most urgent level, earliest due. (The rank
# in parentheses: PostgreSQL's CREATE INDEX takes an expression other than a function call only so.)
WORK_LIST_ORDER = (Alert.acknowledged_at.is_not(None), Grouping(level_rank()).desc(), Alert.due_on, Alert.id)
_CURRENT_FIRING = Alert.is_current & (Alert.state == "firing")
# The current firing rows (the page's default) in that order: its first page is read from the index's start,
# not sorted out of every row, however many resolved alerts pile up.
Index("ix_alerts_current_firing", *WORK_LIST_ORDER, postgresql_where=_CURRENT_FIRING, sqlite_where=_CURRENT_FIRING)


_REFRESH_CHUNK = 20000  # message ids per read (SQLite allows 32766 bound parameters; fewer, larger reads are faster)


def refresh_current_alerts(connection: Connection, message_ids: Iterable[int] | None = None) -> None:
    """Set ``is_current`` and ``is_current_overall`` of the alerts of these messages (None: of every message)
    from what they rank now; only the rows whose marker moves are written."""
    if message_ids is None:
        _refresh_current([], connection)
        return
    ids = sorted(set(message_ids))
    for start in range(0, len(ids), _REFRESH_CHUNK):
        _refresh_current([Alert.message_id.in_(ids[start:start + _REFRESH_CHUNK])], connection)


def _refresh_current(scope: list, connection: Connection) -> None:
    """The markers as ranked now, compared with the stored ones in one read; only the rows that differ are
    written, by id (an UPDATE … FROM the ranking made SQLite scan the whole table once per chunk)."""
    table = Alert.__table__
    group = (table.c.message_id, table.c.recipient)
    highest_first = (level_rank().desc(), table.c.id.desc())
    ranked = select(
        table.c.id, table.c.is_current, table.c.is_current_overall,
        (func.row_number().over(partition_by=(*group, table.c.state), order_by=highest_first) == 1)
        .label("in_state"),
        (func.row_number().over(partition_by=group, order_by=highest_first) == 1).label("overall"),
    ).where(table.c.message_id.is_not(None), *scope).subquery()
    moved = connection.execute(select(ranked.c.id, ranked.c.in_state, ranked.c.overall).where(
        or_(ranked.c.is_current != ranked.c.in_state, ranked.c.is_current_overall != ranked.c.overall))).all()
    if moved:
        connection.execute(
            update(table).where(table.c.id == bindparam("row_id"))
            .values(is_current=bindparam("in_state"), is_current_overall=bindparam("overall")),
            [{"row_id": row_id, "in_state": bool(in_state), "overall": bool(overall)}
             for row_id, in_state, overall in moved])


_RANKING_FIELDS = ("message_id", "recipient", "state", "level")


@event.listens_for(Session, "before_flush")
def _note_ranked_alerts(session: Session, _context: Any, _instances: Any) -> None:
    """Alerts written through the ORM (early warnings, tests' fixtures): the messages whose markers may move,
    noted before the flush (a deleted alert's message is still readable then)."""
    touched: set[int] = set()
    for alert in chain(session.new, session.deleted):
        if isinstance(alert, Alert):
            touched.add(alert.message_id)
    for alert in session.dirty:
        if isinstance(alert, Alert):
            attributes = inspect(alert).attrs
            if any(attributes[name].history.has_changes() for name in _RANKING_FIELDS):
                touched.update((alert.message_id, *attributes.message_id.history.deleted))
    touched.discard(None)
    if touched:
        session.info.setdefault("alerts_to_refresh", set()).update(touched)


@event.listens_for(Session, "after_flush")
def _refresh_flushed_alerts(session: Session, _context: Any) -> None:
    touched = session.info.get("alerts_to_refresh")
    if touched:
        refresh_current_alerts(session.connection(), touched)


@event.listens_for(Session, "after_flush_postexec")
def _expire_refreshed(session: Session, _context: Any) -> None:
    """The loaded alerts of those messages read their markers again (the UPDATE went around the ORM)."""
    touched = session.info.pop("alerts_to_refresh", None)
    if not touched:
        return
    for alert in list(session.identity_map.values()):
        if isinstance(alert, Alert) and alert.message_id in touched:
            session.expire(alert, ["is_current", "is_current_overall"])


class Acknowledgement(Base):
    """Someone said "we are on it" for one alert level: stops its repeats, not the escalation."""

    __tablename__ = "alert_acknowledgements"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    acknowledged_by: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    acknowledged_at: Mapped[datetime] = mapped_column(DateTime, default=now_local)


class Silence(Base):
    """No notifications matching this while it lasts (maintenance). Empty matchers match everything."""

    __tablename__ = "alert_silences"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    level: Mapped[str | None] = mapped_column(String(30))
    channel: Mapped[str | None] = mapped_column(String(20))
    starts_at: Mapped[datetime] = mapped_column(DateTime)
    ends_at: Mapped[datetime] = mapped_column(DateTime)
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=now_local)


class OutboxEntry(Base):
    """One digest to one address on one channel, written in the transaction that decided it.

    ``idempotency_key`` is derived from the recipient, channel and the item keys (subject, level, period):
    deciding the same items again finds the existing entry instead of adding one. ``status``: pending |
    sending | delivered | dead (gave up after the configured attempts).
    """

    __tablename__ = "alert_outbox"
    __table_args__ = (Index("ix_alert_outbox_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    recipient: Mapped[str] = mapped_column(String(200))  # "unit:<id>", "analysts", "operators"
    recipient_name: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(20))  # email | dingtalk | wecom | feishu | webhook
    address: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)  # where: {"to": [...]}/{"url", …}
    intended_address: Mapped[dict[str, Any] | None] = mapped_column(JSONType)  # outside production
    subject: Mapped[str] = mapped_column(Text)
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime, default=now_local)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=now_local)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime)


class DeliveryAttempt(Base):
    """Every try to deliver an outbox entry, successful or not."""

    __tablename__ = "alert_delivery_attempts"
    __table_args__ = (Index("ix_alert_delivery_attempts_channel_at", "channel", "attempted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("alert_outbox.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    attempted_at: Mapped[datetime] = mapped_column(DateTime, default=now_local)
    ok: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str | None] = mapped_column(Text)
    response: Mapped[str | None] = mapped_column(Text)


class LedgerEntry(Base):
    """舆情回应处置台账: one row per alerted subject (message or early-warning event), kept after resolution."""

    __tablename__ = "response_ledger"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(100), unique=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # message | warning
    first_discovered_at: Mapped[datetime | None] = mapped_column(DateTime)
    source: Mapped[str | None] = mapped_column(String(200))
    channel: Mapped[str | None] = mapped_column(String(20))
    external_id: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(1000))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    unit_name: Mapped[str | None] = mapped_column(String(200))
    due_on: Mapped[date | None] = mapped_column(Date)
    highest_level: Mapped[str | None] = mapped_column(String(30))
    first_alerted_at: Mapped[datetime | None] = mapped_column(DateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime)
    acknowledged_by: Mapped[str | None] = mapped_column(String(200))
    replied_at: Mapped[datetime | None] = mapped_column(DateTime)
    reply_url: Mapped[str | None] = mapped_column(String(1000))
    status: Mapped[str] = mapped_column(String(30), default="open")  # open | acknowledged | replied
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=now_local)


class JobRun(Base):
    """One scheduled job doing one period (``job`` + ``period`` unique): a period done is not done again."""

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job", "period", name="uq_job_runs_job_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(100))
    period: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default="running")  # running | done | failed
    started_at: Mapped[datetime] = mapped_column(DateTime, default=now_local)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    summary: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)


class AlertNote(Base):
    """A remark on an alert (what was done, who was called). Unlike an Acknowledgement it changes nothing:
    the alert keeps repeating until someone acknowledges it."""

    __tablename__ = "alert_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    author: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=now_local)

"""The alerts page's work list: one row per message per recipient, at its current (highest firing) level.

The alerts table keeps one row per level (and the delivery keys hang on them: exactly-once delivery depends on
it), so an overdue message has up to four rows. This is only a view over them: a window function ranks the
rows of each (message, recipient) by level and keeps the first. Alerts without a message (early warnings) are
rows of their own.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import Select, String, and_, case, cast, false, func, literal, or_, select
from sqlalchemy.orm import Session

from store.models.alerts import Alert
from store.models.core import Unit

LEVEL_ORDER = ("warning", "due_soon", "overdue", "seriously_overdue", "supervision")  # most urgent last
STATES = ("firing", "resolved", "superseded", "all")


@dataclass(frozen=True)
class AlertFilters:
    state: str = "firing"
    level: str = ""
    unit_id: int | None = None
    acknowledged: str = ""  # "", "yes", "no"
    fired_from: date | None = None
    fired_to: date | None = None
    recipient: str = ""
    page: int = 1

    def params(self, **override) -> dict[str, str]:
        values = {"state": self.state, "level": self.level, "unit": self.unit_id or "",
                  "acknowledged": self.acknowledged, "from": self.fired_from or "", "to": self.fired_to or "",
                  "recipient": self.recipient, "page": self.page}
        values.update(override)
        return {k: str(v) for k, v in values.items() if v not in ("", None) and not (k == "page" and v == 1)}


def addressed_to_unit(unit_id: int | None, unit_name: str | None = None):
    """Alerts a unit's official may see and act on: those addressed to the unit (not its supervisor's). An
    account without a directory unit id is matched by the unit's directory name."""
    if unit_id is not None:
        return Alert.recipient == f"unit:{unit_id}"
    if unit_name:
        by_name = select(Unit.id).where(Unit.name == unit_name).limit(1).scalar_subquery()
        return Alert.recipient == literal("unit:") + cast(by_name, String)
    return false()


def _level_rank():
    return case({level: rank for rank, level in enumerate(LEVEL_ORDER)}, value=Alert.level, else_=-1)


def _current_rows(scope: list, filters: AlertFilters) -> Select:
    """The alerts in scope and state with their rank within (message, recipient): 1 = the current level."""
    query = select(Alert.id, func.row_number().over(
        partition_by=(func.coalesce(Alert.message_id, -Alert.id), Alert.recipient),
        order_by=(_level_rank().desc(), Alert.id.desc())).label("rank")).where(*scope)
    if filters.state != "all":
        query = query.where(Alert.state == filters.state)
    if filters.recipient:
        query = query.where(Alert.recipient == filters.recipient)
    return query


@dataclass
class AlertRow:
    alert: Alert
    unit_name: str | None
    recipient_name: str
    levels: int  # how many levels this message has for this recipient (history on the message page)


def alert_rows(session: Session, scope: list, filters: AlertFilters, page_size: int
               ) -> tuple[list[AlertRow], int]:
    """(this page's rows, the total matching the filters), most urgent first: unacknowledged, highest level,
    earliest due."""
    ranked = _current_rows(scope, filters).subquery()
    conditions = [Alert.id == ranked.c.id, ranked.c.rank == 1]
    if filters.level:
        conditions.append(Alert.level == filters.level)
    if filters.unit_id is not None:
        conditions.append(Alert.unit_id == filters.unit_id)
    if filters.acknowledged == "yes":
        conditions.append(Alert.acknowledged_at.is_not(None))
    elif filters.acknowledged == "no":
        conditions.append(Alert.acknowledged_at.is_(None))
    if filters.fired_from:
        conditions.append(Alert.first_fired_at >= datetime.combine(filters.fired_from, time.min))
    if filters.fired_to:
        conditions.append(Alert.first_fired_at <= datetime.combine(filters.fired_to, time.max))
    total = session.scalar(select(func.count()).select_from(ranked).join(Alert, and_(*conditions))) or 0
    unit = Unit.__table__.alias("unit")
    recipient_unit = Unit.__table__.alias("recipient_unit")
    page = session.execute(
        select(Alert, unit.c.name, recipient_unit.c.name).select_from(ranked).join(Alert, and_(*conditions))
        .outerjoin(unit, unit.c.id == Alert.unit_id).outerjoin(recipient_unit, recipient_unit.c.id ==
                                                                Alert.recipient_unit_id)
        .order_by(Alert.acknowledged_at.is_not(None), _level_rank().desc(), Alert.due_on, Alert.id)
        .offset((filters.page - 1) * page_size).limit(page_size)).all()
    counts: dict[tuple, int] = {}
    message_ids = [a.message_id for a, _, _ in page if a.message_id is not None]
    if message_ids:
        counts = {(m, r): n for m, r, n in session.execute(
            select(Alert.message_id, Alert.recipient, func.count(Alert.id))
            .where(Alert.message_id.in_(message_ids), *scope).group_by(Alert.message_id, Alert.recipient))}
    rows = [AlertRow(a, unit_name, recipient_name or a.recipient, counts.get((a.message_id, a.recipient), 1))
            for a, unit_name, recipient_name in page]
    return rows, total


def same_row_alerts(session: Session, alert: Alert) -> list[Alert]:
    """The firing alerts shown as ``alert``'s row (same message, same recipient): acknowledged together."""
    if alert.message_id is None:
        return [alert]
    return list(session.scalars(select(Alert).where(
        Alert.message_id == alert.message_id, Alert.recipient == alert.recipient,
        or_(Alert.state == "firing", Alert.id == alert.id))))


def message_history(session: Session, message_id: int, scope: list) -> list[Alert]:
    """Every alert of one message (each level, each recipient), for the message page."""
    return list(session.scalars(select(Alert).where(Alert.message_id == message_id, *scope)
                                .order_by(Alert.first_fired_at, Alert.id)))



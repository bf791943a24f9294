"""The alerts page's work list: one row per message per recipient, at its current (highest firing) level.

The alerts table keeps one row per level (and the delivery keys hang on them: exactly-once delivery depends on
it), so an overdue message has up to four rows. This is only a view over them: a row is shown when it is its
(message, recipient)'s current level in the state asked for, as the writers mark it (``Alert.is_current``,
``Alert.is_current_overall``): an indexed read, not an anti-join per request. Alerts without a message (early
warnings) are rows of their own.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import String, cast, false, func, literal, or_, select
from sqlalchemy.orm import Session, aliased

from alerts.recipients import UNIT_PREFIX, recipient_key
from store.models.alerts import ALERT_LEVELS, WORK_LIST_ORDER, Acknowledgement, Alert, AlertNote
from store.models.core import Unit

LEVEL_ORDER = ALERT_LEVELS  # most urgent last
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
        return Alert.recipient == recipient_key(unit_id)
    if unit_name:
        by_name = select(Unit.id).where(Unit.name == unit_name).limit(1).scalar_subquery()
        return Alert.recipient == literal(UNIT_PREFIX) + cast(by_name, String)
    return false()


def _current_rows(scope: list, filters: AlertFilters):
    """The alerts in scope and state that are the current level of their (message, recipient)."""
    if filters.state == "all":
        conditions = [*scope, Alert.is_current_overall]
    else:
        conditions = [*scope, Alert.state == filters.state, Alert.is_current]
    if filters.recipient:
        conditions.append(Alert.recipient == filters.recipient)
    return conditions


# What a work-list row shows of its alert: plain columns, not ORM objects (50 identity-mapped Alerts with their
# JSON details were a tenth of the page's time).
ROW_COLUMNS = (Alert.id, Alert.level, Alert.message_id, Alert.title, Alert.recipient, Alert.state, Alert.due_on,
               Alert.overdue_workdays, Alert.first_fired_at, Alert.acknowledged_at)


# The statements' fixed parts, built once: aliases made per request rebuilt their column collections each time
# (about a tenth of the page's Python time).
_PICK = select(Alert.id).order_by(*WORK_LIST_ORDER)
_UNIT = Unit.__table__.alias("unit")
_RECIPIENT_UNIT = Unit.__table__.alias("recipient_unit")
_SIBLING = aliased(Alert)
# How many levels each row's (message, recipient) has, for the "n levels" link to the message's history.
# (The scope of a unit official is a recipient: the same recipient as the row is within it.)
_LEVELS = (select(func.count(_SIBLING.id))
           .where(_SIBLING.message_id == Alert.message_id, _SIBLING.recipient == Alert.recipient)
           .correlate(Alert).scalar_subquery())
_PAGE_ROWS = (
    select(*ROW_COLUMNS, _UNIT.c.name.label("unit_name"), _RECIPIENT_UNIT.c.name.label("recipient_name"),
           _LEVELS.label("levels"))
    .outerjoin(_UNIT, _UNIT.c.id == Alert.unit_id)
    # The recipient key (alerts.recipients); recipient_unit_id is not filled on every row.
    .outerjoin(_RECIPIENT_UNIT, literal(UNIT_PREFIX) + cast(_RECIPIENT_UNIT.c.id, String) == Alert.recipient))


@dataclass
class AlertRow:
    alert: Any  # an Alert, or a row of ROW_COLUMNS
    unit_name: str | None
    recipient_name: str
    levels: int  # how many levels this message has for this recipient (history on the message page)


def alert_rows(session: Session, scope: list, filters: AlertFilters, page_size: int
               ) -> tuple[list[AlertRow], int]:
    """(this page's rows, the total matching the filters), most urgent first: unacknowledged, highest level,
    earliest due."""
    conditions = _current_rows(scope, filters)
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
    # The page's ids and the total in one round trip: the ids in the order of the current firing rows' index
    # (read from its start, not sorted out of every row) and the count as a subquery of its own (a count over
    # the window of every row cost as much as the rest of the page's database work).
    total = select(func.count()).select_from(Alert).where(*conditions).scalar_subquery().correlate(None)
    picked = session.execute(_PICK.add_columns(total.label("total")).where(*conditions)
                             .offset((filters.page - 1) * page_size).limit(page_size)).all()
    if picked:
        total = picked[0].total
    elif filters.page > 1:  # past the last page: the total still says how many there are
        total = session.scalar(select(func.count(Alert.id)).where(*conditions)) or 0
    else:
        total = 0
    order = {row.id: position for position, row in enumerate(picked)}
    page = sorted(session.execute(_PAGE_ROWS.where(Alert.id.in_(list(order)))).all() if order else [],
                  key=lambda row: order[row.id])
    rows = [AlertRow(row, row.unit_name, row.recipient_name or row.recipient,
                     (row.levels or 1) if row.message_id is not None else 1) for row in page]
    return rows, total


@dataclass(frozen=True)
class RowEvent:
    """An acknowledgement or a note shown under a work-list row."""
    who: str | None
    at: datetime | None
    text: str | None


def acknowledgements_and_notes(session: Session, alert_ids: list[int]
                               ) -> tuple[dict[int, list[RowEvent]], dict[int, list[RowEvent]]]:
    """(acknowledgements, notes) of each alert, oldest first, in one round trip (a UNION ALL of plain rows)."""
    acks: dict[int, list[RowEvent]] = {}
    notes: dict[int, list[RowEvent]] = {}
    if not alert_ids:
        return acks, notes
    rows = session.execute(
        select(literal(0).label("is_note"), Acknowledgement.alert_id, Acknowledgement.acknowledged_by.label("who"),
               Acknowledgement.acknowledged_at.label("at"), Acknowledgement.note.label("text"), Acknowledgement.id)
        .where(Acknowledgement.alert_id.in_(alert_ids))
        .union_all(select(literal(1), AlertNote.alert_id, AlertNote.author, AlertNote.created_at, AlertNote.text,
                          AlertNote.id).where(AlertNote.alert_id.in_(alert_ids))))
    rows = rows.all()
    # Acknowledgements in the order they were made (id); notes by their time, then id (as alerts.notes orders).
    for row in sorted((r for r in rows if not r.is_note), key=lambda r: r.id):
        acks.setdefault(row.alert_id, []).append(RowEvent(row.who, row.at, row.text))
    for row in sorted((r for r in rows if r.is_note), key=lambda r: (r.at or datetime.min, r.id)):
        notes.setdefault(row.alert_id, []).append(RowEvent(row.who, row.at, row.text))
    return acks, notes


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



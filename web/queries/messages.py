"""Message search (substring + filters, newest first) and the filter drop-down values.

Search is a substring match on title and content. On PostgreSQL the pg_trgm GIN index
``ix_messages_search_trgm`` (migration 0008_search_indexes) serves ``ILIKE '%…%'`` on exactly the expression
``search_text()`` builds; SQLite scans with LIKE.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import func, literal_column, or_, select
from sqlalchemy.orm import Session

from store.models import Message, Source, Unit
from store.models.deadlines import Deadline


@dataclass
class MessageFilters:
    q: str = ""
    channel: str = ""
    unit: str = ""
    status: str = ""
    kind: str = ""
    source: str = ""
    date_from: date | None = None
    date_to: date | None = None
    overdue: bool = False
    page: int = 1

    def as_query(self) -> dict[str, str]:
        """The filters as URL parameters (for links to the next page or an export)."""
        out = {k: str(v) for k, v in vars(self).items() if v not in ("", None, False) and k != "page"}
        if self.overdue:
            out["overdue"] = "1"
        return out


def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_text():
    """title + " " + content: the expression of store.models.core.SEARCH_TEXT_SQL (the trigram index), so the
    PostgreSQL planner can match it. Search words contain no space, so none can straddle title and content."""
    return func.coalesce(Message.title, literal_column("''")).concat(literal_column("' '")).concat(Message.content)


def search_conditions(filters: MessageFilters, as_of: date, directory_unit: int | None = None) -> list:
    """WHERE conditions of ``filters``; ``directory_unit`` is the id of the directory unit ``filters.unit``
    names (see ``directory_unit_of``), whose messages match whatever their spelling."""
    conditions = []
    for term in filters.q.split()[:5]:  # every word must occur (in the title or the content)
        pattern = _like_pattern(term)
        # Chinese has no letter case: plain LIKE then matches the same rows and skips ILIKE's case folding.
        cased = term.lower() != term.upper()
        conditions.append(search_text().ilike(pattern, escape="\\") if cased
                          else search_text().like(pattern, escape="\\"))
    if filters.channel:
        conditions.append(Message.channel == filters.channel)
    if filters.unit and directory_unit is not None:
        # A directory unit: its alias spellings too (Message.unit_id, filled by the analysis step `units`), as
        # the dashboard's overdue by unit counts them; the name itself for messages not analysed yet.
        conditions.append(or_(Message.unit_id == directory_unit, Message.unit == filters.unit))
    elif filters.unit:
        conditions.append(Message.unit == filters.unit)
    if filters.status:
        conditions.append(Message.status == filters.status)
    if filters.kind:
        conditions.append(Message.kind == filters.kind)
    if filters.source:
        conditions.append(Message.source_id == select(Source.id).where(Source.name == filters.source).scalar_subquery())
    if filters.date_from:
        conditions.append(Message.submitted_at >= datetime.combine(filters.date_from, datetime.min.time()))
    if filters.date_to:
        conditions.append(Message.submitted_at < datetime.combine(filters.date_to + timedelta(days=1),
                                                                  datetime.min.time()))
    if filters.overdue:
        conditions.append(Message.id.in_(select(Deadline.message_id).where(Deadline.due_on < as_of)))
        conditions.append(Message.replied_at.is_(None))
        conditions.append(Message.reply_text.is_(None))
    return conditions


class MessageListItem(NamedTuple):
    id: int
    external_id: str | None
    channel: str
    title: str | None
    content: str | None  # the first LIST_PREVIEW_CHARS characters
    unit: str | None
    status: str | None
    submitted_at: datetime | None
    replied_at: datetime | None


LIST_PREVIEW_CHARS = 80  # the list shows 60 characters of the title (or of the content when there is none)


def list_columns():
    """The message columns the search results list shows: a Core projection (no ORM object per row, and the
    content cut to a preview instead of whole texts)."""
    return (Message.id, Message.external_id, Message.channel, Message.title,
            func.substr(Message.content, 1, LIST_PREVIEW_CHARS).label("content"), Message.unit, Message.status,
            Message.submitted_at, Message.replied_at)


def directory_unit_of(session: Session, name: str) -> int | None:
    """The id of the unit the directory calls exactly ``name`` (its canonical name), else None."""
    return session.scalar(select(Unit.id).where(Unit.name == name)) if name else None


def search_messages(session: Session, filters: MessageFilters, scope: list, as_of: date, page_size: int = 50,
                    full: bool = False):
    """(rows, has_more): one page of (message, source name, due date), newest first. The message is the row of
    ``list_columns()`` (id, external_id, channel, title, content preview, unit, status, submitted_at,
    replied_at), or with ``full`` the ``Message`` itself (exports)."""
    offset = (max(filters.page, 1) - 1) * page_size
    entity = (Message,) if full else list_columns()
    query = (select(*entity, Source.name, Deadline.due_on)
             .join(Source, Source.id == Message.source_id)
             .join(Deadline, Deadline.message_id == Message.id, isouter=True)
             .where(*scope, *search_conditions(filters, as_of, directory_unit_of(session, filters.unit)))
             .order_by(Message.submitted_at.desc(), Message.id.desc())
             .offset(offset).limit(page_size + 1))
    rows = session.execute(query).all()
    if not full:
        rows = [(MessageListItem(*row[:-2]), row[-2], row[-1]) for row in rows]
    return rows[:page_size], len(rows) > page_size


def filter_choices(session: Session, scope: list) -> dict[str, list[str]]:
    """Values offered in the filter drop-downs (small, indexed distinct lists)."""
    def distinct(column, limit=300):
        return [v for v in session.scalars(select(column).where(column.is_not(None), *scope).distinct()
                                           .order_by(column).limit(limit))]
    return {
        "channel": distinct(Message.channel),
        "unit": distinct(Message.unit),
        "status": distinct(Message.status, 50),
        "kind": distinct(Message.kind, 50),
        "source": [v for v in session.scalars(select(Source.name).order_by(Source.name))],
    }


def newest_day(session: Session, scope: list) -> date | None:
    value = session.scalar(select(func.max(Message.submitted_at)).where(*scope))
    return value.date() if value else None

"""Message search (full text + filters, keyset-free paging) and the pieces of a message's detail page.

Search is a substring match on title and content. On PostgreSQL the pg_trgm GIN indexes created by
``ensure_search_indexes`` make ``ILIKE '%…%'`` fast; SQLite falls back to a scan with LIKE.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Engine, func, or_, select, text
from sqlalchemy.orm import Session

from store.models import Message, Source
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


def search_conditions(filters: MessageFilters, as_of: date) -> list:
    conditions = []
    for term in filters.q.split()[:5]:  # every word must occur (title or content)
        pattern = _like_pattern(term)
        conditions.append(or_(Message.title.ilike(pattern, escape="\\"), Message.content.ilike(pattern, escape="\\")))
    if filters.channel:
        conditions.append(Message.channel == filters.channel)
    if filters.unit:
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


def search_messages(session: Session, filters: MessageFilters, scope: list, as_of: date, page_size: int = 50):
    """(rows, has_more): one page of (Message, source name, due date), newest first."""
    offset = (max(filters.page, 1) - 1) * page_size
    query = (select(Message, Source.name, Deadline.due_on)
             .join(Source, Source.id == Message.source_id)
             .join(Deadline, Deadline.message_id == Message.id, isouter=True)
             .where(*scope, *search_conditions(filters, as_of))
             .order_by(Message.submitted_at.desc(), Message.id.desc())
             .offset(offset).limit(page_size + 1))
    rows = session.execute(query).all()
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


SEARCH_INDEXES = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS ix_messages_content_trgm ON messages USING gin (content gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS ix_messages_title_trgm ON messages USING gin (title gin_trgm_ops)",
    # The dashboard's "open and overdue" counts read only unanswered messages.
    "CREATE INDEX IF NOT EXISTS ix_messages_unanswered ON messages (id, unit) "
    "WHERE replied_at IS NULL AND reply_text IS NULL",
    # Freshness per source (newest message of each source).
    "CREATE INDEX IF NOT EXISTS ix_messages_source_submitted ON messages (source_id, submitted_at)",
]


def ensure_search_indexes(engine: Engine) -> bool:
    """Create the trigram indexes for message search and the dashboard's read indexes on PostgreSQL
    (idempotent). False on other databases or when pg_trgm cannot be installed (pages still work, slower).

    They live here rather than in a migration because they are PostgreSQL-only read optimisations of the
    core tables; `serve` calls this at start."""
    if engine.dialect.name != "postgresql":
        return False
    try:
        with engine.begin() as conn:
            for statement in SEARCH_INDEXES:
                conn.execute(text(statement))
    except Exception:  # e.g. no right to CREATE EXTENSION: search falls back to a scan
        return False
    return True


def newest_day(session: Session, scope: list) -> date | None:
    value = session.scalar(select(func.max(Message.submitted_at)).where(*scope))
    return value.date() if value else None

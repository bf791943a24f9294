"""Message search (substring + filters, newest first) and the filter drop-down values.

Search is a substring match on title and content. On PostgreSQL the pg_trgm GIN index
``ix_messages_search_trgm`` (migration 0008_search_indexes) serves ``ILIKE '%…%'`` on exactly the expression
``search_text()`` builds; SQLite scans with LIKE.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import NamedTuple

from sqlalchemy import Date, DateTime, Integer, Select, String, bindparam, func, literal_column, or_, select
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


def search_form(filters: MessageFilters, as_of: date, directory_unit: int | None = None) -> tuple[tuple, dict]:
    """(form, values): which conditions ``filters`` sets (and LIKE or ILIKE per word), and their values under
    the bind parameter names ``form_conditions`` gives them. Searches of one form share one statement."""
    form: list[str] = []
    values: dict = {}
    for i, term in enumerate(filters.q.split()[:5]):  # every word must occur (in the title or the content)
        # Chinese has no letter case: plain LIKE then matches the same rows and skips ILIKE's case folding.
        form.append("ilike" if term.lower() != term.upper() else "like")
        values[f"word_{i}"] = _like_pattern(term)
    for name in ("channel", "status", "kind", "source"):
        if getattr(filters, name):
            form.append(name)
            values[name] = getattr(filters, name)
    if filters.unit:
        form.append("unit" if directory_unit is None else "directory_unit")
        values["unit"] = filters.unit
        if directory_unit is not None:
            values["directory_unit"] = directory_unit
    if filters.date_from:
        form.append("from")
        values["from"] = datetime.combine(filters.date_from, datetime.min.time())
    if filters.date_to:
        form.append("to")
        values["to"] = datetime.combine(filters.date_to + timedelta(days=1), datetime.min.time())
    if filters.overdue:
        form.append("overdue")
        values["as_of"] = as_of
    return tuple(form), values


def form_conditions(form: tuple, values: dict | None = None) -> list:
    """The WHERE conditions of a search ``form`` (see ``search_form``): bind parameters named as there, bound to
    ``values`` when given, else required at execution."""

    def bound(name: str, type_):
        return bindparam(name, type_=type_) if values is None else bindparam(name, values[name], type_=type_)

    conditions = []
    words = 0
    for part in form:
        if part in ("like", "ilike"):
            pattern = bound(f"word_{words}", String)
            words += 1
            conditions.append(search_text().ilike(pattern, escape="\\") if part == "ilike"
                              else search_text().like(pattern, escape="\\"))
        elif part in ("channel", "status", "kind"):
            conditions.append(getattr(Message, part) == bound(part, String))
        elif part == "source":
            conditions.append(Message.source_id == select(Source.id).where(
                Source.name == bound("source", String)).scalar_subquery())
        elif part == "unit":
            conditions.append(Message.unit == bound("unit", String))
        elif part == "directory_unit":
            # A directory unit: its alias spellings too (Message.unit_id, filled by the analysis step `units`), as
            # the dashboard's overdue by unit counts them; the name itself for messages not analysed yet.
            conditions.append(or_(Message.unit_id == bound("directory_unit", Integer),
                                  Message.unit == bound("unit", String)))
        elif part == "from":
            conditions.append(Message.submitted_at >= bound("from", DateTime))
        elif part == "to":
            conditions.append(Message.submitted_at < bound("to", DateTime))
        elif part == "overdue":
            conditions.append(Message.id.in_(select(Deadline.message_id).where(Deadline.due_on < bound("as_of", Date))))
            conditions.append(Message.replied_at.is_(None))
            conditions.append(Message.reply_text.is_(None))
    return conditions


def search_conditions(filters: MessageFilters, as_of: date, directory_unit: int | None = None) -> list:
    """WHERE conditions of ``filters``, values bound; ``directory_unit`` is the id of the directory unit
    ``filters.unit`` names (see ``directory_unit_of``), whose messages match whatever their spelling."""
    return form_conditions(*search_form(filters, as_of, directory_unit))


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


@lru_cache(maxsize=256)
def _search_statement(form: tuple, full: bool) -> Select:
    """The statement of every search of ``form``, values (words, filters, offset and limit) left as bind
    parameters. Built once: building a select and its cache key cost more Python than running it. The source
    name and the due date are correlated look-ups (one row each: a foreign key, a unique key), not joins: the
    planner then orders one table instead of three, about a third less planning per search on PostgreSQL."""
    entity = (Message,) if full else list_columns()
    source_name = select(Source.name).where(Source.id == Message.source_id).scalar_subquery()
    due_on = select(Deadline.due_on).where(Deadline.message_id == Message.id).scalar_subquery()
    return (select(*entity, source_name, due_on)
            .where(*form_conditions(form))
            .order_by(Message.submitted_at.desc(), Message.id.desc())
            .offset(bindparam("offset", type_=Integer)).limit(bindparam("limit", type_=Integer)))


def search_messages(session: Session, filters: MessageFilters, scope: list, as_of: date, page_size: int = 50,
                    full: bool = False):
    """(rows, has_more): one page of (message, source name, due date), newest first. The message is the row of
    ``list_columns()`` (id, external_id, channel, title, content preview, unit, status, submitted_at,
    replied_at), or with ``full`` the ``Message`` itself (exports)."""
    form, values = search_form(filters, as_of, directory_unit_of(session, filters.unit))
    values["offset"] = (max(filters.page, 1) - 1) * page_size
    values["limit"] = page_size + 1
    query = _search_statement(form, full)
    if scope:
        query = query.where(*scope)
    if full:
        rows = session.execute(query, values).all()
    else:  # plain rows: the Core connection skips the ORM's result handling
        rows = [(MessageListItem(*row[:-2]), row[-2], row[-1]) for row in session.connection().execute(query, values)]
    return rows[:page_size], len(rows) > page_size


# Beyond this the list says "more than 1,000": an exact count reads every match (a cap of 10,000 made search
# p95 943 ms at 200k messages on PostgreSQL).
COUNT_CAP = 1_000


def count_messages(session: Session, filters: MessageFilters, scope: list, as_of: date,
                   cap: int = COUNT_CAP) -> int:
    """How many messages match, counted up to ``cap`` + 1 (a result above ``cap`` means "more than cap")."""
    form, values = search_form(filters, as_of, directory_unit_of(session, filters.unit))
    matching = select(Message.id).where(*form_conditions(form), *scope).limit(cap + 1).subquery()
    return session.connection().execute(select(func.count()).select_from(matching), values).scalar_one()


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

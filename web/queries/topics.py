"""Topic list (size, daily trend, badge) and one topic's messages.

The list's 30-day sparklines come from ``TopicTrends``: the daily counts of every topic, computed in one grouped
query over the window's messages and kept until the data behind them changes (``web.queries.version``), so a
page of the list costs a few indexed look-ups instead of a join over each topic's memberships.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.models import Message, now_local
from store.models.topics import Topic, TopicMembership, WarningEvent
from web.queries.version import data_version

TREND_DAYS = 30


@dataclass
class TopicRow:
    topic: TopicListItem
    trend: list[int]
    badge: str | None  # warning | new | rising | None


def _as_date(value) -> date:
    return value if isinstance(value, date) and not isinstance(value, datetime) else date.fromisoformat(str(value)[:10])


def daily_counts(session: Session, topic_ids: list[int], end: date, days: int = TREND_DAYS) -> dict[int, list[int]]:
    start = end - timedelta(days=days - 1)
    out = {tid: [0] * days for tid in topic_ids}
    if not topic_ids:
        return out
    day = func.date(Message.submitted_at)
    rows = session.execute(
        select(TopicMembership.topic_id, day, func.count(Message.id))
        .join(Message, Message.id == TopicMembership.message_id)
        .where(TopicMembership.topic_id.in_(topic_ids),
               Message.submitted_at >= datetime.combine(start, datetime.min.time()),
               Message.submitted_at < datetime.combine(end + timedelta(days=1), datetime.min.time()))
        .group_by(TopicMembership.topic_id, day))
    for tid, d, n in rows:
        index = (_as_date(d) - start).days
        if 0 <= index < days:
            out[tid][index] += n
    return out


def all_daily_counts(session: Session, end: date, days: int = TREND_DAYS) -> dict[int, list[int]]:
    """Daily counts of every topic with messages in the ``days`` ending at ``end`` (one grouped query driven by
    ix_messages_submitted_at; topics without messages in the window are absent)."""
    start = end - timedelta(days=days - 1)
    day = func.date(Message.submitted_at)
    out: dict[int, list[int]] = {}
    rows = session.execute(
        select(TopicMembership.topic_id, day, func.count())
        .select_from(Message).join(TopicMembership, TopicMembership.message_id == Message.id)
        .where(Message.submitted_at >= datetime.combine(start, datetime.min.time()),
               Message.submitted_at < datetime.combine(end + timedelta(days=1), datetime.min.time()))
        .group_by(TopicMembership.topic_id, day))
    for tid, d, n in rows:
        index = (_as_date(d) - start).days
        if 0 <= index < days:
            out.setdefault(tid, [0] * days)[index] += n
    return out


class TopicTrends:
    """``all_daily_counts`` per trend end day, recomputed only when the data version changes (one per app;
    ``version`` reads it: ``data_version`` itself, or the app's ``DataVersionCheck.current``)."""

    def __init__(self, version: Callable[[Session], tuple] = data_version) -> None:
        self._version = version
        self._lock = threading.Lock()
        self._key: tuple | None = None
        self._counts: dict[int, list[int]] = {}

    def counts(self, session: Session, topic_ids: list[int], end: date) -> dict[int, list[int]]:
        key = (end, self._version(session))
        with self._lock:  # one request computes, concurrent ones wait for its result
            if key != self._key:
                self._counts, self._key = all_daily_counts(session, end), key
            counts = self._counts
        return {tid: list(counts.get(tid, [0] * TREND_DAYS)) for tid in topic_ids}


@dataclass(frozen=True)
class TopicListItem:
    """The columns of a topic the list shows (a Core select: no ORM objects per row)."""
    id: int
    label: str | None
    label_locked: bool
    size: int
    keywords: list | None
    places: list | None
    first_message_at: datetime | None
    last_message_at: datetime | None


def _badge(topic, trend: list[int], warned: set[int], end: date) -> str | None:
    if topic.id in warned:
        return "warning"
    if topic.first_message_at and topic.first_message_at.date() >= end - timedelta(days=7):
        return "new"
    recent, before = sum(trend[-7:]), sum(trend[-14:-7])
    if recent >= 3 and recent >= 2 * max(before, 1):
        return "rising"
    return None


def list_topics(session: Session, status: str = "active", q: str = "", page: int = 1, page_size: int = 50,
                trends: TopicTrends | None = None, as_of: date | None = None):
    """(rows, has_more, trend end day): topics by size, largest first. With ``trends`` the sparklines come from
    its kept counts, otherwise from a query for this page's topics. One query brings the page, whether each topic
    has an open warning, and the newest message time of all topics (the trend end day: that time's day, at most
    ``as_of``, default today)."""
    today = as_of or now_local().date()
    query = select(Topic.id, Topic.label, Topic.label_locked, Topic.size, Topic.keywords, Topic.places,
                   Topic.first_message_at, Topic.last_message_at).where(Topic.status == status)
    if q:
        query = query.where(Topic.label.contains(q, autoescape=True))  # % and _ are letters here
    page_rows = (query.order_by(Topic.size.desc(), Topic.id).offset((page - 1) * page_size).limit(page_size + 1)
                 .subquery())
    # Warnings are looked up for the page's topics only (outside the LIMIT), the newest time once.
    warned = (select(WarningEvent.id).where(WarningEvent.topic_id == page_rows.c.id,
                                            WarningEvent.status != "acknowledged").exists())
    newest_of_all = select(func.max(Topic.last_message_at)).scalar_subquery()
    found = session.execute(select(page_rows, warned.label("warned"), newest_of_all.label("newest"))
                            .order_by(page_rows.c.size.desc(), page_rows.c.id)).all()
    has_more = len(found) > page_size
    found = found[:page_size]
    newest = found[0].newest if found else session.scalar(select(func.max(Topic.last_message_at)))
    if newest is not None and not isinstance(newest, datetime):  # SQLite returns the subquery's text
        newest = datetime.fromisoformat(str(newest))
    end = min(today, newest.date()) if newest else today
    topics = [TopicListItem(r.id, r.label, bool(r.label_locked), r.size, r.keywords, r.places, r.first_message_at,
                            r.last_message_at) for r in found]
    warned_ids = {r.id for r in found if r.warned}
    ids = [t.id for t in topics]
    counts = trends.counts(session, ids, end) if trends is not None else daily_counts(session, ids, end)
    return [TopicRow(t, counts[t.id], _badge(t, counts[t.id], warned_ids, end)) for t in topics], has_more, end


def topic_messages(session: Session, topic_id: int, limit: int = 200):
    return session.execute(
        select(Message, TopicMembership.similarity, TopicMembership.origin)
        .join(TopicMembership, TopicMembership.message_id == Message.id)
        .where(TopicMembership.topic_id == topic_id)
        .order_by(Message.submitted_at.desc(), Message.id.desc()).limit(limit)).all()

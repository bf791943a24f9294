"""Topic list (size, daily trend, badge) and one topic's messages."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.models import Message, now_local
from store.models.topics import Topic, TopicMembership, WarningEvent

TREND_DAYS = 30


@dataclass
class TopicRow:
    topic: Topic
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


def _badge(topic: Topic, trend: list[int], warned: set[int], end: date) -> str | None:
    if topic.id in warned:
        return "warning"
    if topic.first_message_at and topic.first_message_at.date() >= end - timedelta(days=7):
        return "new"
    recent, before = sum(trend[-7:]), sum(trend[-14:-7])
    if recent >= 3 and recent >= 2 * max(before, 1):
        return "rising"
    return None


def list_topics(session: Session, status: str = "active", q: str = "", page: int = 1, page_size: int = 50):
    """(rows, has_more, trend end day): topics by size, largest first."""
    query = select(Topic).where(Topic.status == status)
    if q:
        query = query.where(Topic.label.contains(q))
    topics = list(session.scalars(query.order_by(Topic.size.desc(), Topic.id)
                                  .offset((page - 1) * page_size).limit(page_size + 1)))
    has_more = len(topics) > page_size
    topics = topics[:page_size]
    newest = session.scalar(select(func.max(Topic.last_message_at)))
    end = min(now_local().date(), newest.date()) if newest else now_local().date()
    ids = [t.id for t in topics]
    trends = daily_counts(session, ids, end)
    warned = set(session.scalars(select(WarningEvent.topic_id).where(
        WarningEvent.topic_id.in_(ids), WarningEvent.status != "acknowledged"))) if ids else set()
    return [TopicRow(t, trends[t.id], _badge(t, trends[t.id], warned, end)) for t in topics], has_more, end


def topic_messages(session: Session, topic_id: int, limit: int = 200):
    return session.execute(
        select(Message, TopicMembership.similarity, TopicMembership.origin)
        .join(TopicMembership, TopicMembership.message_id == Message.id)
        .where(TopicMembership.topic_id == topic_id)
        .order_by(Message.submitted_at.desc(), Message.id.desc()).limit(limit)).all()

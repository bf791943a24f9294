"""A cheap fingerprint of the data the read pages aggregate, so kept results are dropped exactly when it changes."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.models import Message, MessageRevision
from store.models.topics import TopicCuration, TopicMembership, TopicRun


def data_version(session: Session) -> tuple:
    """Changes whenever messages, their revisions (replies, re-routing), topic memberships, clustering runs or
    analyst curations change: the newest id of each (one round trip of primary-key look-ups). Those rows are
    added, never rewritten in place, except by a run or a curation, which add their own row."""
    return tuple(session.execute(select(
        select(func.max(Message.id)).scalar_subquery(),
        select(func.max(MessageRevision.id)).scalar_subquery(),
        select(func.max(TopicMembership.id)).scalar_subquery(),
        select(func.max(TopicRun.id)).scalar_subquery(),
        select(func.max(TopicCuration.id)).scalar_subquery())).one())

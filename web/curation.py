"""Analyst curation of topics from the UI: rename, merge, split, move a message, hide ("not a topic").

Every action is analysis.topics' own (it stores a ``TopicCuration`` row, applies it, refreshes the topic's
description, and replays it after every clustering run). This module only adds the checks a form needs
(label length, a split leaving the topic empty, curating a merged topic) and the UI's split-with-a-name.
Note: analysis.topics commits the session itself.
"""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from analysis import topics as T
from store.models.topics import Topic, TopicMembership

CurationError = T.CurationError


def _active(session: Session, topic_id: int) -> Topic:
    topic = session.get(Topic, topic_id)
    if topic is None:
        raise CurationError(f"topic {topic_id}: no such topic")
    if topic.status == "merged":
        raise CurationError(f"topic {topic_id}: merged into topic {topic.merged_into_id}; curate that one")
    return topic


def _label(label: str) -> str:
    label = (label or "").strip()
    if not label or len(label) > 200:
        raise CurationError("label: give a name of 1-200 characters")
    return label


def rename(session: Session, topic_id: int, label: str, author: str) -> Topic:
    topic = _active(session, topic_id)
    T.rename_topic(session, topic.id, _label(label), author=author)
    return topic


def merge(session: Session, target_id: int, source_ids: list[int], author: str) -> Topic:
    """Merge ``source_ids`` into ``target_id``."""
    sources = sorted({i for i in source_ids if i != target_id})
    if not sources:
        raise CurationError("merge: choose at least one other topic to merge into this one")
    target = _active(session, target_id)
    for source in sources:
        _active(session, source)
    T.merge_topics(session, target.id, sources, author=author)
    return target


def split(session: Session, topic_id: int, message_ids: list[int], label: str, author: str) -> Topic:
    """Move ``message_ids`` of the topic into a new topic (named ``label`` when given); returns the new topic."""
    topic = _active(session, topic_id)
    ids = sorted(set(message_ids))
    if not ids:
        raise CurationError("split: tick the messages that form the new topic")
    size = session.scalar(select(func.count(TopicMembership.id)).where(TopicMembership.topic_id == topic.id)) or 0
    if len(ids) >= size:
        raise CurationError("split: leave at least one message in the original topic")
    new_id = T.split_topic(session, topic.id, ids, author=author)
    if (label or "").strip():
        T.rename_topic(session, new_id, _label(label), author=author)
    return session.get(Topic, new_id)


def move(session: Session, message_id: int, target_id: int, author: str) -> Topic:
    target = _active(session, target_id)
    T.move_message(session, message_id, target.id, author=author)
    return target


def set_hidden(session: Session, topic_id: int, hidden: bool, author: str) -> Topic:
    """Mark "not a topic" (hidden) or show it again."""
    topic = _active(session, topic_id)
    T.hide_topic(session, topic.id, hidden=hidden, author=author)
    return topic

"""Analyst curation of topics from the UI: rename, merge, split, move a message, hide ("not a topic").

Every action is analysis.topics.clustering' own (rename_topic, merge_topics, split_topic, move_message, hide_topic: each
stores a ``TopicCuration`` row, applies it, refreshes the topic's description, replays it after every
clustering run, and refuses unknown topics/messages, empty labels and empty splits). This module adds only what
a form needs on top: no curating a merged topic, a split must leave the topic non-empty, a merge needs another
topic, a label fits a page, and the UI's split-with-a-name. Note: analysis.topics.clustering commits the session itself.
"""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from analysis.topics import clustering as T
from store.models.topics import Topic, TopicMembership
from web.i18n import N_, gettext

CurationError = T.CurationError
MAX_LABEL_CHARS = 200
# The UI's wording of the refusals analysis.topics.clustering raises (by their code); its English stays the CLI's.
REFUSALS = {
    "no_topic": N_("topic: no topic #%(topic_id)s"),
    "empty_label": N_("label: a topic label cannot be empty"),
    "not_members": N_("letters #%(messages)s are not in topic #%(topic_id)s"),
    "empty_split": N_("split: tick at least one letter"),
    "no_message": N_("letter: no letter #%(message_id)s"),
}


def describe(error: CurationError) -> str:
    """A refusal in the user's language: the analysis layer's by its code, this module's as raised."""
    wording = REFUSALS.get(getattr(error, "code", None) or "")
    return gettext(wording) % error.params if wording else str(error)


def resolve_topic(session: Session, ref: str) -> int:
    """A topic as a person names it: picked from the list ("物业服务 #12"), its number ("12" or "#12"), or its
    exact name when only one topic has it."""
    text = (ref or "").strip()
    number = text.rsplit("#", 1)[1].strip() if "#" in text else text
    if number.isdigit():
        if session.get(Topic, int(number)) is None:
            raise CurationError(gettext("topic: no topic #%(number)s") % {"number": number})
        return int(number)
    ids = list(session.scalars(select(Topic.id).where(Topic.label == text, Topic.status != "merged").limit(2)))
    if len(ids) != 1:
        raise CurationError(gettext("topic: “%(name)s” names no topic, or several; pick one from the list")
                            % {"name": text})
    return ids[0]


def resolve_message(session: Session, ref: str) -> int:
    """A letter as a person names it: its number on the site (external id), or "#<id>" for the internal id."""
    from store.models import Message

    text = (ref or "").strip()
    if not text:
        raise CurationError(gettext("letter: give its number"))
    ids = list(session.scalars(select(Message.id).where(Message.external_id == text).limit(2)))
    if len(ids) == 1:
        return ids[0]
    if len(ids) > 1:
        raise CurationError(gettext("letter: “%(ref)s” is the number of letters from several sources; tick "
                                    "the letter in the list instead") % {"ref": text})
    if text.lstrip("#").isdigit() and session.get(Message, int(text.lstrip("#"))) is not None:
        return int(text.lstrip("#"))
    raise CurationError(gettext("letter: no letter numbered “%(ref)s”") % {"ref": text})


def topic_choices(session: Session, limit: int = 500) -> list[tuple[int, str | None, int]]:
    """(id, name, size) of the largest active topics: the list a curation box offers while typing."""
    return [tuple(r) for r in session.execute(select(Topic.id, Topic.label, Topic.size).where(
        Topic.status.in_(("active", "hidden"))).order_by(Topic.size.desc(), Topic.id).limit(limit))]


def _not_merged(session: Session, topic_id: int) -> None:
    topic = session.get(Topic, topic_id)
    if topic is not None and topic.status == "merged":
        raise CurationError(gettext("topic #%(topic_id)s was merged into topic #%(target)s: curate that one")
                            % {"topic_id": topic_id, "target": topic.merged_into_id})


def _label(label: str) -> str:
    label = (label or "").strip()
    if len(label) > MAX_LABEL_CHARS:
        raise CurationError(gettext("label: %(length)s characters, at most %(most)s")
                            % {"length": len(label), "most": MAX_LABEL_CHARS})
    return label


def rename(session: Session, topic_id: int, label: str, author: str) -> Topic:
    _not_merged(session, topic_id)
    T.rename_topic(session, topic_id, _label(label), author=author)
    return session.get(Topic, topic_id)


def merge(session: Session, target_id: int, source_ids: list[int], author: str) -> Topic:
    """Merge ``source_ids`` into ``target_id``."""
    sources = sorted({i for i in source_ids if i != target_id})
    if not sources:
        raise CurationError(gettext("merge: choose at least one other topic to merge into this one"))
    for topic_id in (target_id, *sources):
        _not_merged(session, topic_id)
    T.merge_topics(session, target_id, sources, author=author)
    return session.get(Topic, target_id)


def split(session: Session, topic_id: int, message_ids: list[int], label: str, author: str) -> Topic:
    """Move ``message_ids`` of the topic into a new topic (named ``label`` when given); returns the new topic."""
    _not_merged(session, topic_id)
    ids = sorted(set(message_ids))
    size = session.scalar(select(func.count(TopicMembership.id)).where(TopicMembership.topic_id == topic_id)) or 0
    if ids and len(ids) >= size:
        raise CurationError(gettext("split: leave at least one letter in the original topic"))
    label = _label(label)
    new_id = T.split_topic(session, topic_id, ids, author=author)
    if label:
        T.rename_topic(session, new_id, label, author=author)
    return session.get(Topic, new_id)


def move(session: Session, message_id: int, target_id: int, author: str) -> Topic:
    _not_merged(session, target_id)
    T.move_message(session, message_id, target_id, author=author)
    return session.get(Topic, target_id)


def set_hidden(session: Session, topic_id: int, hidden: bool, author: str) -> Topic:
    """Mark "not a topic" (hidden) or show it again."""
    _not_merged(session, topic_id)
    T.hide_topic(session, topic_id, hidden=hidden, author=author)
    return session.get(Topic, topic_id)

"""Recurring-issue topics, their memberships and history, analyst curation, early warnings, reply quality.

Written by ``analysis.topics.clustering`` (clustering + identity matching), ``analysis.topics.warnings`` and
``analysis.quality.reply_quality``. A topic id never changes once given: re-runs map new clusters onto existing topics
(``TopicLineage`` records splits and merges) and ``TopicCuration`` rows (analyst actions) are replayed after
every run.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base, JSONType, now_local

TOPIC_STATUSES = ("active", "hidden", "merged", "retired")
CURATION_ACTIONS = ("rename", "merge", "split", "move", "hide", "unhide")


class TopicRun(Base):
    """One clustering run (full or incremental) and what it changed."""

    __tablename__ = "topic_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    mode: Mapped[str] = mapped_column(String(20))  # full | incremental
    started_at: Mapped[datetime] = mapped_column(DateTime, default=now_local)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    messages: Mapped[int] = mapped_column(Integer, default=0)
    topics: Mapped[int] = mapped_column(Integer, default=0)
    kept: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    retired: Mapped[int] = mapped_column(Integer, default=0)
    params: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


class Topic(Base):
    """A recurring issue: a concrete problem at a concrete place. ``id`` is stable across runs."""

    __tablename__ = "topics"
    # The topic list's trend end day is the newest last_message_at: one index look-up (0010_perf_indexes).
    __table_args__ = (Index("ix_topics_last_message_at", "last_message_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(Text, default="")
    label_locked: Mapped[bool] = mapped_column(Boolean, default=False)  # renamed by an analyst
    keywords: Mapped[list[str]] = mapped_column(JSONType, default=list)
    places: Mapped[list[str]] = mapped_column(JSONType, default=list)
    units: Mapped[list[str]] = mapped_column(JSONType, default=list)
    categories: Mapped[list[str]] = mapped_column(JSONType, default=list)
    status: Mapped[str] = mapped_column(String(20), default="active")  # see TOPIC_STATUSES
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id"))
    size: Mapped[int] = mapped_column(Integer, default=0)
    distinct_submitters: Mapped[int] = mapped_column(Integer, default=0)
    representative_message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    first_message_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_message_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_run_id: Mapped[int | None] = mapped_column(ForeignKey("topic_runs.id"))
    updated_run_id: Mapped[int | None] = mapped_column(ForeignKey("topic_runs.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=now_local)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=now_local)


class TopicMembership(Base):
    """A message in a topic. ``model_topic_id`` is the machine's assignment (used to match identities on the
    next run); ``topic_id`` the effective one after analyst curation."""

    __tablename__ = "topic_memberships"
    __table_args__ = (Index("ix_topic_memberships_topic_id", "topic_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), unique=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"))
    model_topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id", ondelete="SET NULL"))
    similarity: Mapped[float] = mapped_column(Float, default=0.0)  # cosine to the topic centroid
    origin: Mapped[str] = mapped_column(String(20), default="model")  # model | analyst
    # Message id of the near-duplicate group's first message (the same text submitted again counts once).
    duplicate_group: Mapped[int | None] = mapped_column(Integer)
    # The letter's complainant key within its topic (analysis.topics.people): a topic's people are its members'
    # distinct keys. NULL until the topic's people are counted.
    person: Mapped[str | None] = mapped_column(String(200))


class TopicLineage(Base):
    """History between topic ids: a split (part of ``from`` went to ``to``), a merge (``from`` went into
    ``to``), or an analyst's split/merge."""

    __tablename__ = "topic_lineage"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("topic_runs.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # split | merge | curated_split | curated_merge
    from_topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"), index=True)
    to_topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"), index=True)
    shared_messages: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=now_local)


class TopicCuration(Base):
    """An analyst's action; every one is replayed, in id order, after every clustering run.

    ``payload`` by action: rename {"label"}; merge {"sources": [ids]} into ``topic_id``; split
    {"message_ids": [...], "new_topic_id"}; move {"message_id"} into ``topic_id``; hide/unhide {}.
    """

    __tablename__ = "topic_curations"

    id: Mapped[int] = mapped_column(primary_key=True)
    action: Mapped[str] = mapped_column(String(20))  # see CURATION_ACTIONS
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    author: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=now_local)


class WarningEvent(Base):
    """An early warning (舆情预警): a topic's daily volume far above its baseline, or a new topic gathering
    many people fast. Unique per (topic, kind, day), so re-running detection never duplicates one."""

    __tablename__ = "warning_events"
    __table_args__ = (UniqueConstraint("topic_id", "kind", "day", name="uq_warning_events_topic_kind_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # spike | new_surge
    day: Mapped[date] = mapped_column(Date)
    observed: Mapped[float] = mapped_column(Float)
    baseline: Mapped[float] = mapped_column(Float)
    threshold: Mapped[float] = mapped_column(Float)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)  # daily counts, message ids
    status: Mapped[str] = mapped_column(String(20), default="new")  # new | delivered | acknowledged
    created_at: Mapped[datetime] = mapped_column(DateTime, default=now_local)


class ReplyQuality(Base):
    """Quality flags of one message's reply (empty, boilerplate only, too short, unrelated)."""

    __tablename__ = "reply_quality"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), unique=True)
    flags: Mapped[list[str]] = mapped_column(JSONType, default=list)
    reply_chars: Mapped[int] = mapped_column(Integer, default=0)
    question_chars: Mapped[int] = mapped_column(Integer, default=0)
    substantive_chars: Mapped[int] = mapped_column(Integer, default=0)  # after removing boilerplate
    similarity: Mapped[float | None] = mapped_column(Float)  # question/reply cosine
    unit: Mapped[str | None] = mapped_column(String(200))
    reply_hash: Mapped[str] = mapped_column(String(40))  # recomputed when the reply changes
    checked_at: Mapped[datetime] = mapped_column(DateTime, default=now_local)


class MessageFeatures(Base):
    """The topic features of one text, computed once (``analysis.topics.features``), keyed by the messages'
    ``content_hash`` (title + content): full and incremental runs, topic descriptions and reply quality read
    them instead of normalising and segmenting again. ``version`` fingerprints the feature code and the
    tokenizer's dictionaries; a row of another version is recomputed. ``parts``: title words, content words,
    title place names, content place names, one line each, items separated by a space; ``candidates``: how many
    of the features may be keywords (the keyword score's denominator, summed per topic)."""

    __tablename__ = "message_features"

    content_hash: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[str] = mapped_column(String(16))
    parts: Mapped[str] = mapped_column(Text)
    candidates: Mapped[int] = mapped_column(Integer, default=0)


class TopicAggregate(Base):
    """Running totals of one topic's members, so that describing a topic that gained members costs what the new
    members cost (``analysis.topics.clustering``). ``model_stamp`` names the fitted model whose vocabulary
    ``terms`` numbers (a full run refits and recomputes); ``terms``: keyword-candidate vocabulary ids and their
    counts (two int32 arrays), ``candidates`` the count of all candidate words (the keyword score's
    denominator). ``places``/``units``/``categories``: [name, count] in order of first appearance (ties of
    ``most_common`` keep that order)."""

    __tablename__ = "topic_aggregates"

    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True)
    model_stamp: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer, default=0)
    terms: Mapped[bytes] = mapped_column(LargeBinary)
    candidates: Mapped[int] = mapped_column(Integer, default=0)
    places: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    units: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    categories: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    first_message_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_message_at: Mapped[datetime | None] = mapped_column(DateTime)
    representative_id: Mapped[int | None] = mapped_column(Integer)
    representative_similarity: Mapped[float] = mapped_column(Float, default=0.0)
    representative_titled: Mapped[bool] = mapped_column(Boolean, default=False)
    label_place: Mapped[str | None] = mapped_column(Text)  # the place the label was made with
    base_label: Mapped[str | None] = mapped_column(Text)  # the label before de-duplication (_unique_labels)


class KeywordVerdict(Base):
    """Whether a word may be a topic keyword (not a personal or place name, nothing de-identification masks):
    part-of-speech tagging and the de-identifier take about a millisecond a word, so each word is judged once,
    not once per process. ``version``: the feature version it was judged under."""

    __tablename__ = "keyword_verdicts"

    word: Mapped[str] = mapped_column(Text, primary_key=True)
    version: Mapped[str] = mapped_column(String(16))
    allowed: Mapped[bool] = mapped_column(Boolean)

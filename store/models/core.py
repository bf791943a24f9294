"""Core records: where messages come from, the messages, their revisions, units and crawl/import runs."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    DDL,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    func,
    literal_column,
    select,
    text,
)
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from store.models.base import Base, JSONType, now_local

CHANNELS = ("hotline", "mailbox", "feedback")
SEARCH_TEXT_SQL = "((coalesce(title, '') || ' ') || content)"  # what message search matches (index below)
UNANSWERED_SQL = "replied_at IS NULL AND reply_text IS NULL"


class Source(Base):
    """A crawled site section or an import (one export file family)."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    channel: Mapped[str] = mapped_column(String(20))
    origin: Mapped[str] = mapped_column(String(20), default="import")  # import | crawl
    base_url: Mapped[str | None] = mapped_column(String(500))
    cms_family: Mapped[str | None] = mapped_column(String(50))
    # Freshness objective: a source with no new item for longer than this many working days is stale.
    freshness_objective_days: Mapped[int | None] = mapped_column(Integer)
    # Topics are clustered within one region (a city): a province's cities are independent partitions.
    # NULL: the default region (a city's deployment needs no setting).
    region: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=now_local)

    messages: Mapped[list[Message]] = relationship(back_populates="source")


class Unit(Base):
    """A responsible unit (承办单位) with its place in the supervision hierarchy."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    aliases: Mapped[list[str]] = mapped_column(JSONType, default=list)
    contacts: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    is_supervision_office: Mapped[bool] = mapped_column(Boolean, default=False)


class MessageSighting(Base):
    """When a crawl or import last saw a message again after storing it. Kept out of ``messages`` (migration
    0018_message_sightings) so that seeing an unchanged message writes this narrow row, not the wide, search-indexed
    one: a re-import of an unchanged file then rewrites no letter."""

    __tablename__ = "message_sightings"

    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime)


class Message(Base):
    """One citizen request with its reply, as last seen. Changes are kept in MessageRevision."""

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("source_id", "natural_key", name="uq_messages_source_natural_key"),
        Index("ix_messages_submitted_at", "submitted_at"),
        Index("ix_messages_unit", "unit"),
        Index("ix_messages_channel_submitted", "channel", "submitted_at"),
        # Read indexes of the web UI (migration 0008_search_indexes): newest message per source, and the
        # unanswered messages the dashboard's overdue counts read.
        Index("ix_messages_source_submitted", "source_id", "submitted_at"),
        Index("ix_messages_unanswered", "unit", "id", postgresql_where=text(UNANSWERED_SQL),
              sqlite_where=text(UNANSWERED_SQL)),
        # The dashboard's on-time rate joins a window of deadlines to messages for replied_at only: an
        # index-only scan of this narrow index instead of reading whole rows (migration 0010_perf_indexes).
        Index("ix_messages_id_replied", "id", "replied_at"),
        # The messages of one directory unit whatever their spelling (migration 0011_messages_unit_id): the
        # message list's unit filter and the dashboard's links per unit.
        Index("ix_messages_unit_id", "unit_id"),
        # Substring search (ILIKE '%…%') over title and content: one pg_trgm GIN index on PostgreSQL only.
        # The expression is written as PostgreSQL prints it back, so migrations and models compare equal;
        # web.queries.messages builds the same expression for the planner to match.
        Index("ix_messages_search_trgm", literal_column(SEARCH_TEXT_SQL), postgresql_using="gin",
              postgresql_ops={SEARCH_TEXT_SQL: "gin_trgm_ops"}).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"))
    channel: Mapped[str] = mapped_column(String(20))
    # The site's own id (留言编号/信件编号/受理编号…) when it has one.
    external_id: Mapped[str | None] = mapped_column(String(200))
    # external_id, or "h:" + a hash of (source, title, submitted_at, content) for sources without ids.
    natural_key: Mapped[str] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(1000))
    title: Mapped[str | None] = mapped_column(Text)
    content: Mapped[str] = mapped_column(Text)
    submitter: Mapped[str | None] = mapped_column(String(200))  # private: never published
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)  # None: the export had no date
    kind: Mapped[str | None] = mapped_column(String(50))
    category: Mapped[str | None] = mapped_column(String(200))
    unit: Mapped[str | None] = mapped_column(String(200))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    status: Mapped[str | None] = mapped_column(String(50))
    reply_text: Mapped[str | None] = mapped_column(Text)
    reply_unit: Mapped[str | None] = mapped_column(String(200))
    replied_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Whether the letter can make a hot-list entry or a common question, set by the analysis step
    # 'admissibility' (analysis/routing/admissibility.py): admissible | out_of_scope | incoherent | praise | no_request;
    # NULL: not classified yet. The reason (Chinese, for the editor) says why.
    admissibility: Mapped[str | None] = mapped_column(String(20))
    admissibility_reason: Mapped[str | None] = mapped_column(Text)
    votes_up: Mapped[int | None] = mapped_column(Integer)
    votes_down: Mapped[int | None] = mapped_column(Integer)
    extra: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    content_hash: Mapped[str] = mapped_column(String(40), index=True)
    first_seen_at: Mapped[datetime] = mapped_column(DateTime, default=now_local)
    # When a crawl or import last saw it: its sighting, else first_seen_at (read-only, loaded when read).
    last_seen_at: Mapped[datetime] = column_property(
        func.coalesce(select(MessageSighting.last_seen_at).where(MessageSighting.message_id == id)
                      .scalar_subquery(), first_seen_at), deferred=True)

    source: Mapped[Source] = relationship(back_populates="messages")
    revisions: Mapped[list[MessageRevision]] = relationship(
        back_populates="message", order_by="MessageRevision.id", cascade="all, delete-orphan"
    )


# create_all (tests, benches) builds ix_messages_search_trgm too: its operator class needs the extension first.
event.listen(Message.__table__, "before_create",
             DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"))


class MessageRevision(Base):
    """One field of a message changing: old value, new value, when and through which run."""

    __tablename__ = "message_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    field: Mapped[str] = mapped_column(String(50))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    changed_at: Mapped[datetime] = mapped_column(DateTime, default=now_local)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))

    message: Mapped[Message] = relationship(back_populates="revisions")


class AnalysisWatermark(Base):
    """How far an analysis step has read: the highest message id and message revision id it has handled, under
    which version of its own rules (``analysis.watermarks``). Its next run handles only what is newer."""

    __tablename__ = "analysis_watermarks"

    step: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[str] = mapped_column(String(64))
    last_message_id: Mapped[int] = mapped_column(Integer, default=0)
    last_revision_id: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=now_local)


class CrawlRun(Base):
    """One crawl or import of a source: what it saw and what it changed."""

    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # crawl | import
    spider: Mapped[str | None] = mapped_column(String(100))
    location: Mapped[str | None] = mapped_column(String(1000))  # file path or start URL
    started_at: Mapped[datetime] = mapped_column(DateTime, default=now_local)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    finish_reason: Mapped[str | None] = mapped_column(String(100))
    items: Mapped[int] = mapped_column(Integer, default=0)
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    requests: Mapped[int] = mapped_column(Integer, default=0)
    http_status: Mapped[dict[str, int]] = mapped_column(JSONType, default=dict)
    field_coverage: Mapped[dict[str, float]] = mapped_column(JSONType, default=dict)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    # crawl health (migration 0016): what a crawl fetched vs what it already knew, how it ended, what it saw go
    # wrong, and the open cases it no longer revisits
    known: Mapped[int] = mapped_column(Integer, default=0)  # list entries known unchanged (not fetched)
    list_pages: Mapped[int] = mapped_column(Integer, default=0)
    stop_reason: Mapped[str | None] = mapped_column(String(40))  # known_entries|last_page|page_cap|time_budget…
    page_cap_hit: Mapped[bool] = mapped_column(Boolean, default=False)
    offsite_redirects: Mapped[int] = mapped_column(Integer, default=0)
    timeouts: Mapped[int] = mapped_column(Integer, default=0)
    open_past_window: Mapped[int] = mapped_column(Integer, default=0)
    open_past_window_oldest: Mapped[datetime | None] = mapped_column(DateTime)
    revisit_window_days: Mapped[int | None] = mapped_column(Integer)
    pid: Mapped[int | None] = mapped_column(Integer)
    host: Mapped[str | None] = mapped_column(String(100))

"""The biweekly common-question publication (回应关切) and its review trail (先审后发).

A ``Publication`` is one period's summary: the generated content (numbers, questions, hot list) as JSON, its
review state (draft → reviewed → approved → published) and, once published, the exact text that went out.
``PublicationItem`` rows are the generated questions with the ids of the messages behind each (provenance).
``PublicationEdit`` rows are the editors' changes; they are stored apart from the generated content and laid
over it at render time, so regenerating the numbers never loses an edit. ``PublicationEvent`` is the audit
trail: who reviewed, approved, published (and when, and what fingerprint of the text they saw).
Workflow logic lives in ``reports.publication``.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.models.base import Base, JSONType, now_local

PUBLICATION_STATES = ("draft", "reviewed", "approved", "published")


class Publication(Base):
    """One period's summary and where it stands in review."""

    __tablename__ = "publications"
    __table_args__ = (UniqueConstraint("period_start", "period_end"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    # The generated summary (reports.summary.Summary.to_dict()); never edited by hand.
    content: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    generated_at: Mapped[datetime] = mapped_column(DateTime, default=now_local)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=now_local)
    reviewed_by: Mapped[str | None] = mapped_column(String(200))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime)
    approved_by: Mapped[str | None] = mapped_column(String(200))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Fingerprint of the final text the approver saw; publishing checks it has not changed since.
    approved_fingerprint: Mapped[str | None] = mapped_column(String(64))
    published_by: Mapped[str | None] = mapped_column(String(200))
    published_at: Mapped[datetime | None] = mapped_column(DateTime)
    published_dir: Mapped[str | None] = mapped_column(String(1000))
    # The final document exactly as published (edits applied, dropped questions removed): the diff base.
    published_content: Mapped[dict[str, Any] | None] = mapped_column(JSONType)

    items: Mapped[list[PublicationItem]] = relationship(
        back_populates="publication", order_by="PublicationItem.position", cascade="all, delete-orphan"
    )
    edits: Mapped[list[PublicationEdit]] = relationship(
        back_populates="publication", order_by="PublicationEdit.id", cascade="all, delete-orphan"
    )
    events: Mapped[list[PublicationEvent]] = relationship(
        back_populates="publication", order_by="PublicationEvent.id", cascade="all, delete-orphan"
    )


class PublicationItem(Base):
    """One common question of a publication with the messages behind it (provenance of every number)."""

    __tablename__ = "publication_items"
    __table_args__ = (UniqueConstraint("publication_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    publication_id: Mapped[int] = mapped_column(ForeignKey("publications.id", ondelete="CASCADE"), index=True)
    # Stable across regenerations (carried over by message overlap); edits and drops refer to it.
    key: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer)
    topic_id: Mapped[int | None] = mapped_column(Integer)
    question: Mapped[str] = mapped_column(Text)  # as generated (de-identified)
    answer: Mapped[str | None] = mapped_column(Text)  # as generated (condensed official reply, de-identified)
    unit: Mapped[str | None] = mapped_column(String(200))
    asked_count: Mapped[int] = mapped_column(Integer)
    answer_message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    message_ids: Mapped[list[int]] = mapped_column(JSONType, default=list)  # messages.id of every member
    dropped: Mapped[bool] = mapped_column(Boolean, default=False)  # mirror of the latest drop edit

    publication: Mapped[Publication] = relationship(back_populates="items")


class PublicationEdit(Base):
    """An editor's change to one text of a publication; the latest edit of a target wins.

    ``target`` names the text: ``title``, ``intro``, ``closing``, ``item:<key>:question|detail|answer|unit``,
    ``hot:<key>:label``; ``item:<key>:drop`` with text "1" (drop) or "0" (keep again).
    """

    __tablename__ = "publication_edits"

    id: Mapped[int] = mapped_column(primary_key=True)
    publication_id: Mapped[int] = mapped_column(ForeignKey("publications.id", ondelete="CASCADE"), index=True)
    target: Mapped[str] = mapped_column(String(200))
    old_text: Mapped[str | None] = mapped_column(Text)  # the text the editor saw (generated or earlier edit)
    new_text: Mapped[str] = mapped_column(Text)
    editor: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=now_local)

    publication: Mapped[Publication] = relationship(back_populates="edits")


class PublicationEvent(Base):
    """The review trail: generated, edited, reviewed, approved, reopened, published, posted, refused."""

    __tablename__ = "publication_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    publication_id: Mapped[int] = mapped_column(ForeignKey("publications.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(30))
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(DateTime, default=now_local)
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(Text)

    publication: Mapped[Publication] = relationship(back_populates="events")

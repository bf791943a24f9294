"""The shape every ingest path (importer, spiders, demo) hands to the store."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# Fields compared on re-ingest; a change is applied and recorded as a MessageRevision.
# fields a crawled message must have (a page lacking one is rejected, naming it)
REQUIRED_FIELDS = ("title", "content", "submitted_at")
TRACKED_FIELDS = (
    "title", "content", "url", "submitted_at", "kind", "category", "unit", "status",
    "reply_text", "reply_unit", "replied_at", "votes_up", "votes_down",
)


@dataclass
class MessageRecord:
    channel: str
    content: str | None
    submitted_at: datetime | None
    title: str | None = None
    external_id: str | None = None
    url: str | None = None
    submitter: str | None = None
    kind: str | None = None
    category: str | None = None
    unit: str | None = None
    status: str | None = None
    reply_text: str | None = None
    reply_unit: str | None = None
    replied_at: datetime | None = None
    votes_up: int | None = None
    votes_down: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # Where the record came from, for error messages: "export.csv row 17" or a URL.
    ref: str = ""

    def natural_key(self, source_name: str) -> str:
        if self.external_id:
            return self.external_id
        stamp = self.submitted_at.isoformat() if self.submitted_at else ""
        digest = hashlib.sha1(
            "\x1f".join([source_name, self.title or "", stamp, self.content or ""]).encode("utf-8")
        ).hexdigest()
        return "h:" + digest

    def content_hash(self) -> str:
        return hashlib.sha1(f"{self.title or ''}\n{self.content or ''}".encode()).hexdigest()


@dataclass(frozen=True)
class Reject:
    ref: str
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.ref}: {self.field}: {self.reason}"


LONG_TEXT_FIELDS = ("title", "content", "reply_text")


def cut_long_text(record: MessageRecord, max_chars: int) -> list[str]:
    """Cut title, content and reply over ``max_chars`` characters (a 20 MB page is not one message); each cut is
    recorded in ``extra["cut"]`` as field → original length, so nothing is shortened silently. Returns the fields
    cut."""
    cut: list[str] = []
    if max_chars <= 0:
        return cut
    for name in LONG_TEXT_FIELDS:
        value = getattr(record, name)
        if value is not None and len(value) > max_chars:
            record.extra = {**(record.extra or {}), "cut": {**(record.extra or {}).get("cut", {}), name: len(value)}}
            setattr(record, name, value[:max_chars])
            cut.append(name)
    return cut


def validate(record: MessageRecord) -> Reject | None:
    """Why a record cannot be stored, or None. Stored records always have text.

    A missing submission time is allowed here (some real exports lack it for old rows); spiders, which always
    see a date on a well-formed page, reject such items themselves.
    """
    from store.models.core import CHANNELS

    if record.channel not in CHANNELS:
        return Reject(record.ref, "channel", f"unknown channel {record.channel!r} (expected one of {CHANNELS})")
    if not (record.content or "").strip() and not (record.title or "").strip():
        return Reject(record.ref, "content", "no message text (title and content are both empty)")
    return None

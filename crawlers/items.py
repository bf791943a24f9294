"""The item every spider yields (raw page text) and its normalisation into a MessageRecord.

Spiders copy what the page shows; parsing and clean-up happen once, here, with the shared helpers of
crawlers/parsing.py. A spider item must have a title, a content and a submission date: an item missing one is
rejected with the reason (a page that lost a field is a structure change to see, not a half record to store).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

import scrapy

from crawlers.parsing import DateParseError, clean_inline, clean_text, parse_int, parse_page_date
from store.models.core import CHANNELS
from store.records import REQUIRED_FIELDS, MessageRecord, Reject

MESSAGE_FIELDS = (
    "channel", "source", "external_id", "url", "title", "content", "submitter", "submitted_at", "kind",
    "category", "unit", "status", "reply_text", "reply_unit", "replied_at", "votes_up", "votes_down",
)
# Fields whose share of non-empty values a crawl run reports (a drop means the page structure changed).
COVERAGE_FIELDS = (
    "external_id", "title", "content", "submitter", "submitted_at", "kind", "category", "unit", "status",
    "reply_text", "reply_unit", "replied_at", "votes_up", "votes_down",
)
_INLINE = ("external_id", "url", "title", "submitter", "kind", "category", "unit", "status", "reply_unit")


class MessageItem(scrapy.Item):
    channel = scrapy.Field()
    source = scrapy.Field()
    external_id = scrapy.Field()
    url = scrapy.Field()
    title = scrapy.Field()
    content = scrapy.Field()
    submitter = scrapy.Field()
    submitted_at = scrapy.Field()
    kind = scrapy.Field()
    category = scrapy.Field()
    unit = scrapy.Field()
    status = scrapy.Field()
    reply_text = scrapy.Field()
    reply_unit = scrapy.Field()
    replied_at = scrapy.Field()
    votes_up = scrapy.Field()
    votes_down = scrapy.Field()
    extra = scrapy.Field()


def item_to_record(item: Any, date_formats: tuple[str, ...] = (), now: datetime | None = None
                   ) -> MessageRecord | Reject:
    """Normalise and validate one spider item: a complete MessageRecord, or the Reject saying why not."""
    get = item.get
    ref = str(get("url") or get("external_id") or "?")
    channel = get("channel")
    if channel not in CHANNELS:
        return Reject(ref, "channel", f"unknown channel {channel!r}")
    values: dict[str, Any] = {name: clean_inline(get(name)) or None for name in _INLINE}
    values["content"] = clean_text(get("content"))
    values["reply_text"] = clean_text(get("reply_text"))
    for name in ("submitted_at", "replied_at"):
        try:
            values[name] = parse_page_date(get(name), date_formats, now)
        except DateParseError as exc:
            return Reject(ref, name, str(exc))
    for name in ("votes_up", "votes_down"):
        try:
            values[name] = parse_int(get(name))
        except ValueError:
            return Reject(ref, name, f"not a number: {get(name)!r}")
    for name in REQUIRED_FIELDS:
        if not values.get(name):
            return Reject(ref, name, "missing on the page")
    # A reply date without reply text (or the reverse) is kept as shown: some boards publish only one of them.
    return MessageRecord(channel=channel, extra=dict(get("extra") or {}), ref=ref, **values)

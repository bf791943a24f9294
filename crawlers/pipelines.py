"""Item pipelines: normalise + validate each item, then upsert accepted ones through the store in batches.

Counts go to the crawler's stats under ``hotline/…``; the CrawlHealth extension writes them to the run record.
"""
from __future__ import annotations

import logging
from typing import Any

from scrapy.exceptions import DropItem

from crawlers.items import COVERAGE_FIELDS, item_to_record
from store.records import MessageRecord, Reject

logger = logging.getLogger(__name__)
MAX_LOGGED_REJECTS = 200


def record_reject(crawler: Any, reject: Reject) -> None:
    """Count a rejected item (and remember the first ones, with their reason, for the run record)."""
    stats = crawler.stats
    stats.inc_value("hotline/rejected")
    stats.inc_value(f"hotline/rejected/{reject.field}")
    rejects = stats.get_value("hotline/reject_list")
    if rejects is None:
        rejects = []
        stats.set_value("hotline/reject_list", rejects)
    if len(rejects) < MAX_LOGGED_REJECTS:
        rejects.append({"ref": reject.ref, "field": reject.field, "reason": reject.reason})


class NormaliseValidatePipeline:
    """Spider item -> MessageRecord; an item missing title/content/date or with a bad value is dropped, counted."""

    def __init__(self, crawler: Any):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> NormaliseValidatePipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> MessageRecord:
        if isinstance(item, MessageRecord):
            return item
        spider = self.crawler.spider
        formats = tuple(getattr(spider, "date_formats", ()) or ())
        result = item_to_record(item, formats)
        if isinstance(result, Reject):
            record_reject(self.crawler, result)
            raise DropItem(str(result))
        return result


class StorePipeline:
    """Upsert accepted records into the spider's source, a batch at a time, each batch committed."""

    def __init__(self, crawler: Any, batch_size: int):
        self.crawler = crawler
        self.batch_size = batch_size
        self.pending: list[MessageRecord] = []

    @classmethod
    def from_crawler(cls, crawler: Any) -> StorePipeline:
        return cls(crawler, crawler.settings.getint("HOTLINE_STORE_BATCH", 100))

    def process_item(self, item: MessageRecord) -> MessageRecord:
        stats = self.crawler.stats
        stats.inc_value("hotline/accepted")
        for name in COVERAGE_FIELDS:
            if getattr(item, name) not in (None, ""):
                stats.inc_value(f"hotline/coverage/{name}")
        self.pending.append(item)
        if len(self.pending) >= self.batch_size:
            self.flush()
        return item

    def close_spider(self) -> None:
        self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        from store.db import session_scope
        from store.models import Source
        from store.upsert import upsert_messages

        spider = self.crawler.spider
        records, self.pending = self.pending, []
        with session_scope() as session:
            source = session.get(Source, spider.source_id)
            result = upsert_messages(session, source, records, run_id=spider.run_id)
        stats = self.crawler.stats
        for key, value in result.as_dict().items():
            stats.inc_value(f"hotline/store/{key}", value)
        for reject in result.rejects:
            record_reject(self.crawler, reject)

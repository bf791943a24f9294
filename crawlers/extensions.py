"""Crawl health: a Scrapy extension that writes every crawl's figures to a CrawlRun (kind="crawl")."""
from __future__ import annotations

import logging
from typing import Any

from scrapy import signals

from crawlers.items import COVERAGE_FIELDS
from crawlers.state import finish_run

logger = logging.getLogger(__name__)
_STATUS_PREFIX = "downloader/response_status_count/"


def run_values(stats: dict[str, Any], reason: str) -> dict[str, Any]:
    """The CrawlRun columns from a crawler's stats."""
    accepted = stats.get("hotline/accepted", 0)
    known_on_lists = stats.get("hotline/list_known", 0)
    rejected = stats.get("hotline/rejected", 0)
    http_status = {key[len(_STATUS_PREFIX):]: value for key, value in stats.items() if key.startswith(_STATUS_PREFIX)}
    coverage = {}
    if accepted:
        coverage = {name: round(stats.get(f"hotline/coverage/{name}", 0) / accepted, 4) for name in COVERAGE_FIELDS}
    errors = list(stats.get("hotline/reject_list", []) or []) + list(stats.get("hotline/problem_list", []) or [])
    spider_errors = stats.get("spider_exceptions/count", 0)
    if spider_errors:
        errors.append({"ref": "spider", "field": "", "reason": f"{spider_errors} exception(s) in callbacks"})
    failed = {key[len("downloader/exception_type_count/"):]: value for key, value in stats.items()
              if key.startswith("downloader/exception_type_count/")}
    if failed:
        errors.append({"ref": "downloader", "field": "", "reason": f"network errors: {failed}"})
    return {
        "finish_reason": reason,
        # everything the run saw: parsed items and list entries it knew unchanged (and did not re-fetch)
        "items": accepted + rejected + known_on_lists,
        "inserted": stats.get("hotline/store/inserted", 0),
        "updated": stats.get("hotline/store/updated", 0),
        "unchanged": stats.get("hotline/store/unchanged", 0) + stats.get("hotline/store/duplicates", 0)
        + known_on_lists,
        "rejected": rejected,
        "requests": stats.get("downloader/request_count", 0),
        "http_status": http_status,
        "field_coverage": coverage,
        "errors": errors,
    }


class CrawlHealth:
    def __init__(self, crawler: Any):
        self.crawler = crawler
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Any) -> CrawlHealth:
        return cls(crawler)

    def spider_opened(self, spider: Any) -> None:
        spider.ensure_run()

    def spider_closed(self, spider: Any, reason: str) -> None:
        values = run_values(self.crawler.stats.get_stats(), reason)
        run_id = getattr(spider, "run_id", None)
        if run_id is not None:
            finish_run(run_id, values)
        stats = self.crawler.stats
        self.crawler.hotline_summary = {
            "profile": spider.profile.name, "source": spider.profile.source, "run_id": run_id, **values,
            "retries": stats.get_value("retry/count", 0), "revisits": stats.get_value("hotline/revisits", 0),
            "list_pages": stats.get_value("hotline/list_pages", 0),
            "stopped_at_page": stats.get_value("hotline/stopped_at_page"),
            "robots_requests": stats.get_value("robotstxt/request_count", 0),
        }

"""Crawl health: a Scrapy extension that writes every crawl's figures to a CrawlRun (kind="crawl") and ends a
crawl that outlives its time budget."""
from __future__ import annotations

import logging
import time
from typing import Any

from scrapy import signals

from crawlers.items import COVERAGE_FIELDS
from crawlers.state import finish_run

logger = logging.getLogger(__name__)
_STATUS_PREFIX = "downloader/response_status_count/"


def time_budget(profile: Any, settings: Any) -> float:
    """Seconds a crawl of ``profile`` may take (the profile's time_budget_seconds, else the setting); 0: none."""
    if profile.time_budget_seconds is not None:
        return float(profile.time_budget_seconds)
    return settings.getfloat("HOTLINE_TIME_BUDGET", 0.0)


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
    page_cap = stats.get("hotline/page_limit_reached")
    if page_cap:
        errors.append({"ref": "list", "field": "page_cap",
                       "reason": f"stopped at the page cap ({page_cap} list pages) with new entries still coming "
                                 "(endless paging, or a backlog larger than max_pages)"})
    if reason == "time_budget":
        errors.append({"ref": "run", "field": "time_budget",
                       "reason": f"stopped after its time budget of {stats.get('hotline/time_budget_seconds')} s"})
    stop_reason = reason if reason == "time_budget" else stats.get("hotline/stop_reason")
    return {
        "finish_reason": reason,
        # what the run fetched and parsed (stored, unchanged or rejected) — not what it merely saw listed
        "items": accepted + rejected,
        "known": known_on_lists,
        "inserted": stats.get("hotline/store/inserted", 0),
        "updated": stats.get("hotline/store/updated", 0),
        "unchanged": stats.get("hotline/store/unchanged", 0) + stats.get("hotline/store/duplicates", 0),
        "rejected": rejected,
        "requests": stats.get("downloader/request_count", 0),
        "http_status": http_status,
        "field_coverage": coverage,
        "errors": errors,
        "list_pages": stats.get("hotline/list_pages", 0),
        "stop_reason": stop_reason,
        "page_cap_hit": bool(page_cap),
        "offsite_redirects": stats.get("hotline/problems/offsite_redirect", 0),
        "timeouts": stats.get("hotline/problems/timeout", 0),
        "open_past_window": stats.get("hotline/open_past_window", 0),
        "open_past_window_oldest": stats.get("hotline/open_past_window_oldest"),
        "revisit_window_days": stats.get("hotline/revisit_window_days"),
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
        budget = time_budget(spider.profile, self.crawler.settings)
        self.crawler.stats.set_value("hotline/time_budget_seconds", budget)
        self.crawler.stats.set_value("hotline/started_monotonic", time.monotonic())
        if budget:
            from twisted.internet import reactor

            self.budget_call = reactor.callLater(budget, self.out_of_time, spider)

    def out_of_time(self, spider: Any) -> None:
        # requests in flight time out at the same moment (BudgetMiddleware), so closing takes no longer
        engine = self.crawler.engine
        close = getattr(engine, "close_spider_async", None)
        if close is not None:
            from scrapy.utils.defer import deferred_from_coro

            deferred_from_coro(close(reason="time_budget"))
        else:
            engine.close_spider(spider, "time_budget")

    def spider_closed(self, spider: Any, reason: str) -> None:
        call = getattr(self, "budget_call", None)
        if call is not None and call.active():
            call.cancel()
        values = run_values(self.crawler.stats.get_stats(), reason)
        run_id = getattr(spider, "run_id", None)
        if run_id is not None:
            finish_run(run_id, values)
        stats = self.crawler.stats
        self.crawler.hotline_summary = {
            "profile": spider.profile.name, "source": spider.profile.source, "run_id": run_id, **values,
            "retries": stats.get_value("retry/count", 0), "revisits": stats.get_value("hotline/revisits", 0),
            "reply_placeholders": stats.get_value("hotline/reply_placeholders", 0),
            "stopped_at_page": stats.get_value("hotline/stopped_at_page"),
            "robots_requests": stats.get_value("robotstxt/request_count", 0),
        }

"""Downloader middlewares: back-off before retries, off-site redirects made visible, the time budget kept."""
from __future__ import annotations

import asyncio
import time
from typing import Any
from urllib.parse import urljoin, urlsplit

from scrapy.exceptions import IgnoreRequest


class RetryBackoffMiddleware:
    """A request carrying ``retry_times`` (set by RetryMiddleware) waits base * 2**(n-1) seconds first."""

    def __init__(self, crawler: Any, base: float):
        self.crawler = crawler
        self.base = base

    @classmethod
    def from_crawler(cls, crawler: Any) -> RetryBackoffMiddleware:
        return cls(crawler, crawler.settings.getfloat("HOTLINE_RETRY_BACKOFF", 5.0))

    async def process_request(self, request: Any) -> None:
        attempt = request.meta.get("retry_times", 0)
        if attempt and self.base > 0:
            delay = self.base * 2 ** (attempt - 1)
            self.crawler.stats.inc_value("hotline/retry_backoff_seconds", delay)
            await asyncio.sleep(delay)


def host_allowed(host: str, domains: list[str] | tuple[str, ...]) -> bool:
    host = (host or "").lower()
    return not domains or any(host == d.lower() or host.endswith("." + d.lower()) for d in domains)


class OffsiteRedirectMiddleware:
    """A redirect to a host outside the profile's allowed_domains is recorded as a page problem
    ``offsite_redirect`` (from and to), before Scrapy's redirect and off-site handling drop it without a word."""

    def __init__(self, crawler: Any):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> OffsiteRedirectMiddleware:
        return cls(crawler)

    def process_response(self, request: Any, response: Any) -> Any:
        if response.status in (301, 302, 303, 307, 308) and b"Location" in response.headers:
            target = urljoin(request.url, response.headers[b"Location"].decode("latin-1"))
            spider = self.crawler.spider
            if not host_allowed(urlsplit(target).hostname or "", getattr(spider, "allowed_domains", ()) or ()):
                spider.problem(request.url, "offsite_redirect",
                               f"{request.url} redirects ({response.status}) to {target}, outside "
                               f"{', '.join(spider.allowed_domains)}: not followed")
        return response


class BudgetMiddleware:
    """No request outlives the crawl's time budget: its download timeout is cut to the time left, and none
    starts once the budget is spent (the CrawlHealth extension then closes the crawl)."""

    def __init__(self, crawler: Any):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> BudgetMiddleware:
        return cls(crawler)

    def process_request(self, request: Any) -> None:
        stats = self.crawler.stats
        budget = stats.get_value("hotline/time_budget_seconds")
        started = stats.get_value("hotline/started_monotonic")
        if not budget or started is None:
            return None
        left = budget - (time.monotonic() - started)
        if left <= 0:
            raise IgnoreRequest(f"time budget of {budget} s spent")
        default = self.crawler.settings.getfloat("DOWNLOAD_TIMEOUT", 180)
        request.meta["download_timeout"] = max(0.1, min(request.meta.get("download_timeout", default), left))
        return None

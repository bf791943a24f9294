"""Downloader middleware: wait before a retry, longer each time (Scrapy's RetryMiddleware retries at once)."""
from __future__ import annotations

import asyncio
from typing import Any


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

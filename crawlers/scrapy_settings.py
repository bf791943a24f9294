"""Scrapy settings built from hotline-monitor's settings (store/settings.py, section crawl)."""
from __future__ import annotations

import ipaddress
from typing import Any

from crawlers.profiles import Profile


def is_loopback(host: str) -> bool:
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def scrapy_settings(profiles: list[Profile], overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Polite defaults: robots.txt, AutoThrottle, 1-2 requests per site, honest User-Agent, retries with back-off."""
    from store.settings import get_settings

    cfg = get_settings()
    loopback = cfg.get("crawl.loopback_fast") and all(
        is_loopback(host) for p in profiles for host in p.allowed_domains)
    delay = 0.0 if loopback else cfg.get("crawl.download_delay")
    settings: dict[str, Any] = {
        "BOT_NAME": "hotline-monitor",
        "USER_AGENT": cfg.get("crawl.user_agent"),
        "ROBOTSTXT_OBEY": cfg.get("crawl.obey_robots"),
        "CONCURRENT_REQUESTS": 16,
        "CONCURRENT_REQUESTS_PER_DOMAIN": max(1, cfg.get("crawl.concurrency_per_domain")),
        "DOWNLOAD_DELAY": delay,
        "AUTOTHROTTLE_ENABLED": cfg.get("crawl.autothrottle") and not loopback,
        "AUTOTHROTTLE_START_DELAY": max(delay, 1.0),
        "AUTOTHROTTLE_MAX_DELAY": 60.0,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": 1.0,
        "DOWNLOAD_TIMEOUT": cfg.get("crawl.download_timeout"),
        "RETRY_ENABLED": True,
        "RETRY_TIMES": cfg.get("crawl.retry_times"),
        "RETRY_HTTP_CODES": [500, 502, 503, 504, 522, 524, 408, 429],
        "HOTLINE_RETRY_BACKOFF": 0.2 if loopback else cfg.get("crawl.retry_backoff"),
        "HOTLINE_MAX_PAGES": cfg.get("crawl.max_pages"),
        "HOTLINE_REVISIT_MAX_AGE_DAYS": cfg.get("crawl.revisit_max_age_days"),
        "COOKIES_ENABLED": True,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": cfg.get("crawl.log_level"),
        "ITEM_PIPELINES": {
            "crawlers.pipelines.NormaliseValidatePipeline": 300,
            "crawlers.pipelines.StorePipeline": 800,
        },
        # the off-site check sees a redirect before RedirectMiddleware (600) turns it into a dropped request
        "DOWNLOADER_MIDDLEWARES": {"crawlers.middlewares.RetryBackoffMiddleware": 560,
                                   "crawlers.middlewares.BudgetMiddleware": 570,
                                   "crawlers.middlewares.OffsiteRedirectMiddleware": 650},
        "HOTLINE_TIME_BUDGET": cfg.get("crawl.time_budget_seconds"),
        "EXTENSIONS": {"crawlers.extensions.CrawlHealth": 500},
        "DUPEFILTER_DEBUG": False,
        "HTTPERROR_ALLOWED_CODES": [],
    }
    # Scrapy 2.19 replaced RANDOMIZE_DOWNLOAD_DELAY (±50 %) by DOWNLOAD_DELAY_JITTER (the magnitude); older: the flag
    from scrapy.settings import default_settings

    if hasattr(default_settings, "DOWNLOAD_DELAY_JITTER"):
        settings["DOWNLOAD_DELAY_JITTER"] = 0.0 if loopback else 0.5
    else:
        settings["RANDOMIZE_DOWNLOAD_DELAY"] = not loopback
    settings.update(overrides or {})
    return settings

"""Entry point of one crawl process: ``python -m crawlers.run PROFILE [PROFILE…] [--origin URL] [--set K=V]``.

The Twisted reactor cannot be restarted, so every crawl runs in a process of its own (crawlers.runner starts
it). Several profiles given together are crawled concurrently in this one process. Each crawl's summary is
printed as a line ``HOTLINE-SUMMARY {json}`` for the parent.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any

SUMMARY_PREFIX = "HOTLINE-SUMMARY "


def _setting(text: str) -> tuple[str, Any]:
    key, _, raw = text.partition("=")
    try:
        return key, json.loads(raw)
    except ValueError:
        return key, raw


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawlers.run")
    parser.add_argument("profiles", nargs="+")
    parser.add_argument("--origin", help="crawl this server instead (scheme://host:port), keeping profile paths")
    parser.add_argument("--set", dest="overrides", action="append", default=[], type=_setting,
                        help="Scrapy setting override KEY=JSON")
    args = parser.parse_args(argv)

    from scrapy.crawler import CrawlerProcess

    from crawlers.profiles import ProfileError, get_profile
    from crawlers.scrapy_settings import scrapy_settings
    from crawlers.spiders import spider_for

    try:
        profiles = [get_profile(name) for name in args.profiles]
        for profile in profiles:
            spider_for(profile).validate(profile)
    except ProfileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.origin:
        profiles = [p.with_origin(args.origin) for p in profiles]
    settings = scrapy_settings(profiles, dict(args.overrides))
    from scrapy.settings import default_settings

    if hasattr(default_settings, "LOG_INSTALL_ROOT_HANDLER"):  # Scrapy 2.19: a setting, no longer an argument
        settings["LOG_INSTALL_ROOT_HANDLER"] = True
        process = CrawlerProcess(settings)
    else:
        process = CrawlerProcess(settings, install_root_handler=True)
    crawlers = []
    for profile in profiles:
        crawler = process.create_crawler(spider_for(profile))
        crawlers.append((profile, crawler))
        process.crawl(crawler, profile=profile)
    process.start()
    failed = 0
    for profile, crawler in crawlers:
        summary = getattr(crawler, "hotline_summary", None)
        if summary is None:
            summary = {"profile": profile.name, "source": profile.source, "finish_reason": "failed to start"}
            failed += 1
        print(SUMMARY_PREFIX + json.dumps(summary, ensure_ascii=False, default=str), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

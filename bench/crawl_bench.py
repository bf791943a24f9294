"""Crawl benchmark: pages parsed per second by each spider on its saved pages (one core; target >= 300 list
pages/s), and the wall time of a full demo-portal crawl (first crawl, then a re-crawl after new replies).

    python bench/crawl_bench.py [--seconds 1.0] [--size 900] [--no-portal]

The spider figures come from tests/fixtures/<spider>/ (pages written for the project); the portal crawl uses
the synthetic demo corpus. Neither needs ../shared/data.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def rate(callback, seconds: float) -> float:
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(20):
            callback()
        count += 20
    return count / elapsed


def bench_spiders(seconds: float) -> None:
    from tests.crawlers.helpers import FAMILIES, detail_response, list_response, make_spider

    print(f"{'spider':<10} {'list pages/s':>13} {'detail pages/s':>15}")
    for family in FAMILIES:
        spider = make_spider(family)
        listing = list_response(spider)
        detail = detail_response(spider, external_id="1")
        # the spider's own callbacks on fresh Response objects (Scrapy caches parsed selectors per response)
        list_rate = rate(lambda s=spider, r=listing: list(s.on_list(r.replace())), seconds)
        detail_rate = rate(lambda s=spider, r=detail: list(s.on_detail(r.replace())), seconds)
        print(f"{family:<10} {list_rate:>13.0f} {detail_rate:>15.0f}")


def bench_portal(size: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["HOTLINE_DATABASE_URL"] = f"sqlite:///{tmp}/bench.db"
        os.environ["HOTLINE_CRAWL_LOG_LEVEL"] = "ERROR"
        from demo.corpus import generate_corpus
        from demo.crawl import crawl_portal
        from demo.portal import DemoPortal, PortalServer
        from store.db import get_engine
        from store.migrate import upgrade

        upgrade(get_engine())
        corpus = generate_corpus(size=size)
        portal = DemoPortal(corpus)
        with PortalServer(portal) as server:
            for label in ("first crawl", "re-crawl after new replies"):
                start = time.perf_counter()
                outcome = crawl_portal(server.origin)
                wall = time.perf_counter() - start
                s = outcome.summaries
                print(f"demo portal {label}: {len(corpus)} messages, {wall:.1f} s wall, "
                      f"{sum(x.get('requests', 0) for x in s)} requests, {sum(x.get('inserted', 0) for x in s)} new, "
                      f"{sum(x.get('updated', 0) for x in s)} updated (exit {outcome.returncode})")
                portal.advance()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=1.0, help="time per measurement")
    parser.add_argument("--size", type=int, default=900, help="demo corpus size for the portal crawl")
    parser.add_argument("--no-portal", action="store_true")
    args = parser.parse_args()
    bench_spiders(args.seconds)
    if not args.no_portal:
        bench_portal(args.size)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A site whose every page takes 30 s, crawled with and without a time budget: wall time of the crawl process
and how the run ended (the crawl-health issue's probe: "a 30-second-slow site takes 340 s for 3 items").

    python bench/crawl_time_budget.py [--budget SECONDS] [--delay SECONDS]

--budget 0 runs without a profile budget (the setting's default, 1800 s, then applies: the "before" case).
Uses a scratch SQLite database and the local test board (one list page of three letters).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--budget", type=float, default=20.0)
    parser.add_argument("--delay", type=float, default=30.0)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="hotline-budget-"))
    os.environ.update(HOTLINE_DATABASE_URL=f"sqlite:///{scratch}/hotline.db",
                      HOTLINE_CRAWL_PROFILES_DIR=str(scratch / "profiles"), HOTLINE_CRAWL_OBEY_ROBOTS="false")
    from crawlers.runner import crawl_in_subprocess
    from store.db import get_engine
    from store.migrate import upgrade
    from tests.crawlers.board_server import Board, BoardServer, write_profile

    upgrade(get_engine())
    with BoardServer(Board(pages=1, delay=args.delay)) as server:
        extra = {"time_budget_seconds": args.budget} if args.budget else {}
        write_profile(scratch / "profiles", "slow", server.origin, **extra)
        started = time.perf_counter()
        outcome = crawl_in_subprocess(["slow"], timeout=3600)
        wall = time.perf_counter() - started
    for s in outcome.summaries:
        print(f"pages take {args.delay:.0f} s, budget {args.budget or 'none (setting default)'}: crawl process "
              f"{wall:.1f} s wall; finish {s['finish_reason']}, fetched {s['items']}, requests {s['requests']}, "
              f"timeouts {s['timeouts']}")
    return 0 if outcome.ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""The demo: a synthetic corpus (corpus.py), the local portal serving it (portal.py), and its crawl (crawl.py)."""
from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:  # lazy, so importing the corpus does not import the crawl machinery
    if name in ("run_demo_crawl", "crawl_portal"):
        from demo import crawl

        return getattr(crawl, name)
    raise AttributeError(name)

"""Crawl the demo portal over real HTTP with the demo profiles: what `make demo` and the tests run."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from crawlers.runner import CrawlOutcome, crawl_in_subprocess, summary_line
from demo.portal import SECTIONS, DemoPortal, PortalServer, profile_name

# The portal is local: a short timeout makes its slow page time out once and be fetched again by a retry;
# every unanswered demo message is revisited whatever its age.
DEMO_OVERRIDES: dict[str, Any] = {
    "DOWNLOAD_TIMEOUT": 3,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 4,
    "HOTLINE_REVISIT_MAX_AGE_DAYS": 0,
}
DEMO_PROFILES = [profile_name(s) for s in SECTIONS]


def crawl_portal(origin: str, profiles: list[str] | None = None, overrides: dict[str, Any] | None = None,
                 timeout: float = 600) -> CrawlOutcome:
    """Crawl a running demo portal at ``origin`` (all sections concurrently, in one crawl process)."""
    return crawl_in_subprocess(profiles or DEMO_PROFILES, origin=origin,
                               overrides={**DEMO_OVERRIDES, **(overrides or {})}, timeout=timeout)


@dataclass
class DemoCrawlReport:
    origin: str
    rounds: list[CrawlOutcome] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = []
        for number, outcome in enumerate(self.rounds, 1):
            for s in outcome.summaries:
                out.append(f"crawl {number} {summary_line(s)}")
            if not outcome.ok:
                out.append(f"crawl {number} failed (exit {outcome.returncode}): {outcome.stderr_tail[-500:]}")
        return out


def run_demo_crawl(messages: Iterable[Any] | None = None, *, advance: bool = True,
                   slow_seconds: float = 5.0) -> DemoCrawlReport:
    """Serve the demo portal on a free 127.0.0.1 port, crawl every section, then (``advance``) publish the
    later replies and crawl again; the store gets the messages and their reply revisions."""
    if messages is None:
        from demo.corpus import generate_corpus

        messages = generate_corpus()
    portal = DemoPortal(list(messages), slow_seconds=slow_seconds)
    with PortalServer(portal) as server:
        report = DemoCrawlReport(server.origin)
        report.rounds.append(crawl_portal(server.origin))
        if advance:
            portal.advance()
            report.rounds.append(crawl_portal(server.origin))
    return report

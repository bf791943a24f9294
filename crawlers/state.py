"""What a crawl reads from and writes to the store: its source, its run record, and what it already knows."""
from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from crawlers.profiles import Profile
from store.db import session_scope
from store.models import CrawlRun, Message, now_local
from store.upsert import get_or_create_source


@dataclass(frozen=True)
class KnownMessage:
    external_id: str
    url: str | None
    answered: bool
    submitted_at: datetime | None


def this_host() -> str:
    return socket.gethostname()[:100]


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def close_killed_runs(session: Any, source_id: int) -> int:
    """Runs of the source left unfinished by a crawl process that is gone (killed, crashed, machine restarted):
    closed as ``killed`` so that `sources` stops showing them as running. A run of another host is closed only
    once it is older than a day (its process cannot be checked from here)."""
    closed = 0
    host, now = this_host(), now_local()
    for run in session.scalars(select(CrawlRun).where(CrawlRun.source_id == source_id, CrawlRun.kind == "crawl",
                                                      CrawlRun.finished_at.is_(None))):
        mine = run.host == host and run.pid is not None
        if (mine and not process_alive(run.pid)) or (not mine and now - run.started_at > timedelta(days=1)):
            run.finished_at = now
            run.finish_reason = "killed"
            run.errors = [*(run.errors or []), {"ref": "run", "field": "killed",
                                                "reason": f"process {run.pid} on {run.host} ended without closing "
                                                          f"the run; closed at {now:%Y-%m-%d %H:%M:%S}"}]
            closed += 1
    return closed


def open_run(profile: Profile, spider_name: str) -> tuple[int, int]:
    """(source id, crawl run id): the source is created on first crawl, its attributes follow the profile;
    runs a killed crawl of the source left open are closed first."""
    with session_scope() as session:
        source = get_or_create_source(session, profile.source, profile.channel, origin="crawl")
        source.origin = "crawl"
        source.base_url = profile.base_url
        source.cms_family = profile.family
        source.freshness_objective_days = profile.freshness_days
        source.region = profile.region
        close_killed_runs(session, source.id)
        run = CrawlRun(source_id=source.id, kind="crawl", spider=spider_name, location=profile.base_url,
                       started_at=now_local(), pid=os.getpid(), host=this_host())
        session.add(run)
        session.flush()
        return source.id, run.id


def known_messages(source_id: int) -> dict[str, KnownMessage]:
    """Stored messages of the source by external id (messages without one cannot be matched on a list)."""
    with session_scope() as session:
        rows = session.execute(
            select(Message.external_id, Message.url, Message.reply_text, Message.replied_at, Message.submitted_at)
            .where(Message.source_id == source_id, Message.external_id.is_not(None))
        )
        return {
            row.external_id: KnownMessage(row.external_id, row.url,
                                          bool(row.reply_text) or row.replied_at is not None, row.submitted_at)
            for row in rows
        }


def unanswered_to_revisit(known: dict[str, KnownMessage], max_age_days: int, today: datetime | None = None
                          ) -> tuple[list[KnownMessage], list[KnownMessage]]:
    """(unanswered messages young enough to be fetched again, unanswered ones past the window), each oldest
    first. The second list is reported by the run, never dropped silently."""
    cutoff = None
    if max_age_days > 0:
        cutoff = (today or now_local()) - timedelta(days=max_age_days)
    chosen, too_old = [], []
    for m in known.values():
        if m.answered:
            continue
        young = cutoff is None or m.submitted_at is None or m.submitted_at >= cutoff
        (chosen if young else too_old).append(m)
    order = lambda m: (m.submitted_at or datetime.min, m.external_id)  # noqa: E731
    return sorted(chosen, key=order), sorted(too_old, key=order)


def finish_run(run_id: int, values: dict[str, Any]) -> None:
    with session_scope() as session:
        run = session.get(CrawlRun, run_id)
        for key, value in values.items():
            setattr(run, key, value)
        run.finished_at = now_local()

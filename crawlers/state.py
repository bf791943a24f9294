"""What a crawl reads from and writes to the store: its source, its run record, and what it already knows."""
from __future__ import annotations

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


def open_run(profile: Profile, spider_name: str) -> tuple[int, int]:
    """(source id, crawl run id): the source is created on first crawl, its attributes follow the profile."""
    with session_scope() as session:
        source = get_or_create_source(session, profile.source, profile.channel, origin="crawl")
        source.origin = "crawl"
        source.base_url = profile.base_url
        source.cms_family = profile.family
        source.freshness_objective_days = profile.freshness_days
        run = CrawlRun(source_id=source.id, kind="crawl", spider=spider_name, location=profile.base_url,
                       started_at=now_local())
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


def unanswered_to_revisit(known: dict[str, KnownMessage], max_age_days: int,
                          today: datetime | None = None) -> list[KnownMessage]:
    """Unanswered messages young enough to be worth fetching again, oldest first."""
    cutoff = None
    if max_age_days > 0:
        cutoff = (today or now_local()) - timedelta(days=max_age_days)
    chosen = [m for m in known.values()
              if not m.answered and (cutoff is None or m.submitted_at is None or m.submitted_at >= cutoff)]
    return sorted(chosen, key=lambda m: (m.submitted_at or datetime.min, m.external_id))


def finish_run(run_id: int, values: dict[str, Any]) -> None:
    with session_scope() as session:
        run = session.get(CrawlRun, run_id)
        for key, value in values.items():
            setattr(run, key, value)
        run.finished_at = now_local()

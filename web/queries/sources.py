"""Crawl health and freshness per source."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.models import CrawlRun, Message, Source, now_local


@dataclass
class SourceHealth:
    source: Source
    messages: int
    newest: datetime | None
    last_run: CrawlRun | None
    idle_working_days: int | None  # working days since the newest message
    stale: bool
    recent_runs: list[CrawlRun]


def source_health(session: Session, as_of: date | None = None, runs_per_source: int = 5) -> list[SourceHealth]:
    from analysis.deadlines.workcalendar import get_calendar

    calendar = get_calendar()
    today = as_of or now_local().date()
    stats = {sid: (n, newest) for sid, n, newest in session.execute(
        select(Message.source_id, func.count(Message.id), func.max(Message.submitted_at)).group_by(Message.source_id))}
    out = []
    for source in session.scalars(select(Source).order_by(Source.channel, Source.name)):
        n, newest = stats.get(source.id, (0, None))
        runs = list(session.scalars(select(CrawlRun).where(CrawlRun.source_id == source.id)
                                    .order_by(CrawlRun.started_at.desc()).limit(runs_per_source)))
        idle = calendar.workdays_between(newest.date(), today, warn=False) if newest else None
        stale = bool(source.freshness_objective_days is not None and (idle is None
                                                                        or idle > source.freshness_objective_days))
        out.append(SourceHealth(source, n, newest, runs[0] if runs else None, idle, stale, runs))
    return out

"""Health of each crawled source: last run, freshness against its objective, and warnings.

Warnings: the last run saw zero items; a field's coverage fell against the previous runs (the page structure
probably changed); a large share of 403/429/5xx answers (the crawler is being blocked); a stale source.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.models import CrawlRun, Message, Source, now_local

BLOCKED_CODES = ("403", "429")
COVERAGE_HISTORY = 5
# Fields every message page shows, answered or not: their coverage should not move between runs (reply fields
# do, with the share of answered messages a run happens to see).
STRUCTURAL_FIELDS = ("external_id", "title", "content", "submitted_at", "submitter", "kind", "category", "unit")


@dataclass
class SourceHealth:
    name: str
    channel: str
    family: str | None
    objective_days: int | None
    last_run: dict[str, Any] | None
    last_new_at: datetime | None
    workdays_since_new: int | None
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"source": self.name, "channel": self.channel, "family": self.family,
                "freshness_objective_days": self.objective_days, "last_run": self.last_run,
                "last_new_at": self.last_new_at.isoformat(sep=" ") if self.last_new_at else None,
                "workdays_since_new": self.workdays_since_new, "warnings": self.warnings}


def workdays_between(start: date, end: date) -> int:
    """Working days in (start, end] on the Chinese calendar (holidays and make-up days)."""
    from analysis.workcalendar import get_calendar

    return get_calendar().workdays_between(start, end, warn=False)


def blocked_share(http_status: dict[str, int]) -> float:
    total = sum(http_status.values())
    if not total:
        return 0.0
    blocked = sum(n for code, n in http_status.items() if code in BLOCKED_CODES or code.startswith("5"))
    return blocked / total


def coverage_drops(last: dict[str, float], previous: list[dict[str, float]], threshold: float) -> list[str]:
    """Fields whose coverage in ``last`` fell by more than ``threshold`` below their mean in ``previous``."""
    drops = []
    for name, value in last.items():
        if name not in STRUCTURAL_FIELDS:
            continue
        history = [p[name] for p in previous if name in p]
        if not history:
            continue
        before = sum(history) / len(history)
        if before - value > threshold:
            drops.append(f"{name} {before:.0%}→{value:.0%}")
    return drops


def _run_dict(run: CrawlRun) -> dict[str, Any]:
    return {"id": run.id, "started_at": run.started_at.isoformat(sep=" ", timespec="seconds"),
            "finish_reason": run.finish_reason, "items": run.items, "new": run.inserted, "updated": run.updated,
            "rejected": run.rejected, "requests": run.requests, "http_status": run.http_status or {}}


def source_health(session: Session, today: date | None = None, coverage_drop: float = 0.3,
                  blocked_limit: float = 0.2) -> list[SourceHealth]:
    today = today or now_local().date()
    report = []
    last_new = dict(session.execute(select(Message.source_id, func.max(Message.first_seen_at))
                                    .group_by(Message.source_id)).all())
    for source in session.scalars(select(Source).where(Source.origin == "crawl").order_by(Source.name)):
        runs = session.scalars(select(CrawlRun).where(CrawlRun.source_id == source.id, CrawlRun.kind == "crawl")
                               .order_by(CrawlRun.id.desc()).limit(COVERAGE_HISTORY + 1)).all()
        newest = last_new.get(source.id)
        since = workdays_between(newest.date(), today) if newest else None
        health = SourceHealth(source.name, source.channel, source.cms_family, source.freshness_objective_days,
                              _run_dict(runs[0]) if runs else None, newest, since)
        if not runs:
            health.warnings.append("never crawled")
        else:
            last = runs[0]
            if last.finished_at is None:
                health.warnings.append("last run did not finish (still running or killed)")
            if last.items == 0:
                health.warnings.append("zero items in the last run")
            drops = coverage_drops(last.field_coverage or {}, [r.field_coverage for r in runs[1:]
                                                                if r.field_coverage], coverage_drop)
            if drops:
                health.warnings.append("field coverage dropped (page structure changed?): " + ", ".join(drops))
            failed = sum(1 for e in last.errors or [] if e.get("field") == "request_failed")
            if last.requests and failed / last.requests > blocked_limit:
                health.warnings.append(f"{failed} of {last.requests} requests failed without an answer "
                                       "(site unreachable?)")
            share = blocked_share(last.http_status or {})
            if share > blocked_limit:
                health.warnings.append(f"{share:.0%} of responses were 403/429/5xx (blocked?)")
        if since is not None and source.freshness_objective_days and since > source.freshness_objective_days:
            health.warnings.append(f"stale: no new item for {since} working days "
                                   f"(objective {source.freshness_objective_days})")
        report.append(health)
    return report

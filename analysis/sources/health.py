"""Health of each source: last run, freshness against its objective, and warnings. The one implementation:
the ``sources`` command, the web page ``/sources``, the ``source-health`` job and the operators' digest read it.

Warnings: the last run saw nothing (neither fetched nor listed entries), after earlier runs did; a required
field empty on the pages; a field's coverage fell against the previous runs (the page structure probably
changed); a large share of 403/429/5xx answers (the crawler is being blocked); the page cap reached (endless
paging); off-site redirects; timeouts; the time budget spent; a run killed or unfinished; open cases past the
revisit window; a run that ended otherwise than finished; a stale source. ``breakage`` picks the warnings that
mean a redesign broke the profile.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.models import CrawlRun, Message, Source, now_local
from store.records import REQUIRED_FIELDS

BLOCKED_CODES = ("403", "429")
COVERAGE_HISTORY = 5
# Fields every message page shows, answered or not: their coverage should not move between runs (reply fields
# do, with the share of answered messages a run happens to see).
STRUCTURAL_FIELDS = ("external_id", "title", "content", "submitted_at", "submitter", "kind", "category", "unit")


@dataclass
class SourceHealth:
    """One source's health: the one definition the CLI (``sources``), the web page (``/sources``) and the
    scheduler's jobs (``source-health``, the operators' digest) share.

    Freshness is counted from ``last_new_at``, when the newest item was first collected (``first_seen_at``), in
    working days; ``stale`` when that exceeds the source's objective, or when a source with an objective never
    yielded an item.
    """

    source: Source
    messages: int
    last_new_at: datetime | None
    workdays_since_new: int | None
    runs: list[CrawlRun]  # newest first, of the source's own kind (crawl or import)
    warnings: list[str] = field(default_factory=list)
    breakage: list[str] = field(default_factory=list)  # the warnings that say a redesign broke the profile

    @property
    def name(self) -> str:
        return self.source.name

    @property
    def objective_days(self) -> int | None:
        return self.source.freshness_objective_days

    @property
    def last_run(self) -> CrawlRun | None:
        return self.runs[0] if self.runs else None

    @property
    def stale(self) -> bool:
        objective = self.objective_days
        return objective is not None and (self.workdays_since_new is None or self.workdays_since_new > objective)

    def as_dict(self) -> dict[str, Any]:
        return {"source": self.name, "channel": self.source.channel, "family": self.source.cms_family,
                "freshness_objective_days": self.objective_days,
                "last_run": _run_dict(self.last_run) if self.last_run else None,
                "last_new_at": self.last_new_at.isoformat(sep=" ") if self.last_new_at else None,
                "workdays_since_new": self.workdays_since_new, "warnings": self.warnings}


def workdays_between(start: date, end: date) -> int:
    """Working days in (start, end] on the Chinese calendar (holidays and make-up days)."""
    from analysis.deadlines.workcalendar import get_calendar

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
    oldest = run.open_past_window_oldest
    return {"id": run.id, "started_at": run.started_at.isoformat(sep=" ", timespec="seconds"),
            "finish_reason": run.finish_reason, "items": run.items, "known": run.known or 0, "new": run.inserted,
            "updated": run.updated, "rejected": run.rejected, "requests": run.requests,
            "http_status": run.http_status or {}, "list_pages": run.list_pages or 0, "stop_reason": run.stop_reason,
            "page_cap_hit": bool(run.page_cap_hit), "offsite_redirects": run.offsite_redirects or 0,
            "timeouts": run.timeouts or 0, "open_past_window": run.open_past_window or 0,
            "open_past_window_oldest": oldest.isoformat(sep=" ", timespec="seconds") if oldest else None,
            "revisit_window_days": run.revisit_window_days}


def saw_anything(run: CrawlRun) -> bool:
    return bool((run.items or 0) + (run.known or 0))


def required_fields_missing(run: CrawlRun) -> dict[str, int]:
    """Required fields (title, content, submitted_at) the run's pages lacked, with how many pages lacked each."""
    missing: dict[str, int] = {}
    for error in run.errors or []:
        if error.get("field") in REQUIRED_FIELDS and error.get("reason") == "missing on the page":
            missing[error["field"]] = missing.get(error["field"], 0) + 1
    return missing


def breakage(runs: list[CrawlRun]) -> list[str]:
    """Signs that a site's redesign broke its profile, newest run first in ``runs``: a run that used to yield
    items yields none, or a required field went empty."""
    if not runs or runs[0].finished_at is None:
        return []
    last, earlier = runs[0], runs[1:]
    signs = []
    if not saw_anything(last) and any(saw_anything(r) for r in earlier):
        best = max(r.items + (r.known or 0) for r in earlier)
        signs.append(f"the last run found no entries at all, earlier runs saw up to {best} "
                     "(list page changed? check the profile with `crawl --check`)")
    for name, count in required_fields_missing(last).items():
        signs.append(f"required field {name} empty on {count} of {(last.items or 0)} fetched pages "
                     "(page layout changed? check the profile with `crawl --check`)")
    return signs


# How a run may end without anything to report (an import's dry run writes nothing, on purpose).
QUIET_ENDINGS = ("finished", "dry-run")


def run_warnings(last: CrawlRun) -> list[str]:
    """What the last run recorded going wrong beyond the figures: how it ended and what it could not do."""
    out = []
    if last.finish_reason == "killed":
        out.append("last run was killed before it finished (closed at the next start)")
    elif last.finished_at is None:
        out.append("last run did not finish (still running or killed)")
    elif last.finish_reason == "time_budget":
        out.append("last run stopped at its time budget (site too slow for one run)")
    elif (last.finish_reason or "finished") not in QUIET_ENDINGS:
        out.append(f"last {last.kind} at {last.started_at:%Y-%m-%d %H:%M} ended {last.finish_reason}")
    if last.page_cap_hit:
        out.append(f"list paging reached the page cap after {last.list_pages} pages (endless paging, or a "
                   "backlog larger than max_pages)")
    if last.offsite_redirects:
        out.append(f"{last.offsite_redirects} page(s) redirected to another site (not followed)")
    if last.timeouts:
        out.append(f"{last.timeouts} request(s) timed out")
    if last.open_past_window:
        oldest = last.open_past_window_oldest
        out.append(f"{last.open_past_window} open case(s) older than the revisit window "
                   f"({last.revisit_window_days} days) are no longer checked for a reply"
                   + (f"; oldest submitted {oldest:%Y-%m-%d}" if oldest else ""))
    return out


def _last_runs(session: Session, source: Source) -> list[CrawlRun]:
    kind = "crawl" if source.origin == "crawl" else "import"
    return list(session.scalars(select(CrawlRun).where(CrawlRun.source_id == source.id, CrawlRun.kind == kind)
                                .order_by(CrawlRun.id.desc()).limit(COVERAGE_HISTORY + 1)))


def _runs_warnings(runs: list[CrawlRun], coverage_drop: float, blocked_limit: float) -> list[str]:
    if not runs:
        return ["never crawled"]
    last = runs[0]
    warnings = run_warnings(last)
    signs = breakage(runs)
    warnings += signs
    if not saw_anything(last) and not signs:
        warnings.append("zero items in the last run")
    drops = coverage_drops(last.field_coverage or {}, [r.field_coverage for r in runs[1:] if r.field_coverage],
                           coverage_drop)
    if drops:
        warnings.append("field coverage dropped (page structure changed?): " + ", ".join(drops))
    failed = sum(1 for e in last.errors or [] if e.get("field") == "request_failed")
    if last.requests and failed / last.requests > blocked_limit:
        warnings.append(f"{failed} of {last.requests} requests failed without an answer (site unreachable?)")
    share = blocked_share(last.http_status or {})
    if share > blocked_limit:
        warnings.append(f"{share:.0%} of responses were 403/429/5xx (blocked?)")
    return warnings


def source_health(session: Session, today: date | None = None, coverage_drop: float | None = None,
                  blocked_limit: float | None = None, origin: str | None = None) -> list[SourceHealth]:
    """Every source (or those of ``origin``: ``crawl``, ``import``) by name, as of the end of ``today``.

    ``coverage_drop`` and ``blocked_limit`` default to the settings ``crawl.coverage_drop`` and
    ``crawl.blocked_share``. An item first collected after ``today`` (a copy of the data read as of an earlier
    day) counts as new that day: freshness is never negative.
    """
    if coverage_drop is None or blocked_limit is None:
        from store.settings import get_settings

        settings = get_settings()
        coverage_drop = settings.get("crawl.coverage_drop") if coverage_drop is None else coverage_drop
        blocked_limit = settings.get("crawl.blocked_share") if blocked_limit is None else blocked_limit
    today = today or now_local().date()
    stats = {sid: (n, newest) for sid, n, newest in session.execute(
        select(Message.source_id, func.count(Message.id), func.max(Message.first_seen_at))
        .group_by(Message.source_id))}
    query = select(Source).order_by(Source.name)
    if origin is not None:
        query = query.where(Source.origin == origin)
    report = []
    for source in session.scalars(query):
        runs = _last_runs(session, source)
        count, newest = stats.get(source.id, (0, None))
        since = max(0, workdays_between(newest.date(), today)) if newest else None
        health = SourceHealth(source, count, newest, since, runs)
        if source.origin == "crawl":
            health.breakage = breakage(runs)
            health.warnings += _runs_warnings(runs, coverage_drop, blocked_limit)
        elif runs:
            health.warnings += run_warnings(runs[0])
        if health.stale:
            objective = source.freshness_objective_days
            health.warnings.append(f"stale: no new item for {since} working days (objective {objective})"
                                   if since is not None else f"stale: no item ever collected (objective {objective})")
        report.append(health)
    return report


def check_sources(now: datetime, period: str) -> str:
    """The ``source-health`` job: how many warnings, and each one ("name: warning")."""
    from store.db import session_scope

    with session_scope() as session:
        problems = [f"{h.name}: {warning}" for h in source_health(session, now.date()) for warning in h.warnings]
    return f"{len(problems)} source problems" + (": " + "; ".join(problems) if problems else "")

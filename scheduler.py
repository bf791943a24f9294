"""The scheduler: which job runs when (APScheduler 3.x, in its own process). The jobs live in their packages.

Jobs:

- ``crawl:<name>``: every source interval; ``hotline-monitor crawl NAME`` (subprocess), then analyze.
- ``alerts``: daily at ``scheduler.alerts_time``; decide + deliver alerts (reply alerts on working days only,
  early warnings every day when ``alerts.urgent_warnings``).
- ``publication``: the 1st and the 16th at ``scheduler.publication_time``; the draft of the half month just
  ended, and the editors told.
- ``source-health``: daily; sources without fresh items or whose last crawl failed.
- ``ops-digest``: daily; what went wrong (failed jobs, undeliverable alerts, sources) → the operators.

Guarantees: jobs are kept in a persistent SQLAlchemy job store (table ``scheduler_jobs`` of the configured
database), with ``coalesce`` and ``misfire_grace_time`` so a job missed while the scheduler was down runs once
on restart; every run claims a ``JobRun`` keyed by job + period (the day, the half month, the crawl slot),
so a period already done is not done again, whoever triggers it; only one scheduler runs at a time
(``alerts.locking.ProcessLock``: a PostgreSQL advisory lock or a lock file next to the SQLite database).

``hotline-monitor schedule`` / ``python scheduler.py`` start it; ``schedule list`` and
``schedule run-job NAME`` inspect and run jobs by hand. Heavy imports stay inside functions (the CLI imports
this module for ``--help``).
"""
from __future__ import annotations

import datetime as dt
import logging
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import typer

logger = logging.getLogger("hotline.scheduler")

JOBSTORE_TABLE = "scheduler_jobs"
LOCK_NAME = "scheduler"


class JobFailed(RuntimeError):
    pass


@dataclass(frozen=True)
class JobSpec:
    name: str
    trigger: Any  # an APScheduler trigger
    period: Callable[[dt.datetime], str]
    action: Callable[[dt.datetime, str], str]  # returns a one-line summary; raises on failure
    description: str


# --------------------------------------------------------------------------------------------------
# Job actions
# --------------------------------------------------------------------------------------------------


def _cli(*args: str, timeout: float) -> str:
    """Run a hotline-monitor command in its own process; raises JobFailed with the end of its stderr."""
    command = [sys.executable, "-m", "cli", *args]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise JobFailed(f"`hotline-monitor {' '.join(args)}` ran longer than {timeout:.0f} s and was killed") from None
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise JobFailed(f"`hotline-monitor {' '.join(args)}` exited {done.returncode}: " + " | ".join(tail))
    return (done.stdout.strip().splitlines() or [""])[-1]


def _timeout() -> float:
    from store.settings import get_settings

    return float(get_settings().get("scheduler.job_timeout_minutes")) * 60


def crawl_action(source: str) -> Callable[[dt.datetime, str], str]:
    """Crawl in its own process (a hung or crashing spider cannot take the scheduler down), then analyse
    in-process (``pipeline.analyze``: each step its own transaction); a failed step fails the job."""
    def run(now: dt.datetime, period: str) -> str:
        crawled = _cli("crawl", source, timeout=_timeout())
        try:
            analysed = analyze_now()
        except JobFailed as exc:
            raise JobFailed(f"crawled ({crawled}) but analysis failed: {exc}") from exc
        return f"{crawled}; analyze: {analysed}"
    return run


def analyze_now() -> str:
    from pipeline import analyze_locked
    from store.db import get_engine

    report = analyze_locked(get_engine(), wait_seconds=_timeout())
    failed = [f"{step.name}: {step.summary}" for step in report.steps if not step.ok]
    if failed:
        raise JobFailed("; ".join(failed))
    return ", ".join(f"{step.name} ok" for step in report.steps)


def alerts_action(now: dt.datetime, period: str) -> str:
    from alerts.locking import ProcessLock
    from alerts.outbox import deliver_until_done
    from alerts.service import run_and_deliver
    from store.db import get_engine

    report, delivery = run_and_deliver(now=now)
    # Rate limits (a DingTalk robot: 20 a minute) and short backoffs: keep sending for up to 10 minutes.
    with ProcessLock(get_engine(), "alerts"):
        rest = deliver_until_done(get_engine(), max_wait_seconds=600)
    return f"{report}; {delivery}; then {rest}"


def publication_action(now: dt.datetime, period: str) -> str:
    """The draft of the half month that just ended, and a note to the editors (``reports.editors``) that it
    awaits review (approval happens in the web UI). Draft and note are committed together; the note's
    idempotency key is (publication, period), so a re-run of the job never notifies twice."""
    start, end = period.split(":")
    try:
        from reports.period import Period
        from reports.publication import create_draft_for_period, write_draft_files
    except ImportError:
        return _cli("summary", "--period", period, timeout=_timeout())
    from alerts.outbox import deliver_pending
    from store.db import get_engine, session_scope

    with session_scope() as session:
        pub = create_draft_for_period(session, Period(dt.date.fromisoformat(start), dt.date.fromisoformat(end)),
                                      as_of=now.date())
        html = write_draft_files(session, pub).get("html")
        notified = notify_editors(session, pub, period, html, now)
        summary = f"draft of {period} generated (publication #{pub.id}, status {pub.status}); {notified}"
    if notified.startswith("editors notified"):
        summary += f"; {deliver_pending(get_engine(), now=now)}"
    return summary


def notify_editors(session: Any, pub: Any, period: str, html_path: Any, now: dt.datetime) -> str:
    """Queue ``reports.publication.editor_notification`` to the editors, once per (publication, period)."""
    from alerts.outbox import BuiltMessage, enqueue
    from reports.publication import editor_notification
    from store.settings import get_settings

    settings = get_settings()
    editors = [str(address) for address in settings.get("reports.editors") or []]
    if not editors and settings.production:
        return "no editor to notify (setting reports.editors is empty)"
    subject, body = editor_notification(pub, html_path)
    item_key = f"publication|{period}"
    message = BuiltMessage(subject=subject, text=body, html=None,
                           items=[{"key": item_key, "subject": f"publication:{pub.id}", "level": "publication",
                                   "event": "draft", "period": period}])
    added = enqueue(session, recipient="editors", recipient_name="编辑", contacts={"email": editors},
                    message=message, item_keys=[item_key], production=settings.production,
                    test_recipient=dict(settings.get("alerts.test_recipient")), now=now)
    return f"editors notified ({len(added)} new outbox entries)"


def source_problems(now: dt.datetime) -> list[str]:
    """Sources whose newest item is older than their freshness objective, or whose last crawl failed."""
    from sqlalchemy import func, select

    from analysis.deadlines.workcalendar import get_calendar
    from store.db import session_scope
    from store.models.core import CrawlRun, Message, Source

    calendar = get_calendar()
    problems: list[str] = []
    with session_scope() as session:
        newest = dict(session.execute(select(Message.source_id, func.max(Message.first_seen_at))
                                      .group_by(Message.source_id)).all())
        for source in session.scalars(select(Source).order_by(Source.name)):
            last_run = session.scalar(select(CrawlRun).where(CrawlRun.source_id == source.id)
                                      .order_by(CrawlRun.started_at.desc()).limit(1))
            if last_run is not None and (last_run.errors or (last_run.finish_reason or "finished") != "finished"):
                problems.append(f"{source.name}: last {last_run.kind} at {last_run.started_at:%Y-%m-%d %H:%M} "
                                f"ended {last_run.finish_reason or '?'} with {len(last_run.errors or [])} errors")
            if source.freshness_objective_days and source.origin == "crawl":
                seen = newest.get(source.id)
                if seen is None:
                    problems.append(f"{source.name}: no item ever collected")
                    continue
                age = calendar.workdays_between(seen.date(), now.date(), warn=False)
                if age > source.freshness_objective_days:
                    problems.append(f"{source.name}: no new item for {age} working days "
                                    f"(objective {source.freshness_objective_days})")
    return problems


def health_action(now: dt.datetime, period: str) -> str:
    problems = source_problems(now)
    return f"{len(problems)} source problems" + (": " + "; ".join(problems) if problems else "")


def what_went_wrong(now: dt.datetime) -> list[str]:
    """The last day's failures: failed job runs, alerts given up, source problems."""
    from sqlalchemy import select

    from analysis.sources.health import broken_profiles
    from store.db import session_scope
    from store.models.alerts import JobRun, OutboxEntry

    since = now - dt.timedelta(days=1)
    lines: list[str] = []
    with session_scope() as session:
        for run in session.scalars(select(JobRun).where(JobRun.status == "failed", JobRun.started_at >= since)
                                   .order_by(JobRun.started_at)):
            lines.append(f"job {run.job} ({run.period}) failed at {run.started_at:%m-%d %H:%M}: {run.error}")
        for entry in session.scalars(select(OutboxEntry).where(OutboxEntry.status == "dead",
                                                               OutboxEntry.created_at >= since)):
            lines.append(f"alert to {entry.recipient_name} via {entry.channel} given up after {entry.attempts} "
                         f"attempts: {entry.last_error}")
        lines += [f"profile broken? {line}" for line in broken_profiles(session)]
    lines += [f"source {p}" for p in source_problems(now)]
    return lines


def ops_digest_action(now: dt.datetime, period: str) -> str:
    from alerts.outbox import BuiltMessage, deliver_pending, enqueue
    from store.db import get_engine, session_scope
    from store.settings import get_settings

    lines = what_went_wrong(now)
    if not lines:
        return "nothing went wrong"
    settings = get_settings()
    text = "\n".join([f"截至 {now:%Y-%m-%d %H:%M}，过去一天的问题：", ""] + [f"- {line}" for line in lines])
    message = BuiltMessage(subject=f"【hotline-monitor】{period} 运行问题 {len(lines)} 项", text=text, html=None,
                           items=[{"line": line} for line in lines])
    with session_scope() as session:
        enqueue(session, recipient="operators", recipient_name="运维人员",
                contacts=dict(settings.get("alerts.operators")), message=message,
                item_keys=[f"ops-digest|{period}"], production=settings.production,
                test_recipient=dict(settings.get("alerts.test_recipient")), now=now)
    delivery = deliver_pending(get_engine(), now=now)
    return f"{len(lines)} problems reported; {delivery}"


# --------------------------------------------------------------------------------------------------
# Periods and job definitions
# --------------------------------------------------------------------------------------------------


def day_period(now: dt.datetime) -> str:
    return now.date().isoformat()


def half_month_just_ended(now: dt.datetime) -> str:
    """The publication period due at ``now``: the last half month ended before today (1st-15th, 16th-end)."""
    today = now.date()
    if today.day >= 16:
        return f"{today.replace(day=1).isoformat()}:{today.replace(day=15).isoformat()}"
    last = today.replace(day=1) - dt.timedelta(days=1)
    return f"{last.replace(day=16).isoformat()}:{last.isoformat()}"


def slot_period(minutes: int) -> Callable[[dt.datetime], str]:
    def period(now: dt.datetime) -> str:
        start = now.replace(second=0, microsecond=0)
        minute_of_day = start.hour * 60 + start.minute
        start = start.replace(hour=0, minute=0) + dt.timedelta(minutes=minute_of_day - minute_of_day % minutes)
        return start.isoformat(timespec="minutes")
    return period


def _hour_minute(setting: str) -> tuple[int, int]:
    from store.settings import get_settings

    text = get_settings().get(setting)
    try:
        moment = dt.time.fromisoformat(text)
    except ValueError:
        raise ValueError(f"setting {setting}: {text!r} is not a time HH:MM") from None
    return moment.hour, moment.minute


def crawl_sources() -> dict[str, int]:
    """Spider name → interval in minutes: the setting, else every stored crawl source at the default."""
    from store.settings import get_settings

    settings = get_settings()
    configured = settings.get("scheduler.crawl_sources")
    if configured:
        return {str(k): int(v) for k, v in configured.items()}
    try:
        from sqlalchemy import select

        from store.db import session_scope
        from store.models.core import Source

        with session_scope() as session:
            names = list(session.scalars(select(Source.name).where(Source.origin == "crawl")))
    except Exception as exc:  # noqa: BLE001 - no database yet: no crawl jobs, said once
        logger.warning("no crawl jobs: cannot read the sources (%s)", exc)
        return {}
    interval = int(settings.get("scheduler.crawl_interval_minutes"))
    return {name: interval for name in names}


def job_specs() -> list[JobSpec]:
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    from store.settings import get_settings

    tz = get_settings().get("general.timezone")
    specs: list[JobSpec] = []
    for source, minutes in sorted(crawl_sources().items()):
        specs.append(JobSpec(f"crawl:{source}", IntervalTrigger(minutes=minutes, timezone=tz), slot_period(minutes),
                             crawl_action(source), f"crawl {source} every {minutes} min, then analyze"))
    hour, minute = _hour_minute("scheduler.alerts_time")
    specs.append(JobSpec("alerts", CronTrigger(hour=hour, minute=minute, timezone=tz), day_period, alerts_action,
                         f"alerts at {hour:02d}:{minute:02d} (reply alerts decided on working days only)"))
    hour, minute = _hour_minute("scheduler.publication_time")
    specs.append(JobSpec("publication", CronTrigger(day="1,16", hour=hour, minute=minute, timezone=tz),
                         half_month_just_ended, publication_action,
                         f"biweekly summary draft on the 1st and 16th at {hour:02d}:{minute:02d}"))
    hour, minute = _hour_minute("scheduler.health_time")
    specs.append(JobSpec("source-health", CronTrigger(hour=hour, minute=minute, timezone=tz), day_period,
                         health_action, f"source health at {hour:02d}:{minute:02d}"))
    hour, minute = _hour_minute("scheduler.digest_time")
    specs.append(JobSpec("ops-digest", CronTrigger(hour=hour, minute=minute, timezone=tz), day_period,
                         ops_digest_action, f"what-went-wrong digest to the operators at {hour:02d}:{minute:02d}"))
    return specs


# --------------------------------------------------------------------------------------------------
# Running one job for one period (the job store calls run_job by reference)
# --------------------------------------------------------------------------------------------------


def _claim(job: str, period: str, now: dt.datetime) -> int | None:
    """Start a JobRun for (job, period); None when that period is done already.

    Called with the job's lock held (``run_job``), so a run still marked "running" has lost its owner (a killed
    process: the lock died with it) and is claimed again; a live owner would hold the lock.
    """
    from sqlalchemy import select
    from sqlalchemy.exc import IntegrityError

    from store.db import session_scope
    from store.models.alerts import JobRun

    try:
        with session_scope() as session:
            run = session.scalar(select(JobRun).where(JobRun.job == job, JobRun.period == period))
            if run is not None and run.status == "done":
                return None
            if run is None:
                run = JobRun(job=job, period=period, status="running", started_at=now, attempts=1)
                session.add(run)
            else:  # failed, or left running by a process that died: try again
                run.status, run.started_at, run.attempts, run.error = "running", now, run.attempts + 1, None
            session.flush()
            return run.id
    except IntegrityError:  # cannot happen under the job lock; kept for a lock file on another var_dir
        return None


def _finish(run_id: int, status: str, summary: str | None, error: str | None) -> None:
    from store.db import session_scope
    from store.models.alerts import JobRun
    from store.models.base import now_local

    with session_scope() as session:
        run = session.get(JobRun, run_id)
        run.status, run.summary, run.error, run.finished_at = status, summary, error, now_local()


@dataclass(frozen=True)
class JobOutcome:
    """What one ``run_job`` call did: ``status`` decides the exit code, ``text`` is for people."""

    status: str  # done | already_done | failed | busy | unknown
    text: str

    @property
    def exit_code(self) -> int:
        # 0 done (or nothing to do), 1 the job failed, 2 refused: unknown job or another run holds it
        return {"done": 0, "already_done": 0, "failed": 1}.get(self.status, 2)


def job_lock_name(job: str) -> str:
    return f"job-{job}"


def run_job_outcome(name: str, now: dt.datetime | None = None, wait_seconds: float = 0.0) -> JobOutcome:
    """Run job ``name`` for the period containing ``now`` unless that period is done. Never raises.

    The job's lock (``alerts.locking.ProcessLock``, the one the scheduler's runs take too) makes a second
    caller (``schedule run-job`` while the scheduler fires, or twice by hand) wait ``wait_seconds`` and then
    step aside as ``busy``: a period is never worked on twice at once.
    """
    from alerts.locking import LockHeld, ProcessLock
    from store.db import get_engine
    from store.models.base import now_local

    now = now or now_local()
    specs = {spec.name: spec for spec in job_specs()}
    spec = specs.get(name)
    if spec is None:
        logger.error("unknown job %r (jobs: %s)", name, ", ".join(specs))
        return JobOutcome("unknown", f"unknown job {name!r} (jobs: {', '.join(specs)})")
    period = spec.period(now)
    lock = ProcessLock(get_engine(), job_lock_name(name))
    try:
        lock.acquire(wait_seconds)
    except LockHeld as exc:
        logger.info("job %s (%s) not started: %s", name, period, exc)
        return JobOutcome("busy", f"{name} {period}: not started: {exc}")
    try:
        run_id = _claim(name, period, now)
        if run_id is None:
            logger.info("job %s: period %s already done", name, period)
            return JobOutcome("already_done", f"{name} {period}: already done")
        try:
            summary = spec.action(now, period)
        except Exception as exc:
            logger.error("job %s (%s) failed: %s", name, period, exc, exc_info=logger.isEnabledFor(logging.DEBUG))
            _finish(run_id, "failed", None, f"{type(exc).__name__}: {exc}"[:4000])
            return JobOutcome("failed", f"{name} {period}: failed: {exc}")
        _finish(run_id, "done", (summary or "")[:4000], None)
        logger.info("job %s (%s): %s", name, period, summary)
        return JobOutcome("done", f"{name} {period}: {summary}")
    finally:
        lock.release()


def run_job(name: str, now: dt.datetime | None = None) -> str:
    """``run_job_outcome``'s text (the scheduler's job store calls this by reference)."""
    return run_job_outcome(name, now).text


# --------------------------------------------------------------------------------------------------
# The scheduler
# --------------------------------------------------------------------------------------------------


def build_scheduler(scheduler_class: type | None = None, engine: Any = None, executor: str = "threadpool") -> Any:
    """A scheduler with the persistent job store; not started."""
    from apscheduler.executors.debug import DebugExecutor
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler

    from store.db import get_engine
    from store.settings import get_settings

    settings = get_settings()
    engine = engine or get_engine()
    scheduler_class = scheduler_class or BackgroundScheduler
    executors = {"default": DebugExecutor() if executor == "debug" else ThreadPoolExecutor(max_workers=2)}
    return scheduler_class(
        jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=JOBSTORE_TABLE)},
        executors=executors,
        job_defaults={"coalesce": True, "max_instances": 1,
                      "misfire_grace_time": int(settings.get("scheduler.misfire_grace_hours")) * 3600},
        timezone=settings.get("general.timezone"),
    )


def sync_jobs(scheduler: Any, specs: list[JobSpec] | None = None) -> dict[str, str]:
    """Make the started (possibly paused) scheduler's stored jobs match the definitions.

    A stored job whose trigger is unchanged keeps its next run time, so a run missed while the scheduler was
    down still happens (once, coalesced) on restart. Returns job → what was done (kept/added/updated/removed).
    """
    specs = specs if specs is not None else job_specs()
    wanted = {spec.name: spec for spec in specs}
    changes: dict[str, str] = {}
    for job in scheduler.get_jobs():
        if job.id not in wanted:
            job.remove()
            changes[job.id] = "removed"
    for name, spec in wanted.items():
        job = scheduler.get_job(name)
        if job is not None and str(job.trigger) == str(spec.trigger) and job.args == (name,):
            changes[name] = "kept"
            continue
        if job is not None:
            job.remove()
        scheduler.add_job("scheduler:run_job", trigger=spec.trigger, args=[name], id=name, name=spec.description)
        changes[name] = "updated" if job is not None else "added"
    return changes


def stepping_scheduler_class() -> type:
    """A scheduler driven by hand: ``run_due()`` runs the jobs due at the current (possibly frozen) clock.

    For simulations and tests of the real schedule, triggers, job store, misfire and coalescing rules.
    """
    from apscheduler.schedulers.base import BaseScheduler

    class SteppingScheduler(BaseScheduler):
        def wakeup(self) -> None:  # no timer thread: the caller steps the clock
            pass

        def shutdown(self, wait: bool = True) -> None:
            super().shutdown(wait)

        def run_due(self) -> float | None:
            return self._process_jobs()

    return SteppingScheduler


def serve() -> None:
    """Run the scheduler in this process until interrupted or terminated (one scheduler at a time)."""
    import signal
    import threading

    from alerts.locking import LockHeld, ProcessLock
    from store.db import get_engine
    from store.migrate import ensure_current

    engine = get_engine()
    ensure_current(engine)
    lock = ProcessLock(engine, LOCK_NAME)
    try:
        lock.acquire()
    except LockHeld as exc:
        raise SystemExit(f"error: {exc}") from None
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    scheduler = build_scheduler(engine=engine)
    try:
        scheduler.start(paused=True)
        for job, change in sync_jobs(scheduler).items():
            logger.warning("job %s: %s", job, change)
        scheduler.resume()
        logger.warning("scheduler running (pid lock %s held); Ctrl-C or SIGTERM stops it", LOCK_NAME)
        while not stop.wait(3600):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        if scheduler.running:
            scheduler.shutdown(wait=True)
        lock.release()


def register(app: typer.Typer) -> None:
    schedule_app = typer.Typer(help="The scheduler: crawls, analysis, alerts, the biweekly publication.",
                               invoke_without_command=True)
    app.add_typer(schedule_app, name="schedule")

    @schedule_app.callback()
    def schedule(ctx: typer.Context) -> None:
        """Start the scheduler (same as `python scheduler.py`); see the subcommands to inspect it."""
        if ctx.invoked_subcommand is None:
            serve()

    @schedule_app.command("list")
    def schedule_list() -> None:
        """The jobs, when each runs next, and their last recorded run."""
        from sqlalchemy import inspect, select

        from store.db import get_engine, session_scope
        from store.models.alerts import JobRun

        engine = get_engine()
        stored: dict[str, Any] = {}
        if inspect(engine).has_table(JOBSTORE_TABLE):
            from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

            store = SQLAlchemyJobStore(engine=engine, tablename=JOBSTORE_TABLE)
            from apscheduler.schedulers.background import BackgroundScheduler

            store.start(BackgroundScheduler(), "default")
            stored = {job.id: job for job in store.get_all_jobs()}
        with session_scope() as session:
            for spec in job_specs():
                last = session.scalar(select(JobRun).where(JobRun.job == spec.name)
                                      .order_by(JobRun.started_at.desc()).limit(1))
                job = stored.get(spec.name)
                nxt = job.next_run_time.strftime("%Y-%m-%d %H:%M") if job and job.next_run_time else "-"
                last_text = f"{last.period} {last.status} at {last.started_at:%Y-%m-%d %H:%M}" if last else "never"
                typer.echo(f"{spec.name:<24} next {nxt:<16} last {last_text}  ({spec.description})")

    @schedule_app.command("run-job")
    def schedule_run_job(
        name: str = typer.Argument(..., help="job name (see `schedule list`)"),
        at: str = typer.Option(None, "--at", help="run as of this local time (default: now)"),
    ) -> None:
        """Run one job now (skipped when its period is already done)."""
        from store.cli_args import parse_moment

        outcome = run_job_outcome(name, parse_moment(at, "--at"))
        typer.echo(outcome.text, err=outcome.exit_code == 2)
        if outcome.exit_code:
            raise typer.Exit(outcome.exit_code)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    serve()

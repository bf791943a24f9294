"""The scheduler: which job runs when (APScheduler 3.x, in its own process). The jobs live in their packages.

Jobs:

- ``crawl:<name>``: every source interval; ``hotline-monitor crawl NAME`` (subprocess), then analyze.
- ``alerts``: daily at ``scheduler.alerts_time``; decide + deliver alerts (reply alerts on working days only,
  early warnings every day when ``alerts.urgent_warnings``).
- ``publication``: the 1st and the 16th at ``scheduler.publication_time``; the draft of the half month just
  ended, and the editors told.
- ``source-health``: daily; every source's warnings (``analysis.sources.health``: stale, failed or broken crawls).
- ``ops-digest``: daily; what went wrong (failed jobs, undeliverable alerts, sources) → the operators.

Each job's work is a function of the package that owns it, named in ``job_specs`` (``"module:function"``).

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
import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import typer

logger = logging.getLogger("hotline.scheduler")

JOBSTORE_TABLE = "scheduler_jobs"
LOCK_NAME = "scheduler"


@dataclass(frozen=True)
class JobSpec:
    """One job: when it runs, the period a run works on, and what it does.

    ``action`` names the function in the package that owns the work (``"module:function"``, imported when the
    job runs: an import error fails the run, loudly); it is called as ``function(now, period, **kwargs)`` and
    returns a one-line summary or raises.
    """

    name: str
    trigger: Any  # an APScheduler trigger
    period: Callable[[dt.datetime], str]
    action: str
    description: str
    kwargs: dict[str, Any] = field(default_factory=dict)

    def function(self) -> Callable[..., str]:
        module, name = self.action.split(":")
        return getattr(importlib.import_module(module), name)

    def run(self, now: dt.datetime, period: str) -> str:
        return self.function()(now, period, **self.kwargs)


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
                             "pipeline:crawl_then_analyze", f"crawl {source} every {minutes} min, then analyze",
                             {"source": source}))
    # The timed jobs: (name, time setting, cron days, period, "module:function", what it does).
    timed = [("alerts", "scheduler.alerts_time", None, day_period, "alerts.service:scheduled_run",
              "alerts at {at} (reply alerts decided on working days only)"),
             ("publication", "scheduler.publication_time", "1,16", half_month_just_ended,
              "pipeline:draft_and_notify", "biweekly summary draft on the 1st and 16th at {at}"),
             ("source-health", "scheduler.health_time", None, day_period, "analysis.sources.health:check_sources",
              "source health at {at}"),
             ("ops-digest", "scheduler.digest_time", None, day_period, "alerts.ops_digest:send_ops_digest",
              "what-went-wrong digest to the operators at {at}")]
    for name, setting, days, period, action, description in timed:
        hour, minute = _hour_minute(setting)
        trigger = CronTrigger(day=days, hour=hour, minute=minute, timezone=tz)
        specs.append(JobSpec(name, trigger, period, action, description.format(at=f"{hour:02d}:{minute:02d}")))
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
            summary = spec.run(now, period)
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
    jobstore_class = getattr(scheduler_class, "jobstore_class", SQLAlchemyJobStore)
    executors = {"default": DebugExecutor() if executor == "debug" else ThreadPoolExecutor(max_workers=2)}
    return scheduler_class(
        jobstores={"default": jobstore_class(engine=engine, tablename=JOBSTORE_TABLE)},
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
    """A background scheduler driven by hand: ``run_due()`` wakes it (``wakeup()``, public) and returns once it
    has looked at the jobs due at the current (possibly frozen) clock and run them.

    For simulations and tests of the real schedule, triggers, job store, misfire and coalescing rules. It learns
    that a pass is over from its job store, through the job store interface: a pass asks ``get_due_jobs(now)``
    first and ``get_next_run_time()`` last. Give it ``executor="debug"`` so due jobs run inside the pass.
    """
    import threading

    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler

    class PassWatchingJobStore(SQLAlchemyJobStore):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.passes = threading.Condition()
            self.asked_at: dt.datetime | None = None  # the clock of the pass under way
            self.finished_at: dt.datetime | None = None  # the clock of the last finished pass
            self.closing = False  # a scheduler's thread makes one more pass after shutdown(): at the real clock

        def get_due_jobs(self, now: dt.datetime) -> list[Any]:
            with self.passes:
                self.asked_at = now
            return [] if self.closing else super().get_due_jobs(now)

        def get_next_run_time(self) -> Any:
            next_run = None if self.closing else super().get_next_run_time()
            with self.passes:
                self.finished_at = self.asked_at
                self.passes.notify_all()
            return next_run

    class SteppingScheduler(BackgroundScheduler):
        jobstore_class = PassWatchingJobStore

        def run_due(self, timeout: float = 120.0) -> None:
            """Run every job due now; returns when a pass that started at this clock or later is over."""
            store = self.watched_store
            target = dt.datetime.now(self.timezone)
            with store.passes:
                self.wakeup()
                if not store.passes.wait_for(lambda: store.finished_at is not None and store.finished_at >= target,
                                             timeout):
                    raise TimeoutError(f"the scheduler did not look at its jobs within {timeout:.0f} s")

        def resume(self) -> None:
            super().resume()  # wakes the scheduler: let that pass end before the caller moves the clock
            self.run_due()

        def shutdown(self, wait: bool = True) -> None:
            self.watched_store.closing = True
            super().shutdown(wait)

        def add_jobstore(self, jobstore: Any, alias: str = "default", **jobstore_opts: Any) -> None:
            super().add_jobstore(jobstore, alias, **jobstore_opts)
            if isinstance(jobstore, PassWatchingJobStore):
                self.watched_store = jobstore

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

"""The chain of jobs that turns stored messages into analysis, and the offline demo of the whole chain.

`hotline-monitor analyze` runs the analysis steps in order (units, admissibility, deadlines, routing, topics,
reply quality, early warning); a failing step is reported and the others still run. `hotline-monitor demo`
runs everything on the bundled demo portal. The scheduler calls the same functions.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from store.cli_args import parse_moment

if TYPE_CHECKING:  # the CLI imports this module to register commands: no ORM at start-up
    from sqlalchemy.orm import Session

log = logging.getLogger(__name__)


@dataclass
class StepResult:
    name: str
    ok: bool
    seconds: float
    summary: str
    cpu_seconds: float = 0.0  # this process and the worker processes it reaped during the step
    peak_rss_mib: float = 0.0  # the process's peak so far (a running maximum: the step's when it rose)


def _cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def _peak_rss_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass
class AnalyzeReport:
    steps: list[StepResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(step.ok for step in self.steps)

    def lines(self) -> list[str]:
        return [f"{'ok  ' if s.ok else 'FAIL'} {s.name:<14} {s.seconds:6.1f} s  (CPU {s.cpu_seconds:6.1f} s, "
                f"peak RSS {s.peak_rss_mib:,.0f} MiB)  {s.summary}" for s in self.steps]


def _step_units(session: Session, as_of: dt.datetime | None) -> str:
    from analysis.routing.message_units import resolve_message_units

    return str(resolve_message_units(session))


def _step_deadlines(session: Session, as_of: dt.datetime | None) -> str:
    from analysis.deadlines.db import update_deadlines

    return str(update_deadlines(session, as_of))


def _step_routing(session: Session, as_of: dt.datetime | None) -> str:
    from analysis.routing.router import route_stored_messages

    return str(route_stored_messages(session))


def _step_admissibility(session: Session, as_of: dt.datetime | None) -> str:
    from analysis.routing.admissibility import classify_stored_messages

    return classify_stored_messages(session)


def _step_topics(session: Session, as_of: dt.datetime | None) -> str:
    from analysis.topics.clustering import update_topics

    return str(update_topics(session))


def _step_reply_quality(session: Session, as_of: dt.datetime | None) -> str:
    from analysis.quality.reply_quality import assess_replies

    return str(assess_replies(session))


def _step_warnings(session: Session, as_of: dt.datetime | None) -> str:
    from analysis.topics.warnings import detect_warnings

    events = detect_warnings(session, as_of.date() if as_of else None)
    return f"{len(events)} new warning events"


ANALYZE_STEPS: list[tuple[str, Callable[[Session, dt.datetime | None], str]]] = [
    ("units", _step_units),  # first: alerts and the web UI count messages per Message.unit_id
    # before deadlines (praise carries no reply duty) and topics (the hot list leaves inadmissible letters out)
    ("admissibility", _step_admissibility),
    ("deadlines", _step_deadlines),
    ("routing", _step_routing),
    ("topics", _step_topics),
    ("reply-quality", _step_reply_quality),
    ("warnings", _step_warnings),
]


def analyze(session: Session, as_of: dt.datetime | None = None, only: set[str] | None = None) -> AnalyzeReport:
    """Run every analysis step, each in its own transaction; one failing step does not stop the others."""
    report = AnalyzeReport()
    for name, step in ANALYZE_STEPS:
        if only and name not in only:
            continue
        began, cpu = time.perf_counter(), _cpu_seconds()
        try:
            summary = step(session, as_of)
            session.commit()
            ok = True
        except Exception as exc:  # noqa: BLE001 - reported, and the next step still runs
            session.rollback()
            log.error("analysis step %s failed:\n%s", name, traceback.format_exc())
            ok, summary = False, f"{type(exc).__name__}: {exc}"
        report.steps.append(StepResult(name, ok, time.perf_counter() - began, summary,
                                       _cpu_seconds() - cpu, _peak_rss_mib()))
    return report


ANALYZE_LOCK = "analyze"


def analyze_locked(engine, as_of: dt.datetime | None = None, only: set[str] | None = None,  # noqa: ANN001
                   wait_seconds: float = 0.0, on_wait: Callable[[str], None] | None = None) -> AnalyzeReport:
    """``analyze`` under the analysis lock (the scheduler's crawl jobs take it too): two analyses never run at
    once (on SQLite the second one's writes failed with "database is locked"). A second caller waits up to
    ``wait_seconds`` for the first to finish, then gets ``LockHeld``."""
    from alerts.locking import LockHeld, ProcessLock
    from store.db import session_factory

    lock = ProcessLock(engine, ANALYZE_LOCK)
    try:
        lock.acquire()
    except LockHeld:
        if on_wait:
            on_wait(f"another analyze is running: waiting up to {wait_seconds:.0f} s for it to finish")
        lock.acquire(wait_seconds)
    try:
        with session_factory(engine)() as session:
            return analyze(session, as_of, only)
    finally:
        lock.release()


class JobFailed(RuntimeError):
    """A scheduled job's step failed; the message says which and why (recorded on the job's run)."""


def run_cli(*args: str, timeout: float) -> str:
    """Run a hotline-monitor command in its own process; raises JobFailed with the end of its stderr."""
    import subprocess
    import sys

    command = [sys.executable, "-m", "cli", *args]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise JobFailed(f"`hotline-monitor {' '.join(args)}` ran longer than {timeout:.0f} s and was killed") from None
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise JobFailed(f"`hotline-monitor {' '.join(args)}` exited {done.returncode}: " + " | ".join(tail))
    return (done.stdout.strip().splitlines() or [""])[-1]


def job_timeout() -> float:
    """Seconds a scheduled step may take (setting ``scheduler.job_timeout_minutes``)."""
    from store.settings import get_settings

    return float(get_settings().get("scheduler.job_timeout_minutes")) * 60


def analyze_now() -> str:
    """``analyze_locked`` for a scheduled job: a failed step fails the job."""
    from store.db import get_engine

    report = analyze_locked(get_engine(), wait_seconds=job_timeout())
    failed = [f"{step.name}: {step.summary}" for step in report.steps if not step.ok]
    if failed:
        raise JobFailed("; ".join(failed))
    return ", ".join(f"{step.name} ok" for step in report.steps)


def crawl_then_analyze(now: dt.datetime, period: str, *, source: str) -> str:
    """The ``crawl:<source>`` job: crawl in its own process (a hung or crashing spider cannot take the scheduler
    down), then analyse in-process (each step its own transaction); a failed step fails the job."""
    crawled = run_cli("crawl", source, timeout=job_timeout())
    try:
        analysed = analyze_now()
    except JobFailed as exc:
        raise JobFailed(f"crawled ({crawled}) but analysis failed: {exc}") from exc
    return f"{crawled}; analyze: {analysed}"



# -- the ``publication`` job: a draft (reports) and a note to the editors (alerts' outbox): both layers below --
def draft_and_notify(now: dt.datetime, period: str) -> str:
    """Draft and note are committed together; the note's idempotency key is (publication, period), so a re-run
    of the job never notifies twice."""
    from alerts.outbox import deliver_pending
    from reports.period import Period
    from reports.publication import create_draft_for_period, write_draft_files
    from store.db import get_engine, session_scope

    start, end = period.split(":")
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


def register(app: typer.Typer) -> None:
    @app.command("analyze")
    def analyze_command(
        as_of: str = typer.Option(None, "--as-of", help="evaluate deadlines and warnings as of this date"),
        step: list[str] = typer.Option(None, "--step", help="run only these steps: " +
                                       ", ".join(n for n, _ in ANALYZE_STEPS)),
    ) -> None:
        """Resolve units, compute deadlines, route, cluster, assess replies and raise early warnings."""
        from store.db import get_engine
        from store.migrate import ensure_current

        moment = parse_moment(as_of, "--as-of")
        unknown = set(step or []) - {n for n, _ in ANALYZE_STEPS}
        if unknown:
            raise typer.BadParameter(f"unknown step(s): {', '.join(sorted(unknown))}")
        engine = get_engine()
        try:
            ensure_current(engine)
        except RuntimeError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        from store.settings import get_settings

        wait = float(get_settings().get("scheduler.job_timeout_minutes")) * 60
        report = analyze_locked(engine, moment, set(step) if step else None, wait_seconds=wait,
                                on_wait=lambda line: typer.echo(line, err=True))
        for line in report.lines():
            typer.echo(line)
        if not report.ok:
            raise typer.Exit(1)

    @app.command("demo")
    def demo_command(
        skip_crawl: bool = typer.Option(False, help="import the demo exports instead of crawling the demo portal"),
    ) -> None:
        """The whole chain offline on the bundled demo portal; prints where the outputs are."""
        run_demo(skip_crawl=skip_crawl)


# The demo corpus covers 2025; the chain is evaluated as of a moment inside it so that some replies are due,
# some overdue and some answered.
DEMO_AS_OF = dt.datetime(2025, 12, 16, 9, 0)


def run_demo(skip_crawl: bool = False) -> None:
    from demo.corpus import generate_corpus, write_exports
    from store.db import database_url, get_engine, session_factory
    from store.migrate import upgrade
    from store.settings import get_settings

    settings = get_settings()
    out = settings.var_dir / "demo"
    out.mkdir(parents=True, exist_ok=True)
    echo = typer.echo
    engine = get_engine()
    before, after = upgrade(engine)
    echo(f"[1/7] database {database_url()} at migration {after}")

    corpus = generate_corpus()
    exports = write_exports(corpus, out / "exports")
    echo(f"[2/7] demo corpus: {len(corpus)} messages; exports for `hotline-monitor import` in {out / 'exports'}")

    with session_factory(engine)() as session:
        from alerts.directory import load_directory_file, sync_directory

        directory = Path(__file__).parent / "alerts" / "data" / "units.example.toml"
        echo(f"[3/7] unit directory {directory.name}: {sync_directory(session, load_directory_file(directory))}")
        session.commit()

    if skip_crawl:
        from crawlers.importer import import_file

        with session_factory(engine)() as session:
            for path in exports:
                report = import_file(session, path)
                echo(f"[4/7] imported {path.name}: {report.result.as_dict()}")
    else:
        from demo.crawl import run_demo_crawl

        report = run_demo_crawl(corpus)
        echo(f"[4/7] crawled the demo portal at {report.origin} over HTTP (two rounds: the second finds replies "
             "published later):")
        for line in report.lines():
            echo("      " + line)

    from analysis.routing.router import train_from_store

    with session_factory(engine)() as session:
        for field in ("category", "unit"):
            trained, _ = train_from_store(session, field, cv_folds=3)
            cv = trained.metadata["cv_scores"]
            echo(f"      routing model for {field}: {trained.metadata['n_rows']} messages, "
                 f"{len(trained.metadata['classes'])} classes, 3-fold macro-F1 {cv['macro_f1']:.2f}")
        session.commit()
        analysis = analyze(session, DEMO_AS_OF)
    echo(f"[5/7] analysis as of {DEMO_AS_OF:%Y-%m-%d}:")
    for line in analysis.lines():
        echo("      " + line)

    from alerts.service import run_and_deliver

    alert_report, _ = run_and_deliver(engine, now=DEMO_AS_OF, send=False)
    echo(f"[6/7] alerts as of {DEMO_AS_OF:%Y-%m-%d %H:%M}: {alert_report}")
    echo("      digests wait in the outbox; `hotline-monitor alerts send` delivers them once SMTP/robots are "
         "configured (outside production every alert goes to the test recipient)")

    from reports.period import Period
    from reports.publication import create_draft_for_period, write_draft_files

    period = Period.parse("2025-10-01:2025-10-15")
    with session_factory(engine)() as session:
        publication = create_draft_for_period(session, period, as_of=DEMO_AS_OF.date())
        files = write_draft_files(session, publication, out / "summary")
        session.commit()
    echo(f"[7/7] draft summary for {period} (status {publication.status}, awaiting review):")
    for kind, path in files.items():
        echo(f"      {kind:<9} {path}")

    from web.accounts import ensure_demo_users

    with session_factory(engine)() as session:
        users = ensure_demo_users(session)
        session.commit()
    host, port = settings.get("web.host"), settings.get("web.port")
    echo("")
    # The demo data ends in December 2025: the UI evaluates its deadlines at the moment the analysis and the
    # alerts above used (setting web.as_of), so its overdue figures agree with them.
    echo(f"Web UI: run `.venv/bin/hotline-monitor serve --as-of {DEMO_AS_OF:%Y-%m-%dT%H:%M}`, then open "
         f"http://{host}:{port}/")
    echo(f"  (--as-of, or HOTLINE_WEB_AS_OF={DEMO_AS_OF:%Y-%m-%dT%H:%M}: the demo data ends in December 2025; "
         "without it the UI evaluates deadlines as of today)")
    for login, password, role in users:
        echo(f"  demo login ({role}): {login} / {password}")
    echo(f"Outputs: {out.resolve()}  (database: {database_url()})")

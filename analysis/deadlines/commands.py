"""Commands of the working-day calendar and deadlines: workdays, overdue, deadlines.

Wired by cli.py through ``register(app)``. Heavy imports stay inside the command functions.
"""
from __future__ import annotations

import json
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from store.cli_args import parse_day

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from analysis.deadlines.rules import DeadlinePolicy
    from analysis.deadlines.workcalendar import WorkCalendar

FORMATS = ("table", "json", "xlsx")


def _parse_moment(value: str, what: str) -> date | datetime:
    """A date, or a date with a time (``2025-01-24 18:05`` / ``2025-01-24T18:05``) for the receipt cut-off."""
    text = value.strip()
    try:
        return datetime.fromisoformat(text) if (" " in text or "T" in text) else date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{what}: expected a date like 2025-01-24 (or 2025-01-24 18:05), "
                                 f"got {value!r}") from None


@contextmanager
def _warnings_to_stderr() -> Iterator[None]:
    """Show calendar warnings (provisional years) as one clean line each on stderr."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    seen: set[str] = set()
    for warning in caught:
        text = str(warning.message)
        if text not in seen:
            seen.add(text)
            typer.echo(f"warning: {text}", err=True)


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


@contextmanager
def _deadline_session(day: date, refresh: bool) -> Iterator[tuple[Session, WorkCalendar, DeadlinePolicy]]:
    """A session with the calendar and policy in force, the stored deadlines brought up to date as of ``day`` first
    (``refresh``); a calendar or deadline error ends the command with one line (exit 2)."""
    from analysis.deadlines.db import compute_deadlines
    from analysis.deadlines.rules import DeadlineError, DeadlinePolicy
    from analysis.deadlines.workcalendar import CalendarError, get_calendar
    from store.db import session_scope

    try:
        with _warnings_to_stderr(), session_scope() as session:
            policy = DeadlinePolicy.from_settings()
            calendar = get_calendar()
            if refresh:
                compute_deadlines(session, as_of=day, calendar=calendar, policy=policy)
            yield session, calendar, policy
    except (CalendarError, DeadlineError) as exc:
        _fail(str(exc))


def workdays_add(
    day: str = typer.Argument(..., metavar="DATE", help="day of receipt, YYYY-MM-DD (optionally with HH:MM)"),
    n: int = typer.Argument(..., metavar="N", help="number of working days (>= 0)"),
    as_json: bool = typer.Option(False, "--json", help='print {"due","provisional","explanation"}'),
    convention: str = typer.Option(None, help="next_working_day (default setting) or receipt_day_counts"),
    lang: str = typer.Option("en", help="language of the explanation: en or zh"),
) -> None:
    """The due date N working days after DATE (first line, ISO), with its explanation.

    The day of receipt is not counted; a DATE on a non-working day counts as received on the next working
    day (received Saturday, 3 working days: due Thursday).
    """
    from analysis.deadlines.compute import compute_deadline
    from analysis.deadlines.rules import DeadlineError, DeadlinePolicy
    from analysis.deadlines.workcalendar import CalendarError

    received = _parse_moment(day, "DATE")
    if n < 0:
        raise typer.BadParameter("N must be >= 0")
    if lang not in ("en", "zh"):
        raise typer.BadParameter("--lang must be en or zh")
    try:
        with _warnings_to_stderr():
            result = compute_deadline(received, n, policy=DeadlinePolicy.from_settings(), convention=convention)
    except (CalendarError, DeadlineError, ValueError) as exc:
        _fail(str(exc))
    explanation = result.explanation_zh if lang == "zh" else result.explanation
    if as_json:
        typer.echo(json.dumps({"due": result.due.isoformat(), "provisional": result.provisional,
                               "explanation": explanation}, ensure_ascii=False))
    else:
        typer.echo(result.due.isoformat())
        typer.echo(explanation)


def workdays_between(
    start: str = typer.Argument(..., metavar="A", help="YYYY-MM-DD"),
    end: str = typer.Argument(..., metavar="B", help="YYYY-MM-DD"),
    as_json: bool = typer.Option(False, "--json", help='print {"from","to","working_days","provisional"}'),
) -> None:
    """The number of working days after A up to and including B (negative when B is before A)."""
    from analysis.deadlines.workcalendar import CalendarError, get_calendar

    first, last = parse_day(start, "A"), parse_day(end, "B")
    try:
        with _warnings_to_stderr():
            calendar = get_calendar()
            count = calendar.workdays_between(first, last)
            provisional = bool(calendar.provisional_years_between(first, last))
    except CalendarError as exc:
        _fail(str(exc))
    if as_json:
        typer.echo(json.dumps({"from": first.isoformat(), "to": last.isoformat(), "working_days": count,
                               "provisional": provisional}))
    else:
        typer.echo(str(count))


def overdue(
    as_of: str = typer.Option(None, "--as-of", help="the date to judge at (end of that day); default today"),
    unit: str = typer.Option(None, "--unit", help="responsible unit (substring match)"),
    output_format: str = typer.Option("table", "--format", help="table, json or xlsx"),
    output: str = typer.Option(None, "--output", "-o", help="xlsx file to write (default under var/outputs)"),
    show_all: bool = typer.Option(False, "--all", help="every message, not only those needing attention"),
    refresh: bool = typer.Option(True, help="bring stored deadlines up to date first"),
) -> None:
    """Messages due soon, overdue, seriously overdue, unanswered or paused as of a date (replayable)."""
    from analysis.deadlines.compute import ATTENTION_STATES
    from analysis.deadlines.db import overdue_rows
    from store.models.base import now_local

    if output_format not in FORMATS:
        raise typer.BadParameter(f"--format must be one of {', '.join(FORMATS)}")
    day = parse_day(as_of, "--as-of") if as_of else now_local().date()
    with _deadline_session(day, refresh) as (session, calendar, policy):
        rows = overdue_rows(session, day, unit=unit, states=None if show_all else ATTENTION_STATES,
                            calendar=calendar, policy=policy)
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.state.value] = counts.get(row.state.value, 0) + 1
    if output_format == "json":
        typer.echo(json.dumps({"as_of": day.isoformat(), "unit": unit, "counts": counts,
                               "messages": [r.to_json() for r in rows]}, ensure_ascii=False, indent=1))
        return
    if output_format == "xlsx":
        from store.settings import get_settings

        path = Path(output) if output else get_settings().var_dir / "outputs" / f"overdue_{day.isoformat()}.xlsx"
        _write_overdue_xlsx(path, day, rows)
        typer.echo(str(path))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"As of {day.isoformat()}" + (f", unit ~ {unit}" if unit else ""))
    for column in ("id", "external id", "unit", "kind", "received", "due", "state", "left", "late"):
        table.add_column(column)
    for r in rows:
        table.add_row(str(r.message_id), r.external_id, r.unit, r.kind, r.received_on.isoformat(),
                      (r.due.isoformat() if r.due else "-") + ("*" if r.provisional else ""), r.state.value,
                      "" if r.working_days_left is None else str(r.working_days_left),
                      "" if r.working_days_late is None else str(r.working_days_late))
    console = Console(width=max(120, Console().width))
    console.print(table)
    summary = ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "nothing needs attention"
    console.print(f"{len(rows)} messages: {summary}" +
                  ("  (* provisional calendar)" if any(r.provisional for r in rows) else ""))


def deadlines_explain(
    message_id: int = typer.Argument(..., metavar="MESSAGE_ID"),
    as_of: str = typer.Option(None, "--as-of", help="judge the state at this date (default: now)"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Why a message's due date is what it is: rule, policy source, calendar steps, extensions, pauses."""
    from analysis.deadlines.db import message_deadline
    from analysis.deadlines.rules import DeadlineError
    from analysis.deadlines.workcalendar import CalendarError
    from store.db import session_scope

    day = parse_day(as_of, "--as-of") if as_of else None
    try:
        with _warnings_to_stderr(), session_scope() as session:
            result = message_deadline(session, message_id, as_of=day)
    except (CalendarError, DeadlineError) as exc:
        _fail(str(exc))
    if as_json:
        typer.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=1))
        return
    due = result.due
    status = result.status
    typer.echo(f"message {result.message_id}" + (f" ({result.external_id})" if result.external_id else "")
               + (f", unit {result.unit}" if result.unit else ""))
    typer.echo(f"rule: {result.rule_id} {result.rule_label} — {result.rule_source}")
    typer.echo(f"due: {due.due.isoformat() if due.due else 'paused'}"
               + ("  (provisional calendar)" if due.provisional else ""))
    typer.echo(f"explanation: {due.explanation}")
    typer.echo(f"说明: {due.explanation_zh}")
    extra = ""
    if status.working_days_left is not None:
        extra = f", {status.working_days_left} working day{'' if status.working_days_left == 1 else 's'} left"
    elif status.working_days_late:
        extra = f", {status.working_days_late} working day{'' if status.working_days_late == 1 else 's'} late"
    typer.echo(f"state as of {status.as_of.isoformat()}: {status.state.value}{extra}")


def deadlines_compute(
    as_of: str = typer.Option(None, "--as-of", help="date for the state counts (default: today)"),
) -> None:
    """(Re)compute every message's deadline (the deadline part of `analyze`); logs calendar changes."""
    from analysis.deadlines.db import compute_deadlines
    from analysis.deadlines.rules import DeadlineError
    from analysis.deadlines.workcalendar import CalendarError
    from store.db import session_scope

    day = parse_day(as_of, "--as-of") if as_of else None
    try:
        with _warnings_to_stderr(), session_scope() as session:
            counts = compute_deadlines(session, as_of=day)
    except (CalendarError, DeadlineError) as exc:
        _fail(str(exc))
    typer.echo(json.dumps(counts.to_json(), ensure_ascii=False))


def deadlines_stats(
    as_of: str = typer.Option(None, "--as-of", help="judge at this date (default: today)"),
    by: str = typer.Option("unit", help="comma-separated: unit, category, channel, kind, source, rule, "
                                        "month, half_month, quarter, year"),
    min_cases: int = typer.Option(None, help="fewer decided cases: marked, not ranked (default: setting)"),
    as_json: bool = typer.Option(False, "--json"),
    refresh: bool = typer.Option(True, help="bring stored deadlines up to date first"),
) -> None:
    """On-time rate (95 % Wilson interval), median working days to reply and late share per group."""
    from analysis.deadlines.db import load_frame
    from analysis.deadlines.stats import responsiveness_stats
    from store.models.base import now_local

    day = parse_day(as_of, "--as-of") if as_of else now_local().date()
    keys = [k.strip() for k in by.split(",") if k.strip()]
    with _deadline_session(day, refresh) as (session, calendar, policy):
        frame = load_frame(session, policy=policy, as_of=day, calendar=calendar)
        stats = responsiveness_stats(frame, as_of=day, by=keys, calendar=calendar, policy=policy,
                                     min_cases=min_cases)
    if as_json:
        typer.echo(json.dumps([s.to_json(keys) for s in stats], ensure_ascii=False, indent=1))
        return
    for s in stats:
        rate = (f"{s.on_time_rate:6.1%} [{s.ci_low:.1%}, {s.ci_high:.1%}]" if s.on_time_rate is not None
                else "     -")
        median = f"{s.median_working_days_to_reply:g}" if s.median_working_days_to_reply is not None else "-"
        rank = f"#{s.rank}" if s.rank else "--"
        typer.echo(f"{rank:>4}  {' / '.join(s.group)}  n={s.cases}  on time {rate}  median {median} wd"
                   + (f"  ({s.note})" if s.note else ""))


def deadlines_extend(
    message_id: int = typer.Argument(..., metavar="MESSAGE_ID"),
    approved_on: str = typer.Option(..., "--approved-on", help="approval date YYYY-MM-DD"),
    new_due: str = typer.Option(None, "--new-due", help="the new due date"),
    extra_days: int = typer.Option(None, "--extra-days", help="working days added to the current due date"),
    reason: str = typer.Option(None, help="why (情况复杂…)"),
    approved_by: str = typer.Option(None, "--approved-by"),
) -> None:
    """Record an approved extension (延期) and recompute the message's deadline."""
    from analysis.deadlines.compute import Extension
    from analysis.deadlines.rules import DeadlineError

    approved = parse_day(approved_on, "--approved-on")
    new_due_day = parse_day(new_due, "--new-due") if new_due else None
    try:
        Extension(approved, new_due_day, extra_days)  # validates: exactly one of the two
    except DeadlineError as exc:
        _fail(str(exc))

    def write(session: Session) -> None:
        from store.models.deadlines import DeadlineExtension

        session.add(DeadlineExtension(message_id=message_id, status="approved", approved_on=approved,
                                      new_due_on=new_due_day, extra_working_days=extra_days,
                                      reason=reason, approved_by=approved_by))

    _record_event(message_id, write)


def deadlines_pause(
    message_id: int = typer.Argument(..., metavar="MESSAGE_ID"),
    start: str = typer.Option(..., "--start", help="the day the clock stopped (materials requested)"),
    end: str = typer.Option(None, "--end", help="the day the materials arrived (omit while waiting)"),
    reason: str = typer.Option("等待群众补充材料", help="why the clock stopped"),
) -> None:
    """Record a pause (waiting for the citizen's materials) or close the open one with --end."""
    from analysis.deadlines.compute import Pause
    from analysis.deadlines.rules import DeadlineError

    start_day = parse_day(start, "--start")
    end_day = parse_day(end, "--end") if end else None
    try:
        Pause(start_day, end_day)  # validates the order
    except DeadlineError as exc:
        _fail(str(exc))

    def write(session: Session) -> None:
        from sqlalchemy import select

        from store.models.deadlines import DeadlinePause

        pause = session.scalars(select(DeadlinePause).where(
            DeadlinePause.message_id == message_id, DeadlinePause.started_on == start_day)).first()
        if pause is None:
            session.add(DeadlinePause(message_id=message_id, started_on=start_day, ended_on=end_day, reason=reason))
        else:
            pause.ended_on = end_day

    _record_event(message_id, write)


def _record_event(message_id: int, write: Callable[[Session], None]) -> None:
    """The common part of `deadlines extend` and `deadlines pause`: check the message, ``write`` the event row,
    recompute the message's deadline, print the new due date and its explanation."""
    from analysis.deadlines.db import compute_deadlines, message_deadline
    from analysis.deadlines.rules import DeadlineError
    from store.db import session_scope
    from store.models.core import Message

    try:
        with _warnings_to_stderr(), session_scope() as session:
            if session.get(Message, message_id) is None:
                raise DeadlineError(f"no message with id {message_id}")
            write(session)
            session.flush()
            compute_deadlines(session, message_ids=[message_id])
            result = message_deadline(session, message_id)
    except DeadlineError as exc:
        _fail(str(exc))
    typer.echo(result.due.due.isoformat() if result.due.due else "paused")
    typer.echo(result.due.explanation)


def deadlines_calendar(year: int = typer.Argument(None, help="list this year's holidays and make-up days")
                       ) -> None:
    """Where each year of the working-day calendar comes from; with YEAR, its special days."""
    from datetime import timedelta

    from analysis.deadlines.workcalendar import CalendarError, DayKind, format_day, get_calendar

    calendar = get_calendar()
    typer.echo(f"fingerprint {calendar.fingerprint}: {calendar.describe()}")
    if year is None:
        return
    try:
        source = calendar.year_source(year)
        spans = calendar.special_days(date(year, 1, 1) - timedelta(days=1), date(year, 12, 31))
    except CalendarError as exc:
        _fail(str(exc))
    typer.echo(f"{year}: {source.value}")
    for span in spans:
        if span.kind == DayKind.MAKEUP_WORKDAY:
            typer.echo(f"  {format_day(span.first)}  make-up working day ({span.name})")
        else:
            typer.echo(f"  {span.first.isoformat()}..{span.last.isoformat()}  {span.name}")


def register(app: typer.Typer) -> None:
    workdays_app = typer.Typer(help="Working-day arithmetic on the Chinese calendar (holidays, 调休).",
                               no_args_is_help=True)
    deadlines_app = typer.Typer(help="Reply deadlines: explain, compute, statistics, extensions and pauses.",
                                no_args_is_help=True)
    app.add_typer(workdays_app, name="workdays")
    app.add_typer(deadlines_app, name="deadlines")
    workdays_app.command("add")(workdays_add)
    workdays_app.command("between")(workdays_between)
    app.command("overdue")(overdue)
    for name, command in (("explain", deadlines_explain), ("compute", deadlines_compute), ("stats", deadlines_stats),
                          ("extend", deadlines_extend), ("pause", deadlines_pause),
                          ("calendar", deadlines_calendar)):
        deadlines_app.command(name)(command)


def _write_overdue_xlsx(path: Path, as_of: date, rows: list) -> None:
    from openpyxl import Workbook

    from store.exports import neutralise_row

    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"overdue {as_of.isoformat()}"
    sheet.append(["message_id", "external_id", "unit", "kind", "received_on", "due", "state", "working_days_left",
                  "working_days_late", "provisional"])
    for r in rows:
        sheet.append(neutralise_row([r.message_id, r.external_id, r.unit, r.kind, r.received_on, r.due,
                                     r.state.value, r.working_days_left, r.working_days_late, r.provisional]))
    sheet.freeze_panes = "A2"
    workbook.save(path)


if __name__ == "__main__":  # pragma: no cover - handy for a quick try without cli.py
    _app = typer.Typer()
    register(_app)
    _app(sys.argv[1:])

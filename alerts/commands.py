"""Commands: alerts run|send|ack|list|silence, ledger export, units load."""
from __future__ import annotations

import json
from datetime import timedelta

import typer

from store.cli_args import parse_day, parse_moment


def register(app: typer.Typer) -> None:
    alerts_app = typer.Typer(help="Due and overdue alerts to responsible units, escalation, delivery.",
                             no_args_is_help=True)
    ledger_app = typer.Typer(help="舆情回应处置台账: the response ledger.", no_args_is_help=True)
    units_app = typer.Typer(help="The unit directory (responsible units, supervisors, contacts).",
                            no_args_is_help=True)
    app.add_typer(alerts_app, name="alerts")
    app.add_typer(ledger_app, name="ledger")
    app.add_typer(units_app, name="units")

    @alerts_app.command("run")
    def alerts_run(
        at: str = typer.Option(None, "--at", help="decide as of this local time (default: now)"),
        no_send: bool = typer.Option(False, "--no-send", help="decide and queue only; `alerts send` delivers"),
        as_json: bool = typer.Option(False, "--json", help="print the run report as JSON"),
    ) -> None:
        """Decide due/overdue/escalation alerts, queue one digest per recipient, deliver them."""
        from alerts.locking import LockHeld
        from alerts.service import run_and_deliver

        try:
            report, delivery = run_and_deliver(now=parse_moment(at, "--at"), send=not no_send)
        except LockHeld as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None  # refused: nothing done
        if as_json:
            typer.echo(json.dumps({"run": report.to_json(),
                                   "delivery": vars(delivery) if delivery else None}, ensure_ascii=False))
        else:
            typer.echo(str(report))
            if delivery:
                typer.echo(str(delivery))
                for error in delivery.errors[:20]:
                    typer.echo(f"  {error}", err=True)
        if delivery and (delivery.dead or delivery.failed):
            raise typer.Exit(1)  # done in part: some deliveries failed (README, exit codes)

    @alerts_app.command("send")
    def alerts_send() -> None:
        """Deliver the pending outbox entries (retries and rate limits included)."""
        from alerts.service import send_pending

        delivery = send_pending()  # a second sender gets LockHeld: one line from the CLI's error handler
        typer.echo(str(delivery))
        for error in delivery.errors[:20]:
            typer.echo(f"  {error}", err=True)
        if delivery.dead or delivery.failed:
            raise typer.Exit(1)

    @alerts_app.command("ack")
    def alerts_ack(
        alert_id: int = typer.Argument(..., help="alert id (see `alerts list`)"),
        by: str = typer.Option(..., "--by", help="who acknowledges"),
        note: str = typer.Option(None, help="what is being done"),
    ) -> None:
        """Acknowledge an alert: stops its repeats; escalation continues if no reply comes."""
        from alerts.acknowledgements import acknowledge
        from alerts.ladder import AlertError
        from store.db import session_scope

        try:
            with session_scope() as session:
                alert = acknowledge(session, alert_id, by, note)
                typer.echo(f"acknowledged alert #{alert.id} ({alert.subject}, {alert.level}) by {by}")
        except AlertError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from None

    @alerts_app.command("list")
    def alerts_list(
        state: str = typer.Option("firing", help="firing | resolved | superseded | all"),
        level: str = typer.Option(None, help="due_soon | overdue | seriously_overdue | supervision | warning"),
        recipient: str = typer.Option(None, help="who hears them: unit:<id>, analysts or operators (the key a "
                                                 "digest names when it lists only its first items)"),
        limit: int = typer.Option(100, help="rows to show"),
        as_json: bool = typer.Option(False, "--json", help="JSON lines"),
    ) -> None:
        """List alerts, most overdue first."""
        from sqlalchemy import select

        from store.db import session_scope
        from store.models.alerts import Alert

        query = select(Alert).order_by(Alert.overdue_workdays.desc(), Alert.id).limit(limit)
        if state != "all":
            query = query.where(Alert.state == state)
        if level:
            query = query.where(Alert.level == level)
        if recipient:
            query = query.where(Alert.recipient == recipient)
        with session_scope() as session:
            for alert in session.scalars(query):
                row = {"id": alert.id, "subject": alert.subject, "level": alert.level, "state": alert.state,
                       "recipient": alert.recipient, "title": alert.title,
                       "due_on": alert.due_on.isoformat() if alert.due_on else None,
                       "overdue_workdays": alert.overdue_workdays,
                       "acknowledged": alert.acknowledged_at is not None,
                       "last_notified_at": (alert.last_notified_at.isoformat(sep=" ")
                                            if alert.last_notified_at else None)}
                if as_json:
                    typer.echo(json.dumps(row, ensure_ascii=False))
                else:
                    typer.echo(f"#{row['id']:<6} {row['level']:<18} {row['state']:<10} {row['subject']:<16} "
                               f"due {row['due_on']} late {row['overdue_workdays']:>3}  {row['recipient']:<10} "
                               f"{'ACK ' if row['acknowledged'] else ''}{row['title'][:40]}")

    @alerts_app.command("silence")
    def alerts_silence(
        reason: str = typer.Option(..., help="why (maintenance, holiday duty…)"),
        hours: float = typer.Option(None, help="from now, for this many hours"),
        start: str = typer.Option(None, "--from", help="start (local date-time); default now"),
        end: str = typer.Option(None, "--until", help="end (local date-time)"),
        unit: str = typer.Option(None, help="only this unit (any spelling)"),
        level: str = typer.Option(None, help="only this level"),
        channel: str = typer.Option(None, help="only this alert channel (email or a robot)"),
        by: str = typer.Option(None, "--by", help="who sets it"),
    ) -> None:
        """Hold back matching notifications for a while (they go out after the silence)."""
        from alerts.directory import UnitDirectory
        from alerts.ladder import AlertError
        from alerts.silences import add_silence
        from store.db import session_scope
        from store.models.base import now_local

        starts = parse_moment(start, "--from") or now_local()
        ends = parse_moment(end, "--until") or (starts + timedelta(hours=hours) if hours else None)
        if ends is None:
            raise typer.BadParameter("give --hours or --until")
        with session_scope() as session:
            unit_id = None
            if unit:
                found = UnitDirectory.load(session).resolve(unit)
                if found is None:
                    typer.echo(f"error: --unit {unit!r} is not in the unit directory", err=True)
                    raise typer.Exit(1)
                unit_id = found.id
            try:
                silence = add_silence(session, starts_at=starts, ends_at=ends, reason=reason, unit_id=unit_id,
                                      level=level, channel=channel, created_by=by)
            except AlertError as exc:
                typer.echo(f"error: {exc}", err=True)
                raise typer.Exit(1) from None
            typer.echo(f"silence #{silence.id} from {starts:%Y-%m-%d %H:%M} until {ends:%Y-%m-%d %H:%M}")

    @ledger_app.command("export")
    def ledger_export(
        out: str = typer.Option("台账.xlsx", "-o", "--out", help="XLSX file to write"),
        date_from: str = typer.Option(None, "--from", help="first discovered on or after (YYYY-MM-DD)"),
        date_to: str = typer.Option(None, "--to", help="first discovered on or before (YYYY-MM-DD)"),
        unit: str = typer.Option(None, help="responsible unit (substring)"),
    ) -> None:
        """Export the response ledger (舆情回应处置台账) as XLSX."""
        from alerts.ledger import export_ledger
        from store.db import session_scope

        with session_scope() as session:
            count = export_ledger(session, out, date_from=parse_day(date_from, "--from"),
                                  date_to=parse_day(date_to, "--to"), unit=unit)
        typer.echo(f"wrote {count} cases to {out}")

    @units_app.command("load")
    def units_load(path: str = typer.Argument(None, help="directory TOML (default: setting alerts.units_file, else "
                                                          "outside production the demo city's directory)")) -> None:
        """Load the unit directory into the database (upsert by name)."""
        from alerts.directory import PACKAGED_DIRECTORY, DirectoryError, load_directory_file, sync_directory
        from store.db import session_scope
        from store.settings import get_settings

        settings = get_settings()
        source = path or settings.get("alerts.units_file")
        if not source and settings.production:
            raise DirectoryError("units load: no directory file given: pass its path (`hotline-monitor units load "
                                 "units.toml`) or set alerts.units_file; the packaged directory is the demo city's, "
                                 "loaded without a path only outside production (general.mode)")
        if not source:
            source = str(PACKAGED_DIRECTORY)
            typer.echo(f"no path given: loading the demo city's directory (general.mode = "
                       f"{settings.get('general.mode')})", err=True)
        try:
            specs = load_directory_file(source)
        except DirectoryError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from None
        with session_scope() as session:
            counts = sync_directory(session, specs)
        typer.echo(f"{source}: {len(specs)} units: {counts.inserted} added, {counts.updated} updated, "
                   f"{counts.unchanged} unchanged")

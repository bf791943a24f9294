"""Commands of the storage layer: init, messages list, stats, config show/docs."""
from __future__ import annotations

import json
from datetime import datetime, time

import typer

from store.cli_args import parse_day


def register(app: typer.Typer) -> None:
    messages_app = typer.Typer(help="Browse stored messages.", no_args_is_help=True)
    config_app = typer.Typer(help="Show the effective settings and their documentation.", no_args_is_help=True)
    app.add_typer(messages_app, name="messages")
    app.add_typer(config_app, name="config")

    @app.command()
    def init() -> None:
        """Create the database or upgrade it to the current schema (Alembic)."""
        from store.db import database_url, get_engine
        from store.migrate import upgrade

        before, after = upgrade(get_engine())
        where = database_url()
        if before == after:
            typer.echo(f"database {where} is up to date (migration {after})")
        else:
            typer.echo(f"database {where} upgraded from {before or 'empty'} to {after}")

    @messages_app.command("list")
    def messages_list(
        channel: str = typer.Option(None, help="hotline, mailbox or feedback"),
        unit: str = typer.Option(None, help="responsible unit (substring match)"),
        status: str = typer.Option(None, help="status as stored (exact)"),
        date_from: str = typer.Option(None, "--from", help="submitted on or after this date (YYYY-MM-DD)"),
        date_to: str = typer.Option(None, "--to", help="submitted on or before this date (YYYY-MM-DD)"),
        source: str = typer.Option(None, help="source name"),
        limit: int = typer.Option(50, help="rows to show"),
        as_json: bool = typer.Option(False, "--json", help="JSON lines instead of a table"),
    ) -> None:
        """List messages, newest first."""
        from rich.console import Console
        from rich.table import Table
        from sqlalchemy import select

        from store.db import session_scope
        from store.models import Message, Source

        start, end = parse_day(date_from, "--from"), parse_day(date_to, "--to")
        query = select(Message, Source.name).join(Source).order_by(Message.submitted_at.desc(), Message.id.desc())
        if channel:
            query = query.where(Message.channel == channel)
        if unit:
            query = query.where(Message.unit.contains(unit))
        if status:
            query = query.where(Message.status == status)
        if source:
            query = query.where(Source.name == source)
        if start:
            query = query.where(Message.submitted_at >= datetime.combine(start, time.min))
        if end:
            query = query.where(Message.submitted_at <= datetime.combine(end, time.max))
        with session_scope() as session:
            rows = session.execute(query.limit(limit)).all()
            if as_json:
                for message, source_name in rows:
                    typer.echo(json.dumps({
                        "id": message.id, "source": source_name, "external_id": message.external_id,
                        "channel": message.channel, "title": message.title,
                        "submitted_at": message.submitted_at.isoformat(sep=" "), "unit": message.unit,
                        "status": message.status,
                        "replied_at": message.replied_at.isoformat(sep=" ") if message.replied_at else None,
                    }, ensure_ascii=False))
                return
            table = Table(title=f"{len(rows)} messages (newest first)")
            for column in ("id", "channel", "submitted", "title", "unit", "status", "replied"):
                table.add_column(column, overflow="fold")
            for message, _ in rows:
                table.add_row(
                    str(message.id), message.channel, f"{message.submitted_at:%Y-%m-%d %H:%M}",
                    (message.title or message.content)[:40], message.unit or "", message.status or "",
                    f"{message.replied_at:%Y-%m-%d}" if message.replied_at else "—",
                )
            Console().print(table)

    @app.command()
    def stats(as_json: bool = typer.Option(False, "--json", help="print JSON")) -> None:
        """Message counts by channel, source, unit and month."""
        from rich.console import Console
        from rich.table import Table

        from store.db import session_scope
        from store.stats import message_counts

        with session_scope() as session:
            counts = message_counts(session)
        if as_json:
            typer.echo(json.dumps(counts, ensure_ascii=False, indent=2))
            return
        console = Console()
        console.print(f"[bold]{counts['total']}[/bold] messages, {counts['replied']} with a reply")
        for key, title in (("by_channel", "channel"), ("by_source", "source"), ("by_unit", "unit (top 20)"),
                           ("by_month", "month")):
            table = Table(title=f"by {title}")
            table.add_column(title)
            table.add_column("messages", justify="right")
            for name, number in counts[key]:
                table.add_row(str(name), str(number))
            console.print(table)

    @config_app.command("show")
    def config_show(as_json: bool = typer.Option(False, "--json", help="print JSON")) -> None:
        """The effective value of every setting and where it came from."""
        from rich.console import Console
        from rich.table import Table

        from store.settings import SETTINGS, get_settings

        settings = get_settings()
        if as_json:
            typer.echo(json.dumps({s.name: settings.get(s.name) for s in SETTINGS}, ensure_ascii=False, indent=2))
            return
        table = Table(title=f"settings (file: {settings.config_file or 'none'})")
        for column in ("setting", "value", "from", "meaning"):
            table.add_column(column, overflow="fold")
        for s in SETTINGS:
            table.add_row(s.name, json.dumps(settings.get(s.name), ensure_ascii=False), settings.origin(s.name),
                          s.help)
        Console(width=160).print(table)

    @config_app.command("docs")
    def config_docs() -> None:
        """Print the settings reference (Markdown) kept in docs/configuration.md."""
        from store.settings import render_docs

        typer.echo(render_docs(), nl=False)

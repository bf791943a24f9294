"""The `import` command."""
from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    @app.command("import")
    def import_command(
        paths: list[Path] = typer.Argument(..., help="CSV (UTF-8/GBK/GB18030) or XLSX exports; folders too"),
        channel: str = typer.Option(None, help="hotline, mailbox or feedback (default: guessed per file)"),
        source: str = typer.Option(None, help="source name (default: the file name without extension)"),
        dry_run: bool = typer.Option(False, "--dry-run", help="read, validate and count; store nothing"),
    ) -> None:
        """Import message exports; bad rows are reported (file, row, field, reason) and the rest imported."""
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        from crawlers.importer import ImportFileError, ImportRefused, import_file
        from store.db import get_engine, session_factory
        from store.migrate import ensure_current
        from store.settings import get_settings

        settings = get_settings()
        console = Console(stderr=True)
        engine = get_engine()
        try:
            ensure_current(engine)
        except RuntimeError as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(2) from None
        files: list[Path] = []
        for path in paths:
            if path.is_dir():
                files += sorted(p for p in path.iterdir() if p.suffix.lower() in {".csv", ".xlsx", ".tsv"})
            else:
                files.append(path)
        failures = 0
        min_rows = settings.get("import.progress_min_rows")
        for path in files:
            with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                          TimeRemainingColumn(), console=console, transient=True) as progress:
                task = progress.add_task(path.name, total=None, visible=False)

                def on_start(total: int | None, progress=progress, task=task) -> None:
                    progress.update(task, total=total, visible=bool(total and total >= min_rows))

                def on_row(progress=progress, task=task) -> None:
                    progress.advance(task)

                with session_factory(engine)() as session:
                    try:
                        report = import_file(
                            session, path, channel=channel, source=source, dry_run=dry_run,
                            batch_size=settings.get("import.batch_size"),
                            rejects_dir=settings.path("import.rejects_dir", "rejects"),
                            on_start=on_start, on_row=on_row,
                        )
                    except (ImportFileError, ImportRefused) as exc:
                        console.print(f"[red]refused[/red] {exc}")
                        failures += 1
                        continue
            r = report.result
            prefix = "[yellow]dry run[/yellow] " if dry_run else ""
            typer.echo(
                f"{prefix}{path}: source={report.source} channel={report.channel} "
                f"encoding={report.encoding or 'xlsx'}: inserted {r.inserted}, updated {r.updated}, "
                f"unchanged {r.unchanged}, rejected {r.rejected}, duplicates {r.duplicates}"
            )
            console.print(f"  columns: {report.columns}", style="dim")
            for reject in r.rejects[:20]:
                console.print(f"  [red]rejected[/red] {reject}")
            if len(r.rejects) > 20:
                console.print(f"  … and {len(r.rejects) - 20} more")
            if report.rejects_file:
                console.print(f"  rejects report: {report.rejects_file}")
        if failures:
            raise typer.Exit(2)

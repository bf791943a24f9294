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
        sheet: list[str] = typer.Option(None, "--sheet",
                                        help="import only this sheet of a workbook (repeatable; default: all)"),
        dry_run: bool = typer.Option(False, "--dry-run", help="read, validate and count; store nothing"),
        region: str = typer.Option(None, help="put the source in this region: topics are clustered per region "
                                              "(a province's cities apart); \"\" for the default region"),
    ) -> None:
        """Import message exports; bad rows are reported (file, row, field, reason) and the rest imported.

        Exit code 0: every row stored; 1: some rows (or sheets) rejected, the rest stored; 2: a file refused
        (unreadable, not an export) — the other files are still imported."""
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        from cli_errors import describe
        from crawlers.importer import ImportFileError, ImportRefused, import_file
        from store.db import get_engine, session_factory
        from store.migrate import ensure_current
        from store.settings import get_settings

        settings = get_settings()
        console = Console(stderr=True, soft_wrap=True)  # one line per message, whatever the terminal width
        engine = get_engine()
        try:
            ensure_current(engine)
        except RuntimeError as exc:
            console.print(f"[red]error:[/red] {exc}", highlight=False)
            raise typer.Exit(2) from None
        files: list[Path] = []
        for path in paths:
            if path.is_dir():
                files += sorted(p for p in path.iterdir() if p.suffix.lower() in {".csv", ".xlsx", ".tsv"})
            else:
                files.append(path)
        refused = partial = 0
        min_rows = settings.get("import.progress_min_rows")
        for path in files:
            with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                          TimeRemainingColumn(), console=console, transient=True) as progress:
                task = progress.add_task(path.name, total=None, visible=False)

                def on_start(total: int | None, progress=progress, task=task) -> None:
                    progress.reset(task, total=total, visible=bool(total and total >= min_rows))

                def on_row(progress=progress, task=task) -> None:
                    progress.advance(task)

                with session_factory(engine)() as session:
                    try:
                        report = import_file(
                            session, path, channel=channel, source=source, dry_run=dry_run,
                            batch_size=settings.get("import.batch_size"),
                            rejects_dir=settings.path("import.rejects_dir", "rejects"),
                            on_start=on_start, on_row=on_row, sheets=sheet or None, region=region,
                        )
                    except (ImportFileError, ImportRefused) as exc:
                        console.print(f"[red]refused[/red] {exc}", markup=True, highlight=False)
                        refused += 1
                        continue
                    except Exception as exc:  # noqa: BLE001 - one bad file must not stop a folder import
                        session.rollback()
                        why = describe(exc) or f"{type(exc).__name__}: {exc}"
                        console.print(f"[red]failed[/red] {path}: {why} (rows committed before stay stored; "
                                      "run again with --debug for the traceback)", highlight=False)
                        refused += 1
                        continue
            partial += report.exit_code
            _print_report(console, report, dry_run)
        if refused:
            raise typer.Exit(2)
        if partial:
            raise typer.Exit(1)


def _print_report(console, report, dry_run: bool) -> None:  # noqa: ANN001 - rich Console, ImportReport
    for part in report.parts:
        r = part.result
        where = f"{part.path} sheet {part.sheet!r}" if part.sheet else str(part.path)
        typer.echo(
            f"{'dry run ' if dry_run else ''}{where}: source={part.source} channel={part.channel} "
            f"encoding={part.encoding or 'xlsx'}: inserted {r.inserted}, updated {r.updated}, "
            f"unchanged {r.unchanged}, rejected {r.rejected}, duplicates {r.duplicates}"
            + (f", cut to messages.max_chars {r.cut}" if r.cut else "")
        )
        console.print(f"  columns: {part.columns}", style="dim", highlight=False)
    for name in report.empty_sheets:
        console.print(f"  sheet {name!r}: empty, skipped", highlight=False)
    for refusal in report.refused:
        console.print(f"  [red]sheet refused[/red] {refusal}", highlight=False)
    rejects = report.result.rejects
    for reject in rejects[:20]:
        console.print(f"  [red]rejected[/red] {reject}", highlight=False)
    if len(rejects) > 20:
        console.print(f"  … and {len(rejects) - 20} more")
    if report.rejects_file:
        console.print(f"  rejects report: {report.rejects_file}", highlight=False)

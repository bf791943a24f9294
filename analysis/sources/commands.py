"""The `sources` command: crawl health and freshness of every source."""
from __future__ import annotations

import json

import typer


def register(app: typer.Typer) -> None:
    @app.command()
    def sources(as_json: bool = typer.Option(False, "--json", help="JSON instead of a table")) -> None:
        """Each crawled source: last run, freshness against its objective, warnings."""
        from rich.console import Console
        from rich.table import Table

        from analysis.sources.health import source_health
        from store.db import session_scope
        from store.settings import get_settings

        settings = get_settings()
        with session_scope() as session:
            report = source_health(session, coverage_drop=settings.get("crawl.coverage_drop"),
                                   blocked_limit=settings.get("crawl.blocked_share"))
        if as_json:
            typer.echo(json.dumps([h.as_dict() for h in report], ensure_ascii=False, indent=2))
            return
        table = Table("source", "family", "last run", "fetched/new/upd/rej", "known", "requests",
                      "fresh (workdays)", "warnings")
        for h in report:
            run = h.last_run
            fresh = "-" if h.workdays_since_new is None else f"{h.workdays_since_new}/{h.objective_days or '-'}"
            table.add_row(h.name, h.family or "", f"{run['started_at']} {run['finish_reason']}" if run else "never",
                          f"{run['items']}/{run['new']}/{run['updated']}/{run['rejected']}" if run else "",
                          str(run["known"]) if run else "", str(run["requests"]) if run else "", fresh,
                          "\n".join(h.warnings) if h.warnings else "ok")
        Console().print(table)

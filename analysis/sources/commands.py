"""The `sources` command: crawl health and freshness of every crawled source."""
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

        with session_scope() as session:
            report = [h.as_dict() for h in source_health(session, origin="crawl")]
        if as_json:
            typer.echo(json.dumps(report, ensure_ascii=False, indent=2))
            return
        table = Table("source", "family", "last run", "fetched/new/upd/rej", "known", "requests",
                      "fresh (workdays)", "warnings")
        for h in report:
            run, since = h["last_run"], h["workdays_since_new"]
            fresh = "-" if since is None else f"{since}/{h['freshness_objective_days'] or '-'}"
            table.add_row(h["source"], h["family"] or "",
                          f"{run['started_at']} {run['finish_reason']}" if run else "never",
                          f"{run['items']}/{run['new']}/{run['updated']}/{run['rejected']}" if run else "",
                          str(run["known"]) if run else "", str(run["requests"]) if run else "", fresh,
                          "\n".join(h["warnings"]) if h["warnings"] else "ok")
        Console().print(table)

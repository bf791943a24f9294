"""Commands of the collection side: crawl, demo-portal (`sources` lives in analysis: it reads crawl runs)."""
from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command()
    def crawl(
        names: list[str] = typer.Argument(None, help="profile names (see crawlers/profiles/ and crawl.profiles_dir)"),
        all_profiles: bool = typer.Option(False, "--all", help="every enabled profile (demo profiles excluded)"),
        origin: str = typer.Option(None, help="crawl this server instead, e.g. http://127.0.0.1:8765 (demo)"),
        list_only: bool = typer.Option(False, "--list", help="list the profiles and exit"),
        check: str = typer.Option(None, "--check", metavar="PROFILE",
                                  help="fetch one list page and one detail page of PROFILE (a name or a .toml "
                                       "file) and print each field as extracted, or why not; stores nothing"),
        url: str = typer.Option(None, "--url", help="with --check: this detail page instead of the list's first"),
    ) -> None:
        """Run spiders, each crawl in its own process; print each run's counts."""
        from crawlers.profiles import ProfileError, load_profiles

        if check:
            raise typer.Exit(run_check(check, url, origin))
        from crawlers.runner import crawl_in_subprocess, health_lines, summary_line
        from store.db import get_engine
        from store.migrate import ensure_current

        try:
            profiles = load_profiles()
        except ProfileError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        if list_only:
            for p in profiles.values():
                flags = " (demo)" if p.demo else "" if p.enabled else " (disabled)"
                typer.echo(f"{p.name}\t{p.family}\t{p.channel}\t{p.base_url}{flags}")
            return
        if all_profiles:
            chosen = [p.name for p in profiles.values() if p.enabled and not p.demo]
        else:
            chosen = list(names or [])
        if not chosen:
            typer.echo("error: no enabled site profile (add one to crawl.profiles_dir)" if all_profiles else
                       "error: name a profile or use --all (see `crawl --list`)", err=True)
            raise typer.Exit(2)
        unknown = [n for n in chosen if n not in profiles]
        if unknown:
            typer.echo(f"error: unknown profile(s) {', '.join(unknown)}; known: {', '.join(profiles)}", err=True)
            raise typer.Exit(2)
        try:
            ensure_current(get_engine())
        except RuntimeError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        failures = 0
        for name in chosen:  # one process per crawl: a broken site cannot take the others down
            outcome = crawl_in_subprocess([name], origin=origin)
            for s in outcome.summaries:
                typer.echo(summary_line(s))
                for line in health_lines(s):
                    typer.echo(f"  warning: {line}", err=True)
                for problem in (s.get("errors") or [])[:10]:
                    typer.echo(f"  problem: {problem.get('ref')}: {problem.get('field')}: {problem.get('reason')}",
                               err=True)
            if not outcome.ok or not outcome.summaries:
                failures += 1
                typer.echo(f"{name}: crawl process failed (exit {outcome.returncode})\n{outcome.stderr_tail}",
                           err=True)
        if failures:
            raise typer.Exit(1)


def run_check(name_or_path: str, url: str | None, origin: str | None) -> int:
    """`crawl --check`: 0 when every required field came out, 1 when one did not, 2 for an unusable profile."""
    from pathlib import Path

    from crawlers.check import check_profile
    from crawlers.profiles import ProfileError, get_profile, load_profile

    try:
        path = Path(name_or_path)
        profile = load_profile(path) if path.suffix == ".toml" and path.exists() else get_profile(name_or_path)
        if origin:
            profile = profile.with_origin(origin)
        report = check_profile(profile, url)
    except ProfileError as exc:
        typer.echo(f"error: {exc}", err=True)
        return 2
    for line in report.lines:
        typer.echo(line)
    if report.ok:
        typer.echo("check passed: every required field was found")
        return 0
    for reason in report.failed:
        typer.echo(f"check failed: {reason}", err=True)
    return 1

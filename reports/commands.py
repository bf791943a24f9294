"""`hotline-monitor summary …`: the biweekly summary and its review (先审后发).

    summary --period 2024-03-01:2024-03-15 [--out DIR]   create/regenerate the draft, write its files
    summary list                                          every summary and its state
    summary show --period P                               the editable texts (targets for `edit`)
    summary edit --period P --target T (--text S | --file F) --by NAME
    summary drop --period P --question KEY --by NAME [--reason R] [--restore]
    summary review --period P --by NAME
    summary approve --period P --by NAME
    summary publish --period P --by NAME [--dir DIR] [--url URL] [--repost]
    summary reopen --period P --by NAME --reason R
    summary diff --period P                               against the previous period
"""
from __future__ import annotations

from pathlib import Path

import typer

from reports.renderers import format_names

summary_app = typer.Typer(help="The biweekly common-question summary (回应关切) and its review before publishing.",
                          invoke_without_command=True, no_args_is_help=False)

PERIOD_HELP = "Half month START:END, e.g. 2024-03-01:2024-03-15 or 2024-03-16:2024-03-31."


def _period(text: str):
    from reports.period import Period, PeriodError

    try:
        return Period.parse(text)
    except PeriodError as exc:
        raise typer.BadParameter(str(exc), param_hint="--period") from None


def _fail(exc: Exception) -> None:
    typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


def _run(step):
    """Run ``step(session)`` in a committed session; workflow errors become a clear message and exit 1."""
    from reports.charts import ChartGlyphError
    from reports.publication import PersonalDataFound, PublicationError
    from store.db import session_scope

    try:
        with session_scope() as session:
            try:
                return step(session)
            except PersonalDataFound as exc:
                session.commit()  # keep the refusal in the review trail
                typer.secho("publishing refused: personal data found", fg=typer.colors.RED, err=True)
                for finding in exc.findings:
                    typer.echo(f"  {finding.place} [{finding.target}]: {finding.type} in “{finding.context}”",
                               err=True)
                raise typer.Exit(1) from None
    except (PublicationError, ChartGlyphError) as exc:
        _fail(exc)


@summary_app.callback()
def summary(
    ctx: typer.Context,
    period: str = typer.Option(None, "--period", help=PERIOD_HELP),
    out: Path = typer.Option(None, "--out", help="Directory for the draft files (default: reports.internal_dir)."),
    as_of: str = typer.Option(None, "--as-of", help="Count replies and deadlines as of this date (default today)."),
    formats: list[str] = typer.Option(None, "--format", help="Write only this format (repeat for more): "
                                      + ", ".join(format_names()) + "; default all."),
) -> None:
    """Create or regenerate the draft summary of a period (editors' edits are kept) and write its files."""
    if ctx.invoked_subcommand is not None:
        return
    if not period:
        raise typer.BadParameter("give --period START:END (or a subcommand: list, edit, approve, publish…)",
                                 param_hint="--period")
    import datetime as dt

    from reports import publication as P

    chosen = _period(period)
    as_of_day = dt.date.fromisoformat(as_of) if as_of else None
    unknown = sorted(set(formats or []) - set(format_names()))
    if unknown:
        raise typer.BadParameter(f"{', '.join(unknown)}: not a report format (one of {', '.join(format_names())})",
                                 param_hint="--format")

    def step(session):
        pub = P.create_draft_for_period(session, chosen, as_of=as_of_day, actor="cli")
        files = P.write_draft_files(session, pub, out, formats or None)
        content = pub.content
        typer.echo(f"{content['texts']['title']} [{pub.status}]")
        typer.echo(f"  received {content['overview']['received']}, questions {len(content['questions'])}, "
                   f"hot list {len(content['hotlist'])}")
        for name, path in files.items():
            typer.echo(f"  {name}: {path}")

    _run(step)


@summary_app.command("list")
def list_summaries() -> None:
    """Every summary with its state and who reviewed/approved/published it."""
    from reports import publication as P

    def step(session):
        rows = P.list_publications(session)
        if not rows:
            typer.echo("no summaries yet")
        for pub in rows:
            who = ", ".join(f"{label} {name}" for label, name in (("reviewed by", pub.reviewed_by),
                                                                 ("approved by", pub.approved_by),
                                                                 ("published by", pub.published_by)) if name)
            typer.echo(f"{P.period_of(pub).key}  {pub.status:<9}  {len(pub.content.get('questions', []))} questions"
                       f"  {who}")

    _run(step)


@summary_app.command("show")
def show(period: str = typer.Option(..., "--period", help=PERIOD_HELP)) -> None:
    """The editable texts with their targets (for `summary edit`)."""
    from reports import publication as P

    def step(session):
        pub = P.require_publication(session, _period(period))
        typer.echo(f"{P.period_of(pub).key} [{pub.status}]")
        for text in P.editable_texts(pub):
            mark = " (edited" + (", generated text changed since" if text.stale else "") + ")" if text.edited else ""
            typer.echo(f"[{text.target}] {text.label}{mark}\n    {text.current or '—'}")
        dropped = P.final_document(pub)["dropped_questions"]
        if dropped:
            typer.echo("dropped questions: " + ", ".join(dropped))

    _run(step)


@summary_app.command("edit")
def edit(
    period: str = typer.Option(..., "--period", help=PERIOD_HELP),
    target: str = typer.Option(..., "--target", help="title, intro, closing, item:<key>:question|detail|answer|unit, "
                                                      "hot:<key>:label (see `summary show`)."),
    text: str = typer.Option(None, "--text", help="The new text."),
    file: Path = typer.Option(None, "--file", help="Read the new text from this UTF-8 file."),
    by: str = typer.Option(..., "--by", help="The editor's name."),
    note: str = typer.Option(None, "--note", help="Why (kept in the review trail)."),
) -> None:
    """Replace one text; the edit survives regeneration of the numbers."""
    from reports import publication as P

    if (text is None) == (file is None):
        raise typer.BadParameter("give exactly one of --text or --file")
    new_text = text if text is not None else file.read_text(encoding="utf-8")

    def step(session):
        pub = P.require_publication(session, _period(period))
        P.edit_text(session, pub, target, new_text, editor=by, note=note)
        typer.echo(f"edited {target}; the summary is {pub.status}")

    _run(step)


@summary_app.command("drop")
def drop(
    period: str = typer.Option(..., "--period", help=PERIOD_HELP),
    question: str = typer.Option(..., "--question", help="The question's key (see `summary show`)."),
    by: str = typer.Option(..., "--by", help="The editor's name."),
    reason: str = typer.Option(None, "--reason"),
    restore: bool = typer.Option(False, "--restore", help="Put a dropped question back."),
) -> None:
    """Leave a question out of the publication (or put it back with --restore)."""
    from reports import publication as P

    def step(session):
        pub = P.require_publication(session, _period(period))
        P.drop_question(session, pub, question, editor=by, reason=reason, drop=not restore)
        typer.echo(f"{'restored' if restore else 'dropped'} {question}; the summary is {pub.status}")

    _run(step)


@summary_app.command("review")
def review(period: str = typer.Option(..., "--period", help=PERIOD_HELP),
           by: str = typer.Option(..., "--by", help="The reviewer's name."),
           note: str = typer.Option(None, "--note")) -> None:
    """Mark the draft as reviewed (first step of 先审后发)."""
    from reports import publication as P

    def step(session):
        pub = P.mark_reviewed(session, P.require_publication(session, _period(period)), by, note)
        typer.echo(f"{P.period_of(pub).key} reviewed by {by}")

    _run(step)


@summary_app.command("approve")
def approve(period: str = typer.Option(..., "--period", help=PERIOD_HELP),
            by: str = typer.Option(..., "--by", help="The approver's name."),
            note: str = typer.Option(None, "--note")) -> None:
    """Approve the reviewed summary for publication (checked for personal data)."""
    from reports import publication as P

    def step(session):
        pub = P.approve(session, P.require_publication(session, _period(period)), by, note)
        typer.echo(f"{P.period_of(pub).key} approved by {by} at {pub.approved_at:%Y-%m-%d %H:%M}")

    _run(step)


@summary_app.command("publish")
def publish(
    period: str = typer.Option(..., "--period", help=PERIOD_HELP),
    by: str = typer.Option(..., "--by", help="Who publishes."),
    directory: Path = typer.Option(None, "--dir", help="Publish directory (default: reports.publish_dir)."),
    url: str = typer.Option(None, "--url", help="POST the JSON here (default: reports.publish_url)."),
    repost: bool = typer.Option(False, "--repost", help="Only POST an already published summary again."),
) -> None:
    """Publish an approved summary: write the files, optionally POST the JSON to the CMS."""
    from reports import publication as P

    def step(session):
        pub = P.require_publication(session, _period(period))
        result = P.repost(session, pub, by, url) if repost else P.publish(session, pub, by, out_dir=directory,
                                                                          url=url)
        for name, path in {**result.files, **result.internal_files}.items():
            typer.echo(f"  {name}: {path}")
        if result.posted_to:
            typer.echo(f"  POST {result.posted_to}: {result.post_status or result.post_error}")
        return result

    result = _run(step)
    if result is not None and result.post_error:
        raise typer.Exit(2)


@summary_app.command("reopen")
def reopen(period: str = typer.Option(..., "--period", help=PERIOD_HELP),
           by: str = typer.Option(..., "--by"),
           reason: str = typer.Option(..., "--reason")) -> None:
    """Send a reviewed, approved or published summary back to draft."""
    from reports import publication as P

    def step(session):
        pub = P.reopen(session, P.require_publication(session, _period(period)), by, reason)
        typer.echo(f"{P.period_of(pub).key} is {pub.status}")

    _run(step)


@summary_app.command("diff")
def diff(period: str = typer.Option(..., "--period", help=PERIOD_HELP)) -> None:
    """Differences from the previous period's summary (as published, else its draft)."""
    from reports import publication as P

    _run(lambda session: typer.echo(P.diff_with_previous(session, P.require_publication(session, _period(period))),
                                    nl=False))


def register(app: typer.Typer) -> None:
    app.add_typer(summary_app, name="summary")

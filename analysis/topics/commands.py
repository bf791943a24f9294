"""Commands of recurring issues: hotlist, topics (list/show/update/rename/merge/split/move/hide), warnings,
reply-quality.

Wired by cli.py through ``register(app)``. Heavy imports (sklearn, the tokenizer) stay inside the commands.
Message ids given to ``topics split/move`` are the internal ids that ``topics show`` prints.
"""
from __future__ import annotations

import json

import typer

from store.cli_args import parse_day


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def hotlist_command(
    date_from: str = typer.Option(..., "--from", help="First day of the window (YYYY-MM-DD)."),
    date_to: str = typer.Option(..., "--to", help="Last day of the window (YYYY-MM-DD), inclusive."),
    top: int = typer.Option(10, "--top", min=1, help="Number of entries."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """The 民意热点榜 of a window: topics ranked by distinct people, then volume, votes, growth, channels,
    unanswered. One-person bursts, inadmissible and bad-data letters are left out and reported."""
    from analysis.topics.hotlist import hotlist_report
    from store.db import session_scope

    start, end = parse_day(date_from, "--from"), parse_day(date_to, "--to")
    if end < start:
        _fail(f"--to {end} is before --from {start}")
    with session_scope() as session:
        report = hotlist_report(session, start, end, top=top)
    entries = report.entries
    if as_json:
        typer.echo(json.dumps(entries, ensure_ascii=False, indent=1))
        for line in report.notes():  # stderr: the JSON on stdout stays the documented list
            typer.echo(line, err=True)
        return
    if not entries:
        typer.echo(f"no topic raised by two or more people between {start} and {end} (has `analyze` run?)")
    for rank, entry in enumerate(entries, 1):
        typer.echo(f"{rank:>2}. [{entry['badge']}] {entry['label']}  (topic {entry['topic_id']}, "
                   f"{entry['distinct_submitters']} people, {entry['size']} messages, score "
                   f"{entry['score']:.2f})")
        typer.echo(f"      {entry['explanation']}")
    for line in report.notes():
        typer.echo(line)


def update_command(
    mode: str = typer.Option("auto", help="auto | full | incremental"),
    region: str = typer.Option(None, help="only this region's sources (default: every region, each apart)"),
) -> None:
    """Cluster messages into topics now (the `analyze` step does this too)."""
    from analysis.topics.clustering import update_topics
    from store.db import session_scope

    try:
        with session_scope() as session:
            summary = update_topics(session, mode=mode, region=region)
    except ValueError as exc:
        _fail(str(exc))
    typer.echo(str(summary))


def list_command(
    status: str = typer.Option("active", help="active | hidden | merged | retired | all"),
    limit: int = typer.Option(50, min=1),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Topics, largest first."""
    from sqlalchemy import select

    from store.db import session_scope
    from store.models.topics import Topic

    with session_scope() as session:
        query = select(Topic).order_by(Topic.size.desc(), Topic.id).limit(limit)
        if status != "all":
            query = query.where(Topic.status == status)
        topics = [{"topic_id": t.id, "label": t.label, "size": t.size, "people": t.distinct_submitters,
                   "status": t.status, "places": t.places, "keywords": t.keywords}
                  for t in session.scalars(query)]
    if as_json:
        typer.echo(json.dumps(topics, ensure_ascii=False, indent=1))
        return
    for t in topics:
        typer.echo(f"{t['topic_id']:>6}  {t['size']:>5} msgs {t['people']:>4} people  [{t['status']}] "
                   f"{t['label']}")


def show_command(topic_id: int, as_json: bool = typer.Option(False, "--json")) -> None:
    """One topic: members, lineage, curation history."""
    from analysis.topics.clustering import CurationError, topic_detail
    from store.db import session_scope

    with session_scope() as session:
        try:
            detail = topic_detail(session, topic_id)
        except CurationError as exc:
            _fail(str(exc))
    if as_json:
        typer.echo(json.dumps(detail, ensure_ascii=False, indent=1))
        return
    typer.echo(f"topic {detail['topic_id']} [{detail['status']}] {detail['label']}")
    typer.echo(f"  {detail['size']} messages, {detail['distinct_submitters']} people; places: "
               f"{', '.join(detail['places'])}; keywords: {', '.join(detail['keywords'])}")
    for member in detail["members"]:
        typer.echo(f"  #{member['message_id']:<8} {member['external_id'] or '':<12} {member['similarity']:.2f} "
                   f"{member['origin']:<7} {member['title'] or ''}")
    for row in detail["lineage"]:
        typer.echo(f"  lineage: {row['kind']} {row['from']} -> {row['to']} ({row['shared_messages']} shared)")


def _curation(action, *args) -> None:
    from analysis.topics.clustering import CurationError
    from store.db import session_scope

    with session_scope() as session:
        try:
            result = action(session, *args)
        except CurationError as exc:
            _fail(str(exc))
    return result


def rename_command(topic_id: int, label: str, author: str = typer.Option(None, help="Who renames.")) -> None:
    """Give a topic a label of your own; it is kept on every re-run."""
    from analysis.topics.clustering import rename_topic

    _curation(rename_topic, topic_id, label, author)
    typer.echo(f"topic {topic_id} renamed")


def merge_command(target: int, sources: list[int], author: str = typer.Option(None)) -> None:
    """Merge SOURCES into TARGET."""
    from analysis.topics.clustering import merge_topics

    _curation(merge_topics, target, sources, author)
    typer.echo(f"merged {', '.join(map(str, sources))} into {target}")


def split_command(topic_id: int, message_ids: list[int], author: str = typer.Option(None)) -> None:
    """Move MESSAGE_IDS (internal ids, see `topics show`) of a topic into a new topic."""
    from analysis.topics.clustering import split_topic

    new_id = _curation(split_topic, topic_id, message_ids, author)
    typer.echo(f"new topic {new_id}")


def move_command(message_id: int, topic_id: int, author: str = typer.Option(None)) -> None:
    """Move one message (internal id) into a topic."""
    from analysis.topics.clustering import move_message

    _curation(move_message, message_id, topic_id, author)
    typer.echo(f"message {message_id} moved to topic {topic_id}")


def hide_command(topic_id: int, undo: bool = typer.Option(False, "--undo", help="Show it again."),
                 author: str = typer.Option(None)) -> None:
    """Mark a topic "not a topic" (hidden from the hot list and summaries)."""
    from analysis.topics.clustering import hide_topic

    _curation(hide_topic, topic_id, not undo, author)
    typer.echo(f"topic {topic_id} {'shown' if undo else 'hidden'}")


def warnings_list(
    as_of: str = typer.Option(None, "--as-of", help="Detect up to this day first (YYYY-MM-DD)."),
    detect: bool = typer.Option(True, help="Run detection before listing."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Early-warning events (spikes, new topics gathering people fast)."""
    from analysis.topics.warnings import detect_warnings, list_warnings
    from store.db import session_scope

    day = parse_day(as_of, "--as-of") if as_of else None
    with session_scope() as session:
        if detect:
            detect_warnings(session, as_of=day)
        events = list_warnings(session)
    if as_json:
        typer.echo(json.dumps(events, ensure_ascii=False, indent=1))
        return
    for event in events:
        typer.echo(f"{event['day']} [{event['kind']}] topic {event['topic_id']} {event['label']}: "
                   f"{event['observed']:.0f} vs baseline {event['baseline']:.1f} (threshold "
                   f"{event['threshold']:.1f})")


def warnings_replay(
    date_from: str = typer.Option(..., "--from", help="First day to replay (YYYY-MM-DD)."),
    date_to: str = typer.Option(..., "--to", help="Last day to replay (YYYY-MM-DD), inclusive."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Run early-warning detection day by day over history, as the scheduler would have; store nothing.
    Lists what would have fired, with people counts, and the letter spikes of one person held back."""
    from analysis.topics.warnings import replay_warnings
    from store.db import session_scope

    start, end = parse_day(date_from, "--from"), parse_day(date_to, "--to")
    if end < start:
        _fail(f"--to {end} is before --from {start}")
    with session_scope() as session:
        replayed = replay_warnings(session, start, end)
        session.rollback()  # nothing of a replay is stored
    if as_json:
        typer.echo(json.dumps(replayed, ensure_ascii=False, indent=1))
        return
    fired = [r for r in replayed if r["fired"]]
    for item in replayed:
        status = "fired" if item["fired"] else "held back: one person"
        typer.echo(f"{item['day']} [{item['kind']}] topic {item['topic_id']} {item['label']}: "
                   f"{item['letters']} letters, {item['people']} people, threshold {item['threshold']:g}, "
                   f"{item['days_after_first_letter']} days after the topic's first letter ({status})")
    typer.echo(f"{len(fired)} warnings would have fired between {start} and {end}; "
               f"{len(replayed) - len(fired)} one-person letter spikes held back")


def reply_quality_command(as_json: bool = typer.Option(False, "--json")) -> None:
    """Flag empty, boilerplate-only, too short and unrelated replies; print the rates per unit."""
    from analysis.quality.reply_quality import assess_replies, unit_rates
    from store.db import session_scope

    with session_scope() as session:
        counts = assess_replies(session)
        rates = unit_rates(session)
    if as_json:
        typer.echo(json.dumps({"counts": counts, "units": rates}, ensure_ascii=False, indent=1))
        return
    typer.echo(", ".join(f"{k}: {v}" for k, v in counts.items()))
    for row in rates:
        typer.echo(f"{row['unit']:<30} {row['replies']:>5} replies, {row['flagged_share']:.0%} flagged "
                   + " ".join(f"{k}={v}" for k, v in row["flags"].items()))


def register(app: typer.Typer) -> None:
    topics_app = typer.Typer(help="Recurring-issue topics: list, inspect and curate (curation survives re-runs).",
                             no_args_is_help=True)
    warnings_app = typer.Typer(help="Early warnings (舆情预警) on topics.", no_args_is_help=True)
    app.command("hotlist")(hotlist_command)
    topics_app.command("update")(update_command)
    topics_app.command("list")(list_command)
    topics_app.command("show")(show_command)
    topics_app.command("rename")(rename_command)
    topics_app.command("merge")(merge_command)
    topics_app.command("split")(split_command)
    topics_app.command("move")(move_command)
    topics_app.command("hide")(hide_command)
    warnings_app.command("list")(warnings_list)
    warnings_app.command("replay")(warnings_replay)
    app.command("reply-quality")(reply_quality_command)
    app.add_typer(topics_app, name="topics")
    app.add_typer(warnings_app, name="warnings")

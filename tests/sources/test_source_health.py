"""`sources`: last run, freshness in working days, warnings (zero items, coverage drop, blocked, stale)."""
from __future__ import annotations

import json
from datetime import date, datetime

from sqlalchemy import select
from typer.testing import CliRunner

from analysis.sources.health import blocked_share, coverage_drops, source_health, workdays_between
from store.db import session_scope
from store.models import CrawlRun, Message, Source

GOOD = {"title": 1.0, "content": 1.0, "submitted_at": 1.0, "unit": 0.9, "reply_text": 0.8}


def _source(session, name: str, runs: list[dict], last_new: datetime | None, objective: int = 5) -> None:
    source = Source(name=name, channel="mailbox", origin="crawl", cms_family="vsb", freshness_objective_days=objective)
    session.add(source)
    session.flush()
    for values in runs:
        session.add(CrawlRun(source_id=source.id, kind="crawl", spider=name, finished_at=datetime(2025, 3, 1),
                             started_at=datetime(2025, 3, 1), **values))
    if last_new:
        session.add(Message(source_id=source.id, channel="mailbox", natural_key=f"{name}-1", content="x",
                            content_hash="0" * 40, first_seen_at=last_new))
    session.flush()


def test_warnings(sqlite_engine):
    ok = {"items": 40, "http_status": {"200": 41}, "field_coverage": GOOD, "finish_reason": "finished"}
    with session_scope() as session:
        _source(session, "healthy", [ok, ok], datetime(2025, 3, 10, 9))
        _source(session, "empty", [ok, {**ok, "items": 0, "field_coverage": {}}], datetime(2025, 3, 10, 9))
        _source(session, "changed", [ok, ok, {**ok, "field_coverage": {**GOOD, "unit": 0.1, "reply_text": 0.0}}],
                datetime(2025, 3, 10, 9))
        _source(session, "blocked", [{**ok, "http_status": {"200": 5, "403": 10, "503": 2}}], datetime(2025, 3, 10))
        _source(session, "stale", [ok], datetime(2025, 2, 20, 9), objective=5)
        _source(session, "never-any", [{**ok, "items": 0, "field_coverage": {}}], datetime(2025, 3, 10, 9))
        refused = [{"ref": f"http://a.gov.cn/{i}", "field": "request_failed", "reason": "refused"} for i in range(9)]
        _source(session, "unreachable", [{**ok, "requests": 10, "errors": refused}], datetime(2025, 3, 10, 9))
    with session_scope() as session:
        report = {h.name: h for h in source_health(session, today=date(2025, 3, 12))}
    assert report["healthy"].warnings == []
    assert report["healthy"].workdays_since_new == 2
    # the run before saw 40: an empty run after a full one is a broken profile, said so (not just "zero items")
    assert report["empty"].warnings == ["the last run found no entries at all, earlier runs saw up to 40 "
                                        "(list page changed? check the profile with `crawl --check`)"]
    assert report["changed"].warnings == ["field coverage dropped (page structure changed?): unit 90%→10%"]
    assert report["blocked"].warnings == ["71% of responses were 403/429/5xx (blocked?)"]
    assert report["never-any"].warnings == ["zero items in the last run"]  # no earlier run to compare with
    assert report["stale"].workdays_since_new == 14
    assert report["stale"].warnings == ["stale: no new item for 14 working days (objective 5)"]
    assert report["unreachable"].warnings == ["9 of 10 requests failed without an answer (site unreachable?)"]


def test_workdays_follow_the_chinese_calendar():
    # 2025-01-28..02-04 Spring Festival; Sunday 01-26 and Saturday 02-08 are make-up working days
    assert workdays_between(date(2025, 1, 24), date(2025, 2, 10)) == 7  # plain weekdays would be 11


def test_helpers():
    assert blocked_share({}) == 0.0
    assert blocked_share({"200": 3, "500": 1}) == 0.25
    assert coverage_drops({"title": 0.5}, [{"title": 1.0}, {"title": 0.9}], 0.3) == ["title 95%→50%"]
    assert coverage_drops({"reply_text": 0.0}, [{"reply_text": 1.0}], 0.3) == []


def test_sources_command_json(sqlite_engine):
    from cli import app

    with session_scope() as session:
        _source(session, "江川市市长信箱", [{"items": 3, "inserted": 3, "http_status": {"200": 4}}],
                datetime(2025, 3, 10, 9))
    result = CliRunner().invoke(app, ["sources", "--json"])
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.output)
    assert row["source"] == "江川市市长信箱"
    assert row["last_run"]["new"] == 3


def test_crawl_command_lists_profiles_and_refuses_unknown(sqlite_engine):
    from cli import app

    listed = CliRunner().invoke(app, ["crawl", "--list"])
    assert listed.exit_code == 0
    assert "demo-vsb\tvsb\tmailbox" in listed.output
    unknown = CliRunner().invoke(app, ["crawl", "no-such-site"])
    assert unknown.exit_code == 2
    assert "unknown profile(s) no-such-site" in unknown.output


def test_one_freshness_for_the_command_the_scheduler_and_the_web_page(sqlite_engine):
    """The copies used to disagree: the web page counted from the newest letter's date (submitted_at), the
    command and the scheduler from when the newest item was collected (first_seen_at). A letter dated
    yesterday but collected 14 working days ago (a board that publishes late, or a crawler that stopped and
    came back with an old backlog) is stale for all three now."""
    from analysis.sources.health import check_sources
    from web.routes.sources import sources_page  # noqa: F401 - the page reads the same function

    with session_scope() as session:
        _source(session, "late-board", [{"items": 3, "http_status": {"200": 4}}], datetime(2025, 2, 20, 9))
        session.scalar(select(Message)).submitted_at = datetime(2025, 3, 11, 9)
    with session_scope() as session:
        (health,) = source_health(session, today=date(2025, 3, 12))
    # 2025-02-20 .. 03-12: 14 working days (no holiday in between), objective 5
    assert (health.workdays_since_new, health.stale) == (14, True)
    summary = check_sources(datetime(2025, 3, 12, 8), "2025-03-12")
    assert summary == "1 source problems: late-board: stale: no new item for 14 working days (objective 5)"


def test_a_source_with_an_objective_that_never_yielded_an_item_is_stale(sqlite_engine):
    with session_scope() as session:
        _source(session, "silent", [{"items": 0, "finish_reason": "finished"}], None, objective=3)
    with session_scope() as session:
        (health,) = source_health(session, today=date(2025, 3, 12))
    assert health.stale and health.warnings == ["zero items in the last run",
                                                "stale: no item ever collected (objective 3)"]

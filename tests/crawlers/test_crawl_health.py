"""Crawl health over real HTTP (a local board server, real Scrapy in a crawl process): honest fetched-vs-known
counts, off-site redirects, endless paging, a slow site within its time budget, killed runs, open cases past the
revisit window, and the digest line when a redesign breaks a profile."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from crawlers.runner import crawl_in_subprocess, summary_line
from store.db import session_scope
from store.models import CrawlRun, Message, Source, now_local
from store.settings import get_settings
from tests.crawlers.board_server import Board, BoardServer, write_profile

pytestmark = pytest.mark.slow


@pytest.fixture
def profiles_dir(tmp_path, monkeypatch):
    directory = tmp_path / "profiles"
    directory.mkdir()
    monkeypatch.setenv("HOTLINE_CRAWL_PROFILES_DIR", str(directory))
    monkeypatch.setenv("HOTLINE_CRAWL_OBEY_ROBOTS", "false")
    get_settings.cache_clear()
    yield directory
    get_settings.cache_clear()


def crawl(name: str) -> dict:
    outcome = crawl_in_subprocess([name], timeout=120)
    assert outcome.ok, outcome.stderr_tail
    (summary,) = outcome.summaries
    return summary


def runs(name: str) -> list[CrawlRun]:
    with session_scope() as session:
        rows = session.scalars(select(CrawlRun).join(Source).where(Source.name == name).order_by(CrawlRun.id)).all()
        session.expunge_all()
        return rows


def sources_json() -> dict[str, dict]:
    from cli import app

    result = CliRunner().invoke(app, ["sources", "--json"])
    assert result.exit_code == 0, result.output
    return {row["source"]: row for row in json.loads(result.output)}


def test_recrawl_says_fetched_nothing_and_known_six(sqlite_engine, profiles_dir):
    with BoardServer(Board(pages=2)) as server:
        write_profile(profiles_dir, "board", server.origin)
        first = crawl("board")
        second = crawl("board")
    # 2 pages x 3 entries: the first crawl fetches all 6; the second sees page 1's three known entries and stops
    assert (first["items"], first["inserted"], first["known"]) == (6, 6, 0)
    assert (second["items"], second["inserted"], second["known"]) == (0, 0, 3)
    assert second["stop_reason"] == "known_entries"
    line = summary_line(second)
    assert "fetched 0 (new 0" in line and "known on the lists, not fetched again 3" in line
    assert "items" not in line


def test_offsite_redirect_is_recorded_and_shown(sqlite_engine, profiles_dir):
    with BoardServer(Board(pages=1, redirect_ids={"B0011"})) as server:
        write_profile(profiles_dir, "board", server.origin)
        summary = crawl("board")
    assert summary["inserted"] == 2 and summary["offsite_redirects"] == 1  # 3 entries, one sent to 127.0.0.2
    (problem,) = [e for e in summary["errors"] if e["field"] == "offsite_redirect"]
    assert "id=B0011" in problem["ref"] and "127.0.0.2" in problem["reason"]
    assert [e["field"] for e in summary["errors"]] == ["offsite_redirect"]  # not also a "failed request"
    assert "1 page(s) redirected to another site (not followed)" in sources_json()["board"]["warnings"]


def test_endless_paging_stops_at_the_cap_and_says_so(sqlite_engine, profiles_dir):
    with BoardServer(Board(endless=True)) as server:
        write_profile(profiles_dir, "board", server.origin, max_pages=4)
        summary = crawl("board")
    assert summary["list_pages"] == 4 and summary["page_cap_hit"] and summary["stop_reason"] == "page_cap"
    assert summary["inserted"] == 12  # 4 pages x 3 new entries, not one page more
    (run,) = runs("board")
    assert run.page_cap_hit and run.finish_reason == "finished"
    warnings = sources_json()["board"]["warnings"]
    assert any(w.startswith("list paging reached the page cap after 4 pages") for w in warnings), warnings


def test_slow_site_ends_within_its_time_budget(sqlite_engine, profiles_dir):
    # every answer takes 30 s; without a budget one crawl would wait 30 s per page (plus retries)
    with BoardServer(Board(delay=30.0)) as server:
        write_profile(profiles_dir, "board", server.origin, time_budget_seconds=2)
        started = now_local()
        summary = crawl("board")
        elapsed = (now_local() - started).total_seconds()
    assert summary["finish_reason"] == "time_budget" and summary["stop_reason"] == "time_budget"
    (run,) = runs("board")
    assert run.finish_reason == "time_budget" and run.finished_at is not None
    assert any(e["field"] == "time_budget" for e in run.errors)
    # not a speed target: the crawl ended before a single 30 s answer could arrive (process start included)
    assert elapsed < 25, elapsed
    assert "last run stopped at its time budget (site too slow for one run)" in sources_json()["board"]["warnings"]


def test_killed_run_is_closed_as_killed_at_the_next_start(sqlite_engine, profiles_dir):
    from crawlers.state import this_host

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # a process id that no longer runs
    with BoardServer(Board(pages=1)) as server:
        write_profile(profiles_dir, "board", server.origin)
        crawl("board")
        with session_scope() as session:
            source = session.scalar(select(Source).where(Source.name == "board"))
            session.add(CrawlRun(source_id=source.id, kind="crawl", spider="board", started_at=now_local(),
                                 pid=gone.pid, host=this_host()))
        assert "last run did not finish (still running or killed)" in sources_json()["board"]["warnings"]
        crawl("board")
    killed = runs("board")[1]
    assert killed.finish_reason == "killed" and killed.finished_at is not None
    assert runs("board")[2].finish_reason == "finished"


def test_open_cases_past_the_revisit_window_are_reported(sqlite_engine, profiles_dir):
    board = Board(pages=1, unanswered={"B0010", "B0011", "B0012"})
    with BoardServer(board) as server:
        write_profile(profiles_dir, "board", server.origin, revisit_max_age_days=60)
        crawl("board")
        with session_scope() as session:  # two of the three open letters were sent long ago, one last week
            for external_id, age in (("B0010", 400), ("B0011", 90), ("B0012", 5)):
                message = session.scalar(select(Message).where(Message.external_id == external_id))
                message.submitted_at = now_local() - timedelta(days=age)
        summary = crawl("board")
    assert summary["open_past_window"] == 2 and summary["revisit_window_days"] == 60
    assert summary["revisits"] == 1  # B0012 (young) fetched again; the two old ones are only counted
    oldest = datetime.fromisoformat(summary["open_past_window_oldest"])
    assert (now_local() - oldest).days == 400
    warnings = sources_json()["board"]["warnings"]
    assert any(w.startswith("2 open case(s) older than the revisit window (60 days)") for w in warnings), warnings


def test_redesign_that_empties_the_list_reaches_the_operators_digest(sqlite_engine, profiles_dir):
    from alerts.ops_digest import what_went_wrong

    board = Board(pages=1)
    with BoardServer(board) as server:
        write_profile(profiles_dir, "board", server.origin)
        crawl("board")
        board.empty = True  # the site's list moved elsewhere: the old selectors find nothing
        crawl("board")
    lines = what_went_wrong(now_local())
    assert any(line.startswith("profile broken? board: the last run found no entries at all, earlier runs saw "
                               "up to 3") for line in lines), lines


def test_required_field_gone_empty_reaches_the_digest(sqlite_engine, profiles_dir):
    from alerts.ops_digest import what_went_wrong

    board = Board(pages=1)
    with BoardServer(board) as server:
        write_profile(profiles_dir, "board", server.origin)
        crawl("board")
        board.title_class = "title-new"  # a redesign renamed the title's class
        board.prefix = "C"  # and three new letters came
        crawl("board")
    lines = what_went_wrong(now_local())
    assert any("required field title empty on 3 of 3 fetched pages" in line for line in lines), lines

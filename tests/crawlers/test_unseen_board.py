"""The unseen board (tests/fixtures/unseen_board/) crawled with the profile a new user wrote for it from
docs/profiles.md alone (profile.toml as they wrote it; the test server's address given as the crawl's origin),
over real HTTP through the normal crawl path, every letter compared with EXPECTED.json by the board's own
compare.py; and `crawl --check` on the same board: a header spelt `Content-type`, GBK pages declared UTF-8,
list-page fields and a placeholder reply with --url."""
from __future__ import annotations

import threading
import urllib.request
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crawlers.runner import crawl_in_subprocess
from store.settings import get_settings
from tests.fixtures.unseen_board.compare import differences, stored_letters
from tests.fixtures.unseen_board.serve import Handler

pytestmark = pytest.mark.slow
BOARD = Path(__file__).parent.parent / "fixtures" / "unseen_board"
PROFILE = BOARD / "profile.toml"


@pytest.fixture(scope="module")
def board():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def check(*args: str):
    from cli import app

    return CliRunner().invoke(app, ["crawl", "--check", *args])


def test_the_users_profile_crawls_all_30_letters_exactly(board, sqlite_engine, monkeypatch):
    monkeypatch.setenv("HOTLINE_CRAWL_PROFILES_DIR", str(BOARD))  # profile.toml is the only profile there
    get_settings.cache_clear()
    outcome = crawl_in_subprocess(["linchuan-mytc"], origin=board, timeout=120)
    get_settings.cache_clear()
    assert outcome.ok, outcome.stderr_tail
    (summary,) = outcome.summaries
    assert summary["errors"] == [], summary["errors"]
    # 3 list pages (index, index_2, index_3: the last without a 下一页 link), 30 detail pages
    assert (summary["list_pages"], summary["items"], summary["stop_reason"]) == (3, 30, "last_page")
    exact, wrong = differences(stored_letters("临川县民意直通车"))
    assert wrong == []
    assert exact == 30


def test_check_reads_a_lower_case_content_type_header(board):
    # the board's server (http.server) spells the header `Content-type`; HTTP header names are case-insensitive
    with urllib.request.urlopen(f"{board}/mytc/index.shtml") as answer:
        assert "Content-type" in answer.headers.keys()
    result = check(str(PROFILE), "--origin", board)
    assert result.exit_code == 0, result.output
    assert "HTTP 200, 3695 bytes, text/html; charset=utf-8" in result.output  # 3695: size of index.shtml
    assert "no Content-Type" not in result.output


def test_check_names_the_encoding_problem_and_the_key(board, tmp_path):
    without = tmp_path / "no-encoding.toml"
    text = PROFILE.read_text(encoding="utf-8")
    without.write_text("\n".join(line for line in text.splitlines() if not line.startswith("encoding")),
                       encoding="utf-8")
    result = check(str(without), "--origin", board)
    assert result.exit_code == 1
    # GBK bytes read as the header's UTF-8: the problem is named `encoding` (docs/profiles.md §14) and the fix given
    assert "list page unreadable (encoding):" in result.output
    assert "do not decode as utf-8 (as the site declares it); set `encoding` in the profile" in result.output


def test_check_url_of_a_listed_letter_uses_its_list_entry(board):
    # MYTC20250311028 is the 2nd entry of list page 1: 投诉 / 办理中 on the list, "正在办理中" as its reply
    result = check(str(PROFILE), "--origin", board, "--url", f"{board}/mytc/content_MYTC20250311028.shtml")
    assert result.exit_code == 0, result.output
    lines = [" ".join(line.split()) for line in result.output.splitlines()]
    assert "external_id ok MYTC20250311028" in lines
    assert "kind ok 投诉 (from the list page)" in lines
    assert "status ok 办理中 (from the list page)" in lines
    assert "reply_text none placeholder: stored as no reply ('正在办理中')" in lines
    assert not any(line.startswith(("external_id EMPTY", "kind EMPTY", "reply_text EMPTY")) for line in lines)


def test_check_url_of_a_letter_not_on_list_page_1_says_the_list_supplies_its_id(board):
    # MYTC20250203000 is the oldest letter, on list page 3: its entry (id, kind, state) is not read by the check
    result = check(str(PROFILE), "--origin", board, "--url", f"{board}/mytc/content_MYTC20250203000.shtml")
    assert result.exit_code == 0, result.output
    lines = [" ".join(line.split()) for line in result.output.splitlines()]
    for name in ("external_id", "kind", "status"):
        assert any(line.startswith(f"{name} LIST from the list page:") for line in lines), (name, result.output)
    assert "title ok 桂花巷路灯坏了一个多月" in lines

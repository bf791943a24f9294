"""`crawl --check PROFILE [--url URL]` over real HTTP: the demo portal's sections pass field by field; a
mis-written profile fails naming the empty field and why."""
from __future__ import annotations

import pytest
from typer.testing import CliRunner

from crawlers.profiles import PACKAGED_DIR
from demo.corpus import generate_corpus
from demo.portal import SECTIONS, DemoPortal, PortalServer, profile_name
from store.db import session_scope
from store.models import Message
from tests.crawlers.board_server import Board, BoardServer, write_profile

pytestmark = pytest.mark.slow


def check(*args: str):
    from cli import app

    return CliRunner().invoke(app, ["crawl", "--check", *args])


@pytest.fixture(scope="module")
def portal():
    with PortalServer(DemoPortal(generate_corpus(size=60), slow_seconds=0.1)) as server:
        yield server


@pytest.mark.parametrize("section", [s.name for s in SECTIONS])
def test_every_demo_section_passes_field_by_field(sqlite_engine, portal, section):
    name = profile_name(next(s for s in SECTIONS if s.name == section))
    result = check(name, "--origin", portal.origin)
    assert result.exit_code == 0, result.output
    for field in ("external_id", "title", "content", "submitted_at", "unit"):
        assert any(line.split()[:2] == [field, "ok"] for line in result.output.splitlines()), (field, result.output)
    assert "check passed: every required field was found" in result.output
    with session_scope() as session:  # a check stores nothing
        assert session.query(Message).count() == 0


def test_miswritten_profile_names_the_empty_field(sqlite_engine, portal, tmp_path):
    text = (PACKAGED_DIR / "demo-consult.toml").read_text(encoding="utf-8")
    wrong = tmp_path / "consult-wrong.toml"
    wrong.write_text(text.replace('name = "demo-consult"', 'name = "consult-wrong"')
                     .replace('title = "h1.q-title::text"', 'title = "h1.question::text"'), encoding="utf-8")
    result = check(str(wrong), "--origin", portal.origin)
    assert result.exit_code == 1, result.output
    assert "title        EMPTY  selector 'h1.question::text' matched nothing on the page  [required]" in result.output
    assert "check failed: required field title is empty" in result.output
    assert "content      ok" in result.output  # the other fields still shown


def test_wrong_list_selector_and_explicit_detail_url(sqlite_engine, tmp_path):
    with BoardServer(Board(pages=1)) as server:
        path = write_profile(tmp_path, "board", server.origin)
        path.write_text(path.read_text(encoding="utf-8").replace('entry = "li.e"', 'entry = "li.entry"'),
                        encoding="utf-8")
        result = check(str(path))
        assert result.exit_code == 1
        assert "0 entries" in result.output and "the list page has no entries" in result.output
        direct = check(str(path), "--url", f"{server.origin}/board/show?id=B0012")
    assert direct.exit_code == 1  # the list still fails, but the detail page given is read field by field
    assert "title        ok     关于B0012的留言" in direct.output
    assert "submitted_at ok     2025-03-02 09:00:00" in direct.output  # page "001" -> day 2


def test_unusable_profile_exits_2(sqlite_engine, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "bad"\nfamily = "nosuch"\nchannel = "mailbox"\nbase_url = "http://x.gov.cn/"\n',
                   encoding="utf-8")
    result = check(str(bad))
    assert result.exit_code == 2
    assert "family: 'nosuch' is not a spider family" in result.output


def test_date_in_an_unknown_form_is_shown_bad_with_the_text(sqlite_engine, tmp_path):
    with BoardServer(Board(pages=1)) as server:
        path = write_profile(tmp_path, "board", server.origin)
        # a mistake a profile writer makes: the date selector points at the title
        path.write_text(path.read_text(encoding="utf-8").replace('submitted_at = "span.d::text"',
                                                                 'submitted_at = "h1.t::text"'), encoding="utf-8")
        result = check(str(path))
    assert result.exit_code == 1
    assert "submitted_at BAD    unrecognised date format: '关于B0010的留言'" in result.output
    assert "check failed: submitted_at: unrecognised date format" in result.output


@pytest.mark.parametrize(("wrong", "says"), [
    ('link = "a::attr(href"', "params.link 'a::attr(href' is not a valid CSS selector"),
    ('next = "//a[@class=next"', "params.next '//a[@class=next' is not a valid XPath selector"),
])
def test_invalid_selector_refuses_the_profile_naming_the_key(sqlite_engine, tmp_path, monkeypatch, wrong, says):
    # a typo in a selector is caught when the profile is loaded (exit 2), by the check and by a crawl, instead of
    # a traceback from the first page that uses it
    path = write_profile(tmp_path / "profiles", "board", "http://127.0.0.1:9")  # never fetched
    key = wrong.split(" = ")[0]
    text = "\n".join(wrong if line.startswith(f"{key} = ") else line
                     for line in path.read_text(encoding="utf-8").splitlines())
    path.write_text(text, encoding="utf-8")
    result = check(str(path))
    assert result.exit_code == 2
    assert says in result.output
    monkeypatch.setenv("HOTLINE_CRAWL_PROFILES_DIR", str(path.parent))
    from crawlers.runner import crawl_in_subprocess
    from store.settings import get_settings

    get_settings.cache_clear()
    outcome = crawl_in_subprocess(["board"], timeout=60)
    get_settings.cache_clear()
    assert outcome.returncode == 2
    assert says in outcome.stderr_tail and "Traceback" not in outcome.stderr_tail

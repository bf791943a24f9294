"""The HTML page in a real browser, the Markdown/JSON formats and the `summary` command."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reports import publication as P
from reports.period import Period
from tests.conftest import require_service
from tests.reports.corpus import load_march_2024

CHROMIUM = Path("/usr/bin/chromium")


@pytest.mark.browser
def test_page_is_self_contained_and_readable_in_chromium(sqlite_engine, tmp_path):
    require_service(CHROMIUM.exists(), "Chromium is not installed at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    from store.db import session_factory

    with session_factory(sqlite_engine)() as session:
        load_march_2024(session)
        pub = P.create_draft_for_period(session, Period.parse("2024-03-16:2024-03-31"), as_of=dt.date(2024, 4, 20))
        files = P.write_draft_files(session, pub, tmp_path / "draft")
        session.commit()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        page = browser.new_page()
        requests = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(files["html"].as_uri())
        images = page.eval_on_selector_all("img", "els => els.map(e => [e.naturalWidth, e.alt])")
        headings = page.eval_on_selector_all("h1, h2", "els => els.map(e => e.textContent.trim())")
        lang = page.eval_on_selector("html", "e => e.lang")
        unlabelled_tables = page.eval_on_selector_all("table:not(:has(caption))", "els => els.length")
        banner = page.inner_text(".draft-banner")
        pdf = page.pdf(format="A4")
        browser.close()
    assert [u for u in requests if not u.startswith(("file:", "data:"))] == []
    # One chart (daily intake): the channel, category and comparison charts repeated tables and were dropped.
    assert len(images) == 1 and all(width > 0 and alt for width, alt in images)
    assert headings[0].endswith("共性问题答复")
    assert headings[1:4] == ["一、总体情况", "二、共性问题和普遍疑问答复", "三、民意热点榜"]
    assert lang == "zh-CN" and unlabelled_tables == 0 and "不得对外发布" in banner
    assert pdf[:4] == b"%PDF"


def test_markdown_and_json_carry_the_same_figures(session, tmp_path):
    load_march_2024(session)
    pub = P.create_draft_for_period(session, Period.parse("2024-03-16:2024-03-31"), as_of=dt.date(2024, 4, 20))
    files = P.write_draft_files(session, pub, tmp_path / "draft")
    data = json.loads(files["json"].read_text(encoding="utf-8"))
    markdown = files["markdown"].read_text(encoding="utf-8")
    assert data["overview"]["received"] == pub.content["overview"]["received"]
    assert f"| 受理诉求 | {data['overview']['received']} | {data['previous']['received']} |" in markdown
    for number, question in enumerate(data["questions"], start=1):
        assert f"### 问题{number}：{question['question']}" in markdown
    # Contract (summary@2): each question carries the external ids of its letters and the people behind them.
    assert data["format"] == "hotline-monitor/summary@2"
    for question, generated in zip(data["questions"], pub.content["questions"], strict=True):
        assert question["message_ids"] == generated["external_ids"]
        assert question["asked_count"] == question["distinct_submitters"] == generated["distinct_submitters"]


def test_summary_command_on_an_empty_database(sqlite_engine, tmp_path):
    from cli import app

    result = CliRunner().invoke(app, ["summary", "--period", "2024-03-01:2024-03-15", "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    assert "received 0, questions 0" in result.output
    assert "本期未收到群众诉求" in (tmp_path / "o" / "summary.html").read_text(encoding="utf-8")
    refused = CliRunner().invoke(app, ["summary", "publish", "--period", "2024-03-01:2024-03-15", "--by", "赵"])
    assert refused.exit_code == 1 and "only an approved summary" in refused.output
    bad = CliRunner().invoke(app, ["summary", "--period", "2024-03-02:2024-03-15"])
    assert bad.exit_code != 0 and "1st or the 16th" in bad.output

"""The messages list says how many letters match and offers page numbers (issue 18: no total, "older →" only)."""
from __future__ import annotations

import re

from store.settings import get_settings
from tests.web.conftest import login


def test_total_and_page_numbers(sqlite_engine, seeded, monkeypatch):
    from fastapi.testclient import TestClient

    from web.app import create_app

    monkeypatch.setenv("HOTLINE_WEB_PAGE_SIZE", "10")
    get_settings.cache_clear()
    with TestClient(create_app(sqlite_engine), base_url="http://127.0.0.1") as client:
        login(client, "test-analyst")
        first = client.get("/messages").text
        # The seed has 25 letters (24 numbered + 1 hostile): 3 pages of 10.
        assert "第1页，共3页 · 共25条" in first
        assert re.search(r'<a href="/messages\?page=3">3</a>', first)
        third = client.get("/messages?page=3").text
        assert len(re.findall(r'<td class="title">', third)) == 5 and "第3页，共3页" in third
        hotline = client.get("/messages?channel=mailbox").text  # i % 4 == 0 of 24: 6 letters
        assert "共6条" in hotline and len(re.findall(r'<td class="title">', hotline)) == 6


def test_count_is_capped(sqlite_engine, seeded):
    from datetime import date

    from sqlalchemy.orm import Session

    from web.queries.messages import MessageFilters, count_messages

    with Session(sqlite_engine) as session:
        assert count_messages(session, MessageFilters(), [], date.today()) == 25
        assert count_messages(session, MessageFilters(), [], date.today(), cap=10) == 11  # "more than 10"

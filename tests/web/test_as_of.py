"""web.as_of: a copy of the data that ends on an earlier day (the demo) reads as it did that day on every page
that compares with today; with data older than the on-time window the dashboard shows its last months."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from pipeline import analyze
from store.db import session_scope
from store.models import Message, now_local
from store.models.accounts import User
from store.records import MessageRecord
from store.settings import get_settings
from store.upsert import get_or_create_source, upsert_messages
from tests.web.conftest import login, password_hash, seed_database
from web.queries.dashboard import ON_TIME_WINDOW_DAYS, build_dashboard

FROZEN_AT = "2025-12-16T09:00"  # the demo's analysis moment


@pytest.fixture
def frozen_copy(sqlite_engine) -> dict[str, int]:
    """Three messages of late 2025, analysed as of FROZEN_AT, and an analyst: external id -> message id."""
    with session_scope(sqlite_engine) as session:
        source = get_or_create_source(session, "测试热线", "hotline")
        records = [
            # answered on time (due 2025-11-10)
            MessageRecord(channel="hotline", external_id="ANSWERED", submitted_at=datetime(2025, 11, 3, 9),
                          title="路灯不亮", content="滨江路路灯不亮。", status="已办结", reply_text="已修复。",
                          replied_at=datetime(2025, 11, 5, 16), ref="a"),
            # unanswered, due 2025-12-08: overdue on 2025-12-16
            MessageRecord(channel="hotline", external_id="LATE", submitted_at=datetime(2025, 12, 1, 9),
                          title="井盖缺失", content="人民路井盖缺失。", status="办理中", ref="b"),
            # unanswered, due 2025-12-22: still on time on 2025-12-16, long overdue today
            MessageRecord(channel="hotline", external_id="OPEN", submitted_at=datetime(2025, 12, 15, 10),
                          title="噪音扰民", content="夜间施工噪音扰民。", status="办理中", ref="c"),
        ]
        assert upsert_messages(session, source, records).rejected == 0
        session.add(User(login="test-analyst", password_hash=password_hash(), role="analyst", active=True,
                         session_epoch=0))
    with session_scope(sqlite_engine) as session:
        assert analyze(session, datetime.fromisoformat(FROZEN_AT), only={"deadlines"}).ok
        return dict(session.execute(select(Message.external_id, Message.id)).all())


def client_for(engine):
    from fastapi.testclient import TestClient

    from web.app import create_app

    client = TestClient(create_app(engine), base_url="http://127.0.0.1")
    login(client, "test-analyst")
    return client


def test_pinned_day_is_used_by_every_page_that_compares_with_today(frozen_copy, sqlite_engine, monkeypatch):
    monkeypatch.setenv("HOTLINE_WEB_AS_OF", FROZEN_AT)
    get_settings.cache_clear()
    with client_for(sqlite_engine) as client:
        board = client.get("/").text
        assert "均按 2025-12-16 09:00 计算" in board  # said on every page
        assert re.search(r'class="big">1</span><span>截至 2025-12-16 未办结且已超期<', board)
        assert "2025-09-17 至 2025-12-15 到期的2件中1件按期" in board and "50.0%" in board
        overdue = client.get("/messages?overdue=1").text
        assert "井盖缺失" in overdue and "噪音扰民" not in overdue
        detail = client.get(f"/messages/{frozen_copy['OPEN']}").text
        assert "state-on_time" in detail and "（剩余4个工作日）" in detail
        late = client.get(f"/messages/{frozen_copy['LATE']}").text
        assert "state-seriously_overdue" in late and "（超期6个工作日）" in late
    # Freshness counts from when the newest item was collected (analysis.sources.health, first_seen_at): say
    # the copy's letters were collected as they came, the newest on 2025-12-15: on 12-16 that is one working day.
    with session_scope(sqlite_engine) as session:
        for message in session.scalars(select(Message)):
            message.first_seen_at = message.submitted_at
    with client_for(sqlite_engine) as client:
        assert "1个工作日" in client.get("/sources").text


def test_without_a_pinned_day_the_clock_is_used(frozen_copy, sqlite_engine):
    with client_for(sqlite_engine) as client:
        board = client.get("/").text
        assert "而非今天" not in board  # no pinned-day notice
        assert f"截至 {now_local().date()}" in board
        assert re.search(r'class="big">2</span><span>截至 \S+ 未办结且已超期', board)
        assert "噪音扰民" in client.get("/messages?overdue=1").text
        assert "state-seriously_overdue" in client.get(f"/messages/{frozen_copy['OPEN']}").text


def test_a_bad_pinned_day_stops_the_start_and_names_the_setting(sqlite_engine, monkeypatch):
    from web.app import create_app

    monkeypatch.setenv("HOTLINE_WEB_AS_OF", "16.12.2025")
    get_settings.cache_clear()
    with pytest.raises(ValueError, match=r"web\.as_of.*16\.12\.2025"):
        create_app(sqlite_engine)


def test_serve_names_a_bad_as_of_option():
    from cli import app

    result = CliRunner().invoke(app, ["serve", "--as-of", "yesterday"])
    assert result.exit_code == 2 and "--as-of" in result.output and "yesterday" in result.output


def test_data_older_than_the_window_gives_the_rate_of_its_last_months(engine):
    seed_database(engine)  # messages of the last 24 days, due within the last 19 days
    today = now_local().date()
    later = today + timedelta(days=ON_TIME_WINDOW_DAYS + 30)
    with session_scope(engine) as session:
        current = build_dashboard(session, [], today)
        stale = build_dashboard(session, [], later)
    assert not current.on_time_shifted and current.on_time_end == today and current.decided > 0
    assert stale.on_time_shifted and stale.on_time_end == stale.newest_day == today
    assert (stale.on_time, stale.decided) == (current.on_time, current.decided)
    assert stale.as_of == later and stale.overdue_total >= current.overdue_total  # overdue stays as of `later`

"""Overdue by unit on the dashboard counts directory units (Message.unit_id), not spellings; its links list the
same messages; a unit official sees the unit's messages in every spelling."""
from __future__ import annotations

import html
import re
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from pipeline import analyze
from store.db import session_scope
from store.models import Message, Unit, now_local
from store.models.accounts import User
from store.records import MessageRecord
from store.upsert import get_or_create_source, upsert_messages
from tests.analysis.test_message_units import HOUSING, SPELLINGS, TRANSPORT, directory, store
from tests.web.conftest import UNIT_A, login, password_hash
from web.queries.dashboard import NO_UNIT, build_dashboard
from web.queries.messages import MessageFilters, search_messages

AS_OF = date(2025, 12, 16)


def test_alias_spellings_of_a_unit_are_one_row_and_unknown_names_keep_theirs(engine):
    with session_scope(engine) as session:
        directory(session)
        store(session, SPELLINGS, when=datetime(2025, 12, 1, 9, 0))  # none answered: all due 2025-12-08
    with session_scope(engine) as session:
        report = analyze(session, datetime(2025, 12, 16, 9, 0), only={"units", "deadlines"})
        assert report.ok, report.lines()
    with session_scope(engine) as session:
        board = build_dashboard(session, [], AS_OF)
        assert board.overdue_by_unit == [(HOUSING, 6), ("江川市不存在局", 2), (NO_UNIT, 1), (TRANSPORT, 1)]
        assert board.overdue_total == 10
        # The row's link (/messages?unit=<name>&overdue=1) lists the unit's messages whatever their spelling;
        # a spelling chosen in the filter lists that spelling.
        rows, _ = search_messages(session, MessageFilters(unit=HOUSING, overdue=True), [], AS_OF, 100)
        assert sorted(m.external_id for m, _, _ in rows) == ["H1", "H2", "H3", "H4", "H5", "H6"]
        rows, _ = search_messages(session, MessageFilters(unit="市住建局", overdue=True), [], AS_OF, 100)
        assert sorted(m.external_id for m, _, _ in rows) == ["H3", "H4"]
        rows, _ = search_messages(session, MessageFilters(unit="江川市不存在局", overdue=True), [], AS_OF, 100)
        assert sorted(m.external_id for m, _, _ in rows) == ["X1", "X2"]


def test_a_directory_name_not_yet_resolved_joins_its_unit_row(engine):
    """Messages stored after the last analysis have no unit_id yet: spelled as the directory names the unit,
    they are counted in that unit's row, not in a second row of the same name."""
    with session_scope(engine) as session:
        directory(session)
        store(session, {"H1": HOUSING, "H3": "市住建局"}, when=datetime(2025, 12, 1, 9, 0))
        analyze(session, datetime(2025, 12, 16, 9, 0), only={"units", "deadlines"})
    with session_scope(engine) as session:
        store(session, {"H9": HOUSING}, when=datetime(2025, 12, 1, 10, 0))
        analyze(session, datetime(2025, 12, 16, 9, 0), only={"deadlines"})
    with session_scope(engine) as session:
        assert build_dashboard(session, [], AS_OF).overdue_by_unit == [(HOUSING, 3)]


def store_alias_message(session) -> None:
    """An overdue message of the seeded UNIT_A under its alias 市住建局, analysed."""
    source = get_or_create_source(session, "测试12345热线", "hotline")
    upsert_messages(session, source, [MessageRecord(
        channel="hotline", external_id="ALIAS1", submitted_at=now_local() - timedelta(days=20), title="别名单位",
        content="井盖缺失。", unit="市住建局", status="办理中", ref="alias")])
    assert analyze(session, only={"units", "deadlines"}).ok


def test_the_dashboard_row_links_to_the_same_messages(client, seeded, sqlite_engine):
    with session_scope(sqlite_engine) as session:
        store_alias_message(session)
    login(client, "test-analyst")
    board = html.unescape(client.get("/").text)
    link, shown = re.search(rf'<a href="(/messages\?unit=[^"]+&overdue=1)">{UNIT_A}</a></td><td class="num">(\d+)<',
                            board).groups()
    page = client.get(link).text
    assert len(re.findall(r'<td class="title">', page)) == int(shown) and "ALIAS1" in page
    assert f'<option value="{UNIT_A}" selected>' in page


def test_a_unit_official_sees_the_units_messages_in_every_spelling(client, seeded, sqlite_engine):
    with session_scope(sqlite_engine) as session:
        store_alias_message(session)
        unit_a = session.scalar(select(Unit.id).where(Unit.name == UNIT_A))
        session.add(User(login="test-unit-a", password_hash=password_hash(), role="unit_official", unit=UNIT_A,
                         unit_id=unit_a, active=True, session_epoch=0))
        alias_id = session.scalar(select(Message.id).where(Message.external_id == "ALIAS1"))
        expected = session.scalar(select(func.count(Message.id)).where(Message.unit_id == unit_a))
    login(client, "test-unit-a")
    assert client.get(f"/messages/{alias_id}").status_code == 200
    assert client.get(f"/messages/{seeded.message_ids['M001']}").status_code == 404  # unit B's
    listing = client.get("/messages").text
    assert "ALIAS1" in listing and len(re.findall(r'<td class="title">', listing)) == expected
    board = html.unescape(client.get("/").text)
    assert re.search(rf">{UNIT_A}</a></td><td class=\"num\">\d+<", board) and "市住建局</a>" not in board

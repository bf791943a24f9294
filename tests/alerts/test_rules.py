"""The escalation ladder, repeats, acknowledgement, resolution, silences and non-working days, on the real
calendar of April 2024 (Qingming 04-04..04-06 off, Sunday 04-07 a make-up working day)."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from alerts.acknowledgements import acknowledge
from alerts.ladder import AlertError
from alerts.rules import run_alerts
from alerts.silences import add_silence
from store.db import session_scope
from store.models import Unit
from store.models.alerts import Alert, LedgerEntry, OutboxEntry
from tests.alerts.world import add_messages, load_units, reply

UNIT = "江川市住房和城乡建设局"
SUPERVISOR = "江川市人民政府办公室"
OFFICE = "江川市12345政务服务便民热线督办科"


@pytest.fixture
def world(engine, monkeypatch):
    from store.settings import get_settings

    monkeypatch.setenv("HOTLINE_GENERAL_MODE", "production")
    monkeypatch.setenv("HOTLINE_ALERTS_REPEAT_EVERY_WORKDAYS", "2")
    monkeypatch.setenv("HOTLINE_ALERTS_SUPERVISION_AFTER_DAYS", "7")
    get_settings.cache_clear()
    load_units(engine)
    # Due Monday 2024-04-01 (5 working days after Monday 03-25); spelled with an alias.
    ids = add_messages(engine, [("A1", dt.datetime(2024, 3, 25, 10), "市住建局")])
    return engine, ids["A1"]


def run(engine, day: str, hour: int = 9):
    with session_scope(engine) as session:
        return run_alerts(session, now=dt.datetime.fromisoformat(day) + dt.timedelta(hours=hour))


def new_entries(engine, since_id: int) -> list[tuple[str, str, tuple]]:
    with session_scope(engine) as session:
        rows = session.scalars(select(OutboxEntry).where(OutboxEntry.id > since_id).order_by(OutboxEntry.id))
        return [(e.recipient_name, e.channel, tuple(sorted((i["level"], i["event"]) for i in e.items))) for e in rows]


def last_id(engine) -> int:
    with session_scope(engine) as session:
        return session.scalar(select(OutboxEntry.id).order_by(OutboxEntry.id.desc()).limit(1)) or 0


def test_ladder_day_by_day(world):
    engine, message_id = world
    expected = {
        "2024-03-28": [],                                       # 2 working days left
        "2024-03-29": [(UNIT, (("due_soon", "firing"),))],      # 1 left (deadlines.due_soon_days)
        "2024-04-01": [],                                       # due today: heard already
        "2024-04-02": [(UNIT, (("overdue", "firing"),))],
        "2024-04-03": [],                                       # late 2: same repeat period
        "2024-04-04": [], "2024-04-05": [], "2024-04-06": [],   # Qingming: nothing decided
        "2024-04-07": [(UNIT, (("overdue", "firing"),))],       # make-up Sunday: late 3, repeat
        "2024-04-08": [],
        "2024-04-09": [(UNIT, (("overdue", "firing"),)), (SUPERVISOR, (("seriously_overdue", "firing"),))],
        "2024-04-10": [],
        "2024-04-11": [(UNIT, (("overdue", "firing"),)), (SUPERVISOR, (("seriously_overdue", "firing"),)),
                       (OFFICE, (("supervision", "firing"),))],            # late 7: every level
    }
    for day, wanted in expected.items():
        before = last_id(engine)
        report = run(engine, day)
        got = [(name, items) for name, _, items in new_entries(engine, before)]
        assert sorted(got) == sorted(wanted), day
        assert report.decided == (day not in ("2024-04-04", "2024-04-05", "2024-04-06")), day
    # Running again the same day decides nothing new.
    before = last_id(engine)
    run(engine, "2024-04-11", hour=15)
    assert new_entries(engine, before) == []
    # The reply appears: each notified recipient hears it resolved, once.
    reply(engine, message_id, dt.datetime(2024, 4, 11, 16))
    before = last_id(engine)
    report = run(engine, "2024-04-12")
    got = sorted((name, items) for name, _, items in new_entries(engine, before))
    assert got == sorted([(UNIT, (("overdue", "resolved"),)),
                          (SUPERVISOR, (("seriously_overdue", "resolved"),)),
                          (OFFICE, (("supervision", "resolved"),))])
    assert report.resolved == 4  # due_soon (superseded, silent) + the three firing levels
    with session_scope(engine) as session:
        states = {a.level: a.state for a in session.scalars(select(Alert))}
        ledger = session.scalar(select(LedgerEntry).where(LedgerEntry.message_id == message_id))
    assert set(states.values()) == {"resolved"}
    assert ledger.status == "replied" and ledger.highest_level == "supervision"
    assert ledger.first_alerted_at == dt.datetime(2024, 3, 29, 9)
    before = last_id(engine)
    run(engine, "2024-04-15")
    assert new_entries(engine, before) == []


def test_acknowledgement_stops_repeats_not_escalation(world):
    engine, message_id = world
    for day in ("2024-03-29", "2024-04-02"):
        run(engine, day)
    with session_scope(engine) as session:
        overdue = session.scalar(select(Alert).where(Alert.level == "overdue"))
        acknowledge(session, overdue.id, "张科长", "已转经办人")
        with pytest.raises(AlertError, match="no alert #999"):
            acknowledge(session, 999, "x")
    before = last_id(engine)
    for day in ("2024-04-07", "2024-04-08", "2024-04-09"):
        run(engine, day)
    got = [(name, items) for name, _, items in new_entries(engine, before)]
    assert got == [(SUPERVISOR, (("seriously_overdue", "firing"),))]
    with session_scope(engine) as session:
        ledger = session.scalar(select(LedgerEntry).where(LedgerEntry.message_id == message_id))
        assert (ledger.status, ledger.acknowledged_by) == ("acknowledged", "张科长")


def test_silence_holds_notifications_until_it_ends(world):
    engine, _ = world
    with session_scope(engine) as session:
        add_silence(session, starts_at=dt.datetime(2024, 3, 29), ends_at=dt.datetime(2024, 4, 2, 12),
                    reason="系统维护")
    before = last_id(engine)
    report = run(engine, "2024-03-29")
    assert new_entries(engine, before) == [] and report.held_by_silence == 1
    run(engine, "2024-04-02")  # silence still on at 09:00
    report = run(engine, "2024-04-02", hour=13)
    got = [(name, items) for name, _, items in new_entries(engine, before)]
    assert got == [(UNIT, (("overdue", "firing"),))]  # due_soon was superseded while silenced


def test_outside_production_everything_goes_to_the_test_recipient(world, monkeypatch):
    from store.settings import get_settings

    engine, _ = world
    monkeypatch.setenv("HOTLINE_GENERAL_MODE", "development")
    monkeypatch.setenv("HOTLINE_ALERTS_TEST_RECIPIENT", '{"email": ["tester@test.example"]}')
    get_settings.cache_clear()
    run(engine, "2024-04-09")
    with session_scope(engine) as session:
        entries = list(session.scalars(select(OutboxEntry)))
    assert len(entries) == 2
    assert all(e.address == {"to": ["tester@test.example"]} for e in entries)
    assert {e.intended_address["recipient"] for e in entries} == {UNIT, SUPERVISOR}
    assert all(e.subject.startswith("[测试 → ") for e in entries)


def test_rows_written_in_bulk_carry_the_message_fields(world):
    """Alert and ledger rows are filled by the database from the message and its deadline (INSERT … SELECT and
    UPDATE … FROM a temporary table of the decisions): the copied fields must be the message's own."""
    engine, message_id = world
    run(engine, "2024-03-29")  # due soon
    run(engine, "2024-04-02")  # overdue, period 0; due_soon superseded
    with session_scope(engine) as session:
        alerts = {a.level: a for a in session.scalars(select(Alert).where(Alert.message_id == message_id))}
        ledger = session.scalar(select(LedgerEntry).where(LedgerEntry.message_id == message_id))
        unit_id = session.scalar(select(Unit.id).where(Unit.name == UNIT))
    overdue = alerts["overdue"]
    assert (overdue.subject, overdue.title, overdue.due_on) == (f"message:{message_id}", "关于A1的诉求", dt.date(2024, 4, 1))
    assert (overdue.unit_id, overdue.recipient_unit_id, overdue.recipient) == (unit_id, unit_id, f"unit:{unit_id}")
    assert (overdue.state, overdue.last_period, overdue.overdue_workdays) == ("firing", 0, 1)
    assert overdue.first_fired_at == overdue.last_notified_at == dt.datetime(2024, 4, 2, 9)
    assert overdue.details == {} and alerts["due_soon"].state == "superseded"
    assert (ledger.subject, ledger.kind, ledger.source, ledger.channel, ledger.external_id, ledger.title) == (
        f"message:{message_id}", "message", "江川12345", "hotline", "A1", "关于A1的诉求")
    assert (ledger.url, ledger.unit_id, ledger.unit_name) == ("http://portal.example/detail/A1", unit_id, UNIT)
    assert (ledger.first_discovered_at, ledger.due_on) == (dt.datetime(2024, 3, 25, 10), dt.date(2024, 4, 1))
    assert (ledger.highest_level, ledger.first_alerted_at, ledger.status, ledger.reply_url) == (
        "overdue", dt.datetime(2024, 3, 29, 9), "open", None)
    run(engine, "2024-04-07")  # make-up Sunday: late 3, the overdue level repeats (period 1)
    with session_scope(engine) as session:
        overdue = session.get(Alert, overdue.id)
        assert (overdue.state, overdue.last_period, overdue.overdue_workdays) == ("firing", 1, 3)
        assert overdue.last_notified_at == dt.datetime(2024, 4, 7, 9) and overdue.due_on == dt.date(2024, 4, 1)
        assert overdue.first_fired_at == dt.datetime(2024, 4, 2, 9)


def test_a_long_digest_lists_the_most_urgent_and_counts_every_item(world, monkeypatch):
    from store.settings import get_settings

    engine, _ = world
    monkeypatch.setenv("HOTLINE_ALERTS_DIGEST_MAX_ITEMS", "2")
    monkeypatch.setenv("HOTLINE_ALERTS_BASE_URL", "http://hotline.intranet")
    get_settings.cache_clear()
    # Four more for the same unit, due later than A1 (2024-04-01): A1 is the most overdue.
    add_messages(engine, [(f"B{i}", dt.datetime(2024, 3, 26 + i, 10), "市住建局") for i in range(4)])
    before = last_id(engine)
    run(engine, "2024-04-09")
    with session_scope(engine) as session:
        unit_digest = session.scalars(select(OutboxEntry).where(OutboxEntry.id > before,
                                                                OutboxEntry.recipient_name == UNIT)).one()
        unit_id = session.scalar(select(Unit.id).where(Unit.name == UNIT))
        alerted = session.scalar(select(func.count(Alert.id)).where(Alert.recipient == f"unit:{unit_id}",
                                                                     Alert.last_notified_at.is_not(None)))
    assert alerted == 5  # every message was decided and recorded as notified
    assert [item["external_id"] for item in unit_digest.items] == ["A1", "B0"]  # the two most overdue
    assert "已超期 5 件" in unit_digest.subject
    assert "已超期（5 件，列出 2 件）" in unit_digest.body_text
    assert f"另有 3 件未逐条列出，完整清单见：http://hotline.intranet/alerts?recipient=unit%3A{unit_id}" \
        in unit_digest.body_text
    assert f'<a href="http://hotline.intranet/alerts?recipient=unit%3A{unit_id}">' in unit_digest.body_html
    # Same items the same day: the key covers the unlisted ones too, so nothing is queued again.
    before = last_id(engine)
    run(engine, "2024-04-09", hour=15)
    assert new_entries(engine, before) == []


def test_alerts_list_by_recipient(world):
    import json

    from typer.testing import CliRunner

    from cli import app

    engine, _ = world
    run(engine, "2024-04-11")  # late 7: the unit, its supervisor and the 督办 office each hear one level
    with session_scope(engine) as session:
        supervisor = session.scalar(select(Unit.id).where(Unit.name == SUPERVISOR))
    result = CliRunner().invoke(app, ["alerts", "list", "--recipient", f"unit:{supervisor}", "--json"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [(r["level"], r["recipient"]) for r in rows] == [("seriously_overdue", f"unit:{supervisor}")]

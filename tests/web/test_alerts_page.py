"""The alerts page a unit can work through: one row per message per recipient at its current level, filters,
page numbers with a total, history on the message page, extension requests and returned letters (audited)."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from sqlalchemy import select

from store.db import session_scope
from store.models import Message, Unit, now_local
from store.models.accounts import AuditEvent
from store.models.alerts import Alert
from store.models.deadlines import DeadlineExtension
from tests.web.conftest import UNIT_A, UNIT_B, csrf_of, login


def _rows(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr id="alert-(\d+)"', page)]


def _ladder(engine, seeded) -> dict[str, int]:
    """M011 (unit B) escalated: overdue and seriously overdue to unit B, supervision to unit A. Returns ids."""
    with session_scope(engine) as session:
        units = dict(session.execute(select(Unit.name, Unit.id)).all())
        message_id = seeded.message_ids["M011"]
        first = session.scalar(select(Alert).where(Alert.message_id == message_id, Alert.level == "overdue"))
        first.first_fired_at = datetime(2025, 10, 1, 9)
        serious = Alert(subject=f"message:{message_id}", message_id=message_id, level="seriously_overdue",
                        unit_id=units[UNIT_B], recipient_unit_id=units[UNIT_B], recipient=f"unit:{units[UNIT_B]}",
                        state="firing", title="超期未回复 M011", due_on=first.due_on, overdue_workdays=6,
                        first_fired_at=datetime(2025, 10, 9, 9))
        supervision = Alert(subject=f"message:{message_id}", message_id=message_id, level="supervision",
                            unit_id=units[UNIT_B], recipient_unit_id=units[UNIT_A], recipient=f"unit:{units[UNIT_A]}",
                            state="firing", title="超期未回复 M011", due_on=first.due_on, overdue_workdays=9,
                            first_fired_at=datetime(2025, 10, 14, 9))
        session.add_all([serious, supervision])
        session.flush()
        return {"overdue": first.id, "serious": serious.id, "supervision": supervision.id}


def test_one_row_per_message_per_recipient_at_its_current_level(client, seeded, sqlite_engine):
    ids = _ladder(sqlite_engine, seeded)
    login(client, "test-analyst")
    page = client.get("/alerts").text
    rows = _rows(page)
    # Seed: 3 overdue alerts (M010, M011, XSS1). M011 now has 3 levels for 2 recipients: unit B's row shows the
    # seriously overdue level (not its overdue one), unit A's row the supervision. So 2 + 2 = 4 rows.
    assert ids["overdue"] not in rows and ids["serious"] in rows and ids["supervision"] in rows
    assert len(rows) == 4 and '<span class="muted" id="alerts-total">共4条</span>' in page
    assert "严重超期" in page and "督办" in page and "共2级" in page  # unit B's row links to its 2 levels
    history = client.get(f"/messages/{seeded.message_ids['M011']}").text
    assert history.count("<tr><td class=\"nowrap\">2025-10-") == 3  # every level on the message page


def test_filters_level_unit_acknowledged_and_dates(client, seeded, sqlite_engine):
    ids = _ladder(sqlite_engine, seeded)
    with session_scope(sqlite_engine) as session:
        units = dict(session.execute(select(Unit.name, Unit.id)).all())
    login(client, "test-analyst")
    assert _rows(client.get("/alerts?level=supervision").text) == [ids["supervision"]]
    by_unit_b = set(_rows(client.get(f"/alerts?unit={units[UNIT_B]}").text))
    assert by_unit_b == {ids["serious"], ids["supervision"]}  # the responsible unit: both rows of M011
    client.post(f"/alerts/{ids['supervision']}/ack", data={"csrf_token": csrf_of(client)})
    assert _rows(client.get("/alerts?acknowledged=yes").text) == [ids["supervision"]]
    assert ids["supervision"] not in _rows(client.get("/alerts?acknowledged=no").text)
    window = _rows(client.get("/alerts?from=2025-10-08&to=2025-10-10").text)
    assert window == [ids["serious"]]  # fired 2025-10-09; the others on 10-14 and today
    assert client.get("/alerts?from=10/08/2025").status_code == 400


def test_paging_with_total_and_page_numbers(client, seeded, sqlite_engine, monkeypatch):
    monkeypatch.setenv("HOTLINE_WEB_PAGE_SIZE", "2")
    from store.settings import get_settings

    get_settings.cache_clear()
    with session_scope(sqlite_engine) as session:
        units = dict(session.execute(select(Unit.name, Unit.id)).all())
        for external_id in ("M001", "M003", "M005", "M007"):  # 4 more letters of unit B: 3 + 4 = 7 rows
            message_id = seeded.message_ids[external_id]
            session.add(Alert(subject=f"message:{message_id}", message_id=message_id, level="overdue",
                              unit_id=units[UNIT_B], recipient=f"unit:{units[UNIT_B]}", state="firing",
                              title=external_id, due_on=date(2025, 10, 1), overdue_workdays=2))
    from fastapi.testclient import TestClient

    from web.app import create_app

    with TestClient(create_app(sqlite_engine), base_url="http://127.0.0.1") as c:
        login(c, "test-analyst")
        pages = [_rows(c.get(f"/alerts?page={n}").text) for n in (1, 2, 3, 4)]
        assert [len(p) for p in pages] == [2, 2, 2, 1]  # ceil(7 / 2) = 4 pages
        assert len({i for p in pages for i in p}) == 7
        first = c.get("/alerts").text
        assert "第1页，共4页 · 共7条" in first and 'page=4">4</a>' in first


def test_unit_asks_for_an_extension_and_returns_a_letter(client, seeded, sqlite_engine):
    login(client, "test-unit-b")
    with session_scope(sqlite_engine) as session:
        own = session.scalar(select(Alert.id).where(Alert.message_id == seeded.message_ids["M011"]))
        foreign = session.scalar(select(Alert.id).where(Alert.message_id == seeded.message_ids["M010"]))  # UNIT_A's
    # The row links to the page holding both forms; another unit's alert has no such page for this unit.
    assert f'href="/alerts/{own}/actions"' in client.get("/alerts").text
    actions = client.get(f"/alerts/{own}/actions")
    assert actions.status_code == 200
    assert f'action="/alerts/{own}/extension"' in actions.text and f'action="/alerts/{own}/return"' in actions.text
    assert "申请延期" in actions.text and "退回错派信件" in actions.text
    assert client.get(f"/alerts/{foreign}/actions").status_code == 404
    token = csrf_of(client)
    assert client.post(f"/alerts/{own}/extension", data={"days": "0", "reason": "x", "csrf_token": token}
                       ).status_code == 400
    asked = client.post(f"/alerts/{own}/extension", data={"days": "5", "reason": "需现场核实", "csrf_token": token},
                        follow_redirects=False)
    assert asked.status_code == 303
    returned = client.post(f"/alerts/{own}/return", data={"reason": "属于市住建局职责", "csrf_token": token},
                           follow_redirects=False)
    assert returned.status_code == 303
    with session_scope(sqlite_engine) as session:
        extension = session.scalar(select(DeadlineExtension))
        assert (extension.status, extension.extra_working_days, extension.reason) == ("requested", 5, "需现场核实")
        message = session.get(Message, seeded.message_ids["M011"])
        assert message.unit is None and message.extra["returned"]["unit"] == UNIT_B
        audit = [(e.action, e.actor, e.subject) for e in session.scalars(select(AuditEvent).where(
            AuditEvent.action.in_(("extension_requested", "letter_returned"))).order_by(AuditEvent.id))]
    subject = f"message:{seeded.message_ids['M011']}"
    assert audit == [("extension_requested", "test-unit-b", subject), ("letter_returned", "test-unit-b", subject)]


def test_ledger_discovery_date_is_not_after_the_as_of_day(sqlite_engine, seeded):
    """The ledger's discovery time is the crawl time; a copy viewed as of an earlier day shows that day."""
    from fastapi.testclient import TestClient

    from web.app import create_app

    as_of = now_local() - timedelta(days=30)
    with TestClient(create_app(sqlite_engine, as_of=as_of), base_url="http://127.0.0.1") as c:
        login(c, "test-analyst")
        page = c.get("/alerts/ledger").text
    ledger = page.split("回应处置台账", 1)[1]
    shown = set(re.findall(r'<tr><td class="nowrap">(\d{4}-\d{2}-\d{2})', ledger))
    assert shown == {as_of.date().isoformat()}  # seeded discovery: 5 days ago, after the as-of day


def test_ledger_page_shows_a_unit_official_only_their_units_entries(client, seeded):
    # Seeded ledger rows: M010 and XSS1 for UNIT_A, M011 for UNIT_B (conftest.seed_topics_alerts).
    login(client, "test-unit-b")
    ledger = client.get("/alerts/ledger").text.split("回应处置台账", 1)[1]
    assert "诉求 M011" in ledger and "诉求 M010" not in ledger
    login(client, "test-analyst")
    ledger = client.get("/alerts/ledger").text.split("回应处置台账", 1)[1]
    assert "诉求 M011" in ledger and "诉求 M010" in ledger

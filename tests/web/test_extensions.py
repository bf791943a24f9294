"""Extension requests end to end: a unit asks from the alerts page, an analyst approves or refuses on /extensions,
the due date moves (approved) or not (refused), each decision is audited, and a decision is taken once."""
from __future__ import annotations

from sqlalchemy import select

from analysis.deadlines.db import compute_deadlines
from analysis.deadlines.workcalendar import get_calendar
from store.db import session_scope
from store.models.accounts import AuditEvent
from store.models.alerts import Alert
from store.models.deadlines import Deadline, DeadlineExtension
from tests.web.conftest import csrf_of, login


def _due(engine, message_id):
    with session_scope(engine) as session:
        return session.scalar(select(Deadline.due_on).where(Deadline.message_id == message_id))


def _computed_due(engine, message_id):
    """The letter's due date once its deadline is computed (the seed stores none): the baseline of a test."""
    with session_scope(engine) as session:
        compute_deadlines(session, message_ids=[message_id])
    return _due(engine, message_id)


def _ask(client, engine, seeded, external_id, days):
    with session_scope(engine) as session:
        alert = session.scalar(select(Alert.id).where(Alert.message_id == seeded.message_ids[external_id]))
    response = client.post(f"/alerts/{alert}/extension", data={"days": str(days), "reason": "需现场核实",
                                                                "csrf_token": csrf_of(client)}, follow_redirects=False)
    assert response.status_code == 303
    with session_scope(engine) as session:
        return session.scalar(select(DeadlineExtension.id).where(
            DeadlineExtension.message_id == seeded.message_ids[external_id]).order_by(DeadlineExtension.id.desc()))


def test_unit_asks_analyst_approves_and_the_due_date_moves(client, seeded, sqlite_engine):
    message_id = seeded.message_ids["M011"]
    before = _computed_due(sqlite_engine, message_id)
    login(client, "test-unit-b")
    request_id = _ask(client, sqlite_engine, seeded, "M011", 5)
    page = client.get("/extensions").text
    assert f'id="extension-{request_id}"' in page and "待审批" in page and "approve-extension" not in page
    assert client.post(f"/extensions/{request_id}/approve", data={"csrf_token": csrf_of(client)}).status_code == 403
    assert _due(sqlite_engine, message_id) == before  # requested only: nothing applied yet

    login(client, "test-analyst")
    assert "approve-extension" in client.get("/extensions").text
    approved = client.post(f"/extensions/{request_id}/approve", data={"csrf_token": csrf_of(client)},
                           follow_redirects=False)
    assert approved.status_code == 303 and approved.headers["location"] == "/extensions?done=extension_approved"
    after = _due(sqlite_engine, message_id)
    # 5 working days added to the due date (the calendar, with its holidays and make-up days, is the oracle)
    assert after > before and get_calendar().workdays_between(before, after, warn=False) == 5
    with session_scope(sqlite_engine) as session:
        row = session.get(DeadlineExtension, request_id)
        assert (row.status, row.approved_by) == ("approved", "test-analyst")
        audit = session.scalars(select(AuditEvent.action).where(AuditEvent.subject == f"message:{message_id}")
                                .order_by(AuditEvent.id)).all()
    assert audit == ["extension_requested", "extension_approved"]
    # decided once: a second decision is refused and changes nothing
    again = client.post(f"/extensions/{request_id}/reject", data={"csrf_token": csrf_of(client)})
    assert again.status_code == 400 and _due(sqlite_engine, message_id) == after


def test_a_refused_request_changes_no_due_date(client, seeded, sqlite_engine):
    message_id = seeded.message_ids["M011"]
    before = _computed_due(sqlite_engine, message_id)
    login(client, "test-unit-b")
    request_id = _ask(client, sqlite_engine, seeded, "M011", 10)
    login(client, "test-editor")
    refused = client.post(f"/extensions/{request_id}/reject", data={"csrf_token": csrf_of(client)},
                          follow_redirects=False)
    assert refused.status_code == 303
    assert _due(sqlite_engine, message_id) == before
    login(client, "test-unit-b")
    page = client.get("/extensions").text
    assert "不予批准" in page and "test-editor" in page

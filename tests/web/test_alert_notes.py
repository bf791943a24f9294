"""Alert notes: "Add note" stores an AlertNote and leaves the alert unacknowledged; notes show on the alerts
page and in the ledger view; acknowledging is a separate action."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from store.db import session_scope
from store.models.alerts import Acknowledgement, Alert, AlertNote, LedgerEntry
from tests.web.conftest import csrf_of, login, seed_database


def _alert_of(session, message_id: int) -> Alert:
    return session.scalar(select(Alert).where(Alert.message_id == message_id))


def test_note_does_not_acknowledge(client, seeded, sqlite_engine):
    login(client, "test-analyst")
    token = csrf_of(client)
    with session_scope(sqlite_engine) as session:
        alert_id = _alert_of(session, seeded.message_ids["M010"]).id
    response = client.post(f"/alerts/{alert_id}/note", data={"note": " 已电话联系住建局 ", "csrf_token": token},
                           follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/alerts?done=noted"
    with session_scope(sqlite_engine) as session:
        alert = session.get(Alert, alert_id)
        assert alert.acknowledged_at is None
        assert session.scalars(select(Acknowledgement).where(Acknowledgement.alert_id == alert_id)).all() == []
        notes = session.scalars(select(AlertNote).where(AlertNote.alert_id == alert_id)).all()
        assert [(n.author, n.text) for n in notes] == [("test-analyst", "已电话联系住建局")]
        ledger = session.scalar(select(LedgerEntry).where(LedgerEntry.subject == alert.subject))
        assert ledger.status == "open" and ledger.acknowledged_at is None
    page = client.get("/alerts").text
    row = page.split(f'id="alert-{alert_id}"', 1)[1].split("</tr>", 1)[0]
    assert "未签收" in row and "已电话联系住建局" in row and 'class="acknowledge"' in row
    ledger_view = client.get("/alerts/ledger").text.split("回应处置台账", 1)[1]
    assert "test-analyst" in ledger_view and "已电话联系住建局" in ledger_view


def test_htmx_note_returns_the_row_and_acknowledge_still_works(client, seeded, sqlite_engine):
    login(client, "test-analyst")
    token = csrf_of(client)
    with session_scope(sqlite_engine) as session:
        alert_id = _alert_of(session, seeded.message_ids["M011"]).id
    row = client.post(f"/alerts/{alert_id}/note", data={"note": "等待回复", "csrf_token": token},
                      headers={"HX-Request": "true"})
    assert row.status_code == 200 and row.text.lstrip().startswith(f'<tr id="alert-{alert_id}"')
    assert "等待回复" in row.text and "未签收" in row.text
    acked = client.post(f"/alerts/{alert_id}/ack", data={"note": "已签收", "csrf_token": token},
                        headers={"HX-Request": "true"})
    assert "badge ok" in acked.text and 'class="acknowledge"' not in acked.text  # no second acknowledgement
    assert "等待回复" in acked.text and "已签收" in acked.text
    with session_scope(sqlite_engine) as session:
        assert session.get(Alert, alert_id).acknowledged_at is not None
        assert len(session.scalars(select(AlertNote).where(AlertNote.alert_id == alert_id)).all()) == 1


def test_bad_notes_are_refused(client, seeded, sqlite_engine):
    login(client, "test-analyst")
    token = csrf_of(client)
    with session_scope(sqlite_engine) as session:
        alert_id = _alert_of(session, seeded.message_ids["M010"]).id
    empty = client.post(f"/alerts/{alert_id}/note", data={"note": "   ", "csrf_token": token})
    assert empty.status_code == 400 and "note: the text is empty" in empty.text
    too_long = client.post(f"/alerts/{alert_id}/note", data={"note": "长" * 2001, "csrf_token": token})
    assert too_long.status_code == 400 and "at most 2000" in too_long.text
    assert client.post("/alerts/999999/note", data={"note": "x", "csrf_token": token}).status_code == 404
    # A unit official cannot note another unit's alert (M010 belongs to unit A; the official is unit B's).
    login(client, "test-unit-b")
    other = client.post(f"/alerts/{alert_id}/note", data={"note": "x", "csrf_token": csrf_of(client)})
    assert other.status_code == 404
    with session_scope(sqlite_engine) as session:
        assert session.scalars(select(AlertNote)).all() == []


def test_notes_by_subject_on_both_databases(engine):
    from alerts.notes import NoteError, add_note, notes_by_alert, notes_by_subject

    seed = seed_database(engine)
    with session_scope(engine) as session:
        alert = _alert_of(session, seed.message_ids["XSS1"])
        second = Alert(subject=alert.subject, message_id=alert.message_id, level="seriously_overdue",
                       recipient=alert.recipient, state="firing")
        session.add(second)
        session.flush()
        add_note(session, alert.id, "a", "first")
        add_note(session, second.id, "b", "second")
        with pytest.raises(NoteError, match="no such alert"):
            add_note(session, 10**9, "a", "x")
        with pytest.raises(NoteError, match="author"):
            add_note(session, alert.id, " ", "x")
        assert [n.text for n in notes_by_subject(session, [alert.subject])[alert.subject]] == ["first", "second"]
        assert [n.text for n in notes_by_alert(session, [second.id])[second.id]] == ["second"]
        assert session.get(Alert, alert.id).acknowledged_at is None


def test_alerts_page_lists_one_recipients_alerts(client, seeded, sqlite_engine):
    """The full list a capped digest links to: /alerts?recipient=<key>."""
    login(client, "test-analyst")
    with session_scope(sqlite_engine) as session:
        alerts = session.scalars(select(Alert).where(Alert.state == "firing")).all()
        recipients = {a.recipient for a in alerts}
        chosen = sorted(recipients)[0]
        wanted = {a.id for a in alerts if a.recipient == chosen}
    assert len(recipients) > 1 and wanted  # the seed notifies more than one recipient
    page = client.get("/alerts", params={"recipient": chosen}).text
    shown = {int(part.split('"', 1)[0]) for part in page.split('id="alert-')[1:]}
    assert shown == wanted
    assert f"发送给 {chosen} 的提醒" in page

"""The bulk read and write helpers of the alert runs give what Core gives, on SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from alerts.bulk import bulk_insert, fetch_columns
from store.db import session_scope
from store.models import Message
from store.models.alerts import OutboxEntry
from store.models.deadlines import Deadline
from tests.alerts.world import add_messages


def test_fetch_columns_converts_like_core(engine):
    add_messages(engine, [("F1", dt.datetime(2024, 3, 25, 10), "市住建局"),
                          ("F2", dt.datetime(2024, 3, 26, 18, 30), "市交通局")])
    query = (select(Message.id, Message.submitted_at, Message.replied_at, Message.title, Deadline.due_on,
                    Deadline.paused, Message.extra).join(Deadline, Deadline.message_id == Message.id)
             .order_by(Message.id))
    with session_scope(engine) as session:
        rows = session.connection().execute(query).all()
        columns = fetch_columns(session.connection(), query)
        empty = fetch_columns(session.connection(), query.where(Message.id < 0))
    assert [tuple(column) for column in columns] == [tuple(values) for values in zip(*rows, strict=True)]
    assert isinstance(columns[1][0], dt.datetime) and isinstance(columns[4][0], dt.date)
    assert columns[5][0] is False
    assert empty == [()] * 7


def test_bulk_insert_of_json_columns(engine):
    items = [{"title": "关于停车难的诉求", "late": 3}]
    with session_scope(engine) as session:
        bulk_insert(session.connection(), OutboxEntry.__table__, {
            "idempotency_key": ["k1", "k2"], "recipient": ["unit:1"] * 2, "recipient_name": ["住建局"] * 2,
            "channel": ["email"] * 2, "address": [{"to": ["a@x.example"]}] * 2,
            "intended_address": [None, None], "subject": ["s"] * 2, "body_text": ["t"] * 2, "body_html": [None] * 2,
            "items": [items, []], "urgent": [False] * 2, "status": ["pending"] * 2,
            "attempts": [0] * 2, "next_attempt_at": [dt.datetime(2024, 4, 9, 9)] * 2,
            "created_at": [dt.datetime(2024, 4, 9, 9)] * 2})
    with session_scope(engine) as session:
        stored = {e.idempotency_key: e for e in session.scalars(select(OutboxEntry))}
        assert stored["k1"].items == items and stored["k2"].items == []
        assert stored["k1"].address == {"to": ["a@x.example"]} and stored["k1"].intended_address is None

"""The deadlines step after its first run computes only the letters new or changed since (``update_deadlines``
through ``analysis.watermarks``); a new calendar or new rules make it compute every letter again.

Oracle: the working-day calendar itself (``WorkCalendar.add_working_days``), independent of the rules engine.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from analysis.deadlines.db import update_deadlines
from analysis.deadlines.workcalendar import get_calendar
from store.models import Message
from store.models.deadlines import Deadline
from store.records import MessageRecord
from store.upsert import get_or_create_source, upsert_messages


def _record(n: int, kind: str, **extra) -> MessageRecord:
    return MessageRecord(channel="hotline", external_id=f"K{n}", title=f"来信 {n}", content=f"反映问题 {n}",
                         submitted_at=datetime(2025, 3, 3, 9), kind=kind, ref=f"K{n}", **extra)


def _due(session, n: int) -> date | None:
    return session.scalar(select(Deadline.due_on).join(Message, Message.id == Deadline.message_id)
                          .where(Message.external_id == f"K{n}"))


def test_only_new_and_changed_letters_are_computed_again(session, monkeypatch):
    source = get_or_create_source(session, "12345", "hotline")
    upsert_messages(session, source, [_record(n, "投诉") for n in range(1, 6)])
    session.commit()
    first = update_deadlines(session, date(2025, 3, 20))
    session.commit()
    calendar = get_calendar()
    # Received Monday 2025-03-03 09:00; a complaint: 5 working days counted from the next day (no holiday then).
    assert (first.scope, first.messages, first.created) == ("all", 5, 5)
    assert _due(session, 1) == calendar.add_workdays(date(2025, 3, 3), 5) == date(2025, 3, 10)

    # Letter 1 turns out to be an inquiry (3 working days) and letter 6 arrives: those two only.
    upsert_messages(session, source, [_record(1, "咨询"), _record(6, "投诉")])
    session.commit()
    second = update_deadlines(session, date(2025, 3, 20))
    session.commit()
    assert (second.scope, second.messages, second.created, second.updated) == ("new or changed", 2, 1, 1)
    assert _due(session, 1) == calendar.add_workdays(date(2025, 3, 3), 3)
    assert _due(session, 6) == date(2025, 3, 10)

    # A reply to letter 2 is a change too (its state), though its due date stays.
    upsert_messages(session, source, [_record(2, "投诉", reply_text="已处理。", replied_at=datetime(2025, 3, 5))])
    session.commit()
    third = update_deadlines(session, date(2025, 3, 20))
    assert (third.messages, third.unchanged) == (1, 1)
    assert third.states == {"replied_on_time": 1}
    session.commit()
    assert update_deadlines(session, date(2025, 3, 20)).messages == 0  # nothing new

    # Other rules (here the counting policy): every letter again.
    monkeypatch.setenv("HOTLINE_DEADLINES_CONVENTION", "receipt_day_counts")
    from store.settings import get_settings

    get_settings.cache_clear()
    again = update_deadlines(session, date(2025, 3, 20))
    assert (again.scope, again.messages) == ("all", 6)
    assert _due(session, 3) == calendar.add_workdays(date(2025, 3, 3), 4)  # day of receipt is day 1

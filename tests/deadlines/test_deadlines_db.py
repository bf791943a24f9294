"""compute_deadlines on the database (SQLite and PostgreSQL): creation, idempotence, recomputation after a
calendar override, extensions and pauses, the overdue list and one message's explanation."""
from __future__ import annotations

from datetime import date, datetime

import pytest
import time_machine
from sqlalchemy import func, select

from analysis.deadlines.compute import DeadlineState
from analysis.deadlines.db import compute_deadlines, load_frame, message_deadline, overdue_rows
from analysis.deadlines.rules import Convention, DeadlinePolicy
from analysis.deadlines.stats import responsiveness_stats
from analysis.deadlines.workcalendar import ProvisionalCalendarWarning, WorkCalendar, get_calendar, load_overrides
from store.models import Message, Source
from store.models.deadlines import CalendarVersion, Deadline, DeadlineChange, DeadlineExtension, DeadlinePause
from store.settings import get_settings

D = date

OVERRIDE_2027 = """
year = 2027
notice = "test notice typed for the tests (not the real 2027 notice)"

[[holiday]]
name = "元旦"
dates = "2027-01-01..2027-01-05"
"""


def add_message(session, source, n, submitted_at, *, kind=None, unit="市住建局", replied_at=None, reply_text=None,
                status=None):
    message = Message(source_id=source.id, channel=source.channel, external_id=f"X{n}", natural_key=f"X{n}",
                      title=f"title {n}", content=f"content {n}", submitted_at=submitted_at, kind=kind, unit=unit,
                      replied_at=replied_at, reply_text=reply_text, status=status, content_hash=f"{n:040d}",
                      extra={})
    session.add(message)
    session.flush()
    return message


@pytest.fixture
def source(session):
    source = Source(name="某市12345", channel="hotline")
    session.add(source)
    session.flush()
    return source


@pytest.fixture
def override_dir(tmp_path, monkeypatch):
    directory = tmp_path / "calendar_overrides"
    directory.mkdir()
    monkeypatch.setenv("HOTLINE_DEADLINES_CALENDAR_OVERRIDE_DIR", str(directory))
    get_settings.cache_clear()
    return directory


def test_compute_creates_rows_with_rule_and_explanation_and_is_idempotent(session, source):
    inquiry = add_message(session, source, 1, datetime(2025, 1, 24, 10, 0), kind="咨询")
    complaint = add_message(session, source, 2, datetime(2025, 1, 24, 11, 0), kind="投诉")
    counts = compute_deadlines(session, as_of=D(2025, 2, 6))
    assert (counts.messages, counts.created, counts.updated) == (2, 2, 0)
    rows = {d.message_id: d for d in session.scalars(select(Deadline))}
    assert rows[inquiry.id].rule_id == "general-inquiry-3wd"
    assert rows[inquiry.id].due_on == D(2025, 2, 5)  # Sun 01-26 (make-up), Mon 01-27, Wed 02-05
    assert rows[complaint.id].due_on == D(2025, 2, 7)
    assert rows[complaint.id].explanation.endswith("due Fri 2025-02-07")
    assert rows[complaint.id].rule_source.startswith("政务公开工作要点")
    assert counts.states == {"overdue": 1, "due_soon": 1}
    again = compute_deadlines(session, as_of=D(2025, 2, 6))
    assert (again.created, again.updated, again.unchanged, again.due_changed) == (0, 0, 2, 0)
    assert session.scalar(select(func.count()).select_from(CalendarVersion)) == 1


def test_an_override_for_2027_recomputes_and_logs_the_change(session, source, override_dir):
    crossing = add_message(session, source, 1, datetime(2026, 12, 29, 9, 0), kind="投诉")
    untouched = add_message(session, source, 2, datetime(2025, 6, 3, 9, 0), kind="投诉")
    with pytest.warns(ProvisionalCalendarWarning):
        first = compute_deadlines(session, as_of=D(2027, 1, 4))
    assert first.provisional == 1
    row = session.scalar(select(Deadline).where(Deadline.message_id == crossing.id))
    assert (row.due_on, row.provisional) == (D(2027, 1, 6), True)
    old_fingerprint = row.calendar_fingerprint

    (override_dir / "2027.toml").write_text(OVERRIDE_2027, encoding="utf-8")
    second = compute_deadlines(session, as_of=D(2027, 1, 4))
    assert second.calendar_changed
    assert second.due_changed == 1
    assert second.updated == 2  # both rows now carry the new calendar fingerprint; only one due date moved
    session.expire_all()
    row = session.scalar(select(Deadline).where(Deadline.message_id == crossing.id))
    assert (row.due_on, row.provisional) == (D(2027, 1, 8), False)
    assert row.calendar_fingerprint != old_fingerprint
    change = session.scalars(select(DeadlineChange)).one()
    assert (change.message_id, change.old_due_on, change.new_due_on) == (crossing.id, D(2027, 1, 6), D(2027, 1, 8))
    assert change.reason.startswith(f"calendar {old_fingerprint} -> ")
    versions = session.scalars(select(CalendarVersion).order_by(CalendarVersion.id)).all()
    assert [v.previous_fingerprint for v in versions] == [None, old_fingerprint]
    assert versions[-1].year_sources["2027"] == "override"
    assert versions[-1].deadlines_changed == 1
    assert session.scalar(select(Deadline.due_on).where(Deadline.message_id == untouched.id)) == D(2025, 6, 10)


def test_extension_and_pause_records_are_applied_and_logged(session, source):
    message = add_message(session, source, 1, datetime(2025, 3, 3, 9, 0), kind="投诉")
    compute_deadlines(session, as_of=D(2025, 3, 3))
    assert session.scalar(select(Deadline.due_on)) == D(2025, 3, 10)

    session.add(DeadlinePause(message_id=message.id, started_on=D(2025, 3, 5), ended_on=None, reason="等待补充材料"))
    session.flush()
    paused = compute_deadlines(session, as_of=D(2025, 3, 12))
    assert paused.paused == 1 and paused.states == {"paused": 1}
    row = session.scalar(select(Deadline))
    assert row.due_on is None and row.paused

    pause = session.scalar(select(DeadlinePause))
    pause.ended_on = D(2025, 3, 11)
    session.add(DeadlineExtension(message_id=message.id, status="approved", approved_on=D(2025, 3, 12),
                                  extra_working_days=5, reason="情况复杂"))
    session.add(DeadlineExtension(message_id=message.id, status="rejected", approved_on=D(2025, 3, 12),
                                  extra_working_days=30))
    session.flush()
    compute_deadlines(session, as_of=D(2025, 3, 12))
    session.expire_all()
    row = session.scalar(select(Deadline))
    assert row.due_on == D(2025, 3, 21)  # 03-10 + 4 paused working days = 03-14, + 5 = 03-21
    assert "情况复杂" in row.explanation
    reasons = [c.reason for c in session.scalars(select(DeadlineChange).order_by(DeadlineChange.id))]
    assert reasons == ["extension or pause", "extension or pause"]

    # Replay: as of 03-07 the pause was open; as of 03-13 the extension was known.
    assert message_deadline(session, message.id, as_of=D(2025, 3, 7)).status.state == DeadlineState.PAUSED
    replay = message_deadline(session, message.id, as_of=D(2025, 3, 13))
    assert replay.due.due == D(2025, 3, 21) and replay.status.state == DeadlineState.ON_TIME
    before_extension = message_deadline(session, message.id, as_of=D(2025, 3, 11))
    assert before_extension.due.due == D(2025, 3, 14)  # the pause has ended, the extension is not approved yet
    frame = load_frame(session, as_of=D(2025, 3, 12))
    assert int(frame.due[0]) == D(2025, 3, 21).toordinal()


def test_overdue_rows_as_of_a_date_with_unit_filter(session, source):
    late = add_message(session, source, 1, datetime(2025, 3, 3, 9), kind="投诉", unit="市住建局")
    add_message(session, source, 2, datetime(2025, 3, 3, 9), kind="投诉", unit="市住建局",
                replied_at=datetime(2025, 3, 5, 9), reply_text="已答复")
    add_message(session, source, 3, datetime(2025, 3, 10, 9), kind="咨询", unit="市教育局")
    add_message(session, source, 4, datetime(2025, 3, 3, 9), kind="投诉", unit="市教育局", status="已办结")
    compute_deadlines(session, as_of=D(2025, 3, 13))
    rows = overdue_rows(session, D(2025, 3, 13), policy=DeadlinePolicy())
    assert [(r.external_id, r.state, r.working_days_late, r.working_days_left) for r in rows] == [
        ("X1", DeadlineState.OVERDUE, 3, None),
        ("X4", DeadlineState.UNANSWERED, 3, None),
        ("X3", DeadlineState.DUE_SOON, None, 0),
    ]
    assert [r.message_id for r in overdue_rows(session, D(2025, 3, 13), unit="住建")] == [late.id]
    every = overdue_rows(session, D(2025, 3, 13), states=None)
    assert {r.state for r in every} >= {DeadlineState.REPLIED_ON_TIME}
    # Replayed before the messages arrived: nothing.
    assert overdue_rows(session, D(2025, 3, 1), states=None) == []


def test_stats_from_the_database(session, source):
    for n in range(4):
        add_message(session, source, n, datetime(2025, 3, 3, 9), kind="投诉", unit="市住建局",
                    replied_at=datetime(2025, 3, 4 + n * 4, 9))  # 03-04, Sat 03-08, 03-12, Sun 03-16
    compute_deadlines(session, as_of=D(2025, 4, 1))
    frame = load_frame(session)
    stats = responsiveness_stats(frame, as_of=D(2025, 4, 1), by=("unit",), min_cases=1)
    assert [(s.group, s.cases, s.on_time) for s in stats] == [(("市住建局",), 4, 2)]
    # Working days to reply: 1, 5 (Sat counts as Mon), 7, 10 (Sun counts as Mon): median 6.
    assert stats[0].median_working_days_to_reply == 6.0


def test_message_deadline_uses_now_when_no_date_is_given(session, source):
    message = add_message(session, source, 1, datetime(2025, 1, 24, 10, 0), kind="投诉")
    with time_machine.travel(datetime(2025, 2, 10, 12, 0), tick=False):
        result = message_deadline(session, message.id)
    assert result.due.due == D(2025, 2, 7)
    assert result.status.state == DeadlineState.OVERDUE
    assert result.status.working_days_late == 2  # Sat 02-08 (make-up), Mon 02-10
    assert result.to_json()["explanation"].startswith("received Fri 2025-01-24")


def test_a_calendar_override_is_also_seen_by_get_calendar(override_dir):
    (override_dir / "2027.toml").write_text(OVERRIDE_2027, encoding="utf-8")
    assert get_calendar().fingerprint == WorkCalendar(load_overrides(
        [override_dir.parent / "none", override_dir])).fingerprint


def test_the_general_rule_default_recomputes_stored_deadlines_and_logs_each_move(session, source):
    # Deadlines stored under the former default (next_working_day), then `analyze` under the general rule
    # (issue 17): a Saturday letter moves one working day earlier, a weekday letter does not move.
    saturday = add_message(session, source, 1, datetime(2025, 1, 25, 10, 0), kind="咨询")  # the example
    tuesday = add_message(session, source, 2, datetime(2025, 3, 4, 10, 0), kind="咨询")
    compute_deadlines(session, as_of=D(2025, 3, 1), policy=DeadlinePolicy(convention=Convention.NEXT_WORKING_DAY))
    assert session.scalar(select(Deadline.due_on).where(Deadline.message_id == saturday.id)) == D(2025, 2, 6)

    counts = compute_deadlines(session, as_of=D(2025, 3, 1))  # the settings' default: general_rule
    assert counts.due_changed == 1
    session.expire_all()
    row = session.scalar(select(Deadline).where(Deadline.message_id == saturday.id))
    assert (row.due_on, row.convention, row.deemed_received_on) == (D(2025, 2, 5), "general_rule", D(2025, 1, 25))
    assert session.scalar(select(Deadline.due_on).where(Deadline.message_id == tuesday.id)) == D(2025, 3, 7)
    change = session.scalars(select(DeadlineChange)).one()
    assert (change.message_id, change.old_due_on, change.new_due_on) == (saturday.id, D(2025, 2, 6), D(2025, 2, 5))
    assert "rules" in change.reason

"""A simulated month on the real scheduler (triggers, persistent job store, misfire/coalesce, job-run record)
with a frozen clock stepping hour by hour through April 2024 (Qingming 04-04..06 off, Sunday 04-07 worked)."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

import scheduler as sched
from analysis.deadlines.workcalendar import get_calendar
from store.db import session_scope
from store.models.alerts import JobRun, OutboxEntry
from tests.alerts.servers import SmtpSink
from tests.alerts.world import add_messages, load_units, reply

TZ = ZoneInfo("Asia/Shanghai")
SUPERVISOR = "江川市人民政府办公室"


@pytest.fixture
def month(sqlite_engine, monkeypatch):
    from store.settings import get_settings

    sink = SmtpSink().start()
    monkeypatch.setenv("HOTLINE_GENERAL_MODE", "production")
    monkeypatch.setenv("HOTLINE_ALERTS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("HOTLINE_ALERTS_SMTP_PORT", str(sink.port))
    get_settings.cache_clear()
    load_units(sqlite_engine)
    ids = add_messages(sqlite_engine, [("M-A", dt.datetime(2024, 3, 25, 10), "市住建局"),   # due 04-01
                                       ("M-C", dt.datetime(2024, 3, 27, 10), "市人社局")])  # due 04-03
    yield sqlite_engine, ids, sink
    sink.stop()


def step(scheduler, start: dt.datetime, end: dt.datetime, on_hour=None) -> None:
    moment = start
    while moment <= end:
        with time_machine.travel(moment.replace(tzinfo=TZ), tick=False):
            if on_hour:
                on_hour(moment)
            scheduler.run_due()
        moment += dt.timedelta(hours=1)


def start_scheduler(engine):
    scheduler = sched.build_scheduler(sched.stepping_scheduler_class(), engine=engine, executor="debug")
    scheduler.start(paused=True)
    sched.sync_jobs(scheduler)
    scheduler.resume()
    return scheduler


def job_runs(engine, job: str) -> list[tuple[str, dt.date, str]]:
    with session_scope(engine) as session:
        return [(r.period, r.started_at.date(), r.status) for r in
                session.scalars(select(JobRun).where(JobRun.job == job).order_by(JobRun.id))]


def test_a_month_of_jobs(month):
    engine, ids, sink = month
    replied = []

    def on_hour(moment):
        if moment == dt.datetime(2024, 4, 10, 15) and not replied:
            reply(engine, ids["M-C"], moment)
            replied.append(moment)

    with time_machine.travel(dt.datetime(2024, 3, 31, 22, tzinfo=TZ), tick=False):
        scheduler = start_scheduler(engine)
    step(scheduler, dt.datetime(2024, 3, 31, 22), dt.datetime(2024, 5, 1, 12), on_hour)
    scheduler.shutdown(wait=False)

    publications = job_runs(engine, "publication")
    assert [(p, d) for p, d, _ in publications] == [("2024-03-16:2024-03-31", dt.date(2024, 4, 1)),
                                                    ("2024-04-01:2024-04-15", dt.date(2024, 4, 16)),
                                                    ("2024-04-16:2024-04-30", dt.date(2024, 5, 1))]
    assert {status for _, _, status in publications} == {"done"}, publications
    alerts = job_runs(engine, "alerts")
    assert len(alerts) == 31 and {status for *_, status in alerts} == {"done"}  # 04-01 .. 05-01, once a day
    calendar = get_calendar()
    with session_scope(engine) as session:
        entries = list(session.scalars(select(OutboxEntry).order_by(OutboxEntry.id)))
    sent_days = {e.created_at.date() for e in entries}
    assert sent_days and all(calendar.is_workday(day) for day in sent_days)
    assert dt.date(2024, 4, 7) in sent_days  # the make-up Sunday is a working day
    assert not sent_days & {dt.date(2024, 4, 4), dt.date(2024, 4, 5), dt.date(2024, 4, 6), dt.date(2024, 4, 13)}
    # Escalation reaches the supervisor on the 5th working day past due (deadlines.seriously_overdue_days).
    first_to_supervisor = min(e.created_at for e in entries if e.recipient_name == SUPERVISOR)
    assert first_to_supervisor == dt.datetime(2024, 4, 9, 9)
    # The answered message's alerts resolve at the next run, and are never raised again.
    resolved = [(e.created_at, i) for e in entries for i in e.items if i["event"] == "resolved"]
    assert [(when, item["external_id"]) for when, item in resolved] == [(dt.datetime(2024, 4, 11, 9), "M-C")]
    assert not [e for e in entries if e.created_at > dt.datetime(2024, 4, 11, 9)
                and any(i["external_id"] == "M-C" for i in e.items)]
    assert all(e.status == "delivered" for e in entries) and len(sink.messages) == len(entries)


def test_a_scheduler_restarted_after_a_missed_16th_publishes_once(month):
    engine, _, _ = month
    with time_machine.travel(dt.datetime(2024, 4, 14, 12, tzinfo=TZ), tick=False):
        scheduler = start_scheduler(engine)
    step(scheduler, dt.datetime(2024, 4, 14, 12), dt.datetime(2024, 4, 15, 20))
    scheduler.shutdown(wait=False)  # down over the 16th
    with time_machine.travel(dt.datetime(2024, 4, 17, 10, 30, tzinfo=TZ), tick=False):
        restarted = start_scheduler(engine)
    step(restarted, dt.datetime(2024, 4, 17, 10, 30), dt.datetime(2024, 4, 18, 12))
    # Even a manual run of the same period does nothing now.
    with time_machine.travel(dt.datetime(2024, 4, 18, 13, tzinfo=TZ), tick=False):
        assert sched.run_job("publication").endswith("already done")
    restarted.shutdown(wait=False)
    assert [(p, d) for p, d, _ in job_runs(engine, "publication")] == [("2024-04-01:2024-04-15", dt.date(2024, 4, 17))]
    # The missed alerts runs of the 16th and of 09:00 on the 17th coalesce into one run on restart.
    assert [(p, d) for p, d, _ in job_runs(engine, "alerts")] == [
        ("2024-04-15", dt.date(2024, 4, 15)), ("2024-04-17", dt.date(2024, 4, 17)),
        ("2024-04-18", dt.date(2024, 4, 18))]

"""Early warnings (analysis.topics.warnings.detect_warnings) reach the analysts through a real SMTP server, once each."""
from __future__ import annotations

import datetime as dt
from email.header import decode_header

import pytest
from sqlalchemy import select

from alerts.service import run_and_deliver
from store.db import session_scope
from store.models import Message, Source
from store.models.alerts import Alert, LedgerEntry, OutboxEntry
from store.models.topics import Topic, TopicMembership, WarningEvent
from tests.alerts.servers import SmtpSink

ANALYST = "analyst@jiangchuan.example"
LABEL = "幸福里小区电梯停运"


@pytest.fixture
def smtp():
    sink = SmtpSink().start()
    yield sink
    sink.stop()


def configure(monkeypatch, port: int, analysts: str) -> None:
    from store.settings import get_settings

    monkeypatch.setenv("HOTLINE_GENERAL_MODE", "production")
    monkeypatch.setenv("HOTLINE_ALERTS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("HOTLINE_ALERTS_SMTP_PORT", str(port))
    monkeypatch.setenv("HOTLINE_ALERTS_ANALYSTS", analysts)
    get_settings.cache_clear()


def raise_warnings(engine, day: dt.date) -> list[int]:
    """Six people write about one lift on ``day`` (nothing before): detect_warnings flags the topic."""
    from analysis.topics.warnings import detect_warnings

    with session_scope(engine) as session:
        source = Source(name="江川12345", channel="hotline")
        topic = Topic(label=LABEL, status="active")
        session.add_all([source, topic])
        session.flush()
        for n in range(6):
            submitted = dt.datetime.combine(day, dt.time(9 + n))
            message = Message(source_id=source.id, channel="hotline", external_id=f"W{n}", natural_key=f"W{n}",
                              title="电梯又坏了", content=f"幸福里3栋电梯停运第{n + 1}天", submitted_at=submitted,
                              submitter=f"居民{n}", content_hash=f"w{n}", first_seen_at=submitted)
            session.add(message)
            session.flush()
            session.add(TopicMembership(message_id=message.id, topic_id=topic.id, model_topic_id=topic.id))
        topic.first_message_at = dt.datetime.combine(day, dt.time(9))
        session.flush()
        return [event.id for event in detect_warnings(session, day)]


def subjects(sink: SmtpSink) -> list[str]:
    return ["".join(p.decode(e or "utf-8") if isinstance(p, bytes) else p for p, e in decode_header(m["message"]["Subject"]))
            for m in sink.messages]


def test_each_warning_reaches_the_analysts_once(sqlite_engine, smtp, monkeypatch):
    monkeypatch.setenv("HOTLINE_ALERTS_URGENT_WARNINGS", "false")
    configure(monkeypatch, smtp.port, f'{{"email": ["{ANALYST}"]}}')
    event_ids = raise_warnings(sqlite_engine, dt.date(2024, 4, 8))
    assert event_ids, "detect_warnings raised nothing: the fixture no longer describes a surge"
    # Saturday: nothing is decided; the warnings wait for the working day.
    report, _ = run_and_deliver(sqlite_engine, now=dt.datetime(2024, 4, 13, 9))
    assert not report.decided and smtp.messages == []
    report, delivery = run_and_deliver(sqlite_engine, now=dt.datetime(2024, 4, 15, 9))
    assert report.warnings == len(event_ids) and delivery.delivered == 1, (report, delivery)
    assert [m["rcpt"] for m in smtp.messages] == [[ANALYST]]
    assert subjects(smtp) == [f"【回复提醒】舆情分析人员：舆情预警 {len(event_ids)} 件"]
    text = smtp.messages[0]["message"].get_body(("plain",)).get_content()
    assert text.count(LABEL) == len(event_ids) and "当日 6 件" in text
    with session_scope(sqlite_engine) as session:
        events = list(session.scalars(select(WarningEvent)))
        ledger = list(session.scalars(select(LedgerEntry).where(LedgerEntry.kind == "warning")))
        alerts = list(session.scalars(select(Alert).where(Alert.level == "warning")))
    assert {e.status for e in events} == {"delivered"}
    assert sorted(a.subject for a in alerts) == sorted(f"warning:{i}" for i in event_ids)
    assert len(ledger) == len(event_ids) and all(LABEL in entry.title for entry in ledger)
    # Later runs (and a rerun of the same day) send nothing again.
    for moment in (dt.datetime(2024, 4, 15, 15), dt.datetime(2024, 4, 16, 9)):
        report, delivery = run_and_deliver(sqlite_engine, now=moment)
        assert report.warnings == 0 and delivery.delivered == 0
    assert len(smtp.messages) == 1


def test_urgent_warnings_go_out_on_a_saturday_once(sqlite_engine, smtp, monkeypatch):
    configure(monkeypatch, smtp.port, f'{{"email": ["{ANALYST}"]}}')  # alerts.urgent_warnings: on by default
    event_ids = raise_warnings(sqlite_engine, dt.date(2024, 4, 12))
    report, delivery = run_and_deliver(sqlite_engine, now=dt.datetime(2024, 4, 13, 9))  # Saturday
    assert not report.decided and report.warnings == len(event_ids) and delivery.delivered == 1
    assert "early warnings queued as urgent" in str(report)
    assert subjects(smtp) == [f"【回复提醒】舆情分析人员：舆情预警 {len(event_ids)} 件"]
    with session_scope(sqlite_engine) as session:
        assert [e.urgent for e in session.scalars(select(OutboxEntry))] == [True]
    # Sunday and Monday: nothing again.
    for moment in (dt.datetime(2024, 4, 14, 9), dt.datetime(2024, 4, 15, 9)):
        report, delivery = run_and_deliver(sqlite_engine, now=moment)
        assert report.warnings == 0 and delivery.delivered == 0
    assert len(smtp.messages) == 1


def test_without_an_analyst_contact_warnings_wait_instead_of_vanishing(sqlite_engine, smtp, monkeypatch):
    configure(monkeypatch, smtp.port, "{}")
    event_ids = raise_warnings(sqlite_engine, dt.date(2024, 4, 8))
    report, _ = run_and_deliver(sqlite_engine, now=dt.datetime(2024, 4, 9, 9))
    assert report.warnings == 0 and report.warnings_waiting == len(event_ids)
    assert "wait for an analyst contact" in str(report)
    with session_scope(sqlite_engine) as session:
        assert {e.status for e in session.scalars(select(WarningEvent))} == {"new"}
        assert session.scalar(select(OutboxEntry.id)) is None
    # Once the analysts are configured, the next run delivers them.
    configure(monkeypatch, smtp.port, f'{{"email": ["{ANALYST}"]}}')
    report, delivery = run_and_deliver(sqlite_engine, now=dt.datetime(2024, 4, 10, 9))
    assert report.warnings == len(event_ids) and delivery.delivered == 1
    assert [m["rcpt"] for m in smtp.messages] == [[ANALYST]]

"""Delivery through a real SMTP server (aiosmtpd) and a real HTTP server that checks each robot's payload
format and signature; retries, backoff, rate limits; never sending a delivered entry twice."""
from __future__ import annotations

import datetime as dt
from email.header import decode_header

import pytest
from sqlalchemy import select

from alerts.outbox import deliver_pending
from alerts.rules import run_alerts
from store.db import session_scope
from store.models.alerts import DeliveryAttempt, OutboxEntry
from tests.alerts.servers import ROBOT_SECRETS, RobotServer, SmtpSink
from tests.alerts.world import add_messages, load_units

UNIT = "江川市住房和城乡建设局"


@pytest.fixture
def smtp():
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def robots():
    server = RobotServer().start()
    yield server
    server.stop()


def configure(monkeypatch, smtp_port: int, **extra: str) -> None:
    from store.settings import get_settings

    monkeypatch.setenv("HOTLINE_GENERAL_MODE", "production")
    monkeypatch.setenv("HOTLINE_ALERTS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("HOTLINE_ALERTS_SMTP_PORT", str(smtp_port))
    monkeypatch.setenv("HOTLINE_ALERTS_SMTP_FROM", "江川12345热线 <hotline@jiangchuan.example>")
    for key, value in extra.items():
        monkeypatch.setenv(f"HOTLINE_ALERTS_{key.upper()}", value)
    get_settings.cache_clear()


def decide(engine, contacts: dict, day=dt.datetime(2024, 4, 9, 9)):
    load_units(engine, {UNIT: contacts})
    add_messages(engine, [("B1", dt.datetime(2024, 3, 25, 10), "市住建局"),
                          ("B2", dt.datetime(2024, 3, 27, 11), "江川市住建局"),
                          ("B3", dt.datetime(2024, 4, 2, 9), "市住房城乡建设局")])
    with session_scope(engine) as session:
        return run_alerts(session, now=day)


def test_email_and_every_robot_receive_the_digest_once(sqlite_engine, smtp, robots, monkeypatch):
    configure(monkeypatch, smtp.port)
    contacts = {"email": ["zjj@jiangchuan.example", "duty@jiangchuan.example"],
                "dingtalk": {"url": f"{robots.url}/dingtalk?access_token=abc", "secret": ROBOT_SECRETS["dingtalk"]},
                "wecom": {"url": f"{robots.url}/wecom?key=k"},
                "feishu": {"url": f"{robots.url}/feishu", "secret": ROBOT_SECRETS["feishu"]},
                "webhook": {"url": f"{robots.url}/webhook"}}
    decide(sqlite_engine, contacts)
    report = deliver_pending(sqlite_engine, now=dt.datetime(2024, 4, 9, 9, 1))
    assert report.errors == [] and report.delivered == 6  # 5 channels of the unit + the supervisor's e-mail
    assert robots.rejected == []
    assert sorted(r["kind"] for r in robots.accepted) == ["dingtalk", "feishu", "webhook", "wecom"]
    unit_mail = [m for m in smtp.messages if "zjj@jiangchuan.example" in m["rcpt"]]
    assert len(unit_mail) == 1 and len(smtp.messages) == 2
    message = unit_mail[0]["message"]
    raw_subject = unit_mail[0]["raw"].split(b"\r\n\r\n")[0].decode("ascii")  # headers are 7-bit on the wire
    assert "=?utf-8?" in raw_subject.lower()
    subject = "".join(part.decode(enc) if isinstance(part, bytes) else part
                      for part, enc in decode_header(message["Subject"]))
    assert subject == f"【回复提醒】{UNIT}：已超期 2 件，即将到期 1 件"
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "[B1]" in text and "[B2]" in text and "[B3]" in text and "<li>" in html
    # B1 (due 04-01) is listed in the overdue group with its lateness.
    assert "已超期 5 个工作日" in text
    webhook = next(r for r in robots.accepted if r["kind"] == "webhook")["payload"]
    assert {i["subject"] for i in webhook["items"]} == {"message:1", "message:2", "message:3"}
    # Delivered entries are never sent again.
    again = deliver_pending(sqlite_engine, now=dt.datetime(2024, 4, 9, 12))
    assert again.delivered == 0 and len(smtp.messages) == 2 and len(robots.accepted) == 4


def test_a_wrong_robot_secret_is_given_up_not_retried(sqlite_engine, smtp, robots, monkeypatch):
    configure(monkeypatch, smtp.port)
    decide(sqlite_engine, {"dingtalk": {"url": f"{robots.url}/dingtalk", "secret": "SECwrong"}})
    report = deliver_pending(sqlite_engine, now=dt.datetime(2024, 4, 9, 9, 1))
    assert report.dead == 1 and robots.rejected[0]["error"] == "sign not match"
    with session_scope(sqlite_engine) as session:
        entry = session.scalar(select(OutboxEntry).where(OutboxEntry.channel == "dingtalk"))
        assert entry.status == "dead" and "310000" in entry.last_error


def test_rate_limit_postpones_and_backoff_retries(sqlite_engine, smtp, robots, monkeypatch):
    configure(monkeypatch, smtp.port, rate_limits='{"webhook": 2, "email": 60}', retry_base_seconds="30")
    load_units(sqlite_engine, {u: {"webhook": {"url": f"{robots.url}/webhook"}} for u in
                               ("江川市住房和城乡建设局", "江川市人力资源和社会保障局", "江川市教育局",
                                "江川市交通运输局", "江川市商务局")})
    add_messages(sqlite_engine, [(f"C{i}", dt.datetime(2024, 3, 27, 10), unit) for i, unit in
                                 enumerate(["市住建局", "市人社局", "市教育局", "市交通局", "市商务局"])])
    with session_scope(sqlite_engine) as session:
        run_alerts(session, now=dt.datetime(2024, 4, 9, 9))
    start = dt.datetime(2024, 4, 9, 9, 0, 30)
    first = deliver_pending(sqlite_engine, now=start)
    assert (first.delivered, first.postponed) == (2, 3)
    assert deliver_pending(sqlite_engine, now=start + dt.timedelta(seconds=10)).delivered == 0
    second = deliver_pending(sqlite_engine, now=start + dt.timedelta(seconds=61))
    third = deliver_pending(sqlite_engine, now=start + dt.timedelta(seconds=122))
    assert (second.delivered, third.delivered) == (2, 1)
    webhook_keys = [r["payload"]["idempotency_key"] for r in robots.accepted]
    assert len(webhook_keys) == 5 == len(set(webhook_keys))
    # A server error is retried with backoff and every attempt recorded.
    robots.stop()
    with session_scope(sqlite_engine) as session:
        entry = session.scalar(select(OutboxEntry).where(OutboxEntry.channel == "webhook"))
        entry.status, entry.next_attempt_at = "pending", start
    failed = deliver_pending(sqlite_engine, now=start + dt.timedelta(seconds=200))
    assert failed.failed == 1
    with session_scope(sqlite_engine) as session:
        entry = session.scalar(select(OutboxEntry).where(OutboxEntry.channel == "webhook"))
        attempts = list(session.scalars(select(DeliveryAttempt).where(DeliveryAttempt.outbox_id == entry.id)))
        assert entry.next_attempt_at == start + dt.timedelta(seconds=200 + 60)  # 2nd attempt: 30 s doubled
        assert [a.ok for a in attempts] == [True, False] and "ConnectError" in attempts[-1].error

"""Nothing lost, nothing sent twice: the SMTP server down for a run; the process killed mid-run (SIGKILL)."""
from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

from sqlalchemy import select

from alerts.service import run_and_deliver
from store.db import session_scope
from store.models.alerts import OutboxEntry
from tests.alerts.servers import SmtpSink, free_port
from tests.alerts.world import add_messages, load_units

REPO = Path(__file__).resolve().parents[2]
UNITS = {"市住建局": "江川市住房和城乡建设局", "市人社局": "江川市人力资源和社会保障局", "市教育局": "江川市教育局",
         "市交通局": "江川市交通运输局"}


def build(engine, monkeypatch, port: int) -> None:
    from store.settings import get_settings

    monkeypatch.setenv("HOTLINE_GENERAL_MODE", "production")
    monkeypatch.setenv("HOTLINE_ALERTS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("HOTLINE_ALERTS_SMTP_PORT", str(port))
    monkeypatch.setenv("HOTLINE_ALERTS_SMTP_TIMEOUT_SECONDS", "3")
    get_settings.cache_clear()
    load_units(engine)
    rows = []
    for n, alias in enumerate(UNITS):
        rows.append((f"D{n}a", dt.datetime(2024, 3, 25, 10), alias))  # seriously overdue on 04-09
        rows.append((f"D{n}b", dt.datetime(2024, 4, 2, 10), alias))  # due soon on 04-09
    add_messages(engine, rows)


def items_received(sink: SmtpSink) -> Counter:
    """(recipient address, message external id) → how many e-mails carried it."""
    seen: Counter = Counter()
    for mail in sink.messages:
        text = mail["message"].get_body(("plain",)).get_content()
        for rcpt in mail["rcpt"]:
            for line in text.splitlines():
                if line.startswith("- ["):
                    seen[(rcpt, line[3:line.index("]")])] += 1
    return seen


def expected_items() -> int:
    # 4 units x 2 messages (overdue + due soon) + the supervisor (江川市人民政府办公室) x 4 seriously overdue.
    return 4 * 2 + 4


def test_smtp_down_then_up_every_alert_arrives_once(sqlite_engine, monkeypatch):
    port = free_port()
    build(sqlite_engine, monkeypatch, port)
    sink = SmtpSink(port)  # not started: connection refused
    _, first = run_and_deliver(sqlite_engine, now=dt.datetime(2024, 4, 9, 9))
    assert first.delivered == 0 and first.failed == 5 and "Connection refused" in first.errors[0]
    sink.start()
    try:
        # Next run, after the backoff: nothing new decided, everything pending delivered.
        report, second = run_and_deliver(sqlite_engine, now=dt.datetime(2024, 4, 9, 10))
        assert report.outbox_entries == 0 and second.delivered == 5
        _, third = run_and_deliver(sqlite_engine, now=dt.datetime(2024, 4, 9, 11))
        assert third.delivered == 0
    finally:
        sink.stop()
    seen = items_received(sink)
    assert len(seen) == expected_items() and set(seen.values()) == {1}


def _child(env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "cli", "alerts", "run", "--at", "2024-04-09T09:00"],
                            cwd=os.getcwd(), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_killed_between_deciding_and_sending_every_alert_arrives_once(sqlite_engine, monkeypatch):
    port = free_port()
    build(sqlite_engine, monkeypatch, port)
    sink = SmtpSink(port).start()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    try:
        sink.hold_next.set()
        child = _child(env)
        assert sink.held.wait(60), child.communicate(timeout=5)
        os.kill(child.pid, signal.SIGKILL)  # decided and committed; the first e-mail is mid-DATA
        child.wait(10)
        assert child.returncode == -signal.SIGKILL
        assert sink.messages == []
        with session_scope(sqlite_engine) as session:
            statuses = Counter(e.status for e in session.scalars(select(OutboxEntry)))
        assert statuses == {"pending": 5}  # the decision survived the kill
        restarted = _child(env)
        out, err = restarted.communicate(timeout=120)
        assert restarted.returncode == 0, err
        assert "delivered 5" in out
    finally:
        sink.stop()
    seen = items_received(sink)
    assert len(seen) == expected_items() and set(seen.values()) == {1}
    with session_scope(sqlite_engine) as session:
        assert {e.status for e in session.scalars(select(OutboxEntry))} == {"delivered"}

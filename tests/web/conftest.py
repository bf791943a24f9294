"""Fixtures for the web UI tests: a seeded database, users per role, an in-process client and a real server."""
from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

import pytest
from sqlalchemy import Engine, select

from store.db import session_scope
from store.models import CrawlRun, Message, Unit, now_local
from store.models.accounts import User
from store.models.deadlines import Deadline
from store.records import MessageRecord
from store.upsert import get_or_create_source, upsert_messages
from web.accounts import hash_password

UNIT_A = "市住房和城乡建设局"
UNIT_B = "市交通运输局"
XSS_TITLE = "<script>window.__xss = 1; alert('xss-title')</script>小区停车难"
XSS_CONTENT = "楼下<img src=x onerror=\"window.__xss = 2; alert('xss-img')\">噪音扰民<script>alert('xss-body')</script>"
PASSWORD = "correct-horse-battery"


@lru_cache(maxsize=1)
def password_hash() -> str:
    return hash_password(PASSWORD)


@dataclass
class Seed:
    message_ids: dict[str, int] = field(default_factory=dict)  # external id -> message id
    users: dict[str, str] = field(default_factory=dict)  # role -> login
    topic_ids: dict[str, int] = field(default_factory=dict)  # label -> topic id
    alert_ids: dict[str, int] = field(default_factory=dict)  # external id -> its seeded overdue alert
    publication_id: int | None = None


def seed_database(engine: Engine) -> Seed:
    """Two units, two sources, messages across 20 days (one hostile), deadlines, crawl runs, a user per role."""
    seed = Seed()
    today = now_local().date()
    with session_scope(engine) as session:
        session.add_all([Unit(name=UNIT_A, aliases=["市住建局"]), Unit(name=UNIT_B, aliases=["市交通局"])])
        hotline = get_or_create_source(session, "测试12345热线", "hotline", origin="crawl",
                                       base_url="http://127.0.0.1/hotline", freshness_objective_days=3)
        mailbox = get_or_create_source(session, "市长信箱", "mailbox", origin="import", freshness_objective_days=10)
        run = CrawlRun(source_id=hotline.id, kind="crawl", spider="demo", started_at=now_local() - timedelta(hours=2),
                       finished_at=now_local() - timedelta(hours=1), finish_reason="finished", items=30,
                       inserted=25, updated=5, requests=40, http_status={"200": 38, "404": 2},
                       field_coverage={"title": 1.0}, errors=[])
        session.add(run)
        session.flush()
        records = []
        for i in range(24):
            submitted = datetime.combine(today - timedelta(days=i), datetime.min.time()) + timedelta(hours=9)
            unit = UNIT_A if i % 2 == 0 else UNIT_B
            replied = submitted + timedelta(days=2) if i % 3 == 0 else None
            records.append(MessageRecord(
                channel="hotline" if i % 4 else "mailbox", external_id=f"M{i:03d}", submitted_at=submitted,
                title=f"关于{'道路' if unit == UNIT_B else '物业'}问题的反映{i}", content=f"第{i}号诉求：小区物业服务不到位，希望尽快处理。",
                unit=unit, status="已办结" if replied else "办理中", kind="投诉",
                reply_text="已转相关部门处理。" if replied else None, replied_at=replied, ref=f"seed {i}"))
        records.append(MessageRecord(channel="hotline", external_id="XSS1", submitted_at=datetime.combine(
            today - timedelta(days=1), datetime.min.time()) + timedelta(hours=10), title=XSS_TITLE,
            content=XSS_CONTENT, unit=UNIT_A, status="办理中", kind="投诉", ref="seed xss"))
        result = upsert_messages(session, hotline, [r for r in records if r.channel == "hotline"], run_id=run.id)
        result.add(upsert_messages(session, mailbox, [r for r in records if r.channel == "mailbox"]))
        assert result.rejected == 0
        # A second sighting of M001 with a reply: recorded as revisions.
        again = next(r for r in records if r.external_id == "M001")
        again.reply_text, again.replied_at, again.status = "已联系当事人。", again.submitted_at + timedelta(days=1), "已办结"
        upsert_messages(session, hotline, [again], run_id=run.id)

        for message in session.scalars(select(Message)):
            seed.message_ids[message.external_id] = message.id
            received = message.submitted_at.date()
            due = received + timedelta(days=5)
            session.add(Deadline(
                message_id=message.id, rule_id="general", rule_source="政务公开工作要点：5个工作日", days=5,
                day_unit="working", convention="next_working_day", received_at=message.submitted_at,
                deemed_received_on=received, base_due_on=due, due_on=due, paused=False, provisional=False,
                explanation=f"received {received}; 5 working days -> due {due}",
                explanation_zh=f"{received}受理，5个工作日内答复，{due}到期", calendar_fingerprint="x" * 32,
                rules_fingerprint="y" * 32))
        seed_topics_alerts(session, seed)
        # One Argon2 hash for every seeded user: hashing is deliberately slow (about a second here).
        for role in ("analyst", "editor", "admin"):
            session.add(User(login=f"test-{role}", password_hash=password_hash(), role=role, active=True,
                             session_epoch=0))
            seed.users[role] = f"test-{role}"
        session.add(User(login="test-unit-b", password_hash=password_hash(), role="unit_official", unit=UNIT_B,
                         active=True, session_epoch=0))
        seed.users["unit_official"] = "test-unit-b"
        from reports import publication

        seed.publication_id = publication.create_draft_for_period(
            session, publication.latest_period_with_messages(session)).id
    return seed


def seed_topics_alerts(session, seed: Seed) -> None:
    """Three topics over the seeded messages and firing alerts with ledger rows (as the analysis and the
    alert run would leave them)."""
    from store.models.alerts import Alert, LedgerEntry
    from store.models.topics import Topic, TopicMembership

    ids = seed.message_ids
    groups = {"物业服务": ["M000", "M002", "M004", "M006", "XSS1"], "道路维修": ["M001", "M003", "M005"],
              "停车难": ["M008", "M010"]}
    for label, members in groups.items():
        topic = Topic(label=label, keywords=[label, "小区"], places=["幸福小区"], units=[UNIT_A], status="active",
                      size=len(members), first_message_at=now_local() - timedelta(days=10),
                      last_message_at=now_local())
        session.add(topic)
        session.flush()
        seed.topic_ids[label] = topic.id
        for external_id in members:
            session.add(TopicMembership(message_id=ids[external_id], topic_id=topic.id, model_topic_id=topic.id,
                                        similarity=0.8))
    unit_ids = dict(session.execute(select(Unit.name, Unit.id)).all())
    for external_id, unit in (("M010", UNIT_A), ("M011", UNIT_B), ("XSS1", UNIT_A)):
        message_id = ids[external_id]
        alert = Alert(subject=f"message:{message_id}", message_id=message_id, level="overdue",
                      unit_id=unit_ids[unit], recipient=f"unit:{unit_ids[unit]}", state="firing",
                      title=f"超期未回复 {external_id}", due_on=now_local().date() - timedelta(days=3),
                      overdue_workdays=3)
        session.add(alert)
        session.flush()
        seed.alert_ids[external_id] = alert.id
        session.add(LedgerEntry(subject=f"message:{message_id}", message_id=message_id, kind="message",
                                first_discovered_at=now_local() - timedelta(days=5), source="测试12345热线",
                                channel="hotline", external_id=external_id,
                                title="=HYPERLINK(\"http://evil\")" if external_id == "XSS1" else f"诉求 {external_id}",
                                unit_id=unit_ids[unit], unit_name=unit, highest_level="overdue", status="open"))
    session.flush()


@pytest.fixture
def seeded(sqlite_engine) -> Seed:
    return seed_database(sqlite_engine)


@pytest.fixture
def app(sqlite_engine, seeded):
    from web.app import create_app

    return create_app(sqlite_engine)


def csrf_of(client) -> str:
    """The CSRF token of the client's session, read from a page like a browser would."""
    import re

    page = client.get("/login")
    return re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)


def login(client, user: str, password: str = PASSWORD):
    token = csrf_of(client)
    return client.post("/login", data={"login": user, "password": password, "csrf_token": token, "next": "/"},
                       follow_redirects=False)


@pytest.fixture
def client(app):
    from fastapi.testclient import TestClient

    with TestClient(app, base_url="http://127.0.0.1") as c:
        yield c


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def live_server(app):
    """The app served by uvicorn on a free local port, in a thread; yields its base URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)

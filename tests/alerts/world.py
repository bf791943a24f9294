"""A small world for alert tests: the demo unit directory and messages with computed deadlines."""
from __future__ import annotations

import datetime as dt

from alerts.directory import PACKAGED_DIRECTORY, load_directory_file, sync_directory
from store.db import session_scope
from store.models import Message, Source


def load_units(engine, contacts: dict | None = None) -> None:
    """The packaged demo directory; ``contacts`` (unit name → contacts) replaces some units' contacts."""
    specs = load_directory_file(PACKAGED_DIRECTORY)
    for spec in specs:
        if contacts and spec.name in contacts:
            spec.contacts = contacts[spec.name]
    with session_scope(engine) as session:
        sync_directory(session, specs)


def add_messages(engine, rows: list[tuple[str, dt.datetime, str]], source: str = "江川12345") -> dict[str, int]:
    """rows: (external id, submitted at, unit spelling); deadlines computed. Returns external id → message id."""
    from sqlalchemy import select

    from analysis.deadlines.engine import compute_deadlines

    with session_scope(engine) as session:
        src = session.scalar(select(Source).where(Source.name == source))
        if src is None:
            src = Source(name=source, channel="hotline")
            session.add(src)
            session.flush()
        ids = {}
        for external_id, submitted, unit in rows:
            message = Message(source_id=src.id, channel="hotline", external_id=external_id, natural_key=external_id,
                              title=f"关于{external_id}的诉求", content="诉求内容", submitted_at=submitted,
                              kind="投诉", unit=unit, content_hash=external_id, status="办理中",
                              url=f"http://portal.example/detail/{external_id}", first_seen_at=submitted)
            session.add(message)
            session.flush()
            ids[external_id] = message.id
        compute_deadlines(session, as_of=max(r[1] for r in rows).date())
    return ids


def reply(engine, message_id: int, when: dt.datetime) -> None:
    from store.models import Message

    with session_scope(engine) as session:
        message = session.get(Message, message_id)
        message.replied_at, message.reply_text, message.status = when, "已处理，感谢反映。", "已办结"

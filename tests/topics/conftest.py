"""Helpers for topic tests: the demo corpus stored through the real upsert path."""
from __future__ import annotations

from collections.abc import Sequence

import pytest

from demo.corpus import DemoMessage, generate_corpus
from store.records import MessageRecord
from store.upsert import get_or_create_source, upsert_messages


def store_messages(session, messages: Sequence[DemoMessage], source: str = "demo") -> dict[str, int]:
    """Upsert demo messages; returns external id -> message id."""
    from sqlalchemy import select

    from store.models import Message

    src = get_or_create_source(session, source, "feedback")
    records = [MessageRecord(
        channel=m.channel, content=m.content, submitted_at=m.submitted_at, title=m.title,
        external_id=m.external_id, submitter=m.submitter, kind=m.kind, category=m.category, unit=m.unit,
        status=m.status, reply_text=m.reply_text, reply_unit=m.reply_unit, replied_at=m.replied_at,
        votes_up=m.votes_up, votes_down=m.votes_down, ref=m.external_id) for m in messages]
    upsert_messages(session, src, records)
    session.commit()
    return dict(session.execute(select(Message.external_id, Message.id)).all())


@pytest.fixture(scope="session")
def demo_corpus() -> list[DemoMessage]:
    return generate_corpus()

"""Migration 0018 moves last_seen_at out of messages without losing a value, and back on downgrade."""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import DateTime, column, select, table, text

from store.migrate import upgrade
from store.models import Message, MessageSighting


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_last_seen_is_kept_across_the_move(request, kind):
    from alembic import command

    from store.migrate import alembic_config
    from tests.store.test_migrations import _fresh_engine

    engine = _fresh_engine(request, kind)
    upgrade(engine, "0016_crawl_health")
    stored = datetime(2025, 3, 1, 9, 0), datetime(2025, 3, 9, 18, 30)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO sources (id, name, channel, origin, created_at) "
                          "VALUES (1, 's', 'mailbox', 'import', :t)"), {"t": stored[0]})
        for number, last_seen in ((1, stored[0]), (2, stored[1])):  # 1: never seen again; 2: seen a week later
            conn.execute(text(
                "INSERT INTO messages (id, source_id, channel, natural_key, content, extra, content_hash, "
                "first_seen_at, last_seen_at) VALUES (:id, 1, 'mailbox', :key, '内容', '{}', 'h', :first, :last)"),
                {"id": number, "key": f"K{number}", "first": stored[0], "last": last_seen})
    upgrade(engine)
    with engine.connect() as conn:
        assert dict(conn.execute(select(Message.id, Message.last_seen_at)).all()) == {1: stored[0], 2: stored[1]}
        # only the message seen after it was stored needs a sighting row
        assert conn.execute(select(MessageSighting.message_id)).scalars().all() == [2]
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0016_crawl_health")
    old_messages = table("messages", column("id"), column("last_seen_at", DateTime))
    with engine.connect() as conn:
        assert dict(conn.execute(select(old_messages)).all()) == {1: stored[0], 2: stored[1]}

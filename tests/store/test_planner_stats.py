"""PostgreSQL planner statistics during a bulk load (store/planner_stats.py).

The defect they prevent: a COPY-filled table that autovacuum has not analysed yet has ``reltuples`` -1, and the
planner then answered the importer's natural-key lookups by reading every row of the source.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from store import db as store_db
from store import planner_stats
from store.models import Message
from store.records import MessageRecord
from store.upsert import get_or_create_source, upsert_messages


def _records(count: int, start: int = 0) -> list[MessageRecord]:
    day = datetime(2025, 3, 3, 9, 0)
    return [MessageRecord(channel="mailbox", external_id=f"PS{n:06d}", title=f"第{n}号来信",
                          content=f"滨江路第{n}号路灯不亮，请尽快维修。", submitted_at=day + timedelta(minutes=n))
            for n in range(start, start + count)]


def _reltuples(connection) -> float:
    return connection.execute(text("SELECT reltuples FROM pg_class WHERE relname = 'messages'")).scalar_one()


def test_a_bulk_load_analyses_the_table_on_a_geometric_schedule(pg_engine, monkeypatch):
    analysed_at: list[int] = []
    original = planner_stats.note_rows_added

    def counting(session, table, count):
        done = original(session, table, count)
        if done:
            analysed_at.append(session.scalar(select(func.count(Message.id))))
        return done

    monkeypatch.setattr("store.upsert.note_rows_added", counting)
    with store_db.session_factory(pg_engine)() as session:
        session.execute(text("ANALYZE messages"))  # the truncated table of earlier tests: known rows 0
        source = get_or_create_source(session, "mayor-mailbox", "mailbox")
        for start in range(0, 14_000, 1_000):  # one call per 1,000-row batch, committed, as the importer does
            upsert_messages(session, source, _records(1_000, start))
            session.commit()
        # With MIN_ROWS 2,000 and SHARE 0.5: analyse when added > 2,000 + 0.5 × known.
        # known 0 → at 3,000 rows; known 3,000 → added must exceed 3,500 → at 7,000; known 7,000 → added must
        # exceed 5,500 → at 13,000 (6,000 added).
        assert analysed_at == [3_000, 7_000, 13_000]
        with pg_engine.connect() as connection:
            assert _reltuples(connection) == 13_000  # a table this small is sampled whole: the exact count
            plan = connection.execute(text(
                "EXPLAIN SELECT id FROM messages WHERE source_id = :source AND natural_key IN ('a', 'b', 'c')"),
                {"source": source.id}).scalars().all()
        assert "uq_messages_source_natural_key" in "\n".join(plan)


def test_a_held_analysis_lock_is_not_waited_for(pg_engine):
    factory = store_db.session_factory(pg_engine)
    with factory() as session, pg_engine.connect() as other:
        source = get_or_create_source(session, "mayor-mailbox", "mailbox")
        session.commit()
        holder = other.begin()
        other.execute(text("LOCK TABLE messages IN SHARE UPDATE EXCLUSIVE MODE"))  # as autovacuum's analyse does
        upsert_messages(session, source, _records(2_500))
        assert not planner_stats.note_rows_added(session, Message.__table__, 1)  # over the threshold, locked: skip
        # the loader's transaction is intact and goes on
        upsert_messages(session, source, _records(10, start=2_500))
        session.commit()
        assert session.scalar(select(func.count(Message.id))) == 2_510
        holder.rollback()
        assert planner_stats.note_rows_added(session, Message.__table__, 1)  # lock free: the next batch analyses
        session.commit()


@pytest.mark.parametrize("count", [0, 5_000])
def test_sqlite_needs_no_analysis(sqlite_engine, count):
    with store_db.session_factory(sqlite_engine)() as session:
        assert not planner_stats.note_rows_added(session, Message.__table__, count)

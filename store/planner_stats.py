"""Keep PostgreSQL's planner statistics in step with a bulk load.

A table filled by COPY in one go is not analysed until autovacuum gets to it (a minute or more later). Until
then ``pg_class.reltuples`` says the table is empty or small, and the planner answers the importer's lookups by
natural key from the wrong index (``ix_messages_source_submitted``: every row of the source, then filtered), so
each batch reads the whole table and a 200,000-row import becomes quadratic (measured: 2,020 rows/s against
5,257 at 50,000 rows). The loader therefore analyses the table itself each time the rows it added since the
last analysis exceed a share of the rows the planner knows of: a geometric schedule, about a dozen ANALYZE
runs for a 200,000-row first import, each a sample of 30,000 rows.

SQLite needs nothing: its planner prefers the unique index for an equality on all its columns without statistics.
"""
from __future__ import annotations

from sqlalchemy import Table, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

# Analyse once the rows added since the last analysis exceed MIN_ROWS + SHARE × rows already known.
ANALYZE_MIN_ROWS = 2_000
ANALYZE_SHARE = 0.5


def note_rows_added(session: Session, table: Table, count: int) -> bool:
    """Record ``count`` rows added to ``table`` in this session; analyse the table when the planner's picture is
    stale. Returns whether it analysed. Never waits for a lock: when another session holds the table's analysis
    lock (autovacuum, a concurrent loader) it tries again after the next batch."""
    if not count or session.get_bind().dialect.name != "postgresql":
        return False
    state = session.info.setdefault(("planner-rows", table.name), {"known": None, "added": 0})
    if state["known"] is None:
        reltuples = session.execute(text("SELECT reltuples FROM pg_class WHERE oid = CAST(:name AS regclass)"),
                                    {"name": table.name}).scalar_one()
        state["known"] = max(int(reltuples), 0)  # -1: never analysed
    state["added"] += count
    if state["added"] <= ANALYZE_MIN_ROWS + ANALYZE_SHARE * state["known"]:
        return False
    try:
        with session.begin_nested():  # in the loader's transaction, so the sample sees the batch just written
            # NOWAIT: ANALYZE's lock conflicts with itself; two loaders waiting on each other's row locks and
            # analysis locks would deadlock.
            session.execute(text(f'LOCK TABLE "{table.name}" IN SHARE UPDATE EXCLUSIVE MODE NOWAIT'))
            session.execute(text(f'ANALYZE "{table.name}"'))
    except OperationalError:
        return False
    state["known"] += state["added"]
    state["added"] = 0
    return True

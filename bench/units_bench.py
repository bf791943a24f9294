"""The analysis step `units` (Message.unit_id from the unit directory) and the dashboard's overdue-by-unit query
on a large store: SQLite, and PostgreSQL when reachable (HOTLINE_BENCH_PG_URL, default
postgresql+psycopg://postgres@127.0.0.1:5432/postgres; a scratch database is created and dropped).

Synthetic messages (no real text) spread over the packaged demo directory's names and aliases, spellings it
resolves only after normalisation and spellings it does not know; 10 % unanswered with a past due date. Times:
the first run (every unit_id empty), a run with nothing to do, a run after 1 % of the messages changed their
unit text, and the dashboard figures per unit. The step's work grows with the distinct spellings, not the
messages: one grouped read, one UPDATE per spelling to change.

    python bench/units_bench.py [--messages 200000] [--no-pg]
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _pg import scratch_pg_database  # noqa: E402
from sqlalchemy import bindparam, create_engine, insert, select, text, update  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

AS_OF = date(2025, 12, 16)


def spellings(session: Session) -> tuple[list[str], list[str]]:
    """(the directory's names and aliases and names spelled the way exports do, resolved by normalisation;
    200 names the directory does not know)."""
    from store.models import Unit

    known: list[str] = []
    for name, aliases in session.execute(select(Unit.name, Unit.aliases)):
        known += [name, *(aliases or []), name.replace("和", "与", 1), " " + name]
    return known, [f"第{i}社区居委会" for i in range(200)]


def fill(engine, n_messages: int, seed: int = 11) -> list[str]:
    from alerts.directory import PACKAGED_DIRECTORY, load_directory_file, sync_directory
    from store.migrate import upgrade
    from store.models import Message, Source
    from store.models.deadlines import Deadline

    upgrade(engine)
    rng = random.Random(seed)
    with Session(engine) as session:
        sync_directory(session, load_directory_file(PACKAGED_DIRECTORY))
        session.add(Source(id=1, name="bench", channel="hotline", origin="import"))
        session.commit()
        known, unknown = spellings(session)
    now = datetime(2025, 12, 16, 9, 0)
    messages, deadlines = [], []
    for i in range(1, n_messages + 1):
        unit = rng.choice(known) if rng.random() < 0.9 else rng.choice(unknown)
        submitted = now - timedelta(days=rng.random() * 700)
        open_ = rng.random() < 0.1
        messages.append({"id": i, "source_id": 1, "channel": "hotline", "external_id": f"U{i:07d}",
                         "natural_key": f"U{i:07d}", "title": f"诉求{i}", "content": f"编号{i}的诉求。",
                         "submitted_at": submitted, "unit": unit, "status": "办理中" if open_ else "已办结",
                         "reply_text": None if open_ else "已处理。", "replied_at": None if open_ else submitted,
                         "extra": {}, "content_hash": f"{i:040d}", "first_seen_at": now})
        due = (submitted + timedelta(days=7)).date()
        deadlines.append({"message_id": i, "rule_id": "general", "rule_source": "bench", "days": 5,
                          "day_unit": "working", "convention": "next_working_day", "received_at": submitted,
                          "deemed_received_on": submitted.date(), "base_due_on": due, "due_on": due, "paused": False,
                          "provisional": False, "explanation": "bench", "explanation_zh": "bench",
                          "calendar_fingerprint": "x" * 32, "rules_fingerprint": "y" * 32, "computed_at": now})
    with engine.begin() as conn:
        for start in range(0, n_messages, 20000):
            conn.execute(insert(Message.__table__), messages[start:start + 20000])
            conn.execute(insert(Deadline.__table__), deadlines[start:start + 20000])
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT setval(pg_get_serial_sequence('messages', 'id'), "
                              "(SELECT max(id) FROM messages))"))
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    return known + unknown


def timed(label: str, fn):
    start = time.perf_counter()
    result = fn()
    shown = "" if isinstance(result, tuple) else result
    print(f"  {label:44s} {(time.perf_counter() - start) * 1000:8.1f} ms  {shown}")
    return result


def run(engine, n_messages: int) -> None:
    from analysis.routing.message_units import resolve_message_units
    from store.models import Message, Unit
    from web.queries.dashboard import overdue_by_unit
    from web.queries.messages import MessageFilters, search_messages

    start = time.perf_counter()
    names = fill(engine, n_messages)
    print(f"  filled {n_messages} messages over {len(set(names))} spellings in {time.perf_counter() - start:.1f} s")

    def step():
        with Session(engine) as session:
            report = resolve_message_units(session)
            session.commit()
            return f"{report.updated} messages updated over {report.spellings} spellings"

    timed("units step, every unit_id empty", step)
    timed("units step, nothing to do", step)
    rng = random.Random(5)
    changed = rng.sample(range(1, n_messages + 1), n_messages // 100)
    with engine.begin() as conn:
        conn.execute(update(Message.__table__).where(Message.id == bindparam("mid"))
                     .values(unit=bindparam("new_unit")), [{"mid": m, "new_unit": rng.choice(names)} for m in changed])
    timed("units step, 1 % of the texts changed", step)
    with Session(engine) as session:
        ranked, total = timed("dashboard overdue by unit", lambda: overdue_by_unit(session, [], AS_OF))
        print(f"    {total} overdue; largest: {ranked[:3]}")
        top = ranked[0][0]
        timed(f"messages list, unit {top} + overdue", lambda: len(search_messages(
            session, MessageFilters(unit=top, overdue=True), [], AS_OF)[0]))
        timed("messages list, unit filter alone", lambda: len(search_messages(
            session, MessageFilters(unit=top), [], AS_OF)[0]))
        session.add(Unit(name="江川市新设局", aliases=[], contacts={}, is_supervision_office=False))
        session.commit()
        timed("messages list, a directory unit without messages", lambda: len(search_messages(
            session, MessageFilters(unit="江川市新设局"), [], AS_OF)[0]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory(prefix="hm-unitsbench-") as tmp:
        print("SQLite")
        engine = create_engine(f"sqlite:///{tmp}/bench.db")
        try:
            run(engine, args.messages)
        finally:
            engine.dispose()
    if not args.no_pg:
        with scratch_pg_database("hm_unitsbench") as url:
            if url is None:
                return 0
            print("PostgreSQL")
            engine = create_engine(url)
            try:
                run(engine, args.messages)
            finally:
                engine.dispose()
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Alert rules at scale: evaluating the ladder for 1,000,000 open messages and queueing 10,000 digests.

Builds a synthetic SQLite database (no real data needed: the figures are about volume) with N open messages
spread over U units, each unit with an e-mail contact, deadlines spread around the run date, then times:

1. ``evaluate`` alone (vectorised states + ladder levels) on the N messages;
2. the full first ``run_alerts`` (load, evaluate, decide, write alerts, ledger and the outbox) — every
   open message that is due soon or overdue gets an alert, every unit one digest (target: <= 60 s);
3. a second run the next working day (repeats only);
4. queueing 10,000 digest deliveries: one ``enqueue`` call each, then ``enqueue_many`` (the run's path).

Every unit's supervisor is the 督办 office here, so one digest counts about 800,000 items and lists the first
``alerts.digest_max_items``. The run drafts digests in a thread while the database writes: on a busy
machine (``load average`` above 1 on 2 cores) the figures are slower than on a quiet one.

    python bench/alerts_bench.py [--messages 1000000] [--units 10000] [--db PATH] [--pg [SERVER_URL]]

``--pg`` runs the same on PostgreSQL instead: a scratch database created on the server (default
``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``) and dropped afterwards.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _pg import PG_SERVER, scratch_pg_database  # noqa: E402


def build(engine, messages: int, units: int, as_of: dt.date) -> None:
    """The synthetic store, written column by column through the same bulk path as the alert run."""
    import numpy as np
    from sqlalchemy import insert

    from alerts.bulk import bulk_insert
    from store.models import Base, Message, Source, Unit
    from store.models.deadlines import Deadline

    Base.metadata.create_all(engine)
    rng = np.random.default_rng(7)
    with engine.begin() as conn:
        conn.execute(insert(Unit), [{"id": 1, "name": "督办科", "aliases": [], "contacts": {"email": ["db@x.example"]},
                                     "is_supervision_office": True}] +
                     [{"id": i + 2, "name": f"单位{i:05d}", "aliases": [f"U{i}"], "parent_id": 1,
                       "contacts": {"email": [f"u{i}@x.example"]}, "is_supervision_office": False}
                      for i in range(units)])
        conn.execute(insert(Source), [{"id": 1, "name": "bench", "channel": "hotline", "origin": "import",
                                       "created_at": dt.datetime(2024, 1, 1)}])
        offsets = rng.integers(-25, 10, size=messages)  # due date relative to as_of, in calendar days
        unit_of = rng.integers(0, units, size=messages)
        due_of = {int(o): as_of + dt.timedelta(days=int(o)) for o in np.unique(offsets)}
        submitted_of = {o: dt.datetime.combine(d - dt.timedelta(days=8), dt.time(10)) for o, d in due_of.items()}
        unit_names = [f"单位{i:05d}" for i in range(units)]
        computed, empty = dt.datetime(2024, 1, 1), {}
        batch = 200_000
        for start in range(0, messages, batch):
            ids = list(range(start + 1, min(start + batch, messages) + 1))
            k = len(ids)
            keys = [f"B{i - 1}" for i in ids]
            chunk_offsets = offsets[start:start + k].tolist()
            due = [due_of[o] for o in chunk_offsets]
            submitted = [submitted_of[o] for o in chunk_offsets]
            chunk_units = unit_of[start:start + k]
            bulk_insert(conn, Message.__table__, {
                "id": ids, "source_id": [1] * k, "channel": ["hotline"] * k, "external_id": keys,
                "natural_key": keys, "title": [f"诉求{i - 1}" for i in ids], "content": ["内容"] * k,
                "submitted_at": submitted, "unit": [unit_names[u] for u in chunk_units.tolist()],
                "unit_id": (chunk_units + 2).tolist(), "content_hash": ["h"] * k, "extra": [empty] * k,
                "first_seen_at": submitted})
            bulk_insert(conn, Deadline.__table__, {
                "message_id": ids, "rule_id": ["default-5wd"] * k, "rule_source": ["bench"] * k, "days": [5] * k,
                "day_unit": ["working"] * k, "convention": ["next_working_day"] * k, "received_at": submitted,
                "deemed_received_on": [s.date() for s in submitted], "base_due_on": due, "due_on": due,
                "paused": [False] * k, "provisional": [False] * k, "explanation": [""] * k,
                "explanation_zh": [""] * k, "calendar_fingerprint": [""] * k, "rules_fingerprint": [""] * k,
                "computed_at": [computed] * k})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--db", default="", help="SQLite file (default: a new temporary one)")
    parser.add_argument("--pg", nargs="?", const=PG_SERVER, default="",
                        help=f"run on a scratch PostgreSQL database on this server (default {PG_SERVER})")
    args = parser.parse_args()
    # The temporary directory holds the (multi-GB) synthetic database unless --db names one: removed after.
    with tempfile.TemporaryDirectory(prefix="alerts-bench-") as workdir:
        if not args.pg:
            db = Path(args.db) if args.db else Path(workdir) / "bench.db"
            return run(args, f"sqlite:///{db}", Path(workdir))
        with scratch_pg_database("alerts_bench", args.pg) as url:
            if url is None:
                return 0
            try:
                return run(args, url, Path(workdir))
            finally:
                from store.db import get_engine

                get_engine(url).dispose()


def run(args: argparse.Namespace, database_url: str, workdir: Path) -> int:
    os.environ["HOTLINE_GENERAL_VAR_DIR"] = str(workdir)
    os.environ["HOTLINE_DATABASE_URL"] = database_url
    os.environ["HOTLINE_GENERAL_MODE"] = "production"
    import numpy as np
    from sqlalchemy import func, select

    from alerts.digest import build_digest
    from alerts.outbox import Digest, enqueue, enqueue_many
    from alerts.rules import LadderPolicy, evaluate, run_alerts
    from analysis.deadlines.workcalendar import get_calendar
    from store.db import get_engine, session_scope
    from store.models.alerts import Alert, OutboxEntry

    as_of = dt.date(2024, 4, 9)
    engine = get_engine()
    started = time.perf_counter()
    build(engine, args.messages, args.units, as_of)
    print(f"database: {engine.dialect.name}")
    print(f"built {args.messages:,} open messages over {args.units:,} units in {time.perf_counter() - started:.1f} s")

    calendar = get_calendar()
    n = args.messages
    rng = np.random.default_rng(1)
    due = as_of.toordinal() + rng.integers(-25, 10, size=n)
    t = time.perf_counter()
    result = evaluate(calendar, as_of, received=due - 8, due=due, replied=np.full(n, -1),
                      reply_undated=np.zeros(n, bool), closed=np.zeros(n, bool), paused=np.zeros(n, bool),
                      policy=LadderPolicy())
    firing = {level: int((p >= 0).sum()) for level, p in result.periods.items()}
    print(f"evaluate (vectorised ladder) on {n:,} messages: {time.perf_counter() - t:.2f} s; firing {firing}")

    for label, moment in (("first run", dt.datetime(2024, 4, 9, 9)), ("next working day", dt.datetime(2024, 4, 10, 9))):
        print(f"load average before the {label}: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        t = time.perf_counter()
        with session_scope(engine) as session:
            report = run_alerts(session, now=moment)
        elapsed = time.perf_counter() - t
        print(f"run_alerts {label}: {elapsed:.1f} s (target <= 60 s for the first): {report}")
        print(f"  seconds per phase (the rest is the commit): {report.seconds}")
    with session_scope(engine) as session:
        print(f"alerts stored: {session.scalar(select(func.count(Alert.id))):,}; outbox entries: "
              f"{session.scalar(select(func.count(OutboxEntry.id))):,}")

    items = [{"key": f"bench|{i}", "subject": f"message:{i}", "level": "overdue", "period": 0, "event": "firing",
              "external_id": f"Q{i}", "title": "诉求", "unit": "单位", "due_on": "2024-04-01", "late": 3}
             for i in range(5)]
    t = time.perf_counter()
    with session_scope(engine) as session:
        for i in range(10_000):
            message = build_digest(f"收件单位{i}", items, "2024-04-11")
            enqueue(session, recipient=f"bench:{i}", recipient_name=f"收件单位{i}",
                    contacts={"email": [f"q{i}@x.example"]}, message=message,
                    item_keys=[f"{it['key']}|{i}" for it in items], production=True, test_recipient={},
                    now=dt.datetime(2024, 4, 11, 9))
    print(f"queued 10,000 digest deliveries one by one (build + enqueue, one transaction): "
          f"{time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    digests = [Digest(f"bench-many:{i}", f"收件单位{i}", {"email": [f"q{i}@x.example"]},
                      build_digest(f"收件单位{i}", items, "2024-04-12"), [f"{it['key']}|many|{i}" for it in items])
               for i in range(10_000)]
    with session_scope(engine) as session:
        added = enqueue_many(session, digests, production=True, test_recipient={}, now=dt.datetime(2024, 4, 12, 9))
    print(f"queued {added:,} digest deliveries in bulk (build + enqueue_many, as a run does): "
          f"{time.perf_counter() - t:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

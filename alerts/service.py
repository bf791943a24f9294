"""One alert run as the CLI and the scheduler do it: decide (one transaction), then deliver."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine

from alerts.locking import ProcessLock
from alerts.outbox import DeliveryReport, deliver_pending
from alerts.rules import RunReport, run_alerts


def run_and_deliver(engine: Engine | None = None, *, now: dt.datetime | None = None, send: bool = True,
                    settings: Any = None) -> tuple[RunReport, DeliveryReport | None]:
    """Decide this run's alerts and queue them (committed together), then send what is pending.

    Holds the ``alerts`` process lock, so two runs never decide or send at the same time.
    """
    from store.db import get_engine, session_scope

    engine = engine or get_engine()
    with ProcessLock(engine, "alerts"):
        with session_scope(engine) as session:
            report = run_alerts(session, now=now, settings=settings)
        delivery = deliver_pending(engine, now=now, settings=settings) if send else None
    return report, delivery


def send_pending(engine: Engine | None = None, *, now: dt.datetime | None = None,
                 settings: Any = None) -> DeliveryReport:
    from store.db import get_engine

    engine = engine or get_engine()
    with ProcessLock(engine, "alerts"):
        return deliver_pending(engine, now=now, settings=settings)


def scheduled_run(now: dt.datetime, period: str) -> str:
    """The ``alerts`` job: decide and deliver, then keep sending for up to 10 minutes (rate limits — a DingTalk
    robot takes 20 a minute — and short backoffs)."""
    from alerts.outbox import deliver_until_done
    from store.db import get_engine

    report, delivery = run_and_deliver(now=now)
    with ProcessLock(get_engine(), "alerts"):
        rest = deliver_until_done(get_engine(), max_wait_seconds=600)
    return f"{report}; {delivery}; then {rest}"

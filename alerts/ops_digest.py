"""The operators' daily digest (job ``ops-digest``): what went wrong in the last day — failed job runs, alerts
given up, and every source warning (``analysis.sources.health``) — mailed to ``alerts.operators``, once a day."""
from __future__ import annotations

import datetime as dt


def what_went_wrong(now: dt.datetime) -> list[str]:
    """The last day's failures: failed job runs, alerts given up, source warnings (a broken profile first)."""
    from sqlalchemy import select

    from analysis.sources.health import source_health
    from store.db import session_scope
    from store.models.alerts import JobRun, OutboxEntry

    since = now - dt.timedelta(days=1)
    lines: list[str] = []
    with session_scope() as session:
        for run in session.scalars(select(JobRun).where(JobRun.status == "failed", JobRun.started_at >= since)
                                   .order_by(JobRun.started_at)):
            lines.append(f"job {run.job} ({run.period}) failed at {run.started_at:%m-%d %H:%M}: {run.error}")
        for entry in session.scalars(select(OutboxEntry).where(OutboxEntry.status == "dead",
                                                               OutboxEntry.created_at >= since)):
            lines.append(f"alert to {entry.recipient_name} via {entry.channel} given up after {entry.attempts} "
                         f"attempts: {entry.last_error}")
        health = source_health(session, now.date())
        lines += [f"profile broken? {h.name}: {sign}" for h in health for sign in h.breakage]
        lines += [f"source {h.name}: {warning}" for h in health for warning in h.warnings
                  if warning not in h.breakage]
    return lines


def send_ops_digest(now: dt.datetime, period: str) -> str:
    """Queue the digest to the operators (keyed by the day: a re-run queues nothing new) and deliver it."""
    from alerts.outbox import BuiltMessage, deliver_pending, enqueue
    from alerts.recipients import OPERATORS, group_recipient
    from store.db import get_engine, session_scope
    from store.settings import get_settings

    lines = what_went_wrong(now)
    if not lines:
        return "nothing went wrong"
    settings = get_settings()
    text = "\n".join([f"截至 {now:%Y-%m-%d %H:%M}，过去一天的问题：", ""] + [f"- {line}" for line in lines])
    message = BuiltMessage(subject=f"【hotline-monitor】{period} 运行问题 {len(lines)} 项", text=text, html=None,
                           items=[{"line": line} for line in lines])
    with session_scope() as session:
        operators = group_recipient(OPERATORS, settings)
        enqueue(session, recipient=operators.key, recipient_name=operators.name, contacts=operators.contacts,
                message=message,
                item_keys=[f"ops-digest|{period}"], production=settings.production,
                test_recipient=dict(settings.get("alerts.test_recipient")), now=now)
    delivery = deliver_pending(get_engine(), now=now)
    return f"{len(lines)} problems reported; {delivery}"

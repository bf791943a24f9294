"""The ``publication`` job: the draft of the half month just ended, and a note to the editors that it awaits
review (approval happens in the web UI)."""
from __future__ import annotations

import datetime as dt
from typing import Any


def draft_and_notify(now: dt.datetime, period: str) -> str:
    """Draft and note are committed together; the note's idempotency key is (publication, period), so a re-run
    of the job never notifies twice."""
    from alerts.outbox import deliver_pending
    from reports.period import Period
    from reports.publication import create_draft_for_period, write_draft_files
    from store.db import get_engine, session_scope

    start, end = period.split(":")
    with session_scope() as session:
        pub = create_draft_for_period(session, Period(dt.date.fromisoformat(start), dt.date.fromisoformat(end)),
                                      as_of=now.date())
        html = write_draft_files(session, pub).get("html")
        notified = notify_editors(session, pub, period, html, now)
        summary = f"draft of {period} generated (publication #{pub.id}, status {pub.status}); {notified}"
    if notified.startswith("editors notified"):
        summary += f"; {deliver_pending(get_engine(), now=now)}"
    return summary


def notify_editors(session: Any, pub: Any, period: str, html_path: Any, now: dt.datetime) -> str:
    """Queue ``reports.publication.editor_notification`` to the editors, once per (publication, period)."""
    from alerts.outbox import BuiltMessage, enqueue
    from reports.publication import editor_notification
    from store.settings import get_settings

    settings = get_settings()
    editors = [str(address) for address in settings.get("reports.editors") or []]
    if not editors and settings.production:
        return "no editor to notify (setting reports.editors is empty)"
    subject, body = editor_notification(pub, html_path)
    item_key = f"publication|{period}"
    message = BuiltMessage(subject=subject, text=body, html=None,
                           items=[{"key": item_key, "subject": f"publication:{pub.id}", "level": "publication",
                                   "event": "draft", "period": period}])
    added = enqueue(session, recipient="editors", recipient_name="编辑", contacts={"email": editors},
                    message=message, item_keys=[item_key], production=settings.production,
                    test_recipient=dict(settings.get("alerts.test_recipient")), now=now)
    return f"editors notified ({len(added)} new outbox entries)"

"""The outbox: digests written in the transaction that decided them, delivered later, each exactly once.

``enqueue`` adds one entry per (recipient, channel) under a deterministic idempotency key (recipient,
channel and the sorted item keys ``subject|level|period``); the rules write it in the same transaction that
records what was notified, so a crash either keeps both or neither. Deciding the same items again finds the
existing key and adds nothing.

``deliver_pending`` sends the due entries: one short transaction per entry (send, then record the attempt
and the outcome), so a crash loses nothing. Only ``pending`` entries are sent and a delivered entry is never
selected again; the single remaining window (the process dies after the server accepted and before the
commit) resends once, with the same Message-ID/Idempotency-Key so the receiver can drop it. One sender runs
at a time (``alerts.locking``). Failures retry with exponential backoff, up to ``alerts.max_attempts``; rate
limits per channel (``alerts.rate_limits``, per minute) postpone entries instead of failing them.
"""
from __future__ import annotations

import hashlib
import logging
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from alerts.notifiers import DeliveryError, Notifier, OutgoingMessage, notifier_for
from store.models.alerts import DeliveryAttempt, OutboxEntry
from store.models.base import now_local

logger = logging.getLogger(__name__)
MAX_BACKOFF_SECONDS = 3600.0
RATE_WINDOW = timedelta(seconds=60)


def idempotency_key(recipient: str, channel: str, item_keys: Iterable[str]) -> str:
    text = f"{recipient}\n{channel}\n" + "\n".join(sorted(item_keys))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def addresses_of(contacts: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(channel, address) pairs of a contacts table (see alerts.directory)."""
    pairs: list[tuple[str, dict[str, Any]]] = []
    for channel, value in sorted((contacts or {}).items()):
        if channel == "email":
            to = [value] if isinstance(value, str) else list(value)
            if to:
                pairs.append(("email", {"to": to}))
        elif isinstance(value, str):
            pairs.append((channel, {"url": value}))
        elif isinstance(value, dict) and value.get("url"):
            pairs.append((channel, dict(value)))
    return pairs


@dataclass
class BuiltMessage:
    subject: str
    text: str
    html: str | None
    items: list[dict[str, Any]]


def _targets(recipient_name: str, contacts: dict[str, Any], production: bool,
             test_recipient: dict[str, Any]) -> list[tuple[str, dict[str, Any], dict[str, Any] | None]]:
    """(channel, address, intended address) of each entry: outside production, the test recipient's."""
    if production:
        return [(channel, address, None) for channel, address in addresses_of(contacts)]
    return [(channel, address, {"recipient": recipient_name, "contacts": contacts})
            for channel, address in addresses_of(test_recipient)]


def enqueue(session: Session, *, recipient: str, recipient_name: str, contacts: dict[str, Any],
            message: BuiltMessage, item_keys: list[str], production: bool, test_recipient: dict[str, Any],
            urgent: bool = False, now: datetime | None = None) -> list[OutboxEntry]:
    """Add the digest for each channel of the recipient (outside production: of the test recipient).

    Returns the entries added (an entry whose key exists already is not added again).
    """
    now = now or now_local()
    subject = message.subject if production else f"[测试 → {recipient_name}] {message.subject}"
    added: list[OutboxEntry] = []
    for channel, address, intended_address in _targets(recipient_name, contacts, production, test_recipient):
        key = idempotency_key(recipient, channel, item_keys)
        with session.no_autoflush:  # flushing every pending entry before each look-up costs O(n) per call
            exists = session.scalar(select(OutboxEntry.id).where(OutboxEntry.idempotency_key == key)) is not None
        if exists:
            continue
        entry = OutboxEntry(idempotency_key=key, recipient=recipient, recipient_name=recipient_name,
                            channel=channel, address=address, intended_address=intended_address,
                            subject=subject, body_text=message.text, body_html=message.html,
                            items=message.items, urgent=urgent, status="pending", attempts=0,
                            next_attempt_at=now, created_at=now)
        session.add(entry)
        added.append(entry)
    return added


@dataclass
class Digest:
    """One recipient's message of a run, before it is split into one outbox entry per channel."""

    recipient: str
    recipient_name: str
    contacts: dict[str, Any]
    message: BuiltMessage
    item_keys: list[str]
    urgent: bool = False


def enqueue_many(session: Session, digests: Iterable[Digest], *, production: bool, test_recipient: dict[str, Any],
                 now: datetime | None = None) -> int:
    """``enqueue`` for many recipients at once: existing keys looked up in bulk, new entries inserted in bulk.

    Same keys, same rows as ``enqueue``; returns the number of entries added.
    """
    from alerts.bulk import bulk_insert

    now = now or now_local()
    rows: dict[str, dict[str, Any]] = {}
    for digest in digests:
        subject = digest.message.subject if production else f"[测试 → {digest.recipient_name}] {digest.message.subject}"
        for channel, address, intended in _targets(digest.recipient_name, digest.contacts, production, test_recipient):
            key = idempotency_key(digest.recipient, channel, digest.item_keys)
            rows.setdefault(key, {
                "idempotency_key": key, "recipient": digest.recipient, "recipient_name": digest.recipient_name,
                "channel": channel, "address": address, "intended_address": intended, "subject": subject,
                "body_text": digest.message.text, "body_html": digest.message.html, "items": digest.message.items,
                "urgent": digest.urgent, "status": "pending", "attempts": 0, "next_attempt_at": now,
                "created_at": now})
    keys = list(rows)
    with session.no_autoflush:
        for start in range(0, len(keys), 500):
            for key in session.scalars(select(OutboxEntry.idempotency_key).where(
                    OutboxEntry.idempotency_key.in_(keys[start:start + 500]))):
                rows.pop(key, None)
    if not rows:
        return 0
    columns = list(next(iter(rows.values())))
    return bulk_insert(session.connection(), OutboxEntry.__table__,
                       {name: [row[name] for row in rows.values()] for name in columns})


@dataclass
class DeliveryReport:
    delivered: int = 0
    failed: int = 0  # attempts that failed and will be retried
    dead: int = 0  # given up
    postponed: int = 0  # rate-limited
    errors: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (f"delivered {self.delivered}, failed {self.failed} (will retry), gave up {self.dead}, "
                f"postponed by rate limits {self.postponed}")


class _RateWindow:
    """Deliveries of one channel in the last minute (seeded from the recorded attempts)."""

    def __init__(self, limit: int, recent: list[datetime]):
        self.limit = limit
        self.times: deque[datetime] = deque(sorted(recent))

    def free_at(self, now: datetime) -> datetime | None:
        """None when one more delivery may go now, else when the window has room again."""
        while self.times and self.times[0] <= now - RATE_WINDOW:
            self.times.popleft()
        if self.limit <= 0 or len(self.times) < self.limit:
            return None
        return self.times[0] + RATE_WINDOW

    def record(self, when: datetime) -> None:
        self.times.append(when)


def deliver_pending(engine: Engine, *, now: datetime | None = None, notifiers: dict[str, Notifier] | None = None,
                    settings: Any = None, limit: int | None = None) -> DeliveryReport:
    """Send every pending entry that is due; returns what happened. Never raises for a delivery failure."""
    from store.db import session_factory
    from store.settings import get_settings

    settings = settings or get_settings()
    now = now or now_local()
    rate_limits: dict[str, int] = {k: int(v) for k, v in settings.get("alerts.rate_limits").items()}
    max_attempts = int(settings.get("alerts.max_attempts"))
    base = float(settings.get("alerts.retry_base_seconds"))
    factory = session_factory(engine)
    report = DeliveryReport()
    notifiers = dict(notifiers or {})
    owned: list[Notifier] = []
    windows: dict[str, _RateWindow] = {}
    try:
        with factory() as session:
            query = (select(OutboxEntry.id).where(OutboxEntry.status == "pending", OutboxEntry.next_attempt_at <= now)
                     .order_by(OutboxEntry.urgent.desc(), OutboxEntry.id))
            if limit:
                query = query.limit(limit)
            entry_ids = list(session.scalars(query))
        for entry_id in entry_ids:
            with factory() as session:
                entry = session.get(OutboxEntry, entry_id)
                if entry is None or entry.status != "pending":  # another pass got it: never send twice
                    continue
                channel = entry.channel
                if channel not in windows:
                    recent = list(session.scalars(select(DeliveryAttempt.attempted_at).where(
                        DeliveryAttempt.channel == channel, DeliveryAttempt.attempted_at > now - RATE_WINDOW)))
                    windows[channel] = _RateWindow(rate_limits.get(channel, 0), recent)
                moment = now
                free_at = windows[channel].free_at(moment)
                if free_at is not None:
                    entry.next_attempt_at = free_at
                    session.commit()
                    report.postponed += 1
                    continue
                if channel not in notifiers:
                    try:
                        notifiers[channel] = notifier_for(channel, settings)
                    except ValueError as exc:
                        notifiers[channel] = None  # type: ignore[assignment]
                        report.errors.append(str(exc))
                    else:
                        owned.append(notifiers[channel])
                notifier = notifiers[channel]
                message = OutgoingMessage(entry.idempotency_key, entry.subject, entry.body_text, entry.body_html,
                                          list(entry.items or []), entry.recipient_name)
                attempt = DeliveryAttempt(outbox_id=entry.id, channel=channel, attempted_at=moment)
                windows[channel].record(moment)
                entry.attempts += 1
                try:
                    if notifier is None:
                        raise DeliveryError(f"no notifier for channel {channel!r}", retryable=False)
                    attempt.response = notifier.send(dict(entry.address), message)
                    attempt.ok = True
                    entry.status, entry.delivered_at, entry.last_error = "delivered", now_local(), None
                    report.delivered += 1
                except DeliveryError as exc:
                    attempt.ok, attempt.error, attempt.response = False, str(exc), exc.response
                    entry.last_error = str(exc)
                    if not exc.retryable or entry.attempts >= max_attempts:
                        entry.status = "dead"
                        report.dead += 1
                    else:
                        delay = min(base * 2 ** (entry.attempts - 1), MAX_BACKOFF_SECONDS)
                        entry.next_attempt_at = now + timedelta(seconds=delay)
                        report.failed += 1
                    report.errors.append(f"outbox #{entry.id} ({channel} → {entry.recipient_name}): {exc}")
                    logger.warning("delivery failed: outbox #%s %s: %s", entry.id, channel, exc)
                session.add(attempt)
                session.commit()
    finally:
        for notifier in owned:
            notifier.close()
    return report


def deliver_until_done(engine: Engine, *, max_wait_seconds: float = 300.0, settings: Any = None,
                       notifiers: dict[str, Notifier] | None = None, sleep=time.sleep) -> DeliveryReport:
    """Deliver, waiting out rate limits and short backoffs for at most ``max_wait_seconds`` (real time)."""
    total = DeliveryReport()
    deadline = time.monotonic() + max_wait_seconds
    from sqlalchemy import func

    from store.db import session_factory

    while True:
        report = deliver_pending(engine, settings=settings, notifiers=notifiers)
        total.delivered += report.delivered
        total.failed += report.failed
        total.dead += report.dead
        total.postponed += report.postponed
        total.errors += report.errors
        with session_factory(engine)() as session:
            next_due = session.scalar(select(func.min(OutboxEntry.next_attempt_at)).where(
                OutboxEntry.status == "pending"))
        if next_due is None:
            return total
        wait = (next_due - now_local()).total_seconds()
        if wait > deadline - time.monotonic() or (report.delivered == 0 and report.postponed == 0 and wait <= 0):
            return total
        before = now_local()
        sleep(max(wait, 0.05))
        if now_local() <= before:  # a frozen clock (simulation): waiting cannot help
            return total

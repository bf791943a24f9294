"""What an alert run reads, as columns: the candidate messages (open with a deadline, or still alerted) with
their ledger entry, and the unresolved alerts of each ladder level aligned with them."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from alerts.bulk import fetch_columns
from alerts.ladder import LADDER
from store.models.alerts import Alert, LedgerEntry

CANDIDATE_COLUMNS = ("id", "submitted_at", "replied_at", "has_reply_text", "status", "unit", "unit_id", "title",
                      "external_id", "url", "source_name", "due_on", "paused",
                      "ledger_id", "ledger_highest", "ledger_first_alerted_at", "ledger_status", "ledger_due_on")


def load_candidates(session: Session) -> tuple[int, dict[str, tuple[Any, ...]]]:
    """Open messages with a deadline, plus any message that still has a firing alert, with their ledger entry;
    as columns (name → values in message id order)."""
    from store.models.core import Message, Source
    from store.models.deadlines import Deadline

    firing_ids = select(Alert.message_id).where(Alert.state.in_(("firing", "superseded")),
                                                 Alert.message_id.is_not(None))
    # Whether a reply text exists, not the text (replies run to kilobytes).
    has_reply_text = func.length(func.trim(func.coalesce(Message.reply_text, ""))) > 0
    query = (select(Message.id, Message.submitted_at, Message.replied_at, has_reply_text, Message.status,
                    Message.unit, Message.unit_id, Message.title, Message.external_id, Message.url, Source.name,
                    Deadline.due_on, Deadline.paused,
                    LedgerEntry.id, LedgerEntry.highest_level, LedgerEntry.first_alerted_at, LedgerEntry.status,
                    LedgerEntry.due_on)
             .join(Deadline, Deadline.message_id == Message.id).join(Source, Source.id == Message.source_id)
             .outerjoin(LedgerEntry, LedgerEntry.message_id == Message.id)
             .where(or_(Message.replied_at.is_(None), Message.id.in_(firing_ids)))
             .order_by(Message.id))
    columns = fetch_columns(session.connection(), query)
    return len(columns[0]), dict(zip(CANDIDATE_COLUMNS, columns, strict=True))


@dataclass
class Existing:
    """The unresolved alerts of one level, aligned with the candidates (-1 / False where there is none)."""

    id: np.ndarray
    firing: np.ndarray  # state firing (else superseded)
    last_period: np.ndarray
    acknowledged: np.ndarray
    recipient_unit_id: np.ndarray

    @property
    def present(self) -> np.ndarray:
        return self.id >= 0


def load_existing(session: Session, message_ids: np.ndarray) -> dict[str, Existing]:
    """Every unresolved message alert in one query, mapped onto the candidates by message id."""
    n = len(message_ids)
    existing = {level: Existing(np.full(n, -1, np.int64), np.zeros(n, bool), np.full(n, -1, np.int64),
                                 np.zeros(n, bool), np.full(n, -1, np.int64)) for level in LADDER}
    message, level, ids, state, last, acked, recipient_unit = fetch_columns(session.connection(), select(
        Alert.message_id, Alert.level, Alert.id, Alert.state, Alert.last_period,
        Alert.acknowledged_at.is_not(None),  # a flag: no timestamp parsed per alert
        Alert.recipient_unit_id).where(Alert.message_id.is_not(None), Alert.state != "resolved"))
    if not message or not n:
        return existing
    message_arr = np.asarray(message, dtype=np.int64)
    position = np.minimum(np.searchsorted(message_ids, message_arr), n - 1)
    known = message_ids[position] == message_arr  # an alert of a message no longer a candidate stays as it is
    level_arr = np.asarray(level)
    ids_arr = np.asarray(ids, dtype=np.int64)
    firing_arr = np.asarray(state) == "firing"
    last_arr = np.asarray(last, dtype=np.int64)
    acked_arr = np.asarray(acked, dtype=bool)
    recipient_arr = np.fromiter((-1 if u is None else u for u in recipient_unit), dtype=np.int64, count=len(message))
    for name, target in existing.items():
        mask = known & (level_arr == name)
        at = position[mask]
        target.id[at] = ids_arr[mask]
        target.firing[at] = firing_arr[mask]
        target.last_period[at] = last_arr[mask]
        target.acknowledged[at] = acked_arr[mask]
        target.recipient_unit_id[at] = recipient_arr[mask]
    return existing


@contextmanager
def large_sqlite_cache(session: Session, mib: int = 256) -> Iterator[None]:
    """SQLite's default 2 MiB page cache thrashes when a run adds a million entries to the alert and ledger
    indexes; a larger cache for the run's connection keeps the index pages in memory (restored afterwards)."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    before = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql(f"PRAGMA cache_size = -{int(mib) * 1024}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size = {int(before)}")

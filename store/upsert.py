"""Idempotent upsert of messages on their natural key (source, external_id or content hash).

Re-ingesting a record changes nothing; a changed field is applied and recorded as a MessageRevision.
A field missing from the incoming record (None) never erases a stored value: exports and pages are often partial.
"""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any

from sqlalchemy import insert, literal, select, update
from sqlalchemy.orm import Session

from store.models import Message, MessageRevision, MessageSighting, Source, now_local
from store.planner_stats import note_rows_added
from store.records import TRACKED_FIELDS, MessageRecord, Reject, cut_long_text, validate


@dataclass
class UpsertResult:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    # the same item more than once in one run (a page listed twice, a duplicated export row): stored once
    duplicates: int = 0
    # records whose title/content/reply was cut to messages.max_chars (each cut recorded in the message's extra)
    cut: int = 0
    rejects: list[Reject] = field(default_factory=list)
    # ids of messages inserted or updated, so later steps (deadlines, routing) can work incrementally
    changed_ids: list[int] = field(default_factory=list)

    @property
    def seen(self) -> int:
        return self.inserted + self.updated + self.unchanged + self.rejected + self.duplicates

    def add(self, other: UpsertResult) -> None:
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.rejected += other.rejected
        self.duplicates += other.duplicates
        self.cut += other.cut
        self.rejects.extend(other.rejects)
        self.changed_ids.extend(other.changed_ids)

    def as_dict(self) -> dict[str, int]:
        return {"inserted": self.inserted, "updated": self.updated, "unchanged": self.unchanged,
                "rejected": self.rejected, "duplicates": self.duplicates, "cut": self.cut}


def _dialect_insert(session: Session):
    """The ``insert`` of the session's dialect (the one with ``on_conflict_do_…``)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    return dialect_insert


def get_or_create_source(session: Session, name: str, channel: str, **attrs: Any) -> Source:
    """The source named ``name``, created if missing by insert-or-get: two processes importing into the same
    new source at once both get it (``INSERT … ON CONFLICT DO NOTHING``, then read), neither dies on the
    unique name."""
    source = session.scalar(select(Source).where(Source.name == name))
    if source is not None:
        return source
    session.execute(_dialect_insert(session)(Source).values(name=name, channel=channel, created_at=now_local(),
                                                            **attrs).on_conflict_do_nothing(index_elements=["name"]))
    return session.scalars(select(Source).where(Source.name == name)).one()


def _revision_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def _batches(records: Iterable[MessageRecord], size: int) -> Iterator[list[MessageRecord]]:
    iterator = iter(records)
    while batch := list(islice(iterator, size)):
        yield batch


def upsert_messages(
    session: Session,
    source: Source,
    records: Iterable[MessageRecord],
    run_id: int | None = None,
    batch_size: int = 2000,
    max_chars: int | None = None,
) -> UpsertResult:
    """Insert new records, apply and record changes to known ones; flushes but does not commit.

    Text longer than ``max_chars`` (default: the setting messages.max_chars) is cut and the cut recorded."""
    if max_chars is None:
        from store.settings import get_settings

        max_chars = int(get_settings().get("messages.max_chars"))
    result = UpsertResult()
    seen: set[str] = set()
    for batch in _batches(records, batch_size):
        result.add(_upsert_batch(session, source, batch, run_id, seen, max_chars))
    return result


_SELECT_COLUMNS = [Message.id, Message.natural_key, Message.extra, *(getattr(Message, f) for f in TRACKED_FIELDS)]


def _fetch_known(session: Session, source: Source, keys: set[str]) -> dict[str, dict[str, Any]]:
    """Stored messages of ``source`` under ``keys``, by natural key."""
    known: dict[str, dict[str, Any]] = {}
    ordered = sorted(keys)
    for start in range(0, len(ordered), 500):
        rows = session.execute(select(*_SELECT_COLUMNS).where(
            Message.source_id == source.id, Message.natural_key.in_(ordered[start:start + 500]))).mappings()
        for row in rows:
            known[row["natural_key"]] = dict(row)
    return known


def _reused_key(record: MessageRecord) -> str:
    """Key for a second, different message published under an id the site already used."""
    return f"{record.external_id}#{record.content_hash()[:10]}"


def _same_message(stored: dict[str, Any], record: MessageRecord) -> bool:
    # Real sites reuse ids (two letters filed the same second get one 受理编号). A genuine edit keeps the
    # title or the text; a different title *and* a different text under one id is another message.
    return (record.title is None or record.title == stored["title"]
            or record.content is None or record.content == stored["content"])


def _upsert_batch(session: Session, source: Source, batch: list[MessageRecord], run_id: int | None,
                  seen: set[str], max_chars: int) -> UpsertResult:
    result = UpsertResult()
    now = now_local()
    valid: list[MessageRecord] = []
    for record in batch:
        problem = validate(record)
        if problem:
            result.rejected += 1
            result.rejects.append(problem)
        else:
            if cut_long_text(record, max_chars):
                result.cut += 1
            valid.append(record)
    if not valid:
        return result

    plain_keys = [record.natural_key(source.name) for record in valid]
    known = _fetch_known(session, source, set(plain_keys))
    # A reused site id is rare: look up the alternative keys only for records that may need one.
    repeated = {key for key, count in Counter(plain_keys).items() if count > 1}
    alternative_keys = {
        _reused_key(record) for record, key in zip(valid, plain_keys, strict=True)
        if record.external_id and (key in repeated or (key in known and not _same_message(known[key], record)))
    }
    known.update(_fetch_known(session, source, alternative_keys))

    new_rows: dict[str, dict[str, Any]] = {}
    updates: dict[int, dict[str, Any]] = {}
    revisions: list[dict[str, Any]] = []
    unchanged_ids: set[int] = set()
    for record, key in zip(valid, plain_keys, strict=True):
        if record.external_id and key in known and not _same_message(known[key], record):
            key = _reused_key(record)
        if key in seen:  # first copy wins, so a re-import of the same file changes nothing
            result.duplicates += 1
            continue
        seen.add(key)
        stored = known.get(key)
        if stored is None:
            row = {
                "source_id": source.id, "channel": record.channel, "external_id": record.external_id,
                "natural_key": key, "submitter": record.submitter, "extra": record.extra or {},
                "content_hash": record.content_hash(), "first_seen_at": now,
                **{f: getattr(record, f) for f in TRACKED_FIELDS},
                "content": record.content or record.title or "",
            }
            new_rows[key] = known[key] = row
            continue
        changes = _apply_changes(stored, record, now, run_id, revisions)
        if changes:
            updates.setdefault(stored["id"], {"id": stored["id"]}).update(changes)
            unchanged_ids.discard(stored["id"])
        elif stored["id"] not in updates:
            unchanged_ids.add(stored["id"])

    result.updated += len(updates)
    result.unchanged += len(unchanged_ids)
    result.changed_ids.extend(updates)
    if new_rows:
        inserted_ids = _insert_rows(session, source, list(new_rows.values()))
        result.inserted += len(new_rows)
        note_rows_added(session, Message.__table__, len(new_rows))
        result.changed_ids.extend(inserted_ids)
    if updates:
        session.execute(update(Message), list(updates.values()))
    if revisions:
        session.execute(insert(MessageRevision), revisions)
    _record_sightings(session, sorted(unchanged_ids | updates.keys()), now)
    session.flush()
    return result


def _record_sightings(session: Session, message_ids: list[int], seen_at: datetime) -> None:
    """Stored messages seen again: their narrow sighting rows, never the wide message rows."""
    table = MessageSighting.__table__
    for start in range(0, len(message_ids), 500):
        seen = select(Message.id, literal(seen_at)).where(Message.id.in_(message_ids[start:start + 500]))
        upsert = _dialect_insert(session)(table).from_select(["message_id", "last_seen_at"], seen)
        session.execute(upsert.on_conflict_do_update(index_elements=["message_id"],
                                                     set_={"last_seen_at": upsert.excluded.last_seen_at}))


def _insert_rows(session: Session, source: Source, rows: list[dict[str, Any]]) -> list[int]:
    """Insert new message rows; returns their ids."""
    table = Message.__table__
    if session.get_bind().dialect.name != "postgresql":
        # Core insert (not the ORM bulk path, which splits rows by their None columns into tiny statements).
        return list(session.scalars(insert(table).returning(table.c.id), rows).all())
    # PostgreSQL: COPY is an order of magnitude faster than multi-row INSERT … VALUES through psycopg.
    columns = list(rows[0])
    raw = session.connection().connection.driver_connection
    column_list = ", ".join(f'"{c}"' for c in columns)
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({column_list}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([json.dumps(row[c], ensure_ascii=False) if c == "extra" else row[c] for c in columns])
    keys = [row["natural_key"] for row in rows]
    ids: list[int] = []
    for start in range(0, len(keys), 500):
        ids += session.scalars(select(Message.id).where(
            Message.source_id == source.id, Message.natural_key.in_(keys[start:start + 500]))).all()
    return ids


def _apply_changes(stored: dict[str, Any], record: MessageRecord, now: datetime, run_id: int | None,
                   revisions: list[dict[str, Any]]) -> dict[str, Any]:
    """Changed fields of ``record`` against ``stored`` (updated in place), each logged as a revision."""
    changes: dict[str, Any] = {}
    incoming = {f: getattr(record, f) for f in TRACKED_FIELDS}
    if record.extra:
        merged = {**(stored["extra"] or {}), **record.extra}
        incoming["extra"] = merged
    for name, new_value in incoming.items():
        old_value = stored[name] if name != "extra" else (stored["extra"] or {})
        if new_value is None or new_value == old_value:
            continue
        changes[name] = new_value
        revisions.append({"message_id": stored["id"], "field": name, "old_value": _revision_text(old_value),
                          "new_value": _revision_text(new_value), "changed_at": now, "run_id": run_id})
        stored[name] = new_value
    if "title" in changes or "content" in changes:
        changes["content_hash"] = MessageRecord(record.channel, stored["content"], None,
                                                title=stored["title"]).content_hash()
    return changes

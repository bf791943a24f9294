"""How many people wrote each topic's letters (``Topic.distinct_submitters``), without re-reading a year of letters.

Each membership keeps its letter's complainant key (``TopicMembership.person``, the key of
``analysis.topics.complainants``), and a topic's people are the distinct keys of its members:

- ``recount_people(session, topic_ids, sizes)``: the keys of every member inferred afresh from all the topic's letters
  and stored (a full run, curated topics, topics with a member whose text changed, memberships stored before the
  keys were);
- ``count_with_new_members(session, added)``: a topic that only gained letters keeps its members' keys; the new letters
  are linked among themselves and to the old members that may be the same person — the same submitter (the key
  says it), the same text (``content_hash``) or the same day (bursts) — and take the key of the old person they
  join, else one of their own. The old letters are not read again, only those candidates.

Between two full runs an incremental count can differ from a recount in two ways, both rare: a new letter that
is a near-duplicate of an old one written on another day is a new person until the next full run, and a new
letter that joins two old people does not make them one.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from analysis.topics.complainants import Letter, infer_complainants_many, letter
from store.models import Message
from store.models.topics import TopicMembership

__all__ = ["count_with_new_members", "member_batches", "recount_people"]

# Members whose rows one step holds at once (see ``member_batches``).
MEMBERS_PER_BATCH = 20_000
_IN_LIST = 500  # ids per IN (...) list

_LETTER_COLUMNS = (TopicMembership.id, TopicMembership.topic_id, TopicMembership.message_id, TopicMembership.person,
                   Message.source_id, Message.submitter, Message.external_id, Message.submitted_at, Message.title,
                   Message.content, Message.reply_text, Message.content_hash)


def member_batches(topic_ids: list[int], sizes: dict[int, int]) -> Iterable[list[int]]:
    """``topic_ids`` in consecutive batches of at most ``MEMBERS_PER_BATCH`` members (a bigger topic alone)."""
    batch: list[int] = []
    members = 0
    for topic_id in topic_ids:
        size = sizes.get(topic_id, 0)
        if batch and members + size > MEMBERS_PER_BATCH:
            yield batch
            batch, members = [], 0
        batch.append(topic_id)
        members += size
    if batch:
        yield batch


def _letter(row: Any) -> Letter:
    return letter({"id": row.message_id, "source_id": row.source_id, "submitter": row.submitter,
                   "external_id": row.external_id, "submitted_at": row.submitted_at, "title": row.title,
                   "content": row.content, "reply_text": row.reply_text})


def _store_keys(session: Session, keys: dict[int, str]) -> None:
    """Write ``person`` of the memberships given (membership id -> key)."""
    statement = (update(TopicMembership.__table__).where(TopicMembership.__table__.c.id == bindparam("member"))
                 .values(person=bindparam("key")))
    items = [{"member": member, "key": key} for member, key in keys.items()]
    for start in range(0, len(items), 20_000):
        session.execute(statement, items[start:start + 20_000])


def recount_people(session: Session, topic_ids: list[int], sizes: dict[int, int]) -> dict[int, int]:
    """Distinct complainants of each topic from all its members, whose keys are stored; a batch of topics at a
    time, each row reduced to its ``complainants.Letter`` as it is read (a batch holds no full texts)."""
    people: dict[int, int] = {}
    for batch in member_batches(topic_ids, sizes):
        by_topic: dict[int, list[Letter]] = defaultdict(list)
        members: dict[int, list[int]] = defaultdict(list)
        for start in range(0, len(batch), _IN_LIST):
            for row in session.execute(select(*_LETTER_COLUMNS)
                                       .join(Message, Message.id == TopicMembership.message_id)
                                       .where(TopicMembership.topic_id.in_(batch[start:start + _IN_LIST]))
                                       .order_by(TopicMembership.id)):
                by_topic[row.topic_id].append(_letter(row))
                members[row.topic_id].append(row.id)
        keys: dict[int, str] = {}
        for topic_id, topic_keys in zip(batch, infer_complainants_many([by_topic[t] for t in batch]), strict=True):
            people[topic_id] = len(set(topic_keys))
            keys.update(zip(members[topic_id], topic_keys, strict=True))
        _store_keys(session, keys)
    return people


def _unkeyed(session: Session, topic_ids: list[int], new_ids: set[int]) -> set[int]:
    """Topics with an old member (not in ``new_ids``) whose key was never stored."""
    found: set[int] = set()
    for start in range(0, len(topic_ids), _IN_LIST):
        for topic_id, message_id in session.execute(
                select(TopicMembership.topic_id, TopicMembership.message_id)
                .where(TopicMembership.topic_id.in_(topic_ids[start:start + _IN_LIST]),
                       TopicMembership.person.is_(None))):
            if message_id not in new_ids:
                found.add(topic_id)
    return found


def _rows_of(session: Session, message_ids: list[int]) -> list[Any]:
    rows = []
    for start in range(0, len(message_ids), _IN_LIST):
        rows += session.execute(select(*_LETTER_COLUMNS).join(Message, Message.id == TopicMembership.message_id)
                                .where(TopicMembership.message_id.in_(message_ids[start:start + _IN_LIST]))).all()
    return rows


def _candidates(session: Session, new_rows: list[Any], new_ids: set[int]) -> dict[int, list[Any]]:
    """Old members, per topic, that a new letter of the topic may be the same person as: the same text
    (``content_hash``) or the same day. Read through the indexes of those two columns, never a topic whole."""
    topics = {row.topic_id for row in new_rows}
    found: dict[int, dict[int, Any]] = defaultdict(dict)

    def keep(rows: Iterable[Any]) -> None:
        for row in rows:
            if row.message_id not in new_ids and row.topic_id in topics:
                found[row.topic_id][row.message_id] = row

    hashes = sorted({row.content_hash for row in new_rows if row.content_hash})
    for start in range(0, len(hashes), _IN_LIST):
        keep(session.execute(select(*_LETTER_COLUMNS).join(Message, Message.id == TopicMembership.message_id)
                             .where(Message.content_hash.in_(hashes[start:start + _IN_LIST]))))
    topics_of_day: dict[Any, set[int]] = defaultdict(set)
    for row in new_rows:
        if row.submitted_at is not None:
            topics_of_day[row.submitted_at.date()].add(row.topic_id)
    for day, day_topics in sorted(topics_of_day.items()):
        start_of_day = datetime.combine(day, time.min)
        wanted = sorted(day_topics)
        for start in range(0, len(wanted), _IN_LIST):
            keep(session.execute(
                select(*_LETTER_COLUMNS).join(Message, Message.id == TopicMembership.message_id)
                .where(Message.submitted_at >= start_of_day, Message.submitted_at < start_of_day + timedelta(days=1),
                       # an expression, not the bare column: the planner then reads the day's letters through
                       # the date index instead of every member of the topics
                       (TopicMembership.topic_id + 0).in_(wanted[start:start + _IN_LIST]))))
    return {topic_id: list(rows.values()) for topic_id, rows in found.items()}


def count_with_new_members(session: Session, added: dict[int, list[int]]) -> dict[int, int]:
    """People of each topic of ``added`` (topic -> its new members' message ids) whose old members carry their
    keys; the topics left out need ``recount_people``. Stores the new members' keys (see the module docstring)."""
    new_ids = {m for members in added.values() for m in members}
    topic_ids = sorted(added)
    unkeyed = _unkeyed(session, topic_ids, new_ids)
    wanted = [t for t in topic_ids if t not in unkeyed]
    if not wanted:
        return {}
    wanted_set = set(wanted)
    new_ids = {m for t in wanted for m in added[t]}
    new_rows = [row for row in _rows_of(session, sorted(new_ids)) if row.topic_id in wanted_set]
    old_rows = _candidates(session, new_rows, new_ids)
    new_by_topic: dict[int, list[Any]] = defaultdict(list)
    for row in new_rows:
        new_by_topic[row.topic_id].append(row)
    groups = [(t, new_by_topic[t] + old_rows.get(t, [])) for t in wanted if new_by_topic[t]]
    inferred = infer_complainants_many([[_letter(row) for row in rows] for _, rows in groups])
    keys: dict[int, str] = {}
    for (_topic, rows), topic_keys in zip(groups, inferred, strict=True):
        # the stored key of the old person each inferred person joins (the lowest, if it joins several)
        old_key: dict[str, str] = {}
        for row, key in zip(rows, topic_keys, strict=True):
            if row.message_id not in new_ids and row.person is not None:
                old_key[key] = min(old_key.get(key, row.person), row.person)
        for row, key in zip(rows, topic_keys, strict=True):
            if row.message_id in new_ids:
                keys[row.id] = old_key.get(key, key)
    _store_keys(session, keys)
    session.flush()
    people: dict[int, int] = {}
    for start in range(0, len(wanted), _IN_LIST):
        people.update(session.execute(
            select(TopicMembership.topic_id, func.count(TopicMembership.person.distinct()))
            .where(TopicMembership.topic_id.in_(wanted[start:start + _IN_LIST]))
            .group_by(TopicMembership.topic_id)).all())
    return people

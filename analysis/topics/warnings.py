"""Early warning (舆情预警) on topics, stored as ``WarningEvent`` rows for the alerts work to deliver.

``detect_warnings(session, as_of=None, days=1) -> list[WarningEvent]`` checks the ``days`` days ending at
``as_of`` (default: the day of the newest message) and stores, at most once per (topic, kind, day):

- ``spike``: a topic's admissible letters on that day are at least ``warnings.min_daily`` and above its baseline
  (the mean of the ``warnings.baseline_days`` days before) plus ``warnings.spike_factor`` standard deviations
  (the deviation taken as at least 1, so a quiet topic needs a real jump), *and* they come from at least two
  different people (``analysis.topics.complainants``): one person writing thirteen times in a day is not public opinion;
- ``new_surge``: a topic whose first message is at most ``warnings.new_topic_days`` days old already has
  ``warnings.new_topic_submitters`` distinct people (one per topic, ever).

Inadmissible letters (``analysis.routing.admissibility``) count nowhere. The evidence holds the daily counts, the
people count and the ids of that day's messages. ``list_warnings(session)`` reads them back (newest first);
delivered events get ``status = "delivered"`` from the alerts work.

``replay_warnings(session, start, end)`` runs the same detection one day at a time over history, as the
scheduler would have, and returns what would have fired (and the letter spikes held back as one-person bursts)
without storing anything. It uses today's topics: the clustering of that time is not kept.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from analysis.routing.admissibility import INADMISSIBLE, classify_admissibility
from analysis.topics.complainants import distinct_complainants
from store.models import Message
from store.models.topics import Topic, TopicMembership, WarningEvent
from store.settings import get_settings

__all__ = ["WarningCandidate", "detect_warnings", "list_warnings", "replay_warnings"]

_MIN_SPIKE_PEOPLE = 2


@dataclass
class WarningCandidate:
    """What the detection found for one topic on one day; ``fired`` False: a one-person letter spike."""

    topic_id: int
    kind: str
    day: date
    observed: float  # letters that day (spike) or people so far (new_surge)
    people: int
    baseline: float
    threshold: float
    evidence: dict[str, Any]
    fired: bool = True


@dataclass(frozen=True)
class _Params:
    baseline_days: int
    factor: float
    min_daily: int
    new_days: int
    new_people: int

    @classmethod
    def from_settings(cls) -> _Params:
        settings = get_settings()
        return cls(settings.get("warnings.baseline_days"), settings.get("warnings.spike_factor"),
                   settings.get("warnings.min_daily"), settings.get("warnings.new_topic_days"),
                   settings.get("warnings.new_topic_submitters"))

    @property
    def lookback(self) -> int:
        return max(self.baseline_days, self.new_days)


def _load(session: Session, first: date, last: date) -> tuple[dict[int, list[Any]], dict[int, Any]]:
    """Admissible, dated letters of active topics submitted in [first, last], per topic; and the topics."""
    rows = session.execute(
        select(TopicMembership.topic_id, Message.id, Message.source_id, Message.external_id, Message.natural_key,
               Message.submitter, Message.submitted_at, Message.title, Message.content, Message.reply_text,
               Message.kind, Message.admissibility)
        .join(Message, Message.id == TopicMembership.message_id)
        .join(Topic, Topic.id == TopicMembership.topic_id)
        .where(Topic.status == "active", Message.submitted_at >= datetime.combine(first, time.min),
               Message.submitted_at <= datetime.combine(last, time.max))
        .order_by(Message.submitted_at, Message.id)
    ).all()
    by_topic: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        value = row.admissibility
        if value is None:
            value, _reason = classify_admissibility(row.title, row.content, row.reply_text, row.kind)
        if value not in INADMISSIBLE:
            by_topic[row.topic_id].append(row)
    topics = {t.id: t for t in session.execute(
        select(Topic.id, Topic.label, Topic.first_message_at).where(Topic.id.in_(list(by_topic))))} \
        if by_topic else {}
    return by_topic, topics


def _people(rows: list[Any]) -> int:
    return distinct_complainants([
        {"id": r.id, "source_id": r.source_id, "submitter": r.submitter, "external_id": r.external_id,
         "submitted_at": r.submitted_at, "title": r.title, "content": r.content, "reply_text": r.reply_text}
        for r in rows])


def _evaluate(by_topic: dict[int, list[Any]], topics: dict[int, Any], first_checked: date, days: int,
              params: _Params, existing: set[tuple[int, str, date]], surged: set[int]) -> list[WarningCandidate]:
    """Candidates for the ``days`` days from ``first_checked``; updates ``existing`` and ``surged`` with what
    fired, so a (topic, kind, day) fires once."""
    window_start = first_checked - timedelta(days=params.lookback)
    last = first_checked + timedelta(days=days - 1)
    span = (last - window_start).days + 1
    found: list[WarningCandidate] = []
    for topic_id, members in sorted(by_topic.items()):
        members = [m for m in members if window_start <= m.submitted_at.date() <= last]
        if not members:
            continue
        topic = topics[topic_id]
        daily = np.zeros(span, dtype=np.int64)
        for m in members:
            daily[(m.submitted_at.date() - window_start).days] += 1
        for offset in range(days):
            day = first_checked + timedelta(days=offset)
            index = (day - window_start).days
            observed = int(daily[index])
            if observed == 0:
                continue
            baseline = daily[max(0, index - params.baseline_days):index]
            mean = float(baseline.mean()) if len(baseline) else 0.0
            std = max(float(baseline.std()) if len(baseline) else 0.0, 1.0)
            threshold = max(float(params.min_daily), mean + params.factor * std)
            counts = {(window_start + timedelta(days=i)).isoformat(): int(c)
                      for i, c in enumerate(daily[max(0, index - params.baseline_days):index + 1]) if c}
            if observed >= threshold and (topic_id, "spike", day) not in existing:
                of_day = [m for m in members if m.submitted_at.date() == day]
                people = _people(of_day)
                fired = people >= _MIN_SPIKE_PEOPLE
                found.append(WarningCandidate(
                    topic_id, "spike", day, observed, people, mean, threshold,
                    {"label": topic.label, "daily_counts": counts, "people": people,
                     "message_ids": [m.external_id or m.natural_key for m in of_day][:50]}, fired))
                if fired:
                    existing.add((topic_id, "spike", day))
            first = topic.first_message_at
            if (topic_id not in surged and first is not None and first.date() <= day
                    and (day - first.date()).days < params.new_days):
                so_far = [m for m in members if first.date() <= m.submitted_at.date() <= day]
                people = _people(so_far)
                if people >= params.new_people:
                    found.append(WarningCandidate(
                        topic_id, "new_surge", day, people, people, 0.0, float(params.new_people),
                        {"label": topic.label, "first_message_at": first.isoformat(sep=" "),
                         "people": people, "daily_counts": counts,
                         "message_ids": [m.external_id or m.natural_key for m in so_far][:50]}))
                    surged.add(topic_id)
    return found


def detect_warnings(session: Session, as_of: date | None = None, days: int = 1) -> list[WarningEvent]:
    params = _Params.from_settings()
    if as_of is None:
        newest = session.scalar(select(func.max(Message.submitted_at)))
        if newest is None:
            return []
        as_of = newest.date()
    first_checked = as_of - timedelta(days=days - 1)
    by_topic, topics = _load(session, first_checked - timedelta(days=params.lookback), as_of)
    existing = set(session.execute(select(WarningEvent.topic_id, WarningEvent.kind, WarningEvent.day)).all())
    surged = {t for t, kind, _d in existing if kind == "new_surge"}
    created = [
        WarningEvent(topic_id=c.topic_id, kind=c.kind, day=c.day, observed=c.observed, baseline=c.baseline,
                     threshold=c.threshold, evidence=c.evidence)
        for c in _evaluate(by_topic, topics, first_checked, days, params, existing, surged) if c.fired
    ]
    session.add_all(created)
    session.flush()
    return created


def replay_warnings(session: Session, start: date, end: date) -> list[dict[str, Any]]:
    """What detection would have raised running once a day from ``start`` to ``end`` (nothing stored).

    Each item: ``day, kind, topic_id, label, letters, people, threshold, fired`` (False: a letter spike of one
    person, held back), ``days_after_first_letter`` (of the topic) and ``message_ids``."""
    if end < start:
        raise ValueError(f"--to {end} is before --from {start}")
    params = _Params.from_settings()
    by_topic, topics = _load(session, start - timedelta(days=params.lookback), end)
    existing: set[tuple[int, str, date]] = set()
    surged: set[int] = set()
    replayed: list[dict[str, Any]] = []
    day = start
    while day <= end:
        for c in _evaluate(by_topic, topics, day, 1, params, existing, surged):
            first = topics[c.topic_id].first_message_at
            replayed.append({
                "day": c.day.isoformat(), "kind": c.kind, "topic_id": c.topic_id, "label": c.evidence["label"],
                "letters": int(c.observed) if c.kind == "spike" else len(c.evidence["message_ids"]),
                "people": c.people, "threshold": round(c.threshold, 2), "fired": c.fired,
                "days_after_first_letter": (c.day - first.date()).days if first else None,
                "message_ids": c.evidence["message_ids"]})
        day += timedelta(days=1)
    return replayed


def list_warnings(session: Session, status: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    query = select(WarningEvent, Topic.label).join(Topic, Topic.id == WarningEvent.topic_id) \
        .order_by(WarningEvent.day.desc(), WarningEvent.id.desc()).limit(limit)
    if status:
        query = query.where(WarningEvent.status == status)
    return [{"id": e.id, "topic_id": e.topic_id, "label": label, "kind": e.kind, "day": e.day.isoformat(),
             "observed": e.observed, "baseline": e.baseline, "threshold": e.threshold, "status": e.status,
             "evidence": e.evidence} for e, label in session.execute(query)]

"""Early warning (舆情预警) on topics, stored as ``WarningEvent`` rows for the alerts work to deliver.

``detect_warnings(session, as_of=None, days=1) -> list[WarningEvent]`` checks the ``days`` days ending at
``as_of`` (default: the day of the newest message) and stores, at most once per (topic, kind, day):

- ``spike``: a topic's messages on that day are at least ``warnings.min_daily`` and above its baseline (the mean
  of the ``warnings.baseline_days`` days before) plus ``warnings.spike_factor`` standard deviations (the
  deviation taken as at least 1, so a quiet topic needs a real jump);
- ``new_surge``: a topic whose first message is at most ``warnings.new_topic_days`` days old already has
  ``warnings.new_topic_submitters`` distinct people (one per topic, ever).

The evidence holds the daily counts and the ids of that day's messages. ``list_warnings(session)`` reads them
back (newest first); delivered events get ``status = "delivered"`` from the alerts work.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from analysis.dedup import distinct_voices
from store.models import Message
from store.models.topics import Topic, TopicMembership, WarningEvent
from store.settings import get_settings

__all__ = ["detect_warnings", "list_warnings"]


def detect_warnings(session: Session, as_of: date | None = None, days: int = 1) -> list[WarningEvent]:
    settings = get_settings()
    baseline_days = settings.get("warnings.baseline_days")
    factor = settings.get("warnings.spike_factor")
    min_daily = settings.get("warnings.min_daily")
    new_days = settings.get("warnings.new_topic_days")
    new_people = settings.get("warnings.new_topic_submitters")
    if as_of is None:
        newest = session.scalar(select(func.max(Message.submitted_at)))
        if newest is None:
            return []
        as_of = newest.date()
    first_checked = as_of - timedelta(days=days - 1)
    window_start = first_checked - timedelta(days=max(baseline_days, new_days))
    rows = session.execute(
        select(TopicMembership.topic_id, Message.id, Message.external_id, Message.natural_key, Message.submitter,
               Message.submitted_at, TopicMembership.duplicate_group)
        .join(Message, Message.id == TopicMembership.message_id)
        .join(Topic, Topic.id == TopicMembership.topic_id)
        .where(Topic.status == "active", Message.submitted_at >= datetime.combine(window_start, time.min),
               Message.submitted_at <= datetime.combine(as_of, time.max))
    ).all()
    by_topic: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        by_topic[row.topic_id].append(row)
    existing = set(session.execute(select(WarningEvent.topic_id, WarningEvent.kind, WarningEvent.day)).all())
    surged = {t for t, kind, _d in existing if kind == "new_surge"}
    created: list[WarningEvent] = []
    span = (as_of - window_start).days + 1
    for topic_id, members in sorted(by_topic.items()):
        topic = session.get(Topic, topic_id)
        daily = np.zeros(span, dtype=np.int64)
        for m in members:
            daily[(m.submitted_at.date() - window_start).days] += 1
        for offset in range(days):
            day = first_checked + timedelta(days=offset)
            index = (day - window_start).days
            baseline = daily[max(0, index - baseline_days):index]
            mean = float(baseline.mean()) if len(baseline) else 0.0
            std = max(float(baseline.std()) if len(baseline) else 0.0, 1.0)
            threshold = max(float(min_daily), mean + factor * std)
            observed = int(daily[index])
            of_day = [m for m in members if m.submitted_at.date() == day]
            counts = {(window_start + timedelta(days=i)).isoformat(): int(c)
                      for i, c in enumerate(daily[max(0, index - baseline_days):index + 1]) if c}
            if observed >= threshold and (topic_id, "spike", day) not in existing:
                created.append(WarningEvent(
                    topic_id=topic_id, kind="spike", day=day, observed=observed, baseline=mean, threshold=threshold,
                    evidence={"label": topic.label, "daily_counts": counts,
                              "message_ids": [m.external_id or m.natural_key for m in of_day][:50]}))
                existing.add((topic_id, "spike", day))
            first = topic.first_message_at
            if (topic_id not in surged and first is not None and first.date() <= day
                    and (day - first.date()).days < new_days):
                so_far = [m for m in members if first.date() <= m.submitted_at.date() <= day]
                people = distinct_voices([m.duplicate_group or m.id for m in so_far], [m.submitter for m in so_far])
                if people >= new_people:
                    created.append(WarningEvent(
                        topic_id=topic_id, kind="new_surge", day=day, observed=people, baseline=0.0,
                        threshold=float(new_people),
                        evidence={"label": topic.label, "first_message_at": first.isoformat(sep=" "),
                                  "people": people, "daily_counts": counts,
                                  "message_ids": [m.external_id or m.natural_key for m in so_far][:50]}))
                    surged.add(topic_id)
    session.add_all(created)
    session.flush()
    return created


def list_warnings(session: Session, status: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    query = select(WarningEvent, Topic.label).join(Topic, Topic.id == WarningEvent.topic_id) \
        .order_by(WarningEvent.day.desc(), WarningEvent.id.desc()).limit(limit)
    if status:
        query = query.where(WarningEvent.status == status)
    return [{"id": e.id, "topic_id": e.topic_id, "label": label, "kind": e.kind, "day": e.day.isoformat(),
             "observed": e.observed, "baseline": e.baseline, "threshold": e.threshold, "status": e.status,
             "evidence": e.evidence} for e, label in session.execute(query)]

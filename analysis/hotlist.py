"""The 民意热点榜: topics ranked by how many people raise them, how fast that grows and how badly they are answered.

``hotlist(session, start, end, top=10) -> list[dict]`` (the JSON of ``hotline-monitor hotlist``). Each entry:
``topic_id, label, score, size`` (messages in the window), ``message_ids`` (the sites' ids), plus
``distinct_submitters, volume, votes, channels, unanswered_share, growth, previous_rate, rate, badge,
explanation, score_parts, keywords, places, units``.

Score = sum of weighted terms (weights: setting ``hotlist.weights``), every term listed in ``explanation``:

- ``distinct_submitters``: ln(1 + people). One submitter, and one near-duplicate text under several names, is
  one person (``analysis.dedup.distinct_voices``); this is the main term.
- ``volume``: ln(1 + messages), repeated submissions included.
- ``votes``: ln(1 + 点赞数) where the source has them.
- ``growth``: log2 of (people per working day now + 0.5) / (people per working day in the previous
  ``hotlist.previous_windows`` windows of the same length + 0.5), clipped to [-1, 3]; working days from
  ``analysis.workcalendar`` (calendar days when it is unavailable).
- ``channels``: distinct channels beyond the first (hotline, mailbox, feedback).
- ``unanswered``: share of the window's messages not answered by the end of the window, or answered after
  their due date (``deadlines`` table when computed, else 5 working days).

Badge: ``new`` (first message in the window), ``rising`` (rate at least 1.5 × the previous one), ``cooling``
(at most 2/3 of it), else ``persisting``.
"""
from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from analysis.dedup import distinct_voices
from analysis.topics import period_members
from store.models import Message
from store.models.topics import Topic, TopicMembership
from store.settings import get_settings

__all__ = ["BADGES", "hotlist", "working_days"]

BADGES = ("new", "rising", "persisting", "cooling")
_DEFAULT_REPLY_DAYS = 5


def _calendar():
    try:
        from analysis.workcalendar import get_calendar

        return get_calendar()
    except Exception:  # noqa: BLE001 - calendar module absent or broken: fall back to calendar days, never crash a hot list
        return None


def working_days(start: date, end: date, calendar=None) -> int:
    """Working days in [start, end] (at least 1); calendar days without a calendar."""
    if calendar is None:
        return max((end - start).days + 1, 1)
    return max(calendar.workdays_between(start - timedelta(days=1), end, warn=False), 1)


def _due_dates(session: Session, message_ids: list[int], rows: list[Any], calendar) -> dict[int, date]:
    due: dict[int, date] = {}
    try:
        from store.models.deadlines import Deadline

        for start in range(0, len(message_ids), 500):
            chunk = message_ids[start:start + 500]
            for message_id, due_on in session.execute(
                select(Deadline.message_id, Deadline.due_on).where(Deadline.message_id.in_(chunk))
            ):
                if due_on is not None:
                    due[message_id] = due_on
    except ImportError:
        pass
    for row in rows:
        if row.message_id not in due and row.submitted_at is not None:
            day = row.submitted_at.date()
            due[row.message_id] = (calendar.add_workdays(day, _DEFAULT_REPLY_DAYS, warn=False) if calendar
                                   else day + timedelta(days=7))
    return due


def _previous_members(session: Session, start: date, end: date) -> list[Any]:
    """(topic_id, message_id, submitter, duplicate_group) of active topics' members submitted in [start, end]:
    only what the previous-rate count needs (the windows before are several times the current one)."""
    return session.execute(
        select(TopicMembership.topic_id, Message.id.label("message_id"), Message.submitter,
               TopicMembership.duplicate_group)
        .join(Message, Message.id == TopicMembership.message_id)
        .join(Topic, Topic.id == TopicMembership.topic_id)
        .where(Message.submitted_at >= datetime.combine(start, datetime.min.time()),
               Message.submitted_at <= datetime.combine(end, datetime.max.time()), Topic.status == "active")
    ).all()


def _topics(session: Session, topic_ids: list[int]) -> dict[int, Any]:
    """The label, first message time, keywords, places and units of each topic, in chunked IN queries."""
    found: dict[int, Any] = {}
    for start in range(0, len(topic_ids), 500):
        for row in session.execute(
            select(Topic.id, Topic.label, Topic.first_message_at, Topic.keywords, Topic.places, Topic.units)
            .where(Topic.id.in_(topic_ids[start:start + 500]))
        ):
            found[row.id] = row
    return found


def _unanswered(row: Any, due: date | None, end: date) -> bool:
    end_of_window = datetime.combine(end, datetime.max.time())
    replied = bool((row.reply_text or "").strip()) and (row.replied_at is None or row.replied_at <= end_of_window)
    if not replied:
        return True
    return due is not None and row.replied_at is not None and row.replied_at.date() > due


def hotlist(session: Session, start: date, end: date, top: int = 10) -> list[dict[str, Any]]:
    """The hot list of [start, end] (dates inclusive), best first."""
    if end < start:
        raise ValueError(f"--to {end} is before --from {start}")
    settings = get_settings()
    weights = {"distinct_submitters": 3.0, "volume": 1.0, "votes": 1.0, "growth": 1.5, "channels": 0.5,
               "unanswered": 1.0}
    weights.update(settings.get("hotlist.weights"))
    previous_windows = settings.get("hotlist.previous_windows")
    calendar = _calendar()

    rows = period_members(session, start, end)
    length = end - start + timedelta(days=1)
    previous_start = start - length * previous_windows
    previous_rows = (_previous_members(session, previous_start, start - timedelta(days=1))
                     if previous_windows else [])
    now_days = working_days(start, end, calendar)
    previous_days = working_days(previous_start, start - timedelta(days=1), calendar) if previous_windows else 1

    by_topic: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        by_topic[row.topic_id].append(row)
    previous_by_topic: dict[int, list[Any]] = defaultdict(list)
    for row in previous_rows:
        previous_by_topic[row.topic_id].append(row)
    due = _due_dates(session, [r.message_id for r in rows], rows, calendar)
    topics = _topics(session, list(by_topic))

    entries = []
    for topic_id, members in by_topic.items():
        topic = topics[topic_id]
        people = distinct_voices([m.duplicate_group or m.message_id for m in members],
                                 [m.submitter for m in members])
        before = previous_by_topic.get(topic_id, [])
        previous_people = distinct_voices([m.duplicate_group or m.message_id for m in before],
                                          [m.submitter for m in before]) if before else 0
        rate = people / now_days
        previous_rate = previous_people / previous_days
        growth = max(-1.0, min(3.0, math.log2((rate + 0.5) / (previous_rate + 0.5))))
        votes = sum(m.votes_up or 0 for m in members)
        channels = sorted({m.channel for m in members})
        unanswered = sum(_unanswered(m, due.get(m.message_id), end) for m in members) / len(members)
        parts = {
            "distinct_submitters": weights["distinct_submitters"] * math.log1p(people),
            "volume": weights["volume"] * math.log1p(len(members)),
            "votes": weights["votes"] * math.log1p(votes),
            "growth": weights["growth"] * growth,
            "channels": weights["channels"] * (len(channels) - 1),
            "unanswered": weights["unanswered"] * unanswered,
        }
        score = sum(parts.values())
        first = topic.first_message_at
        if first is not None and first.date() >= start:
            badge = "new"
        elif rate >= 1.5 * previous_rate and rate > previous_rate:
            badge = "rising"
        elif rate <= previous_rate * 2 / 3:
            badge = "cooling"
        else:
            badge = "persisting"
        explanation = (
            f"{people} people (+{parts['distinct_submitters']:.2f}), {len(members)} messages "
            f"(+{parts['volume']:.2f}), {votes} votes (+{parts['votes']:.2f}), "
            f"{rate:.2f} people/working day vs {previous_rate:.2f} before ({parts['growth']:+.2f}), "
            f"{len(channels)} channel(s) (+{parts['channels']:.2f}), "
            f"{unanswered:.0%} unanswered or late (+{parts['unanswered']:.2f}) = {score:.2f}; badge {badge}"
        )
        entries.append({
            "topic_id": topic_id, "label": topic.label, "score": round(score, 3), "size": len(members),
            "message_ids": [m.external_id or m.natural_key for m in members],
            "distinct_submitters": people, "volume": len(members), "votes": votes, "channels": channels,
            "unanswered_share": round(unanswered, 3), "growth": round(growth, 3), "rate": round(rate, 3),
            "previous_rate": round(previous_rate, 3), "badge": badge, "explanation": explanation,
            "score_parts": {k: round(v, 3) for k, v in parts.items()},
            "keywords": list(topic.keywords or []), "places": list(topic.places or []),
            "units": list(topic.units or []),
        })
    entries.sort(key=lambda e: (-e["score"], e["topic_id"]))
    return entries[:top] if top else entries

"""The 民意热点榜: topics ranked by how many *people* raise them, then by volume, votes, growth and answers.

``hotlist(session, start, end, top=10) -> list[dict]`` (the JSON of ``hotline-monitor hotlist``) is the ranked
list; ``hotlist_report(...)`` returns it together with what was left out and why. Each entry:
``topic_id, label, score, size`` (admissible messages in the window), ``message_ids`` (the sites' ids), plus
``distinct_submitters, volume, votes, channels, unanswered_share, growth, previous_rate, rate, badge,
explanation, score_parts, keywords, places, units``.

Ranking: distinct complainants first (``analysis.topics.complainants``: the submitter where the export has one, else
inferred from near-identical texts, consecutive case numbers, shared replies and same-day bursts); the other
terms only order topics raised by as many people. ``score = people + secondary / (1 + secondary)``, so the
integer part is the people count and the fraction the rest; ``secondary`` is the weighted sum (weights: setting
``hotlist.weights``; every term in ``explanation``) of

- ``volume``: ln(1 + messages), repeated submissions included;
- ``votes``: ln(1 + 点赞数) where the source has them;
- ``growth``: log2 of (people per working day now + 0.5) / (people per working day in the previous
  ``hotlist.previous_windows`` windows of the same length + 0.5), clipped to [-1, 3]; working days from
  ``analysis.deadlines.workcalendar`` (calendar days outside its range or when it is unavailable);
- ``channels``: distinct channels beyond the first (hotline, mailbox, feedback);
- ``unanswered``: share of the window's messages not answered by the end of the window, or answered after
  their due date (``deadlines`` table when computed, else 5 working days);

clipped at 0 from below. What is not ranked:

- letters that are not admissible (``analysis.routing.admissibility``: out of scope, incoherent, praise, no request)
  form no entry and count nowhere;
- a topic whose admissible letters in the window come from one person is a *one-person burst*: listed in the
  report (``one_person_bursts``) with its letter count, never ranked;
- a letter with bad data (no date, a date outside the working-day calendar, no text) is skipped and counted
  (``skipped``), and the list is made from the rest.

Badge: ``new`` (first message in the window), ``rising`` (rate at least 1.5 × the previous one), ``cooling``
(at most 2/3 of it), else ``persisting``.
"""
from __future__ import annotations

import logging
import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from analysis.routing.admissibility import INADMISSIBLE, classify_admissibility
from analysis.topics.clustering import period_members
from analysis.topics.complainants import distinct_complainants
from store.models import Message
from store.models.topics import Topic, TopicMembership
from store.settings import get_settings

__all__ = ["BADGES", "HotlistReport", "hotlist", "hotlist_report", "letter_problem", "working_days"]

logger = logging.getLogger(__name__)

BADGES = ("new", "rising", "persisting", "cooling")
_DEFAULT_REPLY_DAYS = 5
# A topic needs this many different people in the window to rank: one person writing often is not a hot issue.
MIN_PEOPLE = 2


def _calendar(report: HotlistReport):
    """The working-day calendar, or None (calendar days) when its override files are broken: a hot list is
    still worth having, so the problem is logged and counted in the report rather than raised."""
    from analysis.deadlines.workcalendar import CalendarError, get_calendar

    try:
        return get_calendar()
    except CalendarError as exc:
        report.calendar_problem(f"working-day calendar unavailable, calendar days used instead: {exc}")
        return None


def _in_calendar(day: date, calendar) -> bool:
    return calendar is not None and calendar.first_day <= day <= calendar.last_day


def working_days(start: date, end: date, calendar=None) -> int:
    """Working days in [start, end] (at least 1); calendar days without a calendar or outside its range."""
    if calendar is None or not (_in_calendar(start - timedelta(days=1), calendar) and _in_calendar(end, calendar)):
        return max((end - start).days + 1, 1)
    return max(calendar.workdays_between(start - timedelta(days=1), end, warn=False), 1)


def letter_problem(row: Any, calendar) -> str | None:
    """Why a letter cannot take part in a ranking (Chinese-free, for the report), or None when it can."""
    if row.submitted_at is None:
        return "no submission date"
    if calendar is not None and not _in_calendar(row.submitted_at.date(), calendar):
        return (f"submission date {row.submitted_at.date()} outside the working-day calendar "
                f"{calendar.first_day}..{calendar.last_day}")
    if not ((row.title or "").strip() or (row.content or "").strip()):
        return "empty text"
    return None


def _due_dates(session: Session, message_ids: list[int], rows: list[Any], calendar,
               report: HotlistReport) -> dict[int, date]:
    """Each letter's due date: the ``deadlines`` table's, else 5 working days after submission (a week where
    the calendar cannot say: logged and counted in the report)."""
    from analysis.deadlines.workcalendar import CalendarRangeError
    from store.models.deadlines import Deadline

    due: dict[int, date] = {}
    for start in range(0, len(message_ids), 500):
        chunk = message_ids[start:start + 500]
        for message_id, due_on in session.execute(
            select(Deadline.message_id, Deadline.due_on).where(Deadline.message_id.in_(chunk))
        ):
            if due_on is not None:
                due[message_id] = due_on
    beyond = 0
    for row in rows:
        if row.message_id not in due and row.submitted_at is not None:
            day = row.submitted_at.date()
            due[row.message_id] = day + timedelta(days=7)
            if _in_calendar(day, calendar):
                try:
                    due[row.message_id] = calendar.add_workdays(day, _DEFAULT_REPLY_DAYS, warn=False)
                except CalendarRangeError:  # the due date falls past the calendar's last day
                    beyond += 1
    if beyond:
        report.calendar_problem(f"{beyond} letters due past the working-day calendar's end: due a week after "
                                "submission instead")
    return due


def _people_rows(members: list[Any]) -> list[dict[str, Any]]:
    return [{"id": m.message_id, "source_id": m.source_id, "submitter": m.submitter, "external_id": m.external_id,
             "submitted_at": m.submitted_at, "title": m.title, "content": m.content, "reply_text": m.reply_text}
            for m in members]


def _previous_members(session: Session, start: date, end: date) -> list[Any]:
    """Active topics' members submitted in [start, end], with what counting their people needs."""
    return session.execute(
        select(TopicMembership.topic_id, Message.id.label("message_id"), Message.source_id, Message.submitter,
               Message.external_id, Message.submitted_at, Message.title, Message.content, Message.reply_text,
               Message.kind, Message.admissibility)
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


def _admissible(row: Any) -> bool:
    value = row.admissibility
    if value is None:  # the admissibility step has not run on this letter yet: classify it now
        value, _reason = classify_admissibility(row.title, row.content, row.reply_text, row.kind)
    return value not in INADMISSIBLE


@dataclass
class HotlistReport:
    """The ranked entries and what was left out: one-person bursts, inadmissible letters, skipped letters."""

    entries: list[dict[str, Any]] = field(default_factory=list)
    one_person_bursts: list[dict[str, Any]] = field(default_factory=list)
    inadmissible: int = 0
    skipped: list[dict[str, Any]] = field(default_factory=list)
    calendar_problems: list[str] = field(default_factory=list)

    def calendar_problem(self, text: str) -> None:
        """A working-day question answered in calendar days instead: logged and kept for the report."""
        logger.warning("hot list: %s", text)
        self.calendar_problems.append(text)

    def notes(self) -> list[str]:
        """One line per thing left out or approximated, for the command's report."""
        lines = list(self.calendar_problems)
        lines += [f"skipped letter {s['message_id']}: {s['reason']}" if s.get("message_id")
                  else f"skipped {s['count']} letters: {s['reason']}" for s in self.skipped]
        if self.inadmissible:
            lines.append(f"{self.inadmissible} inadmissible letters (out of scope, incoherent, praise, "
                         "no request) form no entry")
        if self.one_person_bursts:
            lines.append(f"{len(self.one_person_bursts)} one-person bursts not ranked: " + ", ".join(
                f"topic {b['topic_id']} ({b['volume']} letters)" for b in self.one_person_bursts[:10]))
        return lines


def _skip_undatable(session: Session, calendar, report: HotlistReport, listed: set[str]) -> None:
    """Letters no window can hold (no date, or a date outside the working-day calendar such as 1989-12-30):
    reported as skipped, whatever window was asked for, so bad data is visible rather than silently absent."""
    from sqlalchemy import func, or_

    undated = session.scalar(select(func.count(Message.id)).where(Message.submitted_at.is_(None))) or 0
    if undated:
        report.skipped.append({"message_id": None, "count": undated, "reason": "no submission date"})
    if calendar is None:
        return
    outside = or_(Message.submitted_at < datetime.combine(calendar.first_day, datetime.min.time()),
                  Message.submitted_at > datetime.combine(calendar.last_day, datetime.max.time()))
    for external_id, natural_key, submitted_at in session.execute(
            select(Message.external_id, Message.natural_key, Message.submitted_at).where(outside)
            .order_by(Message.submitted_at, Message.id).limit(100)):
        if (external_id or natural_key) not in listed:
            report.skipped.append({
                "message_id": external_id or natural_key,
                "reason": (f"submission date {submitted_at.date()} outside the working-day calendar "
                           f"{calendar.first_day}..{calendar.last_day}")})


def hotlist(session: Session, start: date, end: date, top: int = 10) -> list[dict[str, Any]]:
    """The hot list of [start, end] (dates inclusive), best first (see ``hotlist_report``)."""
    return hotlist_report(session, start, end, top=top).entries


def hotlist_report(session: Session, start: date, end: date, top: int = 10) -> HotlistReport:
    """The hot list of [start, end] (dates inclusive) and what it left out."""
    if end < start:
        raise ValueError(f"--to {end} is before --from {start}")
    settings = get_settings()
    weights = {"distinct_submitters": 3.0, "volume": 1.0, "votes": 1.0, "growth": 1.5, "channels": 0.5,
               "unanswered": 1.0}
    weights.update(settings.get("hotlist.weights"))
    previous_windows = settings.get("hotlist.previous_windows")
    report = HotlistReport()
    calendar = _calendar(report)

    rows = []
    for row in period_members(session, start, end):
        problem = letter_problem(row, calendar)
        if problem:
            report.skipped.append({"message_id": row.external_id or row.natural_key, "reason": problem})
        elif not _admissible(row):
            report.inadmissible += 1
        else:
            rows.append(row)
    _skip_undatable(session, calendar, report, {s["message_id"] for s in report.skipped})
    length = end - start + timedelta(days=1)
    previous_start = start - length * previous_windows
    previous_rows = ([r for r in _previous_members(session, previous_start, start - timedelta(days=1))
                      if letter_problem(r, calendar) is None and _admissible(r)] if previous_windows else [])
    if calendar is not None and not (_in_calendar(previous_start - timedelta(days=1), calendar)
                                     and _in_calendar(end, calendar)):
        report.calendar_problem(f"{previous_start}..{end} reaches outside the working-day calendar "
                                f"{calendar.first_day}..{calendar.last_day}: growth rates per calendar day")
    now_days = working_days(start, end, calendar)
    previous_days = working_days(previous_start, start - timedelta(days=1), calendar) if previous_windows else 1

    by_topic: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        by_topic[row.topic_id].append(row)
    previous_by_topic: dict[int, list[Any]] = defaultdict(list)
    for row in previous_rows:
        previous_by_topic[row.topic_id].append(row)
    due = _due_dates(session, [r.message_id for r in rows], rows, calendar, report)
    topics = _topics(session, list(by_topic))

    for topic_id, members in by_topic.items():
        topic = topics[topic_id]
        people = distinct_complainants(_people_rows(members))
        if people < MIN_PEOPLE:
            report.one_person_bursts.append({
                "topic_id": topic_id, "label": topic.label, "volume": len(members), "distinct_submitters": people,
                "one_person_burst": True, "message_ids": [m.external_id or m.natural_key for m in members]})
            continue
        before = previous_by_topic.get(topic_id, [])
        previous_people = distinct_complainants(_people_rows(before)) if before else 0
        rate = people / now_days
        previous_rate = previous_people / previous_days
        growth = max(-1.0, min(3.0, math.log2((rate + 0.5) / (previous_rate + 0.5))))
        votes = sum(m.votes_up or 0 for m in members)
        channels = sorted({m.channel for m in members})
        unanswered = sum(_unanswered(m, due.get(m.message_id), end) for m in members) / len(members)
        parts = {
            "volume": weights["volume"] * math.log1p(len(members)),
            "votes": weights["votes"] * math.log1p(votes),
            "growth": weights["growth"] * growth,
            "channels": weights["channels"] * (len(channels) - 1),
            "unanswered": weights["unanswered"] * unanswered,
        }
        secondary = max(sum(parts.values()), 0.0)
        score = people + secondary / (1.0 + secondary)
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
            f"{people} people (ranked first), then {len(members)} messages (+{parts['volume']:.2f}), "
            f"{votes} votes (+{parts['votes']:.2f}), "
            f"{rate:.2f} people/working day vs {previous_rate:.2f} before ({parts['growth']:+.2f}), "
            f"{len(channels)} channel(s) (+{parts['channels']:.2f}), "
            f"{unanswered:.0%} unanswered or late (+{parts['unanswered']:.2f}): secondary {secondary:.2f}; "
            f"score {people} + {secondary:.2f}/(1+{secondary:.2f}) = {score:.3f}; badge {badge}"
        )
        report.entries.append({
            "topic_id": topic_id, "label": topic.label, "score": round(score, 3), "size": len(members),
            "message_ids": [m.external_id or m.natural_key for m in members],
            "distinct_submitters": people, "volume": len(members), "votes": votes, "channels": channels,
            "unanswered_share": round(unanswered, 3), "growth": round(growth, 3), "rate": round(rate, 3),
            "previous_rate": round(previous_rate, 3), "badge": badge, "explanation": explanation,
            "score_parts": {"distinct_submitters": people, **{k: round(v, 3) for k, v in parts.items()}},
            "keywords": list(topic.keywords or []), "places": list(topic.places or []),
            "units": list(topic.units or []), "one_person_burst": False,
        })
    report.entries.sort(key=lambda e: (-e["distinct_submitters"], -e["score"], e["topic_id"]))
    report.one_person_bursts.sort(key=lambda b: (-b["volume"], b["topic_id"]))
    if top:
        report.entries = report.entries[:top]
    return report

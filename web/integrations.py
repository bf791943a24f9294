"""Adapters to the other areas' APIs (deadlines, routing, topics, alerts, publications).

The web layer calls the owning area's functions; where an area does not (yet) offer what a page needs, the
small adapter here says so in its docstring.
"""
from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.models import Message, MessageRevision, Unit, now_local
from store.models.deadlines import Deadline
from web.i18n import gettext
from web.labels import label as label_of

log = logging.getLogger(__name__)


# --- deadlines ---------------------------------------------------------------------------------------------

def deadline_status(message: Message, deadline: Deadline | None, as_of: datetime):
    """analysis.deadlines.compute.deadline_state for one message at ``as_of`` (web.clock.as_of), or None without a
    stored deadline."""
    if deadline is None:
        return None
    from analysis.deadlines.compute import deadline_state
    from analysis.deadlines.rules import DeadlinePolicy
    from store.settings import get_settings

    policy = DeadlinePolicy.from_settings()
    closed_statuses = set(get_settings().get("deadlines.closed_statuses"))
    return deadline_state(deadline.due_on, as_of=as_of, replied_at=message.replied_at,
                          received_at=message.submitted_at, has_reply_text=bool(message.reply_text),
                          closed=(message.status or "") in closed_statuses, paused=deadline.paused, policy=policy)


# --- routing -----------------------------------------------------------------------------------------------

def routing_for_message(session: Session, message: Message) -> list[dict[str, Any]]:
    """The routing predictions analysis.routing.router stored for the message (store.models.routing), one per field."""
    from store.models.routing import RoutingPrediction

    return [{"field": p.field, "predicted": p.predicted, "best_guess": p.best_guess, "confidence": p.confidence,
             "manual": p.needs_manual, "model_version": p.model_version, "routed_by": p.routed_by,
             "alternatives": [(str(a[0]), float(a[1])) for a in (p.alternatives or []) if len(a) == 2]}
            for p in session.scalars(select(RoutingPrediction).where(RoutingPrediction.message_id == message.id)
                                     .order_by(RoutingPrediction.field))]


def unit_names(session: Session) -> list[str]:
    names = set(session.scalars(select(Unit.name)))
    names.update(v for v in session.scalars(select(Message.unit).where(Message.unit.is_not(None)).distinct()
                                            .limit(2000)))
    return sorted(names)


def reroute_message(session: Session, message: Message, unit: str, author: str, reason: str | None) -> None:
    """Assign the message to ``unit`` by hand.

    Adapter: analysis.routing.router has no manual-routing API yet, so the change is applied to the message and recorded
    as a MessageRevision (field ``unit``), which keeps the rule that nothing is overwritten silently; a stored
    unit prediction gets ``routed_by`` (its documented "who confirmed or corrected it").
    """
    from analysis.routing.message_units import directory_unit_id
    from store.models.routing import RoutingPrediction

    if unit == message.unit:
        return
    session.add(MessageRevision(message_id=message.id, field="unit", old_value=message.unit,
                                new_value=f"{unit}", changed_at=now_local()))
    message.unit = unit
    message.unit_id = directory_unit_id(session, unit)  # as the analysis step `units` resolves it
    extra = dict(message.extra or {})
    extra["manual_routing"] = {"unit": unit, "by": author, "reason": reason, "at": now_local().isoformat()}
    message.extra = extra
    prediction = session.scalar(select(RoutingPrediction).where(RoutingPrediction.message_id == message.id,
                                                                RoutingPrediction.field == "unit"))
    if prediction is not None:
        prediction.routed_by = author


def return_message(session: Session, message: Message, author: str, reason: str) -> None:
    """A unit returns a letter that is not theirs (退回): the message no longer names a unit (so the analysts'
    "needs routing" work finds it), the change is a MessageRevision, and who returned it and why stay on the
    message."""
    returned_from = message.unit
    session.add(MessageRevision(message_id=message.id, field="unit", old_value=returned_from, new_value=None,
                                changed_at=now_local()))
    message.unit = None
    message.unit_id = None
    extra = dict(message.extra or {})
    extra["returned"] = {"unit": returned_from, "by": author, "reason": reason, "at": now_local().isoformat()}
    message.extra = extra


# --- topics ------------------------------------------------------------------------------------------------

def topic_of_message(session: Session, message_id: int):
    from store.models.topics import Topic, TopicMembership

    return session.scalar(select(Topic).join(TopicMembership, TopicMembership.topic_id == Topic.id)
                          .where(TopicMembership.message_id == message_id))


HOT_LIST_DAYS = 14


def hot_list(session: Session, as_of: date, top: int = 10) -> tuple[list[dict[str, Any]], str | None]:
    """analysis.topics.hotlist.hotlist over the 14 days of data up to ``as_of``, and a note when it is empty."""
    from analysis.topics.hotlist import hotlist

    newest = session.scalar(select(func.max(Message.submitted_at)))
    if newest is None:
        return [], gettext("No letters yet.")
    end = min(as_of, newest.date())
    start = end - timedelta(days=HOT_LIST_DAYS - 1)
    items = hotlist(session, start, end, top=top)
    note = None if items else gettext("No topic has letters between %(start)s and %(end)s (run the analysis).") % {
        "start": start, "end": end}
    return items, note


def topic_warnings(session: Session) -> list[str]:
    """Early warnings (spikes, new surges) not yet acknowledged, as dashboard lines."""
    from store.models.topics import Topic, WarningEvent

    rows = session.execute(
        select(WarningEvent, Topic.label).join(Topic, Topic.id == WarningEvent.topic_id)
        .where(WarningEvent.status != "acknowledged").order_by(WarningEvent.day.desc()).limit(10)).all()
    return [gettext("Topic “%(topic)s”: %(kind)s on %(day)s (%(observed)s against a usual %(baseline)s).") % {
        "topic": label or event.topic_id, "kind": label_of("warning_kind", event.kind), "day": event.day,
        "observed": f"{event.observed:g}", "baseline": f"{event.baseline:g}"} for event, label in rows]

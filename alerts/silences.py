"""Silences: hold back the notifications they match (a unit, a level, a channel) for a while; the items go out
after the silence. ``add_silence`` (the CLI, the web UI) creates one; ``Silences`` is what a run consults."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.ladder import LADDER, AlertError
from store.models.alerts import Silence


class Silences:
    """The silences in force at ``now``; a run asks which notifications and channels they hold back."""

    def __init__(self, session: Session, now: dt.datetime):
        self.rows = session.execute(select(Silence.unit_id, Silence.level, Silence.channel).where(
            Silence.starts_at <= now, Silence.ends_at > now)).all()

    def holds(self, unit_id: int | None, level: str) -> bool:
        """A silence without a channel holds the whole notification."""
        return any(r.channel is None and (r.unit_id is None or r.unit_id == unit_id)
                   and (r.level is None or r.level == level) for r in self.rows)

    def channels(self, unit_id: int | None, level: str) -> set[str]:
        return {r.channel for r in self.rows if r.channel is not None and (r.unit_id is None or r.unit_id == unit_id)
                and (r.level is None or r.level == level)}


def add_silence(session: Session, *, starts_at: dt.datetime, ends_at: dt.datetime, reason: str,
                unit_id: int | None = None, level: str | None = None, channel: str | None = None,
                created_by: str | None = None) -> Silence:
    if ends_at <= starts_at:
        raise AlertError(f"a silence must end after it starts ({starts_at} .. {ends_at})")
    if level is not None and level not in (*LADDER, "warning"):
        raise AlertError(f"unknown level {level!r} (one of {', '.join((*LADDER, 'warning'))})")
    if not reason.strip():
        raise AlertError("a silence needs a reason")
    if channel is not None:
        from alerts.notifiers import channels

        if channel not in channels():
            raise AlertError(f"unknown channel {channel!r} (one of {', '.join(channels())})")
    silence = Silence(starts_at=starts_at, ends_at=ends_at, reason=reason, unit_id=unit_id, level=level,
                      channel=channel, created_by=created_by)
    session.add(silence)
    session.flush()
    return silence

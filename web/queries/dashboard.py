"""Dashboard figures: daily volume by channel, on-time rate, overdue by unit, warnings.

All aggregated in SQL (the dashboard must stay fast with hundreds of thousands of messages); the on-time rate
follows the definitions of analysis.deadlines.engine (on time = replied on or before the due date; a case counts once
its due date has passed or it was replied). Every figure is as of one day (``web.as_of``, else today); when the
newest message is older than a figure's window, that window ends at the newest message's day instead of
showing nothing, and the page says so. Overdue messages are counted per directory unit (``Message.unit_id``,
filled by the analysis step ``units``), so the alias spellings of one unit add up.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from store.models import CHANNELS, CrawlRun, Message, Source, Unit, now_local
from store.models.deadlines import Deadline
from web.i18n import gettext

VOLUME_DAYS = 30
ON_TIME_WINDOW_DAYS = 90


@dataclass
class Dashboard:
    as_of: date
    volume_start: date
    volume_days: list[date]
    volume: dict[str, list[int]]  # channel -> count per day of volume_days
    total_in_window: int
    on_time_start: date | None = None  # the due dates counted: on_time_start <= due < on_time_end
    on_time_end: date | None = None
    on_time: int = 0
    decided: int = 0
    newest_day: date | None = None  # of the newest message in scope
    overdue_by_unit: list[tuple[str, int]] = field(default_factory=list)
    overdue_total: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.decided if self.decided else None

    @property
    def on_time_last_due(self) -> date | None:
        """The last due date counted (the window ends before ``on_time_end``)."""
        return self.on_time_end - timedelta(days=1) if self.on_time_end else None

    @property
    def on_time_shifted(self) -> bool:
        """The on-time window ends at the newest message's day, not at ``as_of`` (the data is older)."""
        return self.on_time_end is not None and self.on_time_end != self.as_of


def _day(column):
    return func.date(column)


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def volume_by_channel_and_day(session: Session, conditions: list, end: date, days: int = VOLUME_DAYS):
    start = end - timedelta(days=days - 1)
    day = _day(Message.submitted_at)
    rows = session.execute(
        select(Message.channel, day, func.count(Message.id))
        .where(Message.submitted_at >= datetime.combine(start, datetime.min.time()),
               Message.submitted_at < datetime.combine(end + timedelta(days=1), datetime.min.time()), *conditions)
        .group_by(Message.channel, day))
    all_days = [start + timedelta(days=i) for i in range(days)]
    index = {d: i for i, d in enumerate(all_days)}
    volume = {channel: [0] * days for channel in CHANNELS}
    for channel, d, n in rows:
        volume.setdefault(channel, [0] * days)[index[_as_date(d)]] += n
    return start, all_days, volume


def on_time_counts(session: Session, conditions: list, as_of: date, window_days: int = ON_TIME_WINDOW_DAYS):
    """(replied on time, decided) for messages whose due date fell in the window ending at ``as_of``."""
    replied_day = func.date(Message.replied_at)
    on_time = func.sum(case((and_(Message.replied_at.is_not(None), replied_day <= Deadline.due_on), 1), else_=0))
    row = session.execute(
        select(on_time, func.count(Message.id)).select_from(Deadline).join(Message, Message.id == Deadline.message_id)
        .where(Deadline.due_on >= as_of - timedelta(days=window_days), Deadline.due_on < as_of,
               or_(Message.replied_at.is_(None), replied_day <= as_of), *conditions)).one()
    return int(row[0] or 0), int(row[1] or 0)


NO_UNIT = "(no unit)"  # shown translated (web.i18n catalogue)


def overdue_by_unit(session: Session, conditions: list, as_of: date, limit: int = 15):
    """Open messages (no reply) past their due date, counted per responsible unit: (the ``limit`` largest units,
    total). A unit of the directory (``Message.unit_id``) is one row under its canonical name whatever the
    spellings of its messages; a name the directory does not know is a row of its own. One grouped query over
    the unanswered messages (partial index ix_messages_unanswered), then one look-up of the units' names."""
    rows = session.execute(
        select(Message.unit_id, Message.unit, func.count(Message.id)).select_from(Message)
        .join(Deadline, Deadline.message_id == Message.id)
        .where(Message.replied_at.is_(None), Message.reply_text.is_(None), Deadline.due_on < as_of, *conditions)
        .group_by(Message.unit_id, Message.unit)).all()
    unit_ids = {unit_id for unit_id, _, _ in rows if unit_id is not None}
    names: dict[int, str] = {}
    if unit_ids:
        names = dict(session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(unit_ids))).all())
    counts: dict[str, int] = {}
    for unit_id, text, n in rows:
        # Not yet resolved (analysis not run since) but spelled as a directory name: the same row as that unit.
        name = names.get(unit_id) if unit_id is not None else None
        name = name or (text if text is not None else NO_UNIT)
        counts[name] = counts.get(name, 0) + int(n)
    ranked = sorted(counts.items(), key=lambda row: (-row[1], row[0]))
    return ranked[:limit], sum(counts.values())


def source_warnings(session: Session, as_of: date) -> list[str]:
    """Stale sources and recent crawl runs that reported errors (in the request's language: the dashboard cache
    is kept per language)."""
    from analysis.sources.health import source_health

    warnings: list[str] = []
    # Staleness as the sources page, the CLI and the operators' digest define it (analysis.sources.health).
    for health in source_health(session, as_of):
        if not health.stale:
            continue
        if health.last_new_at is None:
            warnings.append(gettext("Source %(name)s: no letters yet.") % {"name": health.name})
        else:
            warnings.append(gettext("Source %(name)s: no new letter collected for %(days)s working days "
                                    "(objective %(objective)s working days).") % {
                "name": health.name, "days": health.workdays_since_new, "objective": health.objective_days})
    since = now_local() - timedelta(days=7)  # crawl runs are events of the real clock, whatever web.as_of says
    failing = session.execute(
        select(Source.name, func.count(CrawlRun.id)).join(Source, Source.id == CrawlRun.source_id, isouter=True)
        .where(CrawlRun.started_at >= since, or_(CrawlRun.rejected > 0, CrawlRun.finish_reason.not_in(["finished"])))
        .group_by(Source.name)).all()
    for name, n in failing:
        warnings.append(gettext("Source %(name)s: %(runs)s run(s) in the last 7 days with rejects or an abnormal "
                                "finish.") % {"name": name or "?", "runs": n})
    return warnings


def on_time_window_end(as_of: date, newest_day: date | None, window_days: int = ON_TIME_WINDOW_DAYS) -> date:
    """``as_of``, or the newest message's day when that is older than the window (the data stopped earlier:
    the rate over its last months says more than an empty window)."""
    if newest_day is not None and newest_day < as_of - timedelta(days=window_days):
        return newest_day
    return as_of


def build_dashboard(session: Session, conditions: list, as_of: date | None = None,
                    include_source_warnings: bool = True) -> Dashboard:
    today = as_of or now_local().date()
    # The newest letter of all, not of the user's scope: a unit official's windows are everyone's windows.
    newest = session.scalar(select(func.max(Message.submitted_at)))
    newest_day = _as_date(newest) if newest is not None else None
    volume_end = min(today, newest_day) if newest_day is not None else today
    start, days, volume = volume_by_channel_and_day(session, conditions, volume_end)
    on_time_end = on_time_window_end(today, newest_day)
    on_time, decided = on_time_counts(session, conditions, on_time_end)
    by_unit, overdue_total = overdue_by_unit(session, conditions, today)
    board = Dashboard(as_of=today, volume_start=start, volume_days=days, volume=volume,
                      total_in_window=sum(sum(v) for v in volume.values()),
                      on_time_start=on_time_end - timedelta(days=ON_TIME_WINDOW_DAYS), on_time_end=on_time_end,
                      on_time=on_time, decided=decided, newest_day=newest_day,
                      overdue_by_unit=by_unit, overdue_total=overdue_total)
    if include_source_warnings:
        board.warnings.extend(source_warnings(session, today))
    provisional = session.scalar(
        select(func.count(Deadline.id)).join(Message, Message.id == Deadline.message_id)
        .where(Deadline.provisional.is_(True), Deadline.due_on >= today, *conditions)) or 0
    if provisional:
        board.warnings.append(gettext(
            "%(num)s open deadline(s) use a provisional holiday calendar (the State Council notice for that year "
            "is not in the calendar yet).") % {"num": provisional})
    return board

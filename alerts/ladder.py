"""The escalation ladder, pure: which levels fire for which messages and in which repeat period, from the
deadline states (``analysis.deadlines.engine``) as columns. No database, no directory: numbers in, numbers out.

| level                 | when                                         | who hears            | repeats        |
|-----------------------|----------------------------------------------|----------------------|----------------|
| ``due_soon``          | at most ``deadlines.due_soon_days`` left     | the responsible unit | once           |
| ``overdue``           | late >= 1                                    | the responsible unit | every N w.days |
| ``seriously_overdue`` | late >= ``deadlines.seriously_overdue_days`` | its supervisor       | every N w.days |
| ``supervision``       | late >= ``alerts.supervision_after_days``    | the 督办 office      | every N w.days |

N is ``alerts.repeat_every_workdays``; a level's period is ``(late - threshold) // N``, so a run notifies a
level when its period is new. Who hears each level: ``alerts.recipients``.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np

LADDER = ("due_soon", "overdue", "seriously_overdue", "supervision")
NO_DATE = -1


class AlertError(ValueError):
    """A refused acknowledgement or silence: the message says why."""


@dataclass(frozen=True)
class LadderPolicy:
    due_soon_days: int = 1
    seriously_overdue_days: int = 5
    supervision_after_days: int = 10
    repeat_every: int = 2
    send_on_non_working_days: bool = False

    @classmethod
    def from_settings(cls, settings: Any = None) -> LadderPolicy:
        from store.settings import get_settings

        settings = settings or get_settings()
        repeat = int(settings.get("alerts.repeat_every_workdays"))
        if repeat < 1:
            raise ValueError(f"setting alerts.repeat_every_workdays: must be at least 1, got {repeat}")
        return cls(due_soon_days=int(settings.get("deadlines.due_soon_days")),
                   seriously_overdue_days=int(settings.get("deadlines.seriously_overdue_days")),
                   supervision_after_days=int(settings.get("alerts.supervision_after_days")),
                   repeat_every=repeat,
                   send_on_non_working_days=bool(settings.get("alerts.send_on_non_working_days")))

    def threshold(self, level: str) -> int:
        return {"overdue": 1, "seriously_overdue": self.seriously_overdue_days,
                "supervision": self.supervision_after_days}.get(level, 0)


@dataclass
class Evaluation:
    """Per message: which ladder levels fire and their period (-1: not firing), and whether it is settled."""

    periods: dict[str, np.ndarray]
    settled: np.ndarray  # replied or closed: its alerts resolve
    state: np.ndarray
    left: np.ndarray
    late: np.ndarray


def evaluate(calendar: Any, as_of: dt.date, *, received: np.ndarray, due: np.ndarray, replied: np.ndarray,
             reply_undated: np.ndarray, closed: np.ndarray, paused: np.ndarray, policy: LadderPolicy,
             deadline_policy: Any = None) -> Evaluation:
    """The ladder levels of many messages as of the end of ``as_of`` (ordinal columns, -1 = no date)."""
    from analysis.deadlines.engine import STATE_CODES, DeadlinePolicy, DeadlineState, states_as_of

    deadline_policy = deadline_policy or DeadlinePolicy(due_soon_days=policy.due_soon_days,
                                                        seriously_overdue_days=policy.seriously_overdue_days)
    state, left, late = states_as_of(calendar, as_of, received=received, due=due, replied=replied,
                                     reply_undated=reply_undated, closed=closed, paused=paused,
                                     policy=deadline_policy)
    code = {s: i for i, s in enumerate(STATE_CODES)}
    overdue = (state == code[DeadlineState.OVERDUE]) | (state == code[DeadlineState.SERIOUSLY_OVERDUE])
    periods: dict[str, np.ndarray] = {"due_soon": np.where(state == code[DeadlineState.DUE_SOON], 0, -1)}
    for level in LADDER[1:]:
        threshold = policy.threshold(level)
        firing = overdue & (late >= threshold)
        periods[level] = np.where(firing, (late - threshold) // policy.repeat_every, -1)
    settled = np.isin(state, [code[DeadlineState.REPLIED_ON_TIME], code[DeadlineState.REPLIED_LATE],
                              code[DeadlineState.REPLIED_UNDATED], code[DeadlineState.UNANSWERED]])
    return Evaluation(periods=periods, settled=settled, state=state, left=left, late=late)

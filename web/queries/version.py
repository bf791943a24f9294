"""A cheap fingerprint of the data the read pages aggregate, so kept results are dropped when it changes.

``data_version`` reads it; ``DataVersionCheck`` (one per app) reads it at most once per
``DATA_RECHECK_SECONDS``, so the pages that key kept results on it (the messages page's filter choices, the topic
list's trends) do not pay a round trip per request.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, sessionmaker

from store.models import Message, MessageRevision
from store.models.topics import TopicCuration, TopicMembership, TopicRun

DATA_RECHECK_SECONDS = 1.0

# Built once: executing the same statement object reuses its memoised cache key and compiled SQL.
_VERSION_QUERY = select(
    select(func.max(Message.id)).scalar_subquery(),
    select(func.max(MessageRevision.id)).scalar_subquery(),
    select(func.max(TopicMembership.id)).scalar_subquery(),
    select(func.max(TopicRun.id)).scalar_subquery(),
    select(func.max(TopicCuration.id)).scalar_subquery())


def data_version(session: Session) -> tuple:
    """Changes whenever messages, their revisions (replies, re-routing), topic memberships, clustering runs or
    analyst curations change: the newest id of each (one round trip of primary-key look-ups). Those rows are
    added, never rewritten in place, except by a run or a curation, which add their own row."""
    return tuple(session.execute(_VERSION_QUERY).one())


class DataVersionCheck:
    """``data_version`` as kept by one app (so per process and database), read again once ``max_age`` seconds
    have passed: data written by another process (an import, the CLI, the other web worker) shows within that
    time. A commit that wrote through the sessions of ``watch``-ed factories (this app's re-routing, curation)
    drops the kept value at once, so its author's next page in this process shows the change."""

    def __init__(self, max_age: float = DATA_RECHECK_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_age = max_age
        self._clock = clock
        self._lock = threading.Lock()
        self._kept: tuple[float, tuple] | None = None  # (when read, version)
        self._generation = 0  # bumped by forget(): a read that started before it is not kept

    def current(self, session: Session) -> tuple:
        started = self._clock()
        with self._lock:
            kept, generation = self._kept, self._generation
        if kept is not None and started - kept[0] < self.max_age:
            return kept[1]
        version = data_version(session)
        with self._lock:
            if generation == self._generation:
                self._kept = (started, version)
        return version

    def forget(self) -> None:
        with self._lock:
            self._kept = None
            self._generation += 1

    def watch(self, factory: sessionmaker) -> None:
        """Forget the kept version after each commit of a ``factory`` session that wrote (ORM flush or DML)."""

        @event.listens_for(factory, "after_flush")
        def _flushed(session, _context) -> None:  # noqa: ANN001 - SQLAlchemy event signature
            session.info["hm_wrote"] = True

        @event.listens_for(factory, "do_orm_execute")
        def _executed(state) -> None:  # noqa: ANN001
            if not state.is_select:
                state.session.info["hm_wrote"] = True

        @event.listens_for(factory, "after_commit")
        def _committed(session) -> None:  # noqa: ANN001
            if session.info.pop("hm_wrote", False):  # (a write rolled back costs at most one extra read)
                self.forget()

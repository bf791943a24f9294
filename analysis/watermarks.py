"""Incremental analysis: which letters a step has not handled yet.

A step records, when its work commits, the highest message id and message revision id it has handled and the
version of its own rules (``store.models.AnalysisWatermark``). Its next run asks for what came after::

    pending = pending_messages(session, "admissibility", version, fields=("title", "content", "reply_text"))
    ids = pending.message_ids        # None: every letter (first run, or the rules changed); else new + changed
    ...                              # the step's work
    pending.done(session)            # in the same transaction as the work

"Changed" means a revision of one of ``fields`` (``MessageRevision``, written by every import and crawl that
changes a letter). The positions are read before the work, so a letter stored meanwhile waits for the next run.
An import that commits a letter with an id below one already handled (two imports at once on PostgreSQL) is
not seen as new: run the step with ``version`` changed (or ``--full``) after such concurrent imports.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.models import AnalysisWatermark, Message, MessageRevision, now_local

__all__ = ["Pending", "pending_messages"]


@dataclass
class Pending:
    step: str
    version: str
    message_ids: list[int] | None  # None: every message
    top_message_id: int
    top_revision_id: int

    @property
    def everything(self) -> bool:
        return self.message_ids is None

    def done(self, session: Session) -> None:
        """Move the step's watermark to the positions read when the work began."""
        mark = session.get(AnalysisWatermark, self.step)
        if mark is None:
            mark = AnalysisWatermark(step=self.step)
            session.add(mark)
        mark.version = self.version
        mark.last_message_id, mark.last_revision_id = self.top_message_id, self.top_revision_id
        mark.updated_at = now_local()
        session.flush()


def pending_messages(session: Session, step: str, version: str, fields: Iterable[str]) -> Pending:
    """The messages ``step`` has not handled under ``version``: new ones and those with a revision of one of
    ``fields`` since its last run; every message on its first run or when ``version`` changed."""
    top_message = session.scalar(select(func.max(Message.id))) or 0
    top_revision = session.scalar(select(func.max(MessageRevision.id))) or 0
    mark = session.get(AnalysisWatermark, step)
    if mark is None or mark.version != version:
        return Pending(step, version, None, top_message, top_revision)
    new = session.scalars(select(Message.id).where(Message.id > mark.last_message_id, Message.id <= top_message))
    changed = session.scalars(
        select(MessageRevision.message_id).distinct()
        .where(MessageRevision.id > mark.last_revision_id, MessageRevision.id <= top_revision,
               MessageRevision.field.in_(list(fields))))
    return Pending(step, version, sorted(set(new) | set(changed)), top_message, top_revision)

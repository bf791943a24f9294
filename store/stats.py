"""Plain counts over the stored messages (the `stats` command and the dashboard)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.models import Message, Source


def _month(session: Session):
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(Message.submitted_at, "YYYY-MM")
    return func.strftime("%Y-%m", Message.submitted_at)


def message_counts(session: Session, top_units: int = 20) -> dict[str, Any]:
    total = session.scalar(select(func.count(Message.id))) or 0
    replied = session.scalar(select(func.count(Message.id)).where(Message.reply_text.is_not(None))) or 0

    def grouped(column, limit=None, order_by_count=True):
        query = select(column, func.count(Message.id)).group_by(column)
        query = query.order_by(func.count(Message.id).desc(), column) if order_by_count else query.order_by(column)
        if limit:
            query = query.limit(limit)
        return [(name if name is not None else "(none)", number) for name, number in session.execute(query)]

    month = _month(session)
    by_source = [(name, n) for name, n in session.execute(
        select(Source.name, func.count(Message.id)).join(Message).group_by(Source.name).order_by(Source.name))]
    return {
        "total": total,
        "replied": replied,
        "by_channel": grouped(Message.channel),
        "by_source": by_source,
        "by_unit": grouped(Message.unit, limit=top_units),
        "by_month": grouped(month, order_by_count=False),
    }

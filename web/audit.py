"""The audit log (store.models.accounts.AuditEvent): one append-only row per security-relevant act."""
from __future__ import annotations

from fastapi import Request
from sqlalchemy.orm import Session

from store.models import now_local
from store.models.accounts import AuditEvent


def client_of(request: Request) -> str:
    return (request.client.host if request.client else "unknown")[:100]


def record(session: Session, action: str, *, actor: str | None, client: str | None = None,
           subject: str | None = None, detail: str | None = None) -> AuditEvent:
    event = AuditEvent(at=now_local(), actor=(actor or None) and actor[:100], client=client, action=action,
                       subject=subject and subject[:200], detail=detail)
    session.add(event)
    return event


def record_request(session: Session, request: Request, action: str, *, actor: str | None,
                   subject: str | None = None, detail: str | None = None) -> AuditEvent:
    return record(session, action, actor=actor, client=client_of(request), subject=subject, detail=detail)

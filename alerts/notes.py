"""Notes on alerts: a remark (who was called, what was done) that leaves the alert as it is.

An acknowledgement stops an alert's repeats; a note does not, so "add note" on an alert nobody has
acknowledged yet must not acknowledge it.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models.alerts import Alert, AlertNote
from store.models.base import now_local

MAX_NOTE_CHARS = 2000


class NoteError(ValueError):
    """A note that cannot be stored (no such alert, no author, empty or too long text)."""


def add_note(session: Session, alert_id: int, author: str, text: str, now: dt.datetime | None = None) -> AlertNote:
    """Store a note on alert ``alert_id``; the alert's state and acknowledgement are not touched."""
    if session.get(Alert, alert_id) is None:
        raise NoteError(f"alert #{alert_id}: no such alert")
    author, text = (author or "").strip(), (text or "").strip()
    if not author:
        raise NoteError("author: a note needs the name of who writes it")
    if not text:
        raise NoteError("note: the text is empty")
    if len(text) > MAX_NOTE_CHARS:
        raise NoteError(f"note: {len(text)} characters, at most {MAX_NOTE_CHARS}")
    note = AlertNote(alert_id=alert_id, author=author, text=text, created_at=now or now_local())
    session.add(note)
    session.flush()
    return note


def notes_by_alert(session: Session, alert_ids: Iterable[int]) -> dict[int, list[AlertNote]]:
    """The notes of each alert, oldest first (one query)."""
    ids = sorted(set(alert_ids))
    out: dict[int, list[AlertNote]] = {}
    if not ids:
        return out
    for note in session.scalars(select(AlertNote).where(AlertNote.alert_id.in_(ids))
                                .order_by(AlertNote.created_at, AlertNote.id)):
        out.setdefault(note.alert_id, []).append(note)
    return out


def notes_by_subject(session: Session, subjects: Iterable[str]) -> dict[str, list[AlertNote]]:
    """The notes of every alert level of each subject (``message:<id>``/``warning:<id>``): a ledger row covers
    all the levels of its subject. Oldest first, one query."""
    wanted = sorted(set(subjects))
    out: dict[str, list[AlertNote]] = {}
    if not wanted:
        return out
    rows = session.execute(select(Alert.subject, AlertNote).join(Alert, Alert.id == AlertNote.alert_id)
                           .where(Alert.subject.in_(wanted)).order_by(AlertNote.created_at, AlertNote.id))
    for subject, note in rows:
        out.setdefault(subject, []).append(note)
    return out

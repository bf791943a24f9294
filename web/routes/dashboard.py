"""The dashboard: volume by channel and day, on-time rate, overdue by unit, hot list, warnings."""
from __future__ import annotations

import time

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from store.models.accounts import User
from web import integrations
from web.auth import current_user, get_db
from web.queries.dashboard import build_dashboard
from web.scope import is_unit_official, message_conditions, unit_of
from web.templating import render

router = APIRouter()


def cached_dashboard(request: Request, db: Session, user: User):
    """The figures for the user's scope, recomputed at most every web.dashboard_cache_seconds."""
    ttl = int(request.app.state.settings.get("web.dashboard_cache_seconds"))
    key = unit_of(user) or "*"
    cache = request.app.state.dashboard_cache
    hit = cache.get(key)
    if ttl > 0 and hit and time.monotonic() - hit[0] < ttl:
        return hit[1]
    official = is_unit_official(user)
    board = build_dashboard(db, message_conditions(user), include_source_warnings=not official)
    if not official:
        board.hot_list, board.hot_list_note = integrations.hot_list(db)
        board.warnings.extend(integrations.topic_warnings(db))
    cache[key] = (time.monotonic(), board)
    return board


@router.get("/")
def dashboard(request: Request, user: User = Depends(current_user), db: Session = Depends(get_db)):
    board = cached_dashboard(request, db, user)
    return render(request, "dashboard.html", {"board": board, "unit": unit_of(user)})

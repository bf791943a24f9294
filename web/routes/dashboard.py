"""The dashboard: volume by channel and day, on-time rate, overdue by unit, warnings; the hot list is a fragment
loaded after the page (it is computed by analysis.topics.hotlist over the recent messages, far heavier than the
figures)."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from store.models.accounts import User
from web import integrations
from web.auth import DB, current_user, require_roles
from web.clock import as_of_day
from web.i18n import current_locale
from web.queries.dashboard import NO_UNIT, build_dashboard
from web.scope import is_unit_official, message_conditions, unit_of
from web.templating import render, use_locale

router = APIRouter()


_refreshing: set[tuple[int, str]] = set()
_refresh_lock = threading.Lock()


def _cached(request: Request, key: str, compute: Callable[[], Any]) -> Any:
    """``compute()``, reused for web.dashboard_cache_seconds (0: every request computes). When the kept value
    expires, one request recomputes it while concurrent ones are served the previous value (no stampede of
    identical heavy queries); with nothing kept yet, they wait for that one computation."""
    ttl = int(request.app.state.settings.get("web.dashboard_cache_seconds"))
    if ttl <= 0:
        return compute()
    cache = request.app.state.dashboard_cache
    hit = cache.get(key)
    if hit and time.monotonic() - hit[0] < ttl:
        return hit[1]
    flight = (id(cache), key)  # the refresh of this key of this app
    with _refresh_lock:
        busy = flight in _refreshing
        if not busy:
            _refreshing.add(flight)
    if busy:
        if hit:
            return hit[1]
        with _key_lock(flight):  # first computation under way: wait for it
            hit = cache.get(key)
            if hit:
                return hit[1]
        return compute()
    try:
        with _key_lock(flight):
            value = compute()
            cache[key] = (time.monotonic(), value)
    finally:
        with _refresh_lock:
            _refreshing.discard(flight)
    return value


_key_locks: dict[tuple[int, str], threading.Lock] = {}


def _key_lock(flight: tuple[int, str]) -> threading.Lock:
    with _refresh_lock:
        return _key_locks.setdefault(flight, threading.Lock())


def cached_dashboard(request: Request, db: Session, user: User):
    """The figures for the user's scope."""
    official = is_unit_official(user)
    day = as_of_day(request)

    def compute():
        board = build_dashboard(db, message_conditions(user), as_of=day, include_source_warnings=not official)
        if not official:
            board.warnings.extend(integrations.topic_warnings(db))
        return board

    use_locale(request)  # the warnings are worded in the user's language: one kept copy per language
    return _cached(request, f"figures:{unit_of(user) or '*'}:{current_locale()}", compute)


@router.get("/")
def dashboard(request: Request, user: User = Depends(current_user), db: Session = DB):
    board = cached_dashboard(request, db, user)
    return render(request, "dashboard.html", {"board": board, "unit": unit_of(user), "no_unit": NO_UNIT})


@router.get("/dashboard/hot-list")
def dashboard_hot_list(request: Request, user: User = Depends(require_roles("analyst", "editor")),
                       db: Session = DB):
    """The hot list panel (not for unit officials: it spans every unit)."""
    day = as_of_day(request)
    use_locale(request)
    items, note = _cached(request, f"hot-list:{current_locale()}", lambda: integrations.hot_list(db, day))
    return render(request, "_hot_list.html", {"hot_list": items, "hot_list_note": note})

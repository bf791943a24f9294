"""The web application: ``create_app()`` wires middleware, routes, static files and error pages."""
from __future__ import annotations

import gc
import threading
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import HTTPException, RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine

from store.db import get_engine, session_factory
from store.settings import Settings, get_settings
from web.auth import (
    Forbidden,
    LoginRequired,
    PasswordChangeRequired,
    SessionMiddleware,
    UserCache,
    cookie_secure,
    secret_key,
)
from web.clock import parse_as_of
from web.csrf import verify_csrf
from web.i18n import N_
from web.security import SecurityHeadersMiddleware
from web.templating import render

STATIC_DIR = Path(__file__).parent / "static"


def _is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


_startup_frozen = False


@asynccontextmanager
async def _lifespan(_app: FastAPI):
    """At server start, once per process: the objects alive then (modules, classes, the ORM's mappers, the app:
    about 190,000) leave the cyclic garbage collector's watch for good. Each full collection traversed them
    all, 130-570 ms on the 2-core server, and every request of the worker waited; now it takes 15-100 ms."""
    global _startup_frozen
    if not _startup_frozen:
        gc.collect()
        gc.freeze()
        _startup_frozen = True
    yield


def create_app(engine: Engine | None = None, settings: Settings | None = None,
               as_of: datetime | None = None) -> FastAPI:
    """The UI over ``engine`` (default: the configured database), evaluating deadlines as of ``as_of`` (default:
    the setting web.as_of, checked here so a bad value stops the start; empty: the clock)."""
    settings = settings or get_settings()
    pinned = as_of if as_of is not None else parse_as_of(settings.get("web.as_of"))
    engine = engine or get_engine()
    app = FastAPI(title="hotline-monitor", docs_url=None, redoc_url=None, openapi_url=None,
                  dependencies=[Depends(verify_csrf)], lifespan=_lifespan)
    app.state.engine = engine
    app.state.session_factory = session_factory(engine)
    app.state.settings = settings
    app.state.as_of = pinned  # web.clock.as_of: None follows the clock
    app.state.dashboard_cache = {}
    app.state.user_cache = UserCache()  # session -> user row, re-read every web.auth.USER_RECHECK_SECONDS
    app.state.choices_cache = {}
    app.state.choices_lock = threading.Lock()
    from web.queries.topics import TopicTrends
    from web.queries.version import DataVersionCheck

    # The data version the kept filter choices and topic trends follow: read at most once a second.
    app.state.data_version = DataVersionCheck()
    app.state.data_version.watch(app.state.session_factory)
    app.state.topic_trends = TopicTrends(app.state.data_version.current)

    from web.routes import page_routers

    for router in page_routers():
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, _exc: LoginRequired) -> Response:
        target = "/login?next=" + quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
        if _is_htmx(request):
            return Response(status_code=401, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(PasswordChangeRequired)
    async def _password_change(request: Request, _exc: PasswordChangeRequired) -> Response:
        if _is_htmx(request):
            return Response(status_code=401, headers={"HX-Redirect": "/account/password"})
        return RedirectResponse("/account/password", status_code=303)

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden) -> HTMLResponse:
        return render(request, "error.html", {"status": 403, "reason": N_("This page or action is not for your role.")},
                      status_code=403)

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException) -> HTMLResponse:
        return render(request, "error.html", {"status": exc.status_code, "reason": exc.detail},
                      status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> HTMLResponse:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in exc.errors())
        return render(request, "error.html", {"status": 400, "reason": "Bad request", "problems": problems},
                      status_code=400)

    # Outermost first: headers on every response, including errors and redirects.
    app.add_middleware(SessionMiddleware, secret=secret_key(settings),
                       max_age_seconds=int(settings.get("web.session_hours")) * 3600, secure=cookie_secure(settings),
                       idle_seconds=int(settings.get("web.idle_minutes")) * 60)
    app.add_middleware(SecurityHeadersMiddleware)
    return app

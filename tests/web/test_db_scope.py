"""Every route's database session commits before the response is sent (``web.auth.DB``, scope "function").

With FastAPI's default scope the exit code of ``get_db`` (the commit) ran after the response had been sent: a
browser following a POST's redirect could load the next page before the change was committed, and did (an approved
extension still showed as pending in tests/web/test_browser_daily_use.py). The oracle is each route's dependency
tree as FastAPI resolved it."""
from __future__ import annotations

from web.auth import get_db
from web.routes import page_routers


def _get_db_scopes(dependant, path: str) -> list[tuple[str, str | None]]:
    found = []
    for sub in dependant.dependencies:
        if sub.call is get_db:
            found.append((path, sub.scope))
        found += _get_db_scopes(sub, path)
    return found


def test_every_route_takes_a_session_that_commits_before_the_response():
    uses = [use for router in page_routers() for route in router.routes
            for use in _get_db_scopes(route.dependant, route.path)]
    assert len(uses) > 40  # (the walk finds the sessions: an empty list would make the check below vacuous)
    assert [use for use in uses if use[1] != "function"] == []

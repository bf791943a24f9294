"""A unit official's dashboard covers the same days as everyone's (issue 18: the unit's 30-day window ended at
its own newest letter)."""
from __future__ import annotations

import re

from tests.web.conftest import csrf_of, login


def _window(page: str) -> tuple[str, str]:
    found = re.search(r"每日，(\d{4}-\d{2}-\d{2}) 至 (\d{4}-\d{2}-\d{2})", page)
    assert found, "no daily window on the dashboard"
    return found[1], found[2]


def test_unit_officials_window_is_everyones(client, seeded):
    # The seed's newest letter (M000, today) is unit A's; unit B's newest (M001) is a day older.
    login(client, "test-analyst")
    everyone = _window(client.get("/").text)
    client.post("/logout", data={"csrf_token": csrf_of(client)})
    login(client, "test-unit-b")
    assert _window(client.get("/").text) == everyone

"""Every state-changing route, per role: allowed (any answer but 401/403/404) or refused (403, or 404 where the
object is outside the user's unit), and a refused request changes nothing in the database."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from store.db import session_scope
from store.models import Message, Unit
from store.models.accounts import User
from store.models.alerts import Acknowledgement, Alert, AlertNote
from store.models.deadlines import DeadlineExtension
from store.models.publications import PublicationEvent
from store.models.topics import TopicCuration
from tests.web.conftest import UNIT_B, csrf_of, login

ROLES = ("analyst", "editor", "unit_official", "admin")
STAFF = {"analyst", "editor", "admin"}
EDITORS = {"editor", "admin"}
EVERYONE = set(ROLES)


def _ids(engine, seeded) -> dict:
    with session_scope(engine) as session:
        units = dict(session.execute(select(Unit.name, Unit.id)).all())
        own = session.scalar(select(Alert.id).where(Alert.recipient == f"unit:{units[UNIT_B]}"))
        other = session.scalar(select(Alert.id).where(Alert.recipient != f"unit:{units[UNIT_B]}"))
        target = session.scalar(select(User.id).where(User.login == "test-editor"))
        request = DeadlineExtension(message_id=seeded.message_ids["M011"], status="requested",
                                    approved_on=date(2025, 10, 9), extra_working_days=3, reason="需现场核实")
        session.add(request)
        session.flush()
    return {"extension": request.id, "own_alert": own, "other_alert": other, "user": target, "pub": seeded.publication_id,
            "topic": seeded.topic_ids["物业服务"], "other_topic": seeded.topic_ids["停车难"],
            "message": seeded.message_ids["M001"], "topic_message": seeded.message_ids["M002"]}


# (path, form data, roles allowed); {placeholders} from _ids. Refused: 403, or 404 (out of the unit's scope).
ROUTES = [
    ("/alerts/{own_alert}/note", {"note": "已联系"}, EVERYONE),
    ("/alerts/{own_alert}/extension", {"days": "3", "reason": "需核实"}, EVERYONE),
    ("/alerts/{own_alert}/ack", {"note": ""}, EVERYONE),
    ("/alerts/{other_alert}/note", {"note": "已联系"}, STAFF),  # addressed to unit A: not unit B's
    ("/alerts/{other_alert}/ack", {"note": ""}, STAFF),
    ("/alerts/{other_alert}/extension", {"days": "3", "reason": "需核实"}, STAFF),
    ("/alerts/{other_alert}/return", {"reason": "不属于本单位"}, STAFF),
    ("/extensions/{extension}/approve", {}, STAFF),
    ("/extensions/{extension}/reject", {}, STAFF),  # (after the approval: refused as already decided, 400)
    ("/messages/{message}/route", {"unit": UNIT_B, "reason": "核对"}, STAFF),
    ("/topics/{topic}/rename", {"label": "物业服务问题"}, STAFF),
    ("/topics/{topic}/hide", {"hidden": "0"}, STAFF),
    ("/topics/{topic}/split", {"message_id": "{topic_message}", "label": "新话题"}, STAFF),
    ("/topics/{topic}/move", {"message_ref": "M004", "target_ref": "#{other_topic}"}, STAFF),
    ("/topics/merge", {"topic_id": ["{topic}", "{other_topic}"]}, STAFF),
    ("/summaries/{pub}/edit", {"note": "x"}, STAFF),
    ("/summaries/{pub}/review", {"note": "x"}, STAFF),
    ("/summaries/{pub}/admit", {"message_id": "{message}"}, EDITORS),
    ("/summaries/{pub}/approve", {"note": "x"}, EDITORS),
    ("/summaries/{pub}/publish", {}, EDITORS),
    ("/summaries/{pub}/reopen", {"reason": "更正"}, EDITORS),
    ("/users", {"login": "new-user", "password": "temporary-pass-1", "role": "analyst"}, {"admin"}),
    ("/users/{user}/password", {"password": "temporary-pass-2"}, {"admin"}),
    ("/users/{user}/role", {"role": "analyst"}, {"admin"}),
    ("/users/{user}/active", {"active": "0"}, {"admin"}),
    ("/account/locale", {"locale": "en"}, EVERYONE),
    ("/logout", {}, EVERYONE),
]


# State-changing routes that are not about a role's rights: anyone may try to log in; one changes one's own
# password (tests/web/test_session_security.py).
NOT_ROLE_RESTRICTED = {"/login", "/account/password"}


def test_every_state_changing_route_is_in_the_matrix():
    # The oracle is what the application includes (web.routes.page_routers): every POST/PUT/PATCH/DELETE route,
    # placeholders normalised ({alert_id} and {own_alert} both become {}), must be tried by the matrix above.
    import re

    from web.routes import page_routers

    def shape(path: str) -> str:
        return re.sub(r"\{[^}]*\}", "{}", path)

    served = {shape(route.path) for router in page_routers() for route in router.routes
              if getattr(route, "methods", None) and route.methods & {"POST", "PUT", "PATCH", "DELETE"}}
    assert len(served) > 20  # (the routers were found: an empty set would make the checks below vacuous)
    tried = {shape(path) for path, _data, _roles in ROUTES}
    assert served - tried - NOT_ROLE_RESTRICTED == set(), "state-changing routes missing from ROUTES"
    assert tried <= served, "ROUTES names a route the application does not serve"


def _fill(value, ids):
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value.format(**ids)


def _snapshot(engine) -> tuple:
    with session_scope(engine) as session:
        counts = tuple(session.scalar(select(func.count()).select_from(t)) for t in (
            Acknowledgement, AlertNote, DeadlineExtension, PublicationEvent, TopicCuration, User))
        users = tuple(session.execute(select(User.login, User.role, User.active, User.session_epoch,
                                             User.password_hash).order_by(User.id)).all())
        units = tuple(session.execute(select(Message.id, Message.unit).order_by(Message.id)).all())
    return counts, users, units


@pytest.mark.parametrize("role", ROLES)
def test_every_state_changing_route_for_role(role, app, seeded, sqlite_engine):
    from fastapi.testclient import TestClient

    ids = _ids(sqlite_engine, seeded)
    login_name = seeded.users[role]
    checked = {"allowed": 0, "refused": 0}
    with TestClient(app, base_url="http://127.0.0.1") as client:
        for path, data, allowed in ROUTES:
            if client.get("/account/password", follow_redirects=False).status_code != 200:
                assert login(client, login_name).status_code == 303  # (a route before may have logged us out)
            url = _fill(path, ids)
            form = {k: _fill(v, ids) for k, v in data.items()}
            form["csrf_token"] = csrf_of(client)
            before = _snapshot(sqlite_engine)
            response = client.post(url, data=form, follow_redirects=False)
            if role in allowed:
                assert response.status_code not in (401, 403, 404), (role, url, response.status_code)
                checked["allowed"] += 1
            else:
                expected = 404 if role == "unit_official" and url.startswith("/alerts/") else 403
                assert response.status_code == expected, (role, url, response.status_code)
                assert _snapshot(sqlite_engine) == before, (role, url)  # nothing changed
                checked["refused"] += 1
    # Every route was tried: the counts are those of the table above for this role.
    assert checked["allowed"] == sum(role in allowed for _, _, allowed in ROUTES)
    assert checked["refused"] == sum(role not in allowed for _, _, allowed in ROUTES)

"""The security defects of issue 18, each over real HTTP requests to the app (plus the throttle's clock-driven
rules on ``authenticate`` itself): logout ends the session everywhere, idle sessions end, a first password must
be changed, throttling by (login, address) never locks out the right password from elsewhere nor a whole
address, the audit log, authorisation by what an alert is addressed to, only editors reopen a summary, and the
topic search treats % and _ as letters."""
from __future__ import annotations

import time
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from store.db import session_scope
from store.models import Unit, now_local
from store.models.accounts import LoginAttempt, User
from store.models.alerts import Alert
from store.settings import get_settings
from tests.web.conftest import PASSWORD, UNIT_A, UNIT_B, csrf_of, login


def _client(app, address: str = "10.0.0.1") -> TestClient:
    return TestClient(app, base_url="http://127.0.0.1", client=(address, 50000))


def _audit(engine, action: str) -> list:
    from store.models.accounts import AuditEvent  # (imported here: the test of each defect fails on its own)

    with session_scope(engine) as session:
        rows = list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))
        session.expunge_all()
    return rows


# --- logout, idle timeout, first password ---------------------------------------------------------------------

def test_logout_ends_a_copied_cookie_too(app, seeded, sqlite_engine):
    """Before: logout only replaced this browser's cookie, so a copy kept reading pages for up to 12 h."""
    with _client(app) as browser, _client(app, "10.0.0.2") as thief:
        assert login(browser, "test-analyst").status_code == 303
        stolen = dict(browser.cookies)
        thief.cookies.update(stolen)
        assert thief.get("/", follow_redirects=False).status_code == 200  # the copy works while logged in
        browser.post("/logout", data={"csrf_token": csrf_of(browser)})
        assert thief.get("/", follow_redirects=False).status_code == 303  # and not after logout
        note = thief.post("/alerts/1/note", data={"note": "x", "csrf_token": "whatever"}, follow_redirects=False)
        assert note.status_code in (303, 403)
    assert [e.actor for e in _audit(sqlite_engine, "logout")] == ["test-analyst"]


def test_idle_session_ends(app, seeded, monkeypatch):
    from web import auth

    with _client(app) as browser:
        login(browser, "test-analyst")
        assert browser.get("/", follow_redirects=False).status_code == 200
        idle = int(get_settings().get("web.idle_minutes")) * 60
        later = time.time() + idle + 5
        monkeypatch.setattr(auth, "time", type("Clock", (), {"time": staticmethod(lambda: later),
                                                            "monotonic": staticmethod(time.monotonic)}))
        assert browser.get("/", follow_redirects=False).status_code == 303


def test_used_session_stays_alive_past_the_idle_limit(app, seeded, monkeypatch):
    """Activity refreshes the idle clock: requests every 20 minutes keep a 30-minute idle session open."""
    from web import auth

    start = time.time()
    clock = {"now": start}
    monkeypatch.setattr(auth, "time", type("Clock", (), {"time": staticmethod(lambda: clock["now"]),
                                                        "monotonic": staticmethod(time.monotonic)}))
    with _client(app) as browser:
        login(browser, "test-analyst")
        for step in range(1, 4):  # 20, 40, 60 minutes: never 30 minutes idle
            clock["now"] = start + step * 20 * 60
            assert browser.get("/", follow_redirects=False).status_code == 200, step


def test_first_password_must_be_changed(app, seeded, sqlite_engine):
    with _client(app) as admin:
        login(admin, "test-admin")
        added = admin.post("/users", data={"login": "new-official", "password": "chosen-by-admin-1",
                                           "role": "unit_official", "unit": UNIT_B,
                                           "csrf_token": csrf_of(admin)}, follow_redirects=False)
        assert added.status_code == 303
    with _client(app, "10.0.0.9") as user:
        first = login(user, "new-official", "chosen-by-admin-1")
        assert first.headers["location"] == "/account/password"
        for page in ("/", "/messages", "/alerts"):  # nothing else until the password is the user's own
            assert user.get(page, follow_redirects=False).headers["location"] == "/account/password"
        token = csrf_of(user)
        same = user.post("/account/password", data={"current": "chosen-by-admin-1", "new": "chosen-by-admin-1",
                                                     "repeat": "chosen-by-admin-1", "csrf_token": token})
        assert same.status_code == 400
        changed = user.post("/account/password", data={"current": "chosen-by-admin-1", "new": "my-own-secret-9",
                                                        "repeat": "my-own-secret-9", "csrf_token": token},
                            follow_redirects=False)
        assert changed.status_code == 303
        assert user.get("/", follow_redirects=False).status_code == 200
    with session_scope(sqlite_engine) as session:
        row = session.scalar(select(User).where(User.login == "new-official"))
        assert row.must_change_password is False and row.unit_id is not None


# --- throttling ---------------------------------------------------------------------------------------------

def test_failures_from_one_address_do_not_lock_the_account_elsewhere(app, seeded, sqlite_engine, monkeypatch):
    """Before: 5 wrong passwords locked the account itself, so anyone could lock out the admin."""
    monkeypatch.setenv("HOTLINE_WEB_LOGIN_DELAY_SECONDS", "60")  # no try here waits that long: none slips through
    get_settings.cache_clear()
    free = int(get_settings().get("web.login_max_failures"))
    with _client(app, "10.0.0.66") as attacker, _client(app, "10.0.0.5") as admin:
        for _ in range(free + 3):
            assert login(attacker, "test-admin", "wrong-password-x").status_code in (401, 429)
        delayed = login(attacker, "test-admin", PASSWORD)
        assert delayed.status_code == 429 and int(delayed.headers["retry-after"]) >= 1  # a delay, at that address
        assert login(admin, "test-admin").status_code == 303  # the right password from a fresh address works
    # `free` failures checked the password; the 3 further wrong tries and the right one were delayed unchecked.
    assert len(_audit(sqlite_engine, "login_failed")) == free
    assert len(_audit(sqlite_engine, "login_throttled")) == 4


def test_one_address_is_never_locked_for_everyone(app, seeded, sqlite_engine):
    """Before: 20 failures from one address locked every account behind it (a whole office behind one NAT)."""
    with _client(app, "192.168.1.1") as office:
        for i in range(25):
            assert login(office, f"nobody-{i}", "wrong-password-x").status_code == 401
        assert login(office, "test-editor").status_code == 303


def test_throttle_delay_grows_and_refused_tries_do_not_prolong_it(seeded, sqlite_engine):
    from web.accounts import authenticate, throttle_delay

    free = int(get_settings().get("web.login_max_failures"))
    first = float(get_settings().get("web.login_delay_seconds"))
    # The oracle: nothing for the first `free` failures, then first, 2*first, 4*first… capped.
    assert [throttle_delay(n) for n in range(free + 3)] == [0.0] * free + [first, 2 * first, 4 * first]
    assert throttle_delay(100) == float(get_settings().get("web.login_max_delay_seconds"))
    start = now_local()
    with session_scope(sqlite_engine) as session:
        for i in range(free):
            assert authenticate(session, "test-editor", "bad-password-1", "10.1.1.1",
                                now=start + timedelta(seconds=i)).error == "wrong"
        last = start + timedelta(seconds=free - 1)
        # Within the delay: refused without checking the password, and not counted as a failure.
        for offset in (0.2, 0.5, 1.0, 1.5):
            result = authenticate(session, "test-editor", PASSWORD, "10.1.1.1", now=last + timedelta(seconds=offset))
            assert result.throttled
        failures = session.scalar(select(LoginAttempt.id).where(LoginAttempt.succeeded.is_(False)).order_by(
            LoginAttempt.id.desc()).limit(1))
        assert failures is not None
        # After the delay (counted from the last real failure, not from the refused tries): the password works.
        ok = authenticate(session, "test-editor", PASSWORD, "10.1.1.1", now=last + timedelta(seconds=first + 0.1))
        assert ok.user is not None and ok.user.login == "test-editor"
        # A success resets the count: the next wrong password is not delayed.
        again = authenticate(session, "test-editor", "bad-password-1", "10.1.1.1",
                             now=last + timedelta(seconds=first + 0.2))
        assert again.error == "wrong" and not again.throttled


# --- audit ----------------------------------------------------------------------------------------------------

def test_audit_of_failed_logins_acknowledgements_and_role_changes(app, seeded, sqlite_engine):
    with _client(app, "10.0.0.7") as c:
        login(c, "test-analyst", "wrong-password-x")
        login(c, "test-admin")
        with session_scope(sqlite_engine) as session:
            analyst_id = session.scalar(select(User.id).where(User.login == "test-analyst"))
            alert_id = session.scalar(select(Alert.id).order_by(Alert.id).limit(1))
        assert c.post(f"/users/{analyst_id}/role", data={"role": "editor", "csrf_token": csrf_of(c)},
                      follow_redirects=False).status_code == 303
        assert c.post(f"/alerts/{alert_id}/ack", data={"note": "", "csrf_token": csrf_of(c)},
                      follow_redirects=False).status_code == 303
    failed = _audit(sqlite_engine, "login_failed")
    assert [(e.actor, e.client) for e in failed] == [("test-analyst", "10.0.0.7")]
    role = _audit(sqlite_engine, "role_changed")
    assert [(e.actor, e.subject, e.detail) for e in role] == [("test-admin", "user:test-analyst",
                                                               "analyst -> editor")]
    assert [(e.actor, e.subject) for e in _audit(sqlite_engine, "alert_acknowledged")] == [
        ("test-admin", f"alert:{alert_id}")]


def test_role_change_ends_the_users_sessions(app, seeded, sqlite_engine):
    with _client(app, "10.0.0.8") as analyst, _client(app, "10.0.0.9") as admin:
        login(analyst, "test-analyst")
        assert analyst.get("/topics", follow_redirects=False).status_code == 200
        login(admin, "test-admin")
        with session_scope(sqlite_engine) as session:
            analyst_id = session.scalar(select(User.id).where(User.login == "test-analyst"))
        admin.post(f"/users/{analyst_id}/role", data={"role": "unit_official", "unit": UNIT_A,
                                                      "csrf_token": csrf_of(admin)})
        assert analyst.get("/topics", follow_redirects=False).status_code == 303  # logged out, not a stale role


# --- authorisation by addressee -------------------------------------------------------------------------------

def _supervisor_alert(engine, seeded) -> int:
    """M011 is unit B's letter; its supervision level is addressed to unit A (B's supervisor here)."""
    with session_scope(engine) as session:
        units = dict(session.execute(select(Unit.name, Unit.id)).all())
        message_id = seeded.message_ids["M011"]
        alert = Alert(subject=f"message:{message_id}", message_id=message_id, level="supervision",
                      unit_id=units[UNIT_B], recipient_unit_id=units[UNIT_A], recipient=f"unit:{units[UNIT_A]}",
                      state="firing", title="督办 M011", due_on=now_local().date() - timedelta(days=12),
                      overdue_workdays=8)
        session.add(alert)
        session.flush()
        return alert.id


def test_unit_official_cannot_acknowledge_the_supervisors_alert(app, seeded, sqlite_engine):
    """Before: a unit official could acknowledge alerts addressed to the supervisor, stopping its reminders."""
    supervision = _supervisor_alert(sqlite_engine, seeded)
    with _client(app) as official:
        login(official, "test-unit-b")
        token = csrf_of(official)
        for action in ("ack", "note", "extension", "return"):
            refused = official.post(f"/alerts/{supervision}/{action}", data={"note": "x", "reason": "x", "days": 3,
                                                                             "csrf_token": token})
            assert refused.status_code == 404, action
        assert f'id="alert-{supervision}"' not in official.get("/alerts").text
        with session_scope(sqlite_engine) as session:
            own = session.scalar(select(Alert.id).where(Alert.message_id == seeded.message_ids["M011"],
                                                        Alert.level == "overdue"))
        assert official.post(f"/alerts/{own}/ack", data={"csrf_token": token},
                             follow_redirects=False).status_code == 303  # its own alert: allowed
    with session_scope(sqlite_engine) as session:
        assert session.get(Alert, supervision).acknowledged_at is None
        assert session.get(Alert, own).acknowledged_at is not None


def test_only_editors_and_admins_reopen_a_summary(app, seeded, sqlite_engine):
    """Before: an analyst could reopen a published summary."""
    with _client(app) as analyst:
        login(analyst, "test-analyst")
        refused = analyst.post(f"/summaries/{seeded.publication_id}/reopen",
                               data={"reason": "x", "csrf_token": csrf_of(analyst)})
        assert refused.status_code == 403


def test_topic_search_treats_percent_and_underscore_as_letters(app, seeded, sqlite_engine):
    """Before: q=% matched every topic (a LIKE wildcard)."""
    from store.models.topics import Topic

    with session_scope(sqlite_engine) as session:
        session.add_all([Topic(label="满意度50%", status="active", size=9),
                         Topic(label="A_B停车", status="active", size=8)])
    with _client(app) as analyst:
        login(analyst, "test-analyst")
        percent = analyst.get("/topics?q=%25").text
        assert "满意度50%" in percent and "物业服务" not in percent and "A_B停车" not in percent
        underscore = analyst.get("/topics?q=_").text
        assert "A_B停车" in underscore and "物业服务" not in underscore and "满意度50%" not in underscore


def test_a_row_read_between_a_logout_and_its_commit_is_not_kept(sqlite_engine):
    """end_sessions raises the epoch inside a transaction; a request served before that commit reads (and would
    keep for 10 s) the old epoch, so the old cookie would still open pages. The kept row is dropped again at the
    commit: the next request reads the new epoch."""
    from store.db import session_factory
    from web.accounts import create_user, end_sessions
    from web.auth import UserCache

    cache = UserCache()
    factory = session_factory(sqlite_engine)
    with factory() as session:
        uid = create_user(session, "race-user", PASSWORD, "analyst").id
        session.commit()
    with factory() as writer, factory() as reader:
        end_sessions(writer.get(User, uid))
        writer.flush()
        assert cache.load(reader, uid).session_epoch == 0  # a concurrent request: the committed, old epoch
        assert cache.kept(uid)[0]
        writer.commit()
        assert cache.kept(uid) == (False, None)  # dropped at the commit: the next request reads epoch 1
        reader.rollback()
        assert cache.load(reader, uid).session_epoch == 1

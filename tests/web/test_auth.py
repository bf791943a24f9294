"""Accounts, sessions, CSRF and login throttling, over real HTTP requests to the app."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from store.db import session_scope
from store.models.accounts import LoginAttempt, User
from store.models.topics import Topic
from store.settings import get_settings
from tests.web.conftest import PASSWORD, csrf_of, login
from web.accounts import AccountError, ensure_demo_users, set_password


def test_login_then_dashboard_and_logout(client, seeded):
    assert client.get("/", follow_redirects=False).headers["location"].startswith("/login")
    response = login(client, "test-analyst")
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie  # development, http
    page = client.get("/")
    assert page.status_code == 200 and "首页" in page.text and "test-analyst" in page.text
    client.post("/logout", data={"csrf_token": csrf_of(client)})
    assert client.get("/", follow_redirects=False).status_code == 303


def test_wrong_password_is_refused_and_recorded(client, seeded, sqlite_engine):
    response = login(client, "test-analyst", "not-the-password")
    assert response.status_code == 401 and "用户名或密码错误" in response.text
    with session_scope(sqlite_engine) as session:
        attempts = list(session.scalars(select(LoginAttempt)))
    assert [(a.login, a.succeeded) for a in attempts] == [("test-analyst", False)]


def test_throttling_delays_the_next_try_from_the_same_address(client, seeded, monkeypatch):
    """(Was: "…refuses even the right password", the lock-out issue 18 removed.) From the same address, after
    the free failures, the next try waits (429 with Retry-After); another account is not slowed."""
    monkeypatch.setenv("HOTLINE_WEB_LOGIN_MAX_FAILURES", "3")
    monkeypatch.setenv("HOTLINE_WEB_LOGIN_DELAY_SECONDS", "60")  # longer than this test: no try slips through
    get_settings.cache_clear()
    for _ in range(3):
        assert login(client, "test-editor", "wrong-password-x").status_code == 401
    blocked = login(client, "test-editor", PASSWORD)
    assert blocked.status_code == 429 and "登录失败次数过多" in blocked.text and blocked.headers["retry-after"]
    assert login(client, "test-analyst").status_code == 303  # another account is not blocked


def test_post_without_csrf_token_fails(client, seeded, sqlite_engine):
    assert client.post("/login", data={"login": "test-analyst", "password": PASSWORD}).status_code == 403
    login(client, "test-analyst")
    topic_id = seeded.topic_ids["物业服务"]
    for data in ({"label": "hijacked"}, {"label": "hijacked", "csrf_token": "forged-token"}):
        response = client.post(f"/topics/{topic_id}/rename", data=data, follow_redirects=False)
        assert response.status_code == 403 and "请求来源不明" in response.text
    with session_scope(sqlite_engine) as session:
        assert session.get(Topic, topic_id).label == "物业服务"
    ok = client.post(f"/topics/{topic_id}/rename", data={"label": "物业服务问题", "csrf_token": csrf_of(client)},
                     follow_redirects=False)
    assert ok.status_code == 303


def test_next_parameter_cannot_redirect_elsewhere(client, seeded):
    token = csrf_of(client)
    response = client.post("/login", data={"login": "test-analyst", "password": PASSWORD, "csrf_token": token,
                                           "next": "//evil.example/phish"}, follow_redirects=False)
    assert response.headers["location"] == "/"


def test_password_change_ends_existing_sessions(client, seeded, sqlite_engine):
    login(client, "test-analyst")
    assert client.get("/", follow_redirects=False).status_code == 200
    with session_scope(sqlite_engine) as session:
        set_password(session, session.scalar(select(User).where(User.login == "test-analyst")), "another-password-1")
    assert client.get("/", follow_redirects=False).status_code == 303


def test_roles_restrict_pages(client, seeded):
    login(client, "test-analyst")
    assert client.get("/users").status_code == 403
    assert client.post(f"/summaries/{seeded.publication_id}/approve",
                       data={"csrf_token": csrf_of(client)}).status_code == 403


def test_production_needs_a_secret_key_and_has_no_demo_users(sqlite_engine, monkeypatch):
    from web.app import create_app

    monkeypatch.setenv("HOTLINE_GENERAL_MODE", "production")
    get_settings.cache_clear()
    with pytest.raises(RuntimeError, match="web.secret_key is required"):
        create_app(sqlite_engine)
    with session_scope(sqlite_engine) as session, pytest.raises(AccountError, match="production"):
        ensure_demo_users(session)
    monkeypatch.setenv("HOTLINE_WEB_SECRET_KEY", "k" * 40)
    get_settings.cache_clear()
    from fastapi.testclient import TestClient

    with TestClient(create_app(sqlite_engine), base_url="https://127.0.0.1") as client:
        assert "Secure" in client.get("/login").headers["set-cookie"]


def test_demo_users_can_log_in(client, sqlite_engine, seeded):
    with session_scope(sqlite_engine) as session:
        demo = ensure_demo_users(session)
    roles = {role for _, _, role in demo}
    assert roles == {"analyst", "editor", "admin", "unit_official"}
    login_name, password, _ = demo[0]
    assert login(client, login_name, password).status_code == 303
    with session_scope(sqlite_engine) as session:  # a second call gives new passwords that work
        again = {name: secret for name, secret, _ in ensure_demo_users(session)}
    assert again[login_name] != password


def test_create_user_validates(sqlite_engine):
    from web.accounts import create_user

    with session_scope(sqlite_engine) as session:
        with pytest.raises(AccountError, match="role"):
            create_user(session, "x", "long-enough-pw", "boss")
        with pytest.raises(AccountError, match="at least"):
            create_user(session, "x", "short", "analyst")
        with pytest.raises(AccountError, match="unit official needs"):
            create_user(session, "x", "long-enough-pw", "unit_official")
        user = create_user(session, "x", "long-enough-pw", "analyst")
        assert user.password_hash.startswith("$argon2") and "long-enough-pw" not in user.password_hash


def test_deactivated_user_loses_access_at_the_next_recheck(client, seeded, sqlite_engine, monkeypatch):
    from web import auth

    login(client, "test-analyst")
    assert client.get("/", follow_redirects=False).status_code == 200
    with session_scope(sqlite_engine) as session:
        session.scalar(select(User).where(User.login == "test-analyst")).active = False
    # The kept row serves for at most web.auth.USER_RECHECK_SECONDS; the first request after that re-reads it.
    monkeypatch.setattr(auth, "USER_RECHECK_SECONDS", 0)
    assert client.get("/", follow_redirects=False).status_code == 303

"""Shared fixtures: isolated settings, SQLite and PostgreSQL engines.

PostgreSQL tests run against the server named by HOTLINE_TEST_PG_URL (default: the local server, database
`test`); each test session creates its own database there and drops it afterwards. When the server is absent
those tests skip with the reason, except under CI=true, where that is a failure.
"""
from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text

from store import db as store_db
from store.models import Base
from store.settings import get_settings

PG_SERVER_URL = os.environ.get("HOTLINE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"


def require_service(available: bool, reason: str) -> None:
    """Skip when a service is absent; under CI a missing service fails the test instead."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: a skipped service test is a failure)")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path, monkeypatch) -> Iterator[None]:
    """Every test gets its own var dir and SQLite database; no hotline.toml or env leaks in."""
    for key in list(os.environ):
        if key.startswith("HOTLINE_") and key != "HOTLINE_TEST_PG_URL":
            monkeypatch.delenv(key)
    monkeypatch.setenv("HOTLINE_GENERAL_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    store_db._engines.clear()
    yield
    for engine in store_db._engines.values():
        engine.dispose()
    store_db._engines.clear()
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def pg_database_url() -> Iterator[str | None]:
    name = f"hm_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    try:
        admin = create_engine(PG_SERVER_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # server absent or refusing
        yield None
        pytest.hotline_pg_error = str(exc)  # type: ignore[attr-defined]
        return
    url = PG_SERVER_URL.rsplit("/", 1)[0] + "/" + name
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def _pg_schema(pg_database_url) -> str | None:
    if pg_database_url is None:
        return None
    engine = create_engine(pg_database_url)
    Base.metadata.create_all(engine)
    engine.dispose()
    return pg_database_url


@pytest.fixture
def pg_engine(_pg_schema, monkeypatch) -> Iterator[Engine]:
    require_service(_pg_schema is not None, f"PostgreSQL is not reachable at {PG_SERVER_URL}")
    monkeypatch.setenv("HOTLINE_DATABASE_URL", _pg_schema)
    get_settings.cache_clear()
    engine = store_db.get_engine(_pg_schema)
    yield engine
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture
def sqlite_engine(tmp_path, monkeypatch) -> Engine:
    url = f"sqlite:///{tmp_path / 'var' / 'hotline.db'}"
    monkeypatch.setenv("HOTLINE_DATABASE_URL", url)
    get_settings.cache_clear()
    engine = store_db.get_engine(url)
    Base.metadata.create_all(engine)
    return engine


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request) -> Engine:
    """The same test on SQLite and on PostgreSQL."""
    return request.getfixturevalue("sqlite_engine" if request.param == "sqlite" else "pg_engine")


@pytest.fixture
def session(engine):
    factory = store_db.session_factory(engine)
    with factory() as session:
        yield session

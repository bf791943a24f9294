"""Fixtures of the fault suite: an initialised SQLite database and a scratch PostgreSQL database per test."""
from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import PG_SERVER_URL, require_service
from tests.faults.helpers import cli_env, run


@pytest.fixture
def var_dir(tmp_path) -> Path:
    return tmp_path / "var"


@pytest.fixture
def sqlite_cli(tmp_path, var_dir) -> dict[str, str]:
    """The environment of commands on a fresh, initialised SQLite database under ``var_dir``."""
    env = cli_env(var_dir)
    done = run(["init"], tmp_path, env)
    assert done.code == 0, done.terminal
    return env


@pytest.fixture
def pg_url() -> Iterator[str]:
    name = f"hm_faults_{uuid.uuid4().hex[:10]}"
    try:
        admin = create_engine(PG_SERVER_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - absent server: skipped (a failure under CI)
        require_service(False, f"PostgreSQL is not reachable at {PG_SERVER_URL}: {exc}")
    yield PG_SERVER_URL.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def pg_cli(tmp_path, var_dir, pg_url) -> dict[str, str]:
    env = cli_env(var_dir, HOTLINE_DATABASE_URL=pg_url)
    done = run(["init"], tmp_path, env)
    assert done.code == 0, done.terminal
    return env

"""Fixtures of the fault suite: initialised SQLite and PostgreSQL databases, copied from one template each
(`hotline-monitor init` runs once per session and backend, not once per test)."""
from __future__ import annotations

import shutil
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


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("sqlite-template")
    done = run(["init"], home, cli_env(home / "var"))
    assert done.code == 0, done.terminal
    return home / "var" / "hotline.db"


@pytest.fixture
def sqlite_cli(tmp_path, var_dir, sqlite_template) -> dict[str, str]:
    """The environment of commands on a fresh, initialised SQLite database under ``var_dir``."""
    var_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(sqlite_template, var_dir / "hotline.db")
    return cli_env(var_dir)


def _admin():
    try:
        admin = create_engine(PG_SERVER_URL, isolation_level="AUTOCOMMIT")
        with admin.connect():
            pass
    except Exception as exc:  # noqa: BLE001 - absent server: skipped (a failure under CI)
        require_service(False, f"PostgreSQL is not reachable at {PG_SERVER_URL}: {exc}")
    return admin


def _server(name: str) -> str:
    return PG_SERVER_URL.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="session")
def pg_template(tmp_path_factory) -> Iterator[str]:
    admin = _admin()
    name = f"hm_faults_tpl_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    home = tmp_path_factory.mktemp("pg-template")
    done = run(["init"], home, cli_env(home / "var", HOTLINE_DATABASE_URL=_server(name)))
    assert done.code == 0, done.terminal
    yield name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """An empty scratch database."""
    yield from _scratch_database(None)


def _scratch_database(template: str | None) -> Iterator[str]:
    admin = _admin()
    name = f"hm_faults_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
    yield _server(name)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def pg_cli(var_dir, pg_template) -> Iterator[dict[str, str]]:
    """The environment of commands on a fresh, initialised PostgreSQL database (a copy of the template)."""
    for url in _scratch_database(pg_template):
        yield cli_env(var_dir, HOTLINE_DATABASE_URL=url)

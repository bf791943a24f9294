"""A scratch PostgreSQL database for a benchmark: created on the server, dropped afterwards (not a bench itself:
``make bench`` skips files starting with ``_``)."""
from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

PG_SERVER = os.environ.get("HOTLINE_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@contextmanager
def scratch_pg_database(prefix: str, server_url: str = PG_SERVER) -> Iterator[str | None]:
    """The URL of a new empty database on the server, dropped on the way out (with its connections); None when
    the server is absent, after saying so."""
    from sqlalchemy import create_engine, text

    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - server absent or refusing
        print(f"PostgreSQL not reachable at {server_url}: {exc.__class__.__name__}: {str(exc).splitlines()[0]}")
        admin.dispose()
        yield None
        return
    try:
        yield server_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

"""The Alembic chain creates exactly the schema the models describe, on SQLite and PostgreSQL."""
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from store.migrate import head_revision, upgrade
from store.models import Base


def _fresh_engine(request, kind):
    if kind == "sqlite":
        from store.db import make_engine

        tmp = request.getfixturevalue("tmp_path")
        return make_engine(f"sqlite:///{tmp / 'migrated.db'}")
    import os
    import uuid

    from sqlalchemy import create_engine, text

    from tests.conftest import PG_SERVER_URL, require_service

    name = f"hm_mig_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    try:
        admin = create_engine(PG_SERVER_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001
        require_service(False, f"PostgreSQL is not reachable: {exc}")

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    request.addfinalizer(drop)
    engine = create_engine(PG_SERVER_URL.rsplit("/", 1)[0] + "/" + name)
    request.addfinalizer(engine.dispose)
    return engine


def _check(request, kind):
    engine = _fresh_engine(request, kind)
    before, after = upgrade(engine)
    assert before is None
    assert after == head_revision()
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], f"models and migrations disagree: {diff}"
    # Upgrading again is a no-op.
    assert upgrade(engine) == (after, after)
    assert "messages" in inspect(engine).get_table_names()


def test_migrations_match_models_sqlite(request):
    _check(request, "sqlite")


def test_migrations_match_models_postgresql(request):
    _check(request, "postgresql")

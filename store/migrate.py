"""Create or upgrade the database schema with Alembic (``hotline-monitor init``)."""
from __future__ import annotations

import sys
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    # alembic's Config defaults its output to the sys.stdout of the moment alembic was imported: a stream that
    # may be closed since (a CLI runner's capture); the stream of now is the one to write to.
    config = Config(stdout=sys.stdout)
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str]:
    """Upgrade to ``revision``; returns (revision before, revision after)."""
    config = alembic_config()
    with engine.begin() as connection:
        before = MigrationContext.configure(connection).get_current_revision()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        after = MigrationContext.configure(connection).get_current_revision()
    return before, after


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


class SchemaNotCurrent(RuntimeError):
    """The database is empty or at another migration than the code."""


def ensure_current(engine: Engine) -> None:
    """Refuse to work on a database that is missing or behind the code, with the fix in the message."""
    current = current_revision(engine)
    if current != head_revision():
        raise SchemaNotCurrent(
            f"the database is at migration {current or 'none'}, the code needs {head_revision()}: "
            "run `hotline-monitor init`"
        )

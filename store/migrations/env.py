"""Alembic environment: runs against the connection handed over by store.migrate, or the configured URL."""
from alembic import context

from store.models import Base

config = context.config
target_metadata = Base.metadata

# Tables created at run time by libraries, not by our migrations: autogenerate/compare must not drop them.
RUNTIME_TABLES = {"scheduler_jobs"}  # APScheduler's job store (scheduler.JOBSTORE_TABLE)


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    return not (type_ == "table" and name in RUNTIME_TABLES)


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata, include_object=include_object,
                          render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()
        return
    from store.db import get_engine

    with get_engine().connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, include_object=include_object,
                          render_as_batch=conn.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()
        conn.commit()


run_migrations()

"""Engine and session setup.

SQLite (the embedded default, ``<var_dir>/hotline.db``) gets WAL, foreign keys and a busy timeout on every
connection; PostgreSQL is used when ``database.url`` (``HOTLINE_DATABASE_URL``) names it.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from store.settings import ConfigError, get_settings

_engines: dict[str, Engine] = {}


SUPPORTED_URL_PREFIXES = ("sqlite:", "sqlite+pysqlite:", "postgresql:", "postgresql+psycopg:")


def database_url() -> str:
    settings = get_settings()
    url = settings.get("database.url")
    if url:
        check_url(url, settings.origin("database.url"))
        return url
    return f"sqlite:///{settings.var_dir / 'hotline.db'}"


def check_url(url: str, origin: str = "database.url") -> None:
    """Refuse a database the code does not support before SQLAlchemy looks for its driver."""
    if not url.startswith(SUPPORTED_URL_PREFIXES):
        scheme = url.split(":", 1)[0] if ":" in url else url
        raise ConfigError(f"{origin}: database {scheme!r} is not supported; use sqlite:///path/to/hotline.db "
                          "or postgresql+psycopg://user@host/dbname")


def json_text(value: object) -> str:
    """How JSON columns are written: Chinese text as it is (half the size of ``\\uXXXX`` escapes), by orjson
    (an alert run writes digests of hundreds of thousands of items: about 6 times faster than ``json``)."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY).decode()


def _configure_sqlite(engine: Engine, busy_timeout_ms: int, cache_mib: int, checkpoint_pages: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # noqa: ANN001 - DB-API objects
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA cache_size=-{int(cache_mib) * 1024}")  # negative: in KiB
        cursor.execute(f"PRAGMA wal_autocheckpoint={int(checkpoint_pages)}")
        cursor.close()


def make_engine(url: str | None = None) -> Engine:
    """A new engine for ``url`` (default: the configured database); creates the SQLite directory."""
    settings = get_settings()
    url = url or database_url()
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, echo=settings.get("database.echo"), json_serializer=json_text)
        _configure_sqlite(engine, settings.get("database.sqlite_busy_timeout_ms"),
                          settings.get("database.sqlite_cache_mib"), settings.get("database.sqlite_checkpoint_pages"))
    else:
        # No server-side prepared statements: psycopg prepares a query after 5 runs, and PostgreSQL may then
        # keep a generic plan made while a table was still empty (a sequential scan for every key lookup of an
        # import that grows the table from nothing).
        connect_args = {"prepare_threshold": None} if "+psycopg" in url else {}
        # Ten kept connections: a web worker can have ten requests in flight (ten clients over two workers do
        # not split evenly), and with SQLAlchemy's five each one past the fifth opened and closed a connection
        # (a server process and cold catalog caches: about 20 ms of CPU). Only as many open as are used at once.
        engine = create_engine(url, echo=settings.get("database.echo"), pool_pre_ping=True, pool_size=10,
                               connect_args=connect_args, json_serializer=json_text)
    return engine


def get_engine(url: str | None = None) -> Engine:
    """The process-wide engine for ``url`` (cached)."""
    url = url or database_url()
    if url not in _engines:
        _engines[url] = make_engine(url)
    return _engines[url]


def session_factory(engine: Engine | None = None) -> sessionmaker[Session]:
    return sessionmaker(bind=engine or get_engine(), expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A session committed on success and rolled back on error."""
    session = session_factory(engine)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()

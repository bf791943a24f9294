"""SQLite connections get the page cache and checkpoint size of the settings (import speed at a million rows)."""
from __future__ import annotations

from sqlalchemy import text

from store.db import make_engine
from store.settings import get_settings


def _pragmas(engine) -> tuple[int, int]:  # noqa: ANN001
    with engine.connect() as connection:
        return (connection.execute(text("PRAGMA cache_size")).scalar_one(),
                connection.execute(text("PRAGMA wal_autocheckpoint")).scalar_one())


def test_defaults_replace_sqlites_own(sqlite_engine):
    # 64 MiB is written as -65536 (a negative cache_size counts KiB); SQLite's own defaults are -2000 and 1000.
    assert _pragmas(sqlite_engine) == (-64 * 1024, 16384)


def test_settings_change_them(tmp_path, monkeypatch):
    monkeypatch.setenv("HOTLINE_DATABASE_SQLITE_CACHE_MIB", "8")
    monkeypatch.setenv("HOTLINE_DATABASE_SQLITE_CHECKPOINT_PAGES", "500")
    get_settings.cache_clear()
    try:
        engine = make_engine(f"sqlite:///{tmp_path}/pragmas.db")
        assert _pragmas(engine) == (-8 * 1024, 500)
        engine.dispose()
    finally:
        get_settings.cache_clear()

"""One process at a time for a named job (the scheduler, the alert sender, each scheduled job, the analysis).

PostgreSQL: a session-level advisory lock on a connection held open for the lock's life (released when the
process dies). SQLite: an exclusive ``fcntl.flock`` on ``<var_dir>/<name>.lock`` (also released by the OS
when the process dies), so a killed holder never blocks a restart.
"""
from __future__ import annotations

import fcntl
import hashlib
import os
import re
import time
from pathlib import Path
from typing import Any, Self

from sqlalchemy import Engine, text


class LockHeld(RuntimeError):
    """Another live process holds the lock; the message says which job and that it is running."""


POLL_SECONDS = 0.2


def _advisory_key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(f"hotline-monitor:{name}".encode()).digest()[:8], "big", signed=True)


class ProcessLock:
    def __init__(self, engine: Engine, name: str, var_dir: Path | None = None):
        self.engine, self.name = engine, name
        self.var_dir = var_dir
        self._connection: Any = None
        self._fd: int | None = None

    def acquire(self, wait_seconds: float = 0.0) -> None:
        """Take the lock, waiting up to ``wait_seconds`` for its holder to finish; LockHeld when it did not."""
        deadline = time.monotonic() + wait_seconds
        while not self._try_acquire():
            if time.monotonic() >= deadline:
                waited = f" (waited {wait_seconds:.0f} s)" if wait_seconds else ""
                raise LockHeld(f"another {self.name} is running ({self._where()} held){waited}; "
                               "try again when it has finished")
            time.sleep(POLL_SECONDS)

    def _where(self) -> str:
        if self.engine.dialect.name == "postgresql":
            return "PostgreSQL advisory lock"
        return f"lock file {self._path()}"

    def _path(self) -> Path:
        from store.settings import get_settings

        directory = self.var_dir or get_settings().var_dir
        return directory / (re.sub(r"[^\w.-]+", "-", self.name) + ".lock")

    def _try_acquire(self) -> bool:
        if self.engine.dialect.name == "postgresql":
            connection = self.engine.connect()
            got = connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": _advisory_key(self.name)}).scalar()
            connection.commit()
            if not got:
                connection.close()
                return False
            self._connection = connection
            return True
        path = self._path()
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return True

    def release(self) -> None:
        if self._connection is not None:
            try:
                self._connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _advisory_key(self.name)})
                self._connection.commit()
            finally:
                self._connection.close()
                self._connection = None
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> Self:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

"""The command line's top-level error handler: one line (what, where, how to fix) for every expected failure.

A person at a terminal reads ``error: …`` instead of a 100-line traceback whose last line held the point;
``--debug`` (anywhere on the command line) or ``HOTLINE_DEBUG=1`` shows the traceback. Exceptions are recognised
by class name and module so this module imports nothing heavy (the CLI's start-up stays fast).

Exit codes: 0 done; 1 done in part (rows rejected, deliveries failed, a step failed); 2 refused: nothing done
(bad configuration, database unreachable or uninitialised, another process holds the job, unreadable input);
3 an unexpected internal error (a bug: rerun with --debug and report the traceback).
"""
from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable

EXIT_REFUSED = 2
EXIT_INTERNAL = 3

DEBUG_FLAG = "--debug"

# Our own exception classes whose message is already the one line a person needs.
_SELF_DESCRIBING = {
    "ConfigError", "LockHeld", "SchemaNotCurrent", "ImportFileError", "ImportRefused", "DeadlineError",
    "JobFailed", "PeriodError", "DirectoryError", "CalendarError",
}


def debug_requested(argv: list[str], environ: dict[str, str] | os._Environ = os.environ) -> bool:
    return DEBUG_FLAG in argv or environ.get("HOTLINE_DEBUG", "").strip().lower() in {"1", "true", "yes", "on"}


def _class_names(exc: BaseException) -> list[str]:
    return [cls.__name__ for cls in type(exc).__mro__]


def _first_line(text: object) -> str:
    lines = [line.strip() for line in str(text).strip().splitlines() if line.strip()]
    return lines[0] if lines else ""


def _hide_password(url: str) -> str:
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)


def _configured_url() -> str:
    try:
        from store.db import database_url

        return _hide_password(database_url())
    except Exception:  # noqa: BLE001 - only for the message
        return "the configured database"


def _describe_database(exc: BaseException) -> str | None:
    """SQLAlchemy/driver errors a person can fix: server down, database missing, schema missing."""
    names = _class_names(exc)
    if not any(name in {"DBAPIError", "OperationalError", "ProgrammingError"} for name in names):
        return None
    detail = _first_line(getattr(exc, "orig", None) or exc)
    url = _configured_url()
    where = f"database {url}"
    lowered = detail.lower()
    if "no such table" in lowered or ("relation" in lowered and "does not exist" in lowered):
        return f"{where} is not initialised ({detail}): run `hotline-monitor init`"
    if "database" in lowered and "does not exist" in lowered:
        return (f"{where}: {detail}: create it (e.g. `createdb NAME`) and run `hotline-monitor init`, or fix "
                "database.url / HOTLINE_DATABASE_URL")
    if "unable to open database file" in lowered:
        return f"{where}: cannot open the file ({detail}): check general.var_dir / database.url and permissions"
    if "database is locked" in lowered:
        return (f"{where} stayed locked by another process past database.sqlite_busy_timeout_ms: retry when it "
                "is done")
    if "connection" in lowered or "could not" in lowered or "refused" in lowered or "timeout" in lowered:
        return (f"cannot reach {where} ({detail}): start the server or fix database.url / "
                "HOTLINE_DATABASE_URL")
    return None


def describe(exc: BaseException) -> str | None:
    """The one-line description of an expected failure; None for anything unexpected."""
    names = _class_names(exc)
    if _SELF_DESCRIBING.intersection(names):
        return _first_line(exc)
    database = _describe_database(exc)
    if database:
        return database
    if "NoSuchModuleError" in names or ("ArgumentError" in names and "URL" in str(exc)):
        return (f"database.url: {_first_line(exc)}; use sqlite:///path/to/hotline.db or "
                "postgresql+psycopg://user@host/dbname")
    if isinstance(exc, OSError) and exc.filename is not None and exc.strerror:
        return f"{exc.filename}: {exc.strerror}"
    return None


def _print(line: str) -> None:
    print(f"error: {line}", file=sys.stderr)


def run(command: Callable[..., object], argv: list[str] | None = None) -> None:
    """Run the typer/click ``command`` with the error handling above; exits with the command's code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = debug_requested(argv)
    if debug:
        os.environ["HOTLINE_DEBUG"] = "1"  # child processes (crawls, jobs) inherit it
    argv = [arg for arg in argv if arg != DEBUG_FLAG]
    try:
        command(args=argv, prog_name="hotline-monitor")
    except SystemExit:
        raise
    except KeyboardInterrupt:
        _print("interrupted")
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - the point of this module
        if debug:
            raise
        message = describe(exc)
        if message is None:
            _print(f"unexpected {type(exc).__name__}: {_first_line(exc) or '(no message)'} — a bug: run again with "
                   f"{DEBUG_FLAG} (or HOTLINE_DEBUG=1) for the traceback and report it")
            sys.exit(EXIT_INTERNAL)
        _print(message)
        sys.exit(EXIT_REFUSED)

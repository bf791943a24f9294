"""`workdays add` is a quick question at the terminal: it must not pay for numpy, scikit-learn or the ORM.

The due date is computed on the scalar path (analysis.deadlines.compute and the WorkCalendar's byte arrays); numpy
is only for the bulk ``*_ordinals`` methods. pydantic is allowed here and only here: typer (0.29) coerces every
non-flag command-line value through a pydantic TypeAdapter, so any command with an argument loads it; `--help`
and importing cli stay pydantic-free (tests/startup/test_cli_imports.py).
"""
from __future__ import annotations

from tests.startup.test_cli_imports import heavy_modules_after

WORKDAYS_ADD = ["hotline-monitor", "workdays", "add", "2025-09-30", "3"]


def test_workdays_add_loads_no_heavy_library_but_typers_pydantic():
    assert set(heavy_modules_after(WORKDAYS_ADD)) <= {"pydantic"}


def test_the_probe_sees_numpy_on_the_bulk_path():
    # The oracle: `deadlines stats` imports the bulk modules before it reads its options (here a bad date, so no
    # database is touched) and the probe reports numpy; if it did not, the test above would prove nothing.
    loaded = heavy_modules_after(["hotline-monitor", "deadlines", "stats", "--as-of", "not-a-date"])
    assert "numpy" in loaded and "sqlalchemy.orm" in loaded

"""Import CSV/XLSX exports of hotline, mailbox and feedback systems into the store.

The names below load on first use (PEP 562): ``hotline-monitor --help`` imports this package to register the
``import`` command and must not pay for the importer core (SQLAlchemy ORM, every model).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crawlers.importer.core import ImportRefused, ImportReport, import_file
    from crawlers.importer.readers import ImportFileError

__all__ = ["ImportFileError", "ImportRefused", "ImportReport", "import_file"]

_HOMES = {"ImportRefused": "core", "ImportReport": "core", "import_file": "core", "ImportFileError": "readers"}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"crawlers.importer.{home}"), name)

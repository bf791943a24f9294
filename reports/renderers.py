"""Report formats, a registry: each renderer registers itself by format name.

A format lives in ``reports/render_<format>.py`` and registers its writer with ``@renderer``::

    @renderer("html", "summary.html", position=0)
    def write_html(job: Rendering, path: Path) -> None: ...

``public`` formats are published (``summary publish``: the publish directory); the others (the workbook with the
letters behind each figure) stay in the internal directory. The names come from the module files, so the
``summary --format`` choices are known without importing any renderer (``tests/startup``); a renderer's module
is imported when its format is written. Adding a format: one module, nothing else to edit
(``tests/reports/test_renderers.py`` writes every registered format).
"""
from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import reports

PREFIX = "render_"


@dataclass
class Rendering:
    """What a renderer gets: the summary document, and what some formats need, computed once when first asked."""

    document: dict
    session: Any = None  # the workbook reads the letters behind the figures
    _charts: list[Any] | None = field(default=None, repr=False)

    @cached_property
    def charts(self) -> list[Any]:
        from reports.charts import summary_charts

        return summary_charts(self.document) if self._charts is None else self._charts

    @cached_property
    def messages(self) -> dict[int, Any]:
        from sqlalchemy import select

        from store.models.core import Message

        ids = {i for q in self.document["questions"] for i in q["message_ids"]}
        ids |= {i for e in self.document["hotlist"] for i in e["message_ids"]}
        if not ids or self.session is None:
            return {}
        return {m.id: m for m in self.session.scalars(select(Message).where(Message.id.in_(sorted(ids))))}


@dataclass(frozen=True)
class Renderer:
    name: str
    filename: str  # may name the period: {slug}
    public: bool
    position: int  # order of the files in listings
    write: Callable[[Rendering, Path], None]

    def path_in(self, directory: Path, document: dict) -> Path:
        return directory / self.filename.format(slug=document["period"]["slug"])


_REGISTRY: dict[str, Renderer] = {}


def renderer(name: str, filename: str, *, position: int, public: bool = True) -> Callable:
    """Register the decorated ``write(job, path)`` as format ``name``."""
    def register(write: Callable[[Rendering, Path], None]) -> Callable[[Rendering, Path], None]:
        known = _REGISTRY.get(name)
        if known is not None and known.write.__qualname__ != write.__qualname__:
            raise TypeError(f"report format {name!r} is registered twice")
        _REGISTRY[name] = Renderer(name, filename, public, position, write)
        return write
    return register


def format_names() -> list[str]:
    """Every format, from the module names alone (nothing imported): ``reports/render_<format>.py``."""
    return sorted(m.name[len(PREFIX):] for m in pkgutil.iter_modules(reports.__path__) if m.name.startswith(PREFIX))


def get(name: str) -> Renderer:
    if name not in _REGISTRY and name in format_names():
        importlib.import_module(f"reports.{PREFIX}{name}")
        if name not in _REGISTRY:
            raise TypeError(f"reports/{PREFIX}{name}.py registers no renderer named {name!r} (@renderer({name!r}, …))")
    if name not in _REGISTRY:
        raise ValueError(f"unknown report format {name!r} (one of {', '.join(format_names())})")
    return _REGISTRY[name]


def renderers(names: list[str] | None = None, *, public: bool | None = None) -> list[Renderer]:
    """The renderers of ``names`` (default: every format), public or internal ones only if asked, in order."""
    chosen = [get(name) for name in (names if names is not None else format_names())]
    return sorted((r for r in chosen if public is None or r.public == public), key=lambda r: (r.position, r.name))


def write_files(job: Rendering, directory: Path, chosen: list[Renderer]) -> dict[str, Path]:
    """Write each chosen format of ``job`` into ``directory``: format name → file."""
    directory.mkdir(parents=True, exist_ok=True)
    files = {}
    for r in chosen:
        files[r.name] = path = r.path_in(directory, job.document)
        r.write(job, path)
    return files

"""Typed TOML files: read a file, validate it against a pydantic model, and report problems by file and key.

The unit directory, deadline rules, calendar overrides and crawl profiles are each declared once as a pydantic
model next to the code that uses them; this module is the one place that turns a TOML file into such a model
and a pydantic ``ValidationError`` into a :class:`store.settings.ConfigError` naming the file, the key path and
the reason (``units.toml: units.3.email: value is not a valid email address``).

pydantic is imported here, at call time: a command module may import this module without paying for it
(``tests/startup`` fails when ``hotline-monitor --help`` loads pydantic).
"""
from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, TypeVar

from store.settings import ConfigError

Model = TypeVar("Model")


def read_toml(path: Path | str) -> dict[str, Any]:
    """The parsed TOML file; a missing file or a syntax error is a ConfigError naming the file."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


def validation_messages(exc: Any, source: str) -> list[str]:
    """One line per problem of a pydantic ``ValidationError``: ``source: key.path: reason``."""
    lines = []
    for error in exc.errors(include_url=False):
        where = ".".join(str(part) for part in error["loc"]) or "(top level)"
        lines.append(f"{source}: {where}: {error['msg']}")
    return lines


def validate(model: type[Model], data: Any, source: str) -> Model:
    """``data`` validated as ``model``; every problem listed in one ConfigError (not only the first)."""
    from pydantic import ValidationError

    try:
        return model.model_validate(data)  # type: ignore[attr-defined]
    except ValidationError as exc:
        raise ConfigError("\n".join(validation_messages(exc, source))) from None


def load_toml(model: type[Model], path: Path | str) -> Model:
    """The TOML file at ``path`` validated as ``model``; errors name the file, the key path and the reason."""
    return validate(model, read_toml(path), str(path))

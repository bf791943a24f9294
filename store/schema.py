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


def read_toml(path: Path | str, error: type[ConfigError] = ConfigError) -> dict[str, Any]:
    """The parsed TOML file; a missing file or a syntax error is a ConfigError (or ``error``) naming the file."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise error(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise error(f"{path}: not UTF-8 text: {exc}") from None


def _where(loc: tuple[Any, ...], data: Any, item_key: str | None) -> str:
    """The key path of an error: ``unit.3.contacts``, or with ``item_key`` = "name" ``unit['A'].contacts`` where
    the table at index 3 has name "A" (TOML arrays of tables are read by their names, not their positions)."""
    where = ""
    for part in loc:
        named = None
        if isinstance(part, int) and item_key and isinstance(data, list) and 0 <= part < len(data):
            data = data[part]
            if isinstance(data, dict) and isinstance(data.get(item_key), str) and data[item_key].strip():
                named = f"[{data[item_key].strip()!r}]"
        elif isinstance(data, dict):
            data = data.get(part)
        else:
            data = None
        where += named if named else f"{'.' if where else ''}{part}"
    return where or "(top level)"


def validation_messages(exc: Any, source: str, data: Any = None, item_key: str | None = None) -> list[str]:
    """One line per problem of a pydantic ``ValidationError``: ``source: key.path: reason``."""
    return [f"{source}: {_where(tuple(error['loc']), data, item_key)}: {error['msg']}"
            for error in exc.errors(include_url=False)]


def validate(model: type[Model], data: Any, source: str, *, item_key: str | None = None,
             error: type[ConfigError] = ConfigError) -> Model:
    """``data`` validated as ``model``; every problem listed in one ``error`` (not only the first). With
    ``item_key``, a table of an array is named by that key's value in the messages (see ``_where``)."""
    from pydantic import ValidationError

    try:
        return model.model_validate(data)  # type: ignore[attr-defined]
    except ValidationError as exc:
        raise error("\n".join(validation_messages(exc, source, data, item_key))) from None


def load_toml(model: type[Model], path: Path | str, *, item_key: str | None = None,
              error: type[ConfigError] = ConfigError) -> Model:
    """The TOML file at ``path`` validated as ``model``; errors name the file, the key path and the reason."""
    return validate(model, read_toml(path, error), str(path), item_key=item_key, error=error)


def invalid(reason: str) -> Exception:
    """The error a model's validator raises for ``reason``, reported as is (``raise ValueError`` would read
    "Value error, …"). Call it inside a validator, where pydantic is already loaded."""
    from pydantic_core import PydanticCustomError

    return PydanticCustomError("invalid", "{reason}", {"reason": reason})

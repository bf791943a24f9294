"""store.schema: a TOML file validated as a pydantic model, problems named by file, key path and reason."""
from __future__ import annotations

import pytest
from pydantic import BaseModel, ConfigDict

from store.schema import load_toml
from store.settings import ConfigError


class Unit(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    days: int


class Directory(BaseModel):
    model_config = ConfigDict(extra="forbid")
    units: list[Unit]


def test_a_valid_file_becomes_the_model(tmp_path):
    path = tmp_path / "units.toml"
    path.write_text('[[units]]\nname = "住建局"\ndays = 5\n', encoding="utf-8")
    assert load_toml(Directory, path) == Directory(units=[Unit(name="住建局", days=5)])


def test_every_problem_is_named_by_file_and_key(tmp_path):
    # Two problems in two different units: both are reported, each with its index in the list.
    path = tmp_path / "units.toml"
    path.write_text('[[units]]\nname = "住建局"\ndays = "five"\n[[units]]\nname = "x"\ndays = 1\ncolour = 2\n',
                    encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_toml(Directory, path)
    lines = str(caught.value).splitlines()
    assert lines[0].startswith(f"{path}: units.0.days: ")
    assert lines[1].startswith(f"{path}: units.1.colour: ")
    assert len(lines) == 2


def test_missing_file_and_bad_syntax_name_the_file(tmp_path):
    with pytest.raises(ConfigError, match="missing.toml: file not found"):
        load_toml(Directory, tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("units = [", encoding="utf-8")
    with pytest.raises(ConfigError, match="bad.toml: not valid TOML"):
        load_toml(Directory, bad)

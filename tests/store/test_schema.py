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


def test_item_key_names_a_table_by_its_name(tmp_path):
    # The same two problems as above; with item_key="name" the first unit is named by its name "住建局", the
    # second by its name "x" (not by positions 0 and 1, which an official editing the file does not count).
    path = tmp_path / "units.toml"
    path.write_text('[[units]]\nname = "住建局"\ndays = "five"\n[[units]]\nname = "x"\ndays = 1\ncolour = 2\n',
                    encoding="utf-8")

    class UnitsError(ConfigError):
        pass

    with pytest.raises(UnitsError) as caught:
        load_toml(Directory, path, item_key="name", error=UnitsError)
    lines = str(caught.value).splitlines()
    assert lines[0].startswith(f"{path}: units['住建局'].days: ")
    assert lines[1].startswith(f"{path}: units['x'].colour: ")


def test_a_table_without_its_name_keeps_its_index(tmp_path):
    # The second unit has no name (the error is that it is missing): it can only be named by its index, 1.
    path = tmp_path / "units.toml"
    path.write_text('[[units]]\nname = "住建局"\ndays = 1\n[[units]]\ndays = 2\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"units\.1\.name: Field required"):
        load_toml(Directory, path, item_key="name")


def test_a_file_that_is_not_utf8_names_the_file(tmp_path):
    path = tmp_path / "gbk.toml"
    path.write_bytes('[[units]]\nname = "住建局"\ndays = 1\n'.encode("gbk"))
    with pytest.raises(ConfigError, match="gbk.toml: not UTF-8 text"):
        load_toml(Directory, path)

"""The command groups: registered once (pyproject.toml entry points), each one loaded, none skipped silently."""
from __future__ import annotations

import tomllib
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest
import typer

import cli

ROOT = Path(__file__).resolve().parents[2]


def declared() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return project["entry-points"][cli.COMMAND_GROUP]


def test_installed_groups_are_the_declared_ones():
    # The CLI reads the installed metadata; after a group is added to pyproject.toml without `make install`, the
    # two differ and the new group would be missing from the command: say so here.
    installed = {group.name: group.value for group in cli.command_groups()}
    assert installed == declared(), "the installed entry points are stale: run `make install`"


def test_groups_are_in_help_order_and_each_registers_commands():
    names = [group.name for group in cli.command_groups()]
    # sorted by name, and the name's number decides: "100-reports" after "090-alerts" (3 digits, not 2)
    assert names == sorted(declared()) and all(name[:3].isdigit() and name[3] == "-" for name in names)
    for group in cli.command_groups():
        app = typer.Typer()
        cli.register_all(app, [group])
        assert app.registered_commands or app.registered_groups, f"{group.name} registered no command"


def test_a_group_that_cannot_be_imported_fails_loudly():
    # The old CLI skipped a missing command module as "not built yet": the command silently disappeared.
    broken = EntryPoint(name="999-broken", value="no_such_package.commands:register", group=cli.COMMAND_GROUP)
    with pytest.raises(ModuleNotFoundError, match="no_such_package"):
        cli.register_all(typer.Typer(), [broken])

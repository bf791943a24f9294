"""The ``hotline-monitor`` command. It only wires the command groups that packages register as entry points
(``[project.entry-points."hotline_monitor.commands"]`` in pyproject.toml: each a ``register(app)``)."""
from __future__ import annotations

import logging
import os
from importlib.metadata import EntryPoint, PackageNotFoundError, distribution

import typer

app = typer.Typer(
    name="hotline-monitor",
    help="Monitor how local governments answer citizens: 12345 hotline, leader mailboxes, feedback boards.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

COMMAND_GROUP = "hotline_monitor.commands"


def command_groups() -> list[EntryPoint]:
    """The command groups registered in pyproject.toml (entry points of COMMAND_GROUP), in `--help` order.

    Read from this project's own installed metadata only (not by scanning every installed distribution: that
    costs ~7 ms more on each start)."""
    try:
        groups = sorted(distribution("hotline-monitor").entry_points.select(group=COMMAND_GROUP),
                        key=lambda group: group.name)
    except PackageNotFoundError:
        groups = []
    if not groups:
        raise RuntimeError(f"no {COMMAND_GROUP} entry points: hotline-monitor is not installed in this environment "
                           "(run `make install`, or `pip install -e .`)")
    return groups


def register_all(target: typer.Typer, groups: list[EntryPoint]) -> None:
    # An import error propagates: a group that cannot load is a broken install, never a command left out.
    for group in groups:
        group.load()(target)


@app.callback()
def _main(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log debug messages."),
    debug: bool = typer.Option(False, "--debug", help="Show the traceback of an error (also HOTLINE_DEBUG=1)."),
) -> None:
    level = os.environ.get("HOTLINE_LOG_LEVEL", "WARNING").strip().upper()
    if not isinstance(logging.getLevelName(level), int):
        from store.settings import ConfigError

        raise ConfigError(f"HOTLINE_LOG_LEVEL={level!r} is not a log level: use DEBUG, INFO, WARNING or ERROR")
    logging.basicConfig(level=logging.DEBUG if verbose else level,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def main() -> None:
    """The console entry point: the app behind the one-line error handler (cli_errors)."""
    from cli_errors import run

    run(app)


register_all(app, command_groups())

if __name__ == "__main__":
    main()

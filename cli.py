"""The ``hotline-monitor`` command. It only wires each package's ``commands.register(app)``."""
from __future__ import annotations

import importlib
import logging
import os

import typer

app = typer.Typer(
    name="hotline-monitor",
    help="Monitor how local governments answer citizens: 12345 hotline, leader mailboxes, feedback boards.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

# Order is the order of `--help`. Each module defines register(app); heavy imports stay inside commands.
COMMAND_MODULES = [
    "store.commands",
    "crawlers.importer.commands",
    "crawlers.commands",
    "demo.commands",
    "analysis.commands",
    "analysis.deadlines.commands",
    "analysis.topics.commands",
    "analysis.sources.commands",
    "alerts.commands",
    "reports.commands",
    "web.commands",
    "pipeline",
    "scheduler",
]


def _register_all() -> None:
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # that area is not built yet
                continue
            raise
        module.register(app)


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


_register_all()

if __name__ == "__main__":
    main()

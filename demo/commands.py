"""Commands of the demo: `demo-portal` (the local government site built from the demo corpus).

`hotline-monitor demo` (the whole chain on that portal) is in pipeline.py. Wired by cli.py through ``register(app)``.
"""
from __future__ import annotations

import typer


def demo_portal(
    port: int = typer.Option(8765, help="port on 127.0.0.1 (the demo profiles expect 8765)"),
    phase: int = typer.Option(0, help="1: later replies already published (else POST /_demo/advance)"),
    size: int = typer.Option(None, help="corpus size (default: the corpus default)"),
    slow_seconds: float = typer.Option(3.0, help="how long the slow page takes the first time"),
) -> None:
    """Serve the demo portal (a local government site built from the demo corpus) until Ctrl-C."""
    import time

    from demo.corpus import generate_corpus
    from demo.portal import SECTIONS, DemoPortal, PortalServer

    portal = DemoPortal(generate_corpus(size=size), phase=phase, slow_seconds=slow_seconds)
    with PortalServer(portal, port=port) as server:
        typer.echo(f"demo portal on {server.origin}/ (phase {phase}; POST {server.origin}/_demo/advance "
                   "publishes the later replies)")
        for section in SECTIONS:
            typer.echo(f"  {server.origin}{section.prefix}  {section.title} ({section.family}, "
                       f"{len(portal.sections[section.name])} messages)")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            typer.echo("stopped")


def register(app: typer.Typer) -> None:
    app.command("demo-portal")(demo_portal)

"""`hotline-monitor serve` and `hotline-monitor users add|list|password`."""
from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    users_app = typer.Typer(help="Web UI accounts.", no_args_is_help=True)
    app.add_typer(users_app, name="users")

    @app.command()
    def serve(
        host: str = typer.Option(None, help="address to listen on (default: web.host)"),
        port: int = typer.Option(None, help="port (default: web.port)"),
        as_of: str = typer.Option(None, "--as-of", help="evaluate deadlines as of this day or local date-time, "
                                  "for data that ends earlier (default: web.as_of; empty: now)"),
    ) -> None:
        """Run the web UI."""
        import uvicorn

        from store.db import get_engine
        from store.migrate import ensure_current
        from store.settings import get_settings
        from web.app import create_app
        from web.clock import as_of_label, parse_as_of

        try:
            moment = parse_as_of(as_of, "--as-of")
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from None
        settings = get_settings()
        engine = get_engine()
        ensure_current(engine)
        application = create_app(engine, settings, as_of=moment)
        host = host or settings.get("web.host")
        port = port or settings.get("web.port")
        pinned = application.state.as_of
        typer.echo(f"hotline-monitor UI on http://{host}:{port}/"
                   + (f" (deadlines evaluated as of {as_of_label(pinned)})" if pinned else ""))
        uvicorn.run(application, host=host, port=port, log_level="warning", proxy_headers=False)

    @users_app.command("add")
    def users_add(
        login: str = typer.Argument(..., help="login name"),
        role: str = typer.Option(..., help="analyst, editor, unit_official or admin"),
        unit: str = typer.Option(None, help="the unit of a unit official (as written on messages)"),
        name: str = typer.Option(None, help="display name"),
    ) -> None:
        """Add a user; the password is asked for (twice), never taken from the command line. It is a temporary
        password: the user must choose their own at the first login."""
        from store.db import session_scope
        from web.accounts import AccountError, create_user

        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
        try:
            with session_scope() as session:
                create_user(session, login, password, role, unit=unit, display_name=name)
        except AccountError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        typer.echo(f"user {login} added ({role}{', ' + unit if unit else ''})")

    @users_app.command("password")
    def users_password(login: str = typer.Argument(..., help="login name")) -> None:
        """Reset a user's password (ends their open sessions; the user must choose their own at the next
        login)."""
        from sqlalchemy import select

        from store.db import session_scope
        from store.models.accounts import User
        from web.accounts import AccountError, set_password

        password = typer.prompt("new password", hide_input=True, confirmation_prompt=True)
        with session_scope() as session:
            user = session.scalar(select(User).where(User.login == login))
            if user is None:
                typer.echo(f"error: no user {login!r}", err=True)
                raise typer.Exit(2)
            try:
                set_password(session, user, password, must_change=True)
            except AccountError as exc:
                typer.echo(f"error: {exc}", err=True)
                raise typer.Exit(2) from None
        typer.echo(f"password of {login} changed")

    @users_app.command("list")
    def users_list(as_json: bool = typer.Option(False, "--json", help="print JSON")) -> None:
        """List the users."""
        import json

        from sqlalchemy import select

        from store.db import session_scope
        from store.models.accounts import User

        with session_scope() as session:
            rows = [{"login": u.login, "role": u.role, "unit": u.unit, "active": u.active,
                     "last_login_at": u.last_login_at.isoformat() if u.last_login_at else None}
                    for u in session.scalars(select(User).order_by(User.login))]
        if as_json:
            typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        for row in rows:
            typer.echo(f"{row['login']:<24} {row['role']:<14} {row['unit'] or '':<30} "
                       f"{'active' if row['active'] else 'inactive'}  last login {row['last_login_at'] or '-'}")

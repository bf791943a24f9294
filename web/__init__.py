"""The analysts', editors' and unit officials' web UI (FastAPI + Jinja2 + htmx, server-rendered).

Entry points: ``web.app.create_app(engine=None, settings=None)``; ``web.accounts.ensure_demo_users(session)``
(development only) for `make demo`; ``web.commands.register(app)`` for `serve` and `users add|list|password`.
"""

"""Jinja2 environment (auto-escaping everything) and the page renderer shared by the routes."""
from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from web.clock import as_of_label, pinned_as_of
from web.i18n import LOCALE_NAMES, N_, current_locale, gettext, ngettext, normalise, set_locale
from web.labels import label, publication_event_detail

TEMPLATE_DIR = Path(__file__).parent / "templates"

# (path, label, roles allowed; None = every logged-in user)
NAVIGATION = [
    ("/", N_("Dashboard"), None),
    ("/messages", N_("Messages"), None),
    ("/topics", N_("Topics"), ("analyst", "editor", "admin")),
    ("/alerts", N_("Alerts"), None),
    ("/extensions", N_("Extension requests"), None),
    ("/summaries", N_("Summaries"), ("analyst", "editor", "admin")),
    ("/sources", N_("Sources"), ("analyst", "editor", "admin")),
    ("/users", N_("Users"), ("admin",)),
]


# Confirmations shown after a redirect (?done=<code>); fixed texts, so a crafted link cannot show its own.
FLASH_MESSAGES = {
    "renamed": N_("Topic renamed."), "merged": N_("Topics merged."), "split": N_("Topic split."),
    "moved": N_("Message moved."), "hidden": N_("Marked as not a topic."), "shown": N_("Topic shown again."),
    "rerouted": N_("Message re-routed."), "acked": N_("Alert acknowledged."), "noted": N_("Note added."),
    "saved": N_("Draft saved."), "approved": N_("Approved."), "published": N_("Published."),
    "reviewed": N_("Marked as reviewed."), "user_added": N_("User added."), "password_set": N_("Password changed."),
    "role_changed": N_("Role changed; the user's sessions have ended."),
    "user_deactivated": N_("User deactivated; their sessions have ended."),
    "user_activated": N_("User reactivated."),
    "password_reset": N_("Password reset; the user must change it at the next login."),
    "extension_requested": N_("Extension requested; it applies once approved."),
    "extension_approved": N_("Extension approved; the due date has been recomputed."),
    "extension_rejected": N_("Extension refused."),
    "letter_returned": N_("Letter returned for re-routing."), "locale_set": N_("Language saved."),
}


def fmt_dt(value: Any, with_time: bool = True) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        if value.tzinfo is None and value.year >= 1000:
            # The same text as strftime("%Y-%m-%d %H:%M") at a quarter of its cost (a list page shows 150).
            return value.isoformat(" ", "minutes") if with_time else value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def policy_source(value: Any) -> str:
    """A rule's policy citation as an official reads it: without references to developer documents
    ("(DESIGN.md, …)") that some packaged rules carry."""
    return re.sub(r"\s*[（(]DESIGN\.md[^)）]*[)）]", "", str(value or "")).strip()


def safe_url(value: Any) -> str:
    """A link target from crawled data: only http(s) URLs survive (no javascript:, data:, …)."""
    text = str(value or "").strip()
    return text if text.lower().startswith(("http://", "https://")) else ""


def sparkline(values: list[float], width: int = 120, height: int = 24) -> Markup:
    """An inline SVG polyline built from numbers only (no text from the data enters the markup)."""
    return _sparkline(tuple(values), width, height)


@lru_cache(maxsize=4096)  # a topic's trend is the same on every list request until the data changes
def _sparkline(values: tuple, width: int, height: int) -> Markup:
    points = [float(v) for v in values] or [0.0]
    top = max(points) or 1.0
    step = width / max(len(points) - 1, 1)
    coords = " ".join(f"{i * step:.1f},{height - 2 - (v / top) * (height - 4):.1f}" for i, v in enumerate(points))
    return Markup(
        f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" aria-hidden="true" '
        f'focusable="false"><polyline fill="none" stroke="currentColor" stroke-width="1.5" points="{coords}"/></svg>')


def select_options(values: list, selected: Any, kind: str | None = None) -> Markup:
    """A drop-down's ``<option>``s (escaped), ``selected`` marked, each shown by its label when ``kind`` names
    the code's labels: kept per (values, selected, language), since the messages filter form shows the same
    70-odd options on every page."""
    return _select_options(tuple(values), selected, kind, current_locale() if kind else None)


@lru_cache(maxsize=512)
def _select_options(values: tuple, selected: Any, kind: str | None, _locale: str | None) -> Markup:
    option = Markup('<option value="{0}"{1}>{2}</option>')
    return Markup("").join(option.format(v, Markup(" selected") if v == selected else "",
                                         label(kind, v) if kind else v) for v in values)


def message_rows(rows: list) -> Markup:
    """The messages list's table rows, one ``<tr>`` per (message list item, source name, due date).

    Built here, not in Jinja: each escaped expression there makes a ``Markup`` string (about a microsecond), and
    the 500-odd of 50 rows were a third of a search request's Python time. Every text from the data is escaped
    with ``markupsafe.escape`` (the escaping Jinja's autoescape uses); numbers and ``fmt_dt`` dates need none."""
    truncate = templates.env.filters["truncate"]
    channel_labels: dict = {}

    def channels(code):
        if code not in channel_labels:
            channel_labels[code] = label("channel", code)
        return channel_labels[code]

    out = []
    for m, source_name, due_on in rows:
        title = truncate(templates.env, m.title or m.content or "", 60, True, "…")
        external = f" · {escape(m.external_id)}" if m.external_id else ""
        out.append(
            f'<tr>\n    <td class="nowrap">{fmt_dt(m.submitted_at)}</td>\n'
            f'    <td>{escape(channels(m.channel))}</td>\n'
            f'    <td class="title"><a href="/messages/{int(m.id)}">{escape(title)}</a><br>'
            f'<span class="muted">{escape(source_name)}{external}</span></td>\n'
            f'    <td>{escape(m.unit or "—")}</td>\n    <td>{escape(m.status or "—")}</td>\n'
            f'    <td class="nowrap">{fmt_dt(due_on)}</td>\n    <td class="nowrap">{fmt_dt(m.replied_at)}</td>\n'
            f'  </tr>\n  ')
    return Markup("".join(out))


def bar_svg(values: list[float], width: int = 600, height: int = 80) -> Markup:
    """Vertical bars for a daily series (numbers only)."""
    points = [float(v) for v in values] or [0.0]
    top = max(points) or 1.0
    bar = width / len(points)
    name = escape(gettext("daily volume"))
    rects = "".join(
        f'<rect x="{i * bar + 1:.1f}" y="{height - (v / top) * height:.1f}" width="{max(bar - 2, 1):.1f}" '
        f'height="{(v / top) * height:.1f}"/>' for i, v in enumerate(points))
    return Markup(f'<svg class="bars" width="100%" height="{height}" viewBox="0 0 {width} {height}" '
                  f'preserveAspectRatio="none" role="img" aria-label="{name}">{rects}</svg>')


templates = Jinja2Templates(directory=str(TEMPLATE_DIR))
templates.env.add_extension("jinja2.ext.i18n")
templates.env.autoescape = True  # every template, whatever its extension
# Templates ship with the code: no stat() of each template file per render (an included row template was
# checked once per row). Restart the server after editing a template.
templates.env.auto_reload = False
# newstyle: _("… %(n)s", n=…) formats after translating, and escapes the values it puts in.
templates.env.install_gettext_callables(gettext, ngettext, newstyle=True)
templates.env.globals["label"] = label
templates.env.globals["event_detail"] = publication_event_detail
templates.env.globals["tr"] = gettext  # a text made in Python (an error, a reason): translated if catalogued
templates.env.globals["locale_names"] = LOCALE_NAMES
templates.env.globals["current_locale"] = current_locale
templates.env.filters["dt"] = fmt_dt
templates.env.filters["safe_url"] = safe_url
templates.env.filters["policy_source"] = policy_source
templates.env.globals["sparkline"] = sparkline
templates.env.globals["bar_svg"] = bar_svg
templates.env.globals["select_options"] = select_options
templates.env.globals["message_rows"] = message_rows


def use_locale(request: Request) -> str:
    """The request's language (the user's choice, else the setting web.locale), for gettext from now on."""
    locale = normalise(getattr(request.state, "locale", None), request.app.state.settings.get("web.locale"))
    set_locale(locale)
    return locale


def render(request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200):
    user = getattr(request.state, "user", None)
    use_locale(request)
    session = request.scope.get("hm_session") or {}
    nav = [(path, gettext(text)) for path, text, roles in NAVIGATION
           if user is not None and (roles is None or user.role in roles or user.role == "admin")]
    pinned = pinned_as_of(request)
    base = {"user": user, "csrf_token": session.get("csrf", ""), "nav": nav, "path": request.url.path,
            "flash": gettext(FLASH_MESSAGES[done]) if (done := request.query_params.get("done", "")) in FLASH_MESSAGES
            else None, "lang": current_locale().replace("_", "-"),
            "pinned_as_of": as_of_label(pinned) if pinned is not None and user is not None else None}
    base.update(context or {})
    return templates.TemplateResponse(request, name, base, status_code=status_code)

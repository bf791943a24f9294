"""Response hardening (Content-Security-Policy and friends) and spreadsheet formula neutralisation.

Citizen text is hostile input: templates auto-escape it, the CSP forbids inline scripts and styles so an
escaping slip still cannot run code, and exported cells never start a formula.
"""
from __future__ import annotations

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "font-src 'self'",
    "form-action 'self'",
    "frame-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
])

SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


class SecurityHeadersMiddleware:
    """Adds the security headers to every HTTP response; pages (not static files) are not cached."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        is_static = scope["path"].startswith("/static/")

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                # A response with its own (stricter or sandboxed) policy keeps it: the summary preview.
                own_policy = b"content-security-policy" in present
                headers.extend((k, v) for k, v in SECURITY_HEADERS
                               if k not in present and not (own_policy and k == b"x-frame-options"))
                if not is_static:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


# Spreadsheet safety is shared with the CLI exports (ledger, overdue, summary workbook).
from store.exports import FORMULA_PREFIXES, neutralise_cell, neutralise_row  # noqa: E402,F401


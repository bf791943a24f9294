"""E-mail over SMTP: plain text + HTML alternative; Chinese subject and names encoded (RFC 2047, UTF-8).

``Message-ID`` is derived from the idempotency key, so a mail client shows a (rare) repeat as the same
message. One SMTP connection serves every message of a sender pass; it is reopened after an error.
"""
from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate
from typing import Any

from alerts.notifiers import BaseNotifier, DeliveryError, OutgoingMessage


def build_email(message: OutgoingMessage, sender: str, recipients: list[str]) -> EmailMessage:
    email = EmailMessage(policy=SMTP)
    email["Subject"] = message.subject  # the SMTP policy encodes non-ASCII as =?utf-8?b?…?=
    email["From"] = sender
    email["To"] = ", ".join(recipients)
    email["Date"] = formatdate(localtime=True)
    email["Message-ID"] = f"<{message.idempotency_key}@hotline-monitor>"
    email["X-Hotline-Idempotency-Key"] = message.idempotency_key
    email.set_content(message.text, charset="utf-8")
    if message.html:
        email.add_alternative(message.html, subtype="html", charset="utf-8")
    return email


class EmailNotifier(BaseNotifier, channel="email"):
    def __init__(self, host: str, port: int, sender: str, tls: str = "none", user: str = "", password: str = "",
                 timeout: float = 20.0):
        if tls not in ("none", "starttls", "ssl"):
            raise ValueError(f"setting alerts.smtp_tls: {tls!r} is not one of none, starttls, ssl")
        self.host, self.port, self.sender, self.tls = host, port, sender, tls
        self.user, self.password, self.timeout = user, password, timeout
        self._smtp: smtplib.SMTP | None = None

    @classmethod
    def from_settings(cls, settings: Any) -> EmailNotifier:
        return cls(settings.get("alerts.smtp_host"), int(settings.get("alerts.smtp_port")),
                   settings.get("alerts.smtp_from"), settings.get("alerts.smtp_tls"), settings.get("alerts.smtp_user"),
                   settings.get("alerts.smtp_password"), float(settings.get("alerts.smtp_timeout_seconds")))

    def _connect(self) -> smtplib.SMTP:
        if self._smtp is None:
            if self.tls == "ssl":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                                      context=ssl.create_default_context())
            else:
                smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
                if self.tls == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
            if self.user:
                smtp.login(self.user, self.password)
            self._smtp = smtp
        return self._smtp

    def send(self, address: dict[str, Any], message: OutgoingMessage) -> str:
        recipients = address.get("to") or []
        if not recipients:
            raise DeliveryError("email: no recipient address", retryable=False)
        email = build_email(message, self.sender, recipients)
        try:
            refused = self._connect().send_message(email)
        except smtplib.SMTPRecipientsRefused as exc:
            self.close()
            raise DeliveryError(f"email: every recipient refused: {exc.recipients}", retryable=False) from exc
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            permanent = isinstance(exc, smtplib.SMTPResponseException) and 500 <= exc.smtp_code < 600
            raise DeliveryError(f"email via {self.host}:{self.port}: {type(exc).__name__}: {exc}",
                                retryable=not permanent) from exc
        if refused:
            return f"accepted except {sorted(refused)}"
        return f"accepted for {len(recipients)} recipient(s)"

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self._smtp = None

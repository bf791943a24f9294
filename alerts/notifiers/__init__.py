"""Notifiers: each delivers an already-built message to one address on one channel.

Building the message (``alerts.digest``) is separate from delivering it; a notifier only turns the message
into its channel's wire format (``build_payload``/``build_email``, pure functions, tested on their own) and
sends it. ``send`` returns a short description of the server's answer or raises ``DeliveryError``
(``retryable`` False for answers that retrying cannot fix, e.g. a rejected robot token).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class OutgoingMessage:
    idempotency_key: str
    subject: str
    text: str  # plain text that also reads as Markdown (robots render it)
    html: str | None = None
    items: list[dict[str, Any]] = field(default_factory=list)
    recipient_name: str = ""


class DeliveryError(Exception):
    def __init__(self, message: str, retryable: bool = True, response: str | None = None):
        super().__init__(message)
        self.retryable = retryable
        self.response = response


class Notifier(Protocol):
    channel: str

    def send(self, address: dict[str, Any], message: OutgoingMessage) -> str: ...

    def close(self) -> None: ...


def channels() -> tuple[str, ...]:  # helper C's notifier registry replaces this (issue 20)
    return ("dingtalk", "email", "feishu", "webhook", "wecom")


def notifier_for(channel: str, settings: Any = None) -> Notifier:
    """The notifier of a channel, configured from the settings."""
    from store.settings import get_settings

    settings = settings or get_settings()
    timeout = float(settings.get("alerts.http_timeout_seconds"))
    if channel == "email":
        from alerts.notifiers.email import EmailNotifier

        return EmailNotifier.from_settings(settings)
    if channel == "dingtalk":
        from alerts.notifiers.dingtalk import DingTalkNotifier

        return DingTalkNotifier(timeout=timeout)
    if channel == "wecom":
        from alerts.notifiers.wecom import WeComNotifier

        return WeComNotifier(timeout=timeout)
    if channel == "feishu":
        from alerts.notifiers.feishu import FeishuNotifier

        return FeishuNotifier(timeout=timeout)
    if channel == "webhook":
        from alerts.notifiers.webhook import WebhookNotifier

        return WebhookNotifier(timeout=timeout)
    raise ValueError(f"unknown alert channel {channel!r}")

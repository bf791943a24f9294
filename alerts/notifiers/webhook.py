"""Generic JSON webhook: the whole digest as JSON; any 2xx answer is a delivery.

The ``Idempotency-Key`` header (and the ``idempotency_key`` field) let the receiver drop a repeat, which
can happen only when the sender dies after the receiver answered and before the delivery was recorded.
"""
from __future__ import annotations

from typing import Any

from alerts.notifiers import BaseNotifier, OutgoingMessage
from alerts.notifiers._http import post_json


def build_payload(message: OutgoingMessage) -> dict[str, Any]:
    return {"idempotency_key": message.idempotency_key, "recipient": message.recipient_name,
            "subject": message.subject, "text": message.text, "items": message.items}


class WebhookNotifier(BaseNotifier, channel="webhook"):
    def send(self, address: dict[str, Any], message: OutgoingMessage) -> str:
        status, _, text = post_json(address["url"], build_payload(message), self.timeout,
                                    headers={"Idempotency-Key": message.idempotency_key})
        return f"HTTP {status} {text[:200]}"

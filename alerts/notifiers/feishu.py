"""Feishu (飞书) custom bot, with signature verification when the bot has a secret.

Signing: ``timestamp`` in seconds, ``sign = base64(HMAC-SHA256(key=f"{timestamp}\\n{secret}", msg=b""))``,
both in the JSON body. Answers ``{"code": 0, …}`` (older deployments ``{"StatusCode": 0, …}``).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any

from alerts.notifiers import BaseNotifier, OutgoingMessage
from alerts.notifiers._http import check_robot_answer, post_json, truncate_utf8

MAX_BYTES = 30000


def feishu_sign(secret: str, timestamp_s: int) -> str:
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode("ascii")


def build_payload(message: OutgoingMessage, secret: str | None = None, timestamp_s: int | None = None
                  ) -> dict[str, Any]:
    payload: dict[str, Any] = {"msg_type": "text",
                               "content": {"text": truncate_utf8(f"{message.subject}\n{message.text}", MAX_BYTES)}}
    if secret:
        timestamp_s = int(time.time()) if timestamp_s is None else timestamp_s
        payload = {"timestamp": str(timestamp_s), "sign": feishu_sign(secret, timestamp_s), **payload}
    return payload


class FeishuNotifier(BaseNotifier, channel="feishu"):
    def __init__(self, timeout: float = 10.0, clock=time.time):
        super().__init__(timeout)
        self.clock = clock

    def send(self, address: dict[str, Any], message: OutgoingMessage) -> str:
        payload = build_payload(message, address.get("secret"), int(self.clock()))
        _, body, text = post_json(address["url"], payload, self.timeout)
        return check_robot_answer(self.channel, body, text, ("code", "StatusCode"))

"""DingTalk custom robot (自定义机器人), with 加签 signing when the robot has a secret.

Signing: ``timestamp`` in milliseconds, ``sign = urlencode(base64(HMAC-SHA256(key=secret,
msg=f"{timestamp}\\n{secret}")))``, both added to the webhook URL's query. A robot accepts 20 messages a
minute (setting ``alerts.rate_limits``); a markdown message is at most 20,000 bytes.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any

from alerts.notifiers import BaseNotifier, OutgoingMessage
from alerts.notifiers._http import check_robot_answer, post_json, truncate_utf8

MAX_BYTES = 20000


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """The base64 signature (not yet URL-encoded; the HTTP client encodes query values)."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def build_payload(message: OutgoingMessage) -> dict[str, Any]:
    text = truncate_utf8(f"### {message.subject}\n\n{message.text}", MAX_BYTES)
    return {"msgtype": "markdown", "markdown": {"title": message.subject[:60], "text": text}}


class DingTalkNotifier(BaseNotifier, channel="dingtalk"):
    def __init__(self, timeout: float = 10.0, clock=time.time):
        super().__init__(timeout)
        self.clock = clock

    def send(self, address: dict[str, Any], message: OutgoingMessage) -> str:
        params: dict[str, str] = {}
        if address.get("secret"):
            timestamp = int(self.clock() * 1000)
            params = {"timestamp": str(timestamp), "sign": dingtalk_sign(address["secret"], timestamp)}
        _, body, text = post_json(address["url"], build_payload(message), self.timeout, params=params)
        return check_robot_answer(self.channel, body, text, ("errcode",))

"""WeCom (企业微信) group robot: ``{"msgtype": "markdown", "markdown": {"content": …}}``, at most 4096 bytes."""
from __future__ import annotations

from typing import Any

from alerts.notifiers import BaseNotifier, OutgoingMessage
from alerts.notifiers._http import check_robot_answer, post_json, truncate_utf8

MAX_BYTES = 4096


def build_payload(message: OutgoingMessage) -> dict[str, Any]:
    return {"msgtype": "markdown",
            "markdown": {"content": truncate_utf8(f"**{message.subject}**\n{message.text}", MAX_BYTES)}}


class WeComNotifier(BaseNotifier, channel="wecom"):
    def send(self, address: dict[str, Any], message: OutgoingMessage) -> str:
        _, body, text = post_json(address["url"], build_payload(message), self.timeout)
        return check_robot_answer(self.channel, body, text, ("errcode",))

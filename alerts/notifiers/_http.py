"""The POST shared by the robot and webhook notifiers: JSON out, status and JSON answer checked."""
from __future__ import annotations

from typing import Any

from alerts.notifiers import DeliveryError


def post_json(url: str, payload: dict[str, Any], timeout: float, headers: dict[str, str] | None = None,
              params: dict[str, str] | None = None) -> tuple[int, Any, str]:
    """POST ``payload``; returns (status, parsed JSON or None, raw text). Network errors are retryable."""
    import httpx

    try:
        response = httpx.post(url, json=payload, params=params, headers=headers, timeout=timeout)
    except httpx.HTTPError as exc:
        raise DeliveryError(f"POST {url.split('?')[0]}: {type(exc).__name__}: {exc}") from exc
    text = response.text[:2000]
    if response.status_code >= 500 or response.status_code == 429:
        raise DeliveryError(f"POST {url.split('?')[0]}: HTTP {response.status_code}", response=text)
    if response.status_code >= 400:
        raise DeliveryError(f"POST {url.split('?')[0]}: HTTP {response.status_code}", retryable=False, response=text)
    try:
        body = response.json()
    except ValueError:
        body = None
    return response.status_code, body, text


def check_robot_answer(channel: str, body: Any, text: str, code_keys: tuple[str, ...]) -> str:
    """Robots answer HTTP 200 with an error code in the body; 0 means accepted."""
    if not isinstance(body, dict):
        raise DeliveryError(f"{channel}: the answer is not JSON: {text[:200]!r}", response=text)
    for key in code_keys:
        if key in body:
            code = body[key]
            if code in (0, "0"):
                return text
            message = body.get("errmsg") or body.get("msg") or body.get("StatusMessage") or ""
            # Rate limiting (DingTalk 130101, WeCom 45009, Feishu 9499/11232) is worth retrying; others are not.
            retryable = code in (130101, 45009, 9499, 11232, -1)
            raise DeliveryError(f"{channel}: robot refused ({key}={code}: {message})", retryable=retryable,
                                response=text)
    raise DeliveryError(f"{channel}: unexpected answer {text[:200]!r}", response=text)


def truncate_utf8(text: str, max_bytes: int, marker: str = "\n…（内容过长，已截断）") -> str:
    """Robots cap a message in bytes: cut at a character boundary and say so."""
    data = text.encode("utf-8")
    if len(data) <= max_bytes:
        return text
    room = max_bytes - len(marker.encode("utf-8"))
    return data[:room].decode("utf-8", errors="ignore") + marker

"""Real local servers for delivery tests: an SMTP server (aiosmtpd) and an HTTP server that checks each
robot's payload format and signature the way the real services do, answering like them."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import threading
import time
from email import message_from_bytes
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpSink:
    """aiosmtpd on 127.0.0.1:port collecting parsed messages; start()/stop() can be repeated."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.messages: list = []
        self.controller = None
        # When set, the next DATA is held (never accepted) and `held` is set: a client mid-send.
        self.hold_next = threading.Event()
        self.held = threading.Event()

    def start(self) -> SmtpSink:
        from aiosmtpd.controller import Controller

        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                if sink.hold_next.is_set():
                    import asyncio

                    sink.hold_next.clear()
                    sink.held.set()
                    await asyncio.sleep(5)
                    return "451 held by the test"
                message = message_from_bytes(envelope.original_content or envelope.content, policy=default_policy)
                sink.messages.append({"rcpt": list(envelope.rcpt_tos), "message": message,
                                      "raw": envelope.original_content or envelope.content})
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


ROBOT_SECRETS = {"dingtalk": "SECdingtalk-test-secret", "feishu": "feishu-test-secret"}


class RobotServer:
    """POST /dingtalk, /wecom, /feishu, /webhook; validates like the services and records what it accepted."""

    def __init__(self):
        self.accepted: list[dict] = []
        self.rejected: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                url = urlparse(self.path)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                try:
                    payload = json.loads(body)
                except ValueError:
                    return self._answer(400, {"error": "not JSON"})
                kind = url.path.strip("/")
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                error = server.check(kind, payload, query, dict(self.headers))
                record = {"kind": kind, "payload": payload, "query": query, "headers": dict(self.headers)}
                if error:
                    server.rejected.append({**record, "error": error})
                    code = {"dingtalk": ("errcode", 310000), "wecom": ("errcode", 40008),
                            "feishu": ("code", 19021)}.get(kind)
                    if code is None:
                        return self._answer(422, {"error": error})
                    return self._answer(200, {code[0]: code[1], "errmsg" if kind != "feishu" else "msg": error})
                server.accepted.append(record)
                if kind == "feishu":
                    return self._answer(200, {"code": 0, "msg": "success", "data": {}})
                if kind == "webhook":
                    return self._answer(202, {"ok": True})
                return self._answer(200, {"errcode": 0, "errmsg": "ok"})

            def _answer(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def check(self, kind: str, payload: dict, query: dict, headers: dict) -> str | None:
        if kind == "dingtalk":
            if payload.get("msgtype") != "markdown" or not {"title", "text"} <= set(payload.get("markdown", {})):
                return "bad markdown payload"
            timestamp, sign = query.get("timestamp"), query.get("sign")
            if not timestamp or not sign:
                return "missing timestamp/sign"
            if abs(int(timestamp) - time.time() * 1000) > 3600_000:
                return "timestamp too far from now"
            secret = ROBOT_SECRETS["dingtalk"]
            expected = base64.b64encode(hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(),
                                                 hashlib.sha256).digest()).decode()
            return None if hmac.compare_digest(sign, expected) else "sign not match"
        if kind == "wecom":
            content = payload.get("markdown", {}).get("content")
            if payload.get("msgtype") != "markdown" or not isinstance(content, str):
                return "bad markdown payload"
            return "content too long" if len(content.encode()) > 4096 else None
        if kind == "feishu":
            if payload.get("msg_type") != "text" or not isinstance(payload.get("content", {}).get("text"), str):
                return "bad text payload"
            secret = ROBOT_SECRETS["feishu"]
            timestamp = payload.get("timestamp")
            if not timestamp:
                return "missing timestamp"
            key = f"{timestamp}\n{secret}".encode()
            expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
            return None if payload.get("sign") == expected else "sign match fail"
        if kind == "webhook":
            if headers.get("Idempotency-Key") != payload.get("idempotency_key"):
                return "idempotency key header and body differ"
            missing = {"idempotency_key", "recipient", "subject", "text", "items"} - set(payload)
            return f"missing {sorted(missing)}" if missing else None
        return f"unknown path {kind}"

    def start(self) -> RobotServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

"""The demo portal: a local government site built from the demo corpus, one section per spider family.

Runs offline on 127.0.0.1 (stdlib ThreadingHTTPServer). Besides the pages it has what real sites have: a
robots.txt, pagination, a GBK-encoded section (12345), a list page that fails with HTTP 500 once before
succeeding (Hanweb), a slow page (TRS: the first request takes ``slow_seconds``), and replies published later:
messages marked ``reply_published_later`` show their reply only after ``POST /_demo/advance`` (or ``phase=1``).
"""
from __future__ import annotations

import json
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

from demo import pages
from demo.pages import MessageView, view_of


@dataclass(frozen=True)
class Section:
    name: str  # also the demo profile's name: demo-<name>
    family: str
    channel: str
    prefix: str
    title: str


SECTIONS = (
    Section("rmw", "rmw", "feedback", "/rmw/", "领导留言板"),
    Section("hanweb", "hanweb", "mailbox", "/hanweb/", "书记信箱"),
    Section("vsb", "vsb", "mailbox", "/vsb/", "市长信箱"),
    Section("trs", "trs", "feedback", "/trs/", "政务咨询"),
    Section("case12345", "case12345", "hotline", "/12345/", "12345办件公开"),
    Section("consult", "generic", "feedback", "/consult/", "网上咨询"),
)
SECTION_BY_NAME = {s.name: s for s in SECTIONS}
# corpus sources with a section of their own; the others are spread over their channel's sections
SECTION_FOR_SOURCE = {"jiangchuan-secretary-mailbox": "hanweb", "jiangchuan-mayor-mailbox": "vsb",
                      "jiangchuan-12345": "case12345"}
VSB_PAGE_SIZE = 15
CASE_PAGE_SIZE = 20
CONSULT_PAGE_SIZE = 12
SYSID = "2"
WBTREEID = "1081"


def profile_name(section: Section) -> str:
    return f"demo-{section.name}"


def assign_sections(messages: Iterable[Any]) -> dict[str, list[Any]]:
    """Every corpus message in exactly one section: its source's, else one of its channel's sections chosen by a
    stable hash of its id; newest first, as the sites list them."""
    by_channel: dict[str, list[Section]] = {}
    for section in SECTIONS:
        by_channel.setdefault(section.channel, []).append(section)
    assigned: dict[str, list[Any]] = {s.name: [] for s in SECTIONS}
    for message in messages:
        fixed = SECTION_FOR_SOURCE.get(getattr(message, "source", ""))
        if fixed:
            assigned[fixed].append(message)
            continue
        options = by_channel.get(message.channel) or by_channel["feedback"]
        section = options[zlib.crc32(str(message.external_id).encode("utf-8")) % len(options)]
        assigned[section.name].append(message)
    for section_messages in assigned.values():
        section_messages.sort(key=lambda m: (m.submitted_at, str(m.external_id)), reverse=True)  # newest first
    return assigned


def _pages(count: int, size: int) -> int:
    return max(1, -(-count // size))


class DemoPortal:
    """The site's state: messages per section, the phase, fault switches and a hit counter per path."""

    def __init__(self, messages: Iterable[Any], phase: int = 0, slow_seconds: float = 3.0,
                 fail_once: bool = True):
        self.sections = assign_sections(messages)
        self.phase = phase
        self.slow_seconds = slow_seconds
        self._failed_once = not fail_once
        self._slowed_once = False
        self.hits: Counter[str] = Counter()
        self._lock = threading.Lock()

    def views(self, section: str) -> list[MessageView]:
        return [view_of(m, self.phase) for m in self.sections[section]]

    def find(self, section: str, external_id: str | None) -> MessageView | None:
        for message in self.sections[section]:
            if str(message.external_id) == external_id:
                return view_of(message, self.phase)
        return None

    def advance(self) -> int:
        with self._lock:
            self.phase += 1
            return self.phase

    # --- faults ---------------------------------------------------------------------------------------------
    def fail_now(self) -> bool:
        with self._lock:
            if self._failed_once:
                return False
            self._failed_once = True
            return True

    def slow_now(self) -> float:
        with self._lock:
            if self._slowed_once:
                return 0.0
            self._slowed_once = True
            return self.slow_seconds

    # --- routing ----------------------------------------------------------------------------------------------
    def handle(self, method: str, path: str, query: dict[str, str], body: bytes) -> tuple[int, str, bytes]:
        """(status, content type, body) for one request."""
        with self._lock:
            self.hits[path] += 1
        if path == "/robots.txt":
            return 200, "text/plain", b"User-agent: *\nDisallow: /_demo/\n"
        if path == "/_demo/advance" and method == "POST":
            return 200, "application/json", json.dumps({"phase": self.advance()}).encode()
        if path == "/_demo/state":
            return 200, "application/json", json.dumps({"phase": self.phase, "hits": self.hits}).encode()
        if path in ("/", "/index.html"):
            return 200, "text/html; charset=utf-8", self._index()
        for section in SECTIONS:
            if path.startswith(section.prefix):
                handler: Callable[..., tuple[int, str, bytes] | None] = getattr(self, f"_{section.family}")
                answer = handler(section.name, path[len(section.prefix):], query, body)
                if answer is not None:
                    return answer
        return 404, "text/html; charset=utf-8", pages._page("页面不存在", "<p>404 页面不存在</p>").encode()

    def _index(self) -> bytes:
        links = {
            "rmw": "threads/list", "hanweb": "jact/front/mailpublist.do", "vsb": "ldxxlb.jsp?PAGENUM=1",
            "trs": "govrefer/servlet/ReferListServlet?page=1", "case12345": "bjgk/list.html?page=1",
            "consult": "list.html?page=1"}
        items = "".join(f'<li><a href="{s.prefix}{links[s.name]}">{s.title}</a> ({len(self.sections[s.name])})</li>'
                        for s in SECTIONS)
        return pages._page("互动交流", f"<h1>江川市人民政府 互动交流</h1><ul>{items}</ul>").encode()

    _HTML = "text/html; charset=utf-8"

    def _rmw(self, name: str, rest: str, query: dict[str, str], body: bytes) -> tuple[int, str, bytes] | None:
        try:
            param = json.loads(json.loads(body or b"{}").get("param") or "{}")
        except ValueError:
            return 400, "application/json", json.dumps({"result": "fail", "message": "bad body"}).encode()
        if rest == "v1/threads/list/df":
            views = self.views(name)
            start = 0
            last = str(param.get("lastItem") or "")
            if last:
                ids = [v.external_id for v in views]
                start = ids.index(last) + 1 if last in ids else len(ids)
            rows = int(param.get("rows") or 10)
            return 200, "application/json;charset=UTF-8", pages.rmw_list(views[start:start + rows])
        if rest == "v1/threads/content":
            found = self.find(name, str(param.get("tid") or ""))
            if found is None:
                return 200, "application/json;charset=UTF-8", pages.rmw_not_found()
            return 200, "application/json;charset=UTF-8", pages.rmw_detail(found)
        return None

    def _hanweb(self, name: str, rest: str, query: dict[str, str], body: bytes) -> tuple[int, str, bytes] | None:
        if rest == "jact/front/dataproxy_mailpublist.do":
            if self.fail_now():
                return 500, self._HTML, pages._page("系统繁忙", "<p>500 Internal Server Error</p>").encode()
            views = self.views(name)
            start = max(1, int(query.get("startrecord") or 1))
            end = int(query.get("endrecord") or start + 19)
            return 200, "text/xml;charset=UTF-8", pages.hanweb_list(views[start - 1:end], len(views), SYSID)
        if rest == "jact/front/mailpubdetail.do":
            found = self.find(name, query.get("mailid"))
            return (200, self._HTML, pages.hanweb_detail(found)) if found else None
        return None

    def _vsb(self, name: str, rest: str, query: dict[str, str], body: bytes) -> tuple[int, str, bytes] | None:
        if rest == "ldxxlb.jsp":
            views = self.views(name)
            total = _pages(len(views), VSB_PAGE_SIZE)
            page = min(max(1, int(query.get("PAGENUM") or 1)), total)
            chunk = views[(page - 1) * VSB_PAGE_SIZE:page * VSB_PAGE_SIZE]
            return 200, self._HTML, pages.vsb_list(chunk, page, total, WBTREEID)
        if rest == "ldxxxx.jsp":
            found = self.find(name, query.get("leadermailid"))
            return (200, self._HTML, pages.vsb_detail(found)) if found else None
        return None

    def _trs(self, name: str, rest: str, query: dict[str, str], body: bytes) -> tuple[int, str, bytes] | None:
        if rest == "govrefer/servlet/ReferListServlet":
            delay = self.slow_now()
            if delay:
                time.sleep(delay)
            views = self.views(name)
            size = int(query.get("pagesize") or 15)
            page = max(1, int(query.get("page") or 1))
            return 200, self._HTML, pages.trs_list(views[(page - 1) * size:page * size], _pages(len(views), size))
        if rest == "govrefer/refer_detail.html":
            found = self.find(name, query.get("sn"))
            return (200, self._HTML, pages.trs_detail(found)) if found else None
        return None

    def _case12345(self, name: str, rest: str, query: dict[str, str], body: bytes
                   ) -> tuple[int, str, bytes] | None:
        gbk = "text/html; charset=GBK"
        if rest == "bjgk/list.html":
            views = self.views(name)
            total = _pages(len(views), CASE_PAGE_SIZE)
            page = min(max(1, int(query.get("page") or 1)), total)
            chunk = views[(page - 1) * CASE_PAGE_SIZE:page * CASE_PAGE_SIZE]
            return 200, gbk, pages.case_list(chunk, page, total)
        if rest == "bjgk/detail.html":
            found = self.find(name, query.get("id"))
            return (200, gbk, pages.case_detail(found)) if found else None
        return None

    def _generic(self, name: str, rest: str, query: dict[str, str], body: bytes) -> tuple[int, str, bytes] | None:
        if rest == "list.html":
            views = self.views(name)
            total = _pages(len(views), CONSULT_PAGE_SIZE)
            page = max(1, int(query.get("page") or 1))
            chunk = views[(page - 1) * CONSULT_PAGE_SIZE:page * CONSULT_PAGE_SIZE]
            return 200, self._HTML, pages.consult_list(chunk, page, total)
        if rest == "show.html":
            found = self.find(name, query.get("id"))
            return (200, self._HTML, pages.consult_detail(found)) if found else None
        return None


def _handler_class(portal: DemoPortal) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "DemoPortal/1.0"

        def _answer(self, method: str) -> None:
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            try:
                status, content_type, payload = portal.handle(method, parts.path, query, body)
            except (ValueError, KeyError) as exc:
                status, content_type, payload = 400, "text/plain; charset=utf-8", f"bad request: {exc}".encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (its timeout on the slow page): nothing to answer

        def do_GET(self) -> None:
            self._answer("GET")

        def do_POST(self) -> None:
            self._answer("POST")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


class PortalServer:
    """The portal served on 127.0.0.1 in a background thread (``port=0``: any free port)."""

    def __init__(self, portal: DemoPortal, port: int = 0, host: str = "127.0.0.1"):
        self.portal = portal
        self.httpd = ThreadingHTTPServer((host, port), _handler_class(portal))
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="demo-portal", daemon=True)

    @property
    def origin(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

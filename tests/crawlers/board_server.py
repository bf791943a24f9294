"""A small local message board served over real HTTP for crawl-health tests: normal, endless, empty,
slow, or redirecting some detail pages to another host. Its pages are built here (our own text)."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

PER_PAGE = 3


@dataclass
class Board:
    pages: int = 2  # list pages with entries (ignored when endless)
    endless: bool = False  # every list page links a next page of new entries
    empty: bool = False  # the list shows no entries at all (a redesign)
    delay: float = 0.0  # seconds before every answer
    redirect_ids: set[str] = field(default_factory=set)  # detail pages answered with a redirect off-site
    title_class: str = "t"  # the detail page's title element class (a redesign changes it)
    unanswered: set[str] = field(default_factory=set)
    prefix: str = "B"  # a new prefix = a new set of letters on top of the list


    def ids(self, page: int) -> list[str]:
        if self.empty or (not self.endless and page > self.pages):
            return []
        return [f"{self.prefix}{page:03d}{n}" for n in range(PER_PAGE)]

    def list_page(self, page: int) -> str:
        rows = "".join(f'<li class="e"><a href="show?id={i}">留言{i}</a></li>' for i in self.ids(page))
        more = self.endless or page < self.pages
        nxt = f'<a class="next" href="list?page={page + 1}">下一页</a>' if more and not self.empty else ""
        return f"<html><body><ul>{rows}</ul>{nxt}</body></html>"

    def detail_page(self, mid: str) -> str:
        day = 1 + int(mid[1:4]) % 27
        reply = "" if mid in self.unanswered else f'<div class="r">已转交相关部门处理，编号{mid}。</div>'
        return (f'<html><body><h1 class="{self.title_class}">关于{mid}的留言</h1>'
                f'<span class="d">2025-03-{day:02d} 09:00</span><div class="c">留言{mid}的正文内容。</div>'
                f"{reply}</body></html>")


def profile_text(name: str, origin: str, **top: object) -> str:
    """A generic profile for the board (the test's own; written as a bureau would from docs/profiles.md)."""
    extra = "".join(f"{key} = {value!r}\n".replace("'", '"') for key, value in top.items())
    return f"""name = "{name}"
family = "generic"
channel = "feedback"
base_url = "{origin}/board/"
{extra}
[params]
list_url = "list?page={{page}}"
entry = "li.e"
link = "a::attr(href)"
id = "url:id"
next = "a.next::attr(href)"
detail_url = "show?id={{id}}"

[params.fields]
title = "h1.t::text"
submitted_at = "span.d::text"
content = "div.c"
reply_text = "div.r"
"""


class BoardServer:
    def __init__(self, board: Board):
        self.board = board
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                parts = urlsplit(self.path)
                query = parse_qs(parts.query)
                if outer.board.delay:
                    time.sleep(outer.board.delay)
                if parts.path == "/board/list":
                    self._send(200, outer.board.list_page(int(query.get("page", ["1"])[0])))
                elif parts.path == "/board/show":
                    mid = query.get("id", [""])[0]
                    if mid in outer.board.redirect_ids:
                        self.send_response(302)
                        self.send_header("Location", f"http://127.0.0.2:{outer.port}/moved/{mid}")
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    self._send(200, outer.board.detail_page(mid))
                else:
                    self._send(404, "<html><body>not found</body></html>")

            def _send(self, status: int, text: str) -> None:
                body = text.encode("utf-8")
                try:  # a crawl that gave up (time budget) may have closed the connection already
                    self.send_response(status)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.origin = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> BoardServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def write_profile(directory: Path, name: str, origin: str, **top: object) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.toml"
    path.write_text(profile_text(name, origin, **top), encoding="utf-8")
    return path

"""The new real-site shapes crawled end to end: real Scrapy, real HTTP against a local server answering with the
saved fixture pages (tests/fixtures/<family>/), the store checked afterwards. This exercises the requests each
shape needs (人民网's form POST to queryThreadsList with the lastItem cursor, VSB's formnameNNNN paging through
a.Next, the 12345 work-order list) as well as the parsing."""
from __future__ import annotations

import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from crawlers.runner import crawl_in_subprocess
from store.db import session_scope
from store.models import Message, Source
from store.settings import get_settings

pytestmark = pytest.mark.slow
FIXTURES = Path(__file__).parent.parent / "fixtures"


def page(family: str, name: str, swap: dict[bytes, bytes] | None = None) -> bytes:
    body = (FIXTURES / family / name).read_bytes()
    for old, new in (swap or {}).items():
        body = body.replace(old, new)
    return body


def route(method: str, path: str, query: dict[str, list[str]], form: dict[str, list[str]]) -> tuple[bytes, str]:
    """The answer of the pretend sites: (body, content type)."""
    html, js, json_ = "text/html", "application/javascript;charset=UTF-8", "application/json;charset=UTF-8"
    if path == "/rmw/threads/queryThreadsList" and method == "POST":
        last = form.get("lastItem", ["0"])[0]
        return page("rmw", "query_list.json" if last == "0" else "query_list_empty.json"), json_
    if path == "/rmw/threads/content":
        tid = query["tid"][0].encode()
        if tid == b"31870021":
            return page("rmw", "query_detail.html"), "text/html; charset=utf-8"
        # the second thread: unanswered, its page without the answer block and without state/type tags
        body = page("rmw", "query_detail.html").split(b'<div class="clearfix liuyan_box05')[0] + b"</body></html>"
        tags = '<em class="green">已办理</em><em class="domainType">投诉</em><em class="domainType">交通</em>'
        body = body.replace(tags.encode(), b"")
        return body.replace("青松路公交站台顶棚破损漏雨".encode(), "咨询老旧小区加装电梯补贴标准".encode()), html
    if path == "/hanweb/jact/front/dataproxy_mailpublist.do":
        return page("hanweb", "list.js"), js
    if path == "/hanweb/jact/front/mailpubdetail.do":
        mail_id = query["mailid"][0].encode()
        return page("hanweb", "detail_span.html", {b"M20250306A1": mail_id}), "text/html; charset=utf-8"
    if path == "/vsb/ldxxlb.jsp":
        name = "list_formname.html" if query.get("formname1333ap") == ["1"] else "list_formname_last.html"
        return page("vsb", name), "text/html; charset=utf-8"
    if path == "/vsb/ldxxxx.jsp":
        mail_id = query["leadermailid"][0].encode()
        return page("vsb", "detail_titlestyle.html", {b"LD2025030612": b"LD" + mail_id}), "text/html; charset=utf-8"
    if path == "/12345/list.html":
        if query.get("page") == ["1"]:
            return page("case12345", "list_workorder.html"), html
        return page("case12345", "list_workorder.html").split(b"<tr><td>GD")[0] + b"</table></body></html>", html
    if path == "/12345/show.html":
        case_id = query["id"][0]
        return page("case12345", "detail_dl.html" if case_id == "GD250306-0042" else "detail_dl_pending.html"), html
    return b"<html><body>not here</body></html>", html


class Sites:
    def __init__(self):
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _answer(self, form: dict[str, list[str]]) -> None:
                parts = urlsplit(self.path)
                body, content_type = route(self.command, parts.path, parse_qs(parts.query), form)
                self.send_response(200 if b"not here" not in body else 404)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:  # noqa: N802
                self._answer({})

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                self._answer(parse_qs(self.rfile.read(length).decode()))

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def sites(tmp_path, monkeypatch, sqlite_engine):
    directory = tmp_path / "profiles"
    directory.mkdir()
    monkeypatch.setenv("HOTLINE_CRAWL_PROFILES_DIR", str(directory))
    monkeypatch.setenv("HOTLINE_CRAWL_OBEY_ROBOTS", "false")
    get_settings.cache_clear()
    running = Sites()
    running.profiles = directory
    yield running
    running.close()
    get_settings.cache_clear()


def crawl(sites: Sites, name: str, family: str, channel: str, base: str, params: str) -> dict[str, Message]:
    (sites.profiles / f"{name}.toml").write_text(
        f'name = "{name}"\nfamily = "{family}"\nchannel = "{channel}"\nbase_url = "{sites.origin}/{base}/"\n'
        f"[params]\n{params}\n", encoding="utf-8")
    outcome = crawl_in_subprocess([name], timeout=120)
    assert outcome.ok, outcome.stderr_tail
    (summary,) = outcome.summaries
    assert summary["errors"] == [], summary["errors"]
    with session_scope() as session:
        rows = session.scalars(select(Message).join(Source).where(Source.name == name)).all()
        session.expunge_all()
    return {m.external_id: m for m in rows}


def test_rmw_query_api_over_http(sites):
    stored = crawl(sites, "rmw-query", "rmw", "feedback", "rmw", 'fid = "539"\nlist_api = "query"')
    assert set(stored) == {"31870021", "31869988"}  # then the empty responseData (lastItem=31869988) ended it
    answered, open_ = stored["31870021"], stored["31869988"]
    assert answered.reply_unit == "江川市交通运输局" and answered.replied_at == datetime(2025, 3, 9, 10, 0)
    assert answered.votes_up == 4  # only in the list answer
    assert open_.reply_text is None and open_.title == "咨询老旧小区加装电梯补贴标准"
    assert (open_.kind, open_.category, open_.status) == ("咨询", "城建", "待回复")  # the list row's, not on the page


def test_hanweb_javascript_list_and_span_details_over_http(sites):
    stored = crawl(sites, "jact-js", "hanweb", "mailbox", "hanweb",
                   'sysid = "7"\nperpage = 20\n[params.list_fields]\nstatus = "state"')
    assert set(stored) == {"M20250306A1", "M20250305B7"}
    assert stored["M20250305B7"].submitted_at == datetime(2025, 3, 6, 19, 12, 40)  # the page's own date
    assert stored["M20250306A1"].status == "已回复" and stored["M20250305B7"].status == "办理中"  # list column


def test_vsb_formname_paging_over_http(sites):
    stored = crawl(sites, "shangluo-like", "vsb", "mailbox", "vsb",
                   'list_url = "ldxxlb.jsp?formname1333at=54&formname1333ap={page}&formname1333ac=15'
                   '&urltype=tree.TreeTempUrl&wbtreeid=1112"')
    # page 1 (two letters) then a.Next to page 2 (one letter, no further link)
    assert set(stored) == {"LD88213", "LD88190", "LD87002"}
    assert stored["LD87002"].reply_unit == "东关街道办事处、市住建局"


def test_case12345_workorder_board_over_http(sites):
    stored = crawl(sites, "gd-board", "case12345", "hotline", "12345",
                   'list_path = "list.html"\ndetail_path = "show.html"\n'
                   '[params.list_fields]\nstatus = "办理状态"')
    assert set(stored) == {"GD250306-0042", "GD250305-0117"}
    pending = stored["GD250305-0117"]
    assert pending.reply_text is None and pending.status == "正在办理中"
    assert stored["GD250306-0042"].reply_text == "已在上下学高峰安排警力值守，并施划临时停车泊位。"

"""TRS WCM 政务互动 (govrefer) consultation board.

List: a servlet ``govrefer/servlet/ReferListServlet?page=N&pagesize=`` answering an HTML fragment
``<ul class="refer-list"><li><a href="refer_detail.html?sn=…">title</a><span class="date">…</span>
<span class="state">…</span></li>…</ul><input id="totalPage" value="N">``. Detail: ``refer_detail.html?sn=``
with ``div.refer-detail`` holding dt/dd label pairs for the question and the answer.

params: list_path, detail_path, page_size (15).
"""
from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from scrapy.http import Request, TextResponse

from crawlers.parsing import clean_inline
from crawlers.spiders.base import ListEntry, ListPage, MessageSpider, PageProblem
from crawlers.spiders.labels import answered_words, dl_pairs, fields_from_pairs


def _sn(url: str) -> str | None:
    return (parse_qs(urlsplit(url).query).get("sn") or [None])[0]


class TrsSpider(MessageSpider):
    family = "trs"
    list_end = b"</ul>"

    def list_request(self, page: int) -> Request | None:
        p = self.profile.params
        query = {"page": page, "pagesize": int(p.get("page_size", 15))}
        return Request(self.profile.url(p.get("list_path", "govrefer/servlet/ReferListServlet")) + "?"
                       + urlencode(query), meta={"list_page": page})

    def detail_request(self, external_id: str, url: str | None) -> Request:
        if url is None:
            path = self.profile.params.get("detail_path", "govrefer/refer_detail.html")
            url = self.profile.url(path) + "?" + urlencode({"sn": external_id})
        return Request(url)

    def parse_list(self, response: TextResponse) -> ListPage:
        items = response.css("ul.refer-list > li")
        if not items and not response.css("ul.refer-list"):
            raise PageProblem("no_list", f"{response.url}: no ul.refer-list")
        entries = []
        for li in items:
            href = li.css("a::attr(href)").get()
            if not href:
                continue
            url = response.urljoin(href)
            state = clean_inline(li.css("span.state").xpath("string()").get())
            entries.append(ListEntry(_sn(url), url, replied=state in answered_words()))
        page = response.meta.get("list_page", 1)
        total = response.css("input#totalPage::attr(value)").get()
        more = page < int(total) if total and total.isdigit() else bool(entries)
        return ListPage(entries, self.list_request(page + 1) if more else None)

    def parse_detail(self, response: TextResponse) -> dict[str, Any]:
        block = response.css("div.refer-detail")
        if not block:
            raise PageProblem("no_detail_block", f"{response.url}: no div.refer-detail")
        fields = fields_from_pairs(dl_pairs(block))
        fields["external_id"] = fields.get("external_id") or _sn(response.url)
        return fields

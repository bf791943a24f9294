"""City 12345 办件公开 (case publication) board: often GBK.

List: ``bjgk/list.html?page=N``: a table whose header names the columns (受理编号, 标题, 受理时间, 办理单位,
状态), the title linking to ``detail.html?id=``; a "下一页" link. Detail: a label/value table holding 诉求内容
and 办理结果.

params: list_path (bjgk/list.html), detail_path (bjgk/detail.html), id_param (id).
"""
from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from scrapy.http import Request, TextResponse

from crawlers.parsing import clean_inline
from crawlers.spiders.base import ListEntry, ListPage, MessageSpider, PageProblem
from crawlers.spiders.labels import fields_from_pairs, label_field, table_pairs

_CLOSED = ("已办结", "办结", "已回复", "已答复")


class Case12345Spider(MessageSpider):
    family = "case12345"

    @property
    def id_param(self) -> str:
        return self.profile.params.get("id_param", "id")

    def list_request(self, page: int) -> Request | None:
        path = self.profile.params.get("list_path", "bjgk/list.html")
        return Request(self.profile.url(path) + "?" + urlencode({"page": page}))

    def detail_request(self, external_id: str, url: str | None) -> Request:
        if url is None:
            path = self.profile.params.get("detail_path", "bjgk/detail.html")
            url = self.profile.url(path) + "?" + urlencode({self.id_param: external_id})
        return Request(url)

    def parse_list(self, response: TextResponse) -> ListPage:
        header = response.xpath("//tr[th[contains(., '受理编号')]][1]")
        if not header:
            raise PageProblem("no_list_table", f"{response.url}: no case table (header 受理编号)")
        columns = [label_field(clean_inline(th.xpath("string()").get())) for th in header.xpath("./th")]
        entries = []
        for row in header[0].root.itersiblings("tr"):
            cells = row.findall("td")  # plain lxml: parsel wrappers per cell cost more than the parse
            values = {name: clean_inline("".join(cell.itertext()))
                      for name, cell in zip(columns, cells, strict=False) if name}
            links = row.xpath(".//a/@href")
            href = str(links[0]) if links else None
            if not href:
                continue
            url = response.urljoin(href)
            case_id = values.get("external_id") or (parse_qs(urlsplit(url).query).get(self.id_param) or [None])[0]
            status = values.get("status", "")
            entries.append(ListEntry(case_id, url, replied=any(s in status for s in _CLOSED)))
        nxt = response.xpath("//a[normalize-space(.)='下一页']/@href").get()
        return ListPage(entries, Request(response.urljoin(nxt)) if nxt else None)

    def parse_detail(self, response: TextResponse) -> dict[str, Any]:
        rows = response.xpath("(//th[contains(., '诉求内容')])[1]/ancestor::table[1]//tr")
        if not rows:
            raise PageProblem("no_detail_table", f"{response.url}: no case table (诉求内容)")
        fields = fields_from_pairs(table_pairs(rows))
        from_url = (parse_qs(urlsplit(response.url).query).get(self.id_param) or [None])[0]
        fields["external_id"] = fields.get("external_id") or from_url
        return fields

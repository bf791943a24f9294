"""City 12345 办件公开 (case publication) board: often GBK.

List: ``bjgk/list.html?page=N``: a table whose header row names the columns (受理编号 or 工单编号, 标题, 受理时间,
办理单位, 状态, 诉求类型 … — th or td cells, any label of crawlers/data/labels.toml), the title linking to
``detail.html?id=``; a "下一页" link. Detail: a label/value table holding 诉求内容 and 办理结果, or a definition
list ``<dl><dt>诉求内容</dt><dd>…</dd>…</dl>``. A board whose pages have neither layout is a board for the
generic family (docs/profiles.md).

Placeholders such as 正在办理中 / 待回复 in the reply cell are stored as no reply (crawlers/data/labels.toml,
params.reply_placeholders).

params: list_path (bjgk/list.html), detail_path (bjgk/detail.html), id_param (id), list_fields (column labels).
"""
from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from scrapy.http import Request, TextResponse

from crawlers.parsing import clean_inline
from crawlers.spiders.base import ListEntry, ListPage, MessageSpider, PageProblem
from crawlers.spiders.labels import (
    answered_words,
    dl_pairs,
    fields_from_pairs,
    header_columns,
    label_field,
    table_pairs,
)

GENERIC_HINT = ("this board's layout is not a 12345 case table: describe it with family = \"generic\" "
                "(docs/profiles.md, section 'generic')")


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

    def _header(self, response: TextResponse) -> Any:
        for row in response.xpath("//tr[th or td]"):
            labels = header_columns(row.xpath("./th|./td"))
            if any(label_field(label) == "external_id" for label in labels) and not row.xpath(".//a[@href]"):
                return row, labels
        return None, []

    def parse_list(self, response: TextResponse) -> ListPage:
        header, labels = self._header(response)
        if header is None:
            raise PageProblem("no_list_table", f"{response.url}: no case table (a header row with a case number "
                                               f"column such as 受理编号/工单编号); {GENERIC_HINT}")
        columns = [label_field(label) for label in labels]
        words = answered_words()
        entries = []
        for row in header.root.itersiblings("tr"):
            cells = row.findall("td")  # plain lxml: parsel wrappers per cell cost more than the parse
            texts = [clean_inline("".join(cell.itertext())) for cell in cells]
            values = {name: text for name, text in zip(columns, texts, strict=False) if name}
            links = row.xpath(".//a/@href")
            href = str(links[0]) if links else None
            if not href:
                continue
            url = response.urljoin(href)
            case_id = values.get("external_id") or (parse_qs(urlsplit(url).query).get(self.id_param) or [None])[0]
            status = values.get("status", "")
            entries.append(ListEntry(case_id, url, replied=any(s in status for s in words),
                                     fields=self.fields_from_columns(labels, texts) or None))
        nxt = response.xpath("//a[normalize-space(.)='下一页']/@href").get()
        return ListPage(entries, Request(response.urljoin(nxt)) if nxt else None)

    def parse_detail(self, response: TextResponse) -> dict[str, Any]:
        rows = response.xpath("(//th[contains(., '诉求内容')] | //td[contains(., '诉求内容') and not(.//table)])[1]"
                              "/ancestor::table[1]//tr")
        if rows:
            fields = fields_from_pairs(table_pairs(rows))
        else:
            lists = response.xpath("//dl[dt]")
            if not lists:
                raise PageProblem("no_detail_table", f"{response.url}: neither a case table (诉求内容) nor a "
                                                     f"<dl> list of labels; {GENERIC_HINT}")
            fields = fields_from_pairs(pair for dl in lists for pair in dl_pairs(dl))
        from_url = (parse_qs(urlsplit(response.url).query).get(self.id_param) or [None])[0]
        fields["external_id"] = fields.get("external_id") or from_url
        return fields

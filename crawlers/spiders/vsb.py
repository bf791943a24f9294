"""博达 VSB leader mailbox (领导信箱).

List: ``ldxxlb.jsp?…&wbtreeid=`` with a table of letters (title link to
``ldxxxx.jsp?urltype=leadermail.LeaderMailContentUrl&wbtreeid=&leadermailid=``, date ``YYYY年M月D日``, state).
Paging takes one of two forms: ``PAGENUM=N`` with a "下页"/"下一页" link, or the list form's own parameters
``formnameNNNNat=…&formnameNNNNap=N&formnameNNNNac=…`` (NNNN the form's number, e.g. 1333 on 商洛's site) with an
``a.Next`` link. Set ``list_url`` with ``{page}`` for the second form; the next page is always the page's own
next link when it has one.

Detail: a label/value table: labels (信件编号, 来信标题/来信主题, 信件内容, 来信时间, 回复内容, 回复时间, 回复人 …, see
crawlers/data/labels.toml) in ``td.titlestyleNNNN`` cells and values in ``td.contentstyleNNNN``, or plain
``td`` pairs anchored on the title label.

params: wbtreeid, list_url (with {page}; default ``ldxxlb.jsp?PAGENUM={page}&urltype=tree.TreeTempUrl&wbtreeid=…``),
list_path (ldxxlb.jsp), detail_path (ldxxxx.jsp), id_param (leadermailid), list_fields (column header labels).
"""
from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from scrapy.http import Request, TextResponse

from crawlers.parsing import clean_inline
from crawlers.spiders.base import ListEntry, ListPage, MessageSpider, PageProblem
from crawlers.spiders.labels import (
    answered_words,
    fields_from_pairs,
    header_columns,
    table_pairs,
    vocabulary,
)


class VsbSpider(MessageSpider):
    family = "vsb"

    @property
    def id_param(self) -> str:
        return self.profile.params.get("id_param", "leadermailid")

    def _mail_id(self, url: str) -> str | None:
        return (parse_qs(urlsplit(url).query).get(self.id_param) or [None])[0]

    def list_request(self, page: int) -> Request | None:
        p = self.profile.params
        if p.get("list_url"):
            return Request(self.profile.url(p["list_url"].format(page=page)))
        query = {"PAGENUM": page, "urltype": "tree.TreeTempUrl", "wbtreeid": p.get("wbtreeid", "")}
        return Request(self.profile.url(p.get("list_path", "ldxxlb.jsp")) + "?" + urlencode(query))

    def detail_request(self, external_id: str, url: str | None) -> Request:
        if url is None:
            p = self.profile.params
            query = {"urltype": "leadermail.LeaderMailContentUrl", "wbtreeid": p.get("wbtreeid", ""),
                     self.id_param: external_id}
            url = self.profile.url(p.get("detail_path", "ldxxxx.jsp")) + "?" + urlencode(query)
        return Request(url)

    def parse_list(self, response: TextResponse) -> ListPage:
        link = f"//a[contains(@href, '{self.id_param}=')]"
        rows = response.xpath(f"{link}/ancestor::tr[1]")
        if not rows:  # links without the id parameter: the rows of the list form's table (table.winstyleNNNN)
            link = "//a[@href]"
            rows = response.xpath("//table[starts-with(@class, 'winstyle')]//tr[td//a[@href]]")
        if not rows and not response.css("table"):
            raise PageProblem("no_list_table", f"{response.url}: no letter table")
        columns: list[str] = []
        if self.list_fields and rows:
            header = rows[0].xpath("preceding-sibling::tr[th or td[contains(@class, 'titlestyle')]][1]")
            columns = header_columns(header.xpath("./th|./td")) if header else []
        words = answered_words()
        entries = []
        for row in rows:
            url = response.urljoin(row.xpath(f".{link}/@href").get())
            cells = [clean_inline(" ".join(td.xpath(".//text()").getall())) for td in row.xpath("./td")]
            state = cells[-1] if cells else ""
            entries.append(ListEntry(self._mail_id(url) or url, url, replied=any(a in state for a in words),
                                     fields=self.fields_from_columns(columns, cells) or None))
        nxt = response.xpath("//a[contains(concat(' ', normalize-space(@class), ' '), ' Next ')]/@href"
                             " | //a[normalize-space(.)='下页' or normalize-space(.)='下一页']/@href").get()
        next_request = None
        if nxt and not nxt.strip().lower().startswith(("javascript", "#")):
            target = response.urljoin(nxt.strip())
            next_request = Request(target) if target != response.url else None
        return ListPage(entries, next_request)

    def parse_detail(self, response: TextResponse) -> dict[str, Any]:
        rows = response.xpath("//td[starts-with(@class, 'titlestyle')]/parent::tr")
        if not rows:
            titles = [name for name, field in vocabulary()["labels"].items() if field == "title"]
            anchor = " or ".join(f"starts-with(normalize-space(.), '{t}')" for t in titles)
            cell = f"(//td[({anchor}) and not(.//table)])[1]"
            rows = response.xpath(f"{cell}/ancestor::table[1]/tr | {cell}/ancestor::table[1]/tbody/tr")
        if not rows:
            raise PageProblem("no_detail_table", f"{response.url}: no letter table (no td.titlestyle… cells and no "
                                                 "title label such as 来信标题/来信主题)")
        fields = fields_from_pairs(table_pairs(rows))
        fields["external_id"] = fields.get("external_id") or self._mail_id(response.url)
        return fields

"""博达 VSB leader mailbox (领导信箱).

List: ``ldxxlb.jsp?totalpage=&PAGENUM=N&urltype=tree.TreeTempUrl&wbtreeid=`` with a table of letters (title
link to ``ldxxxx.jsp?urltype=leadermail.LeaderMailContentUrl&wbtreeid=&leadermailid=``, date ``YYYY年M月D日``,
state) and a "下页" link. Detail: a label/value table (``来信标题：`` …).

params: wbtreeid, list_path (ldxxlb.jsp), detail_path (ldxxxx.jsp).
"""
from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from scrapy.http import Request, TextResponse

from crawlers.parsing import clean_inline
from crawlers.spiders.base import ListEntry, ListPage, MessageSpider, PageProblem
from crawlers.spiders.labels import fields_from_pairs, table_pairs

_ANSWERED = ("已回复", "已办结", "已答复", "已处理")


def _mail_id(url: str) -> str | None:
    return (parse_qs(urlsplit(url).query).get("leadermailid") or [None])[0]


class VsbSpider(MessageSpider):
    family = "vsb"

    def list_request(self, page: int) -> Request | None:
        p = self.profile.params
        query = {"PAGENUM": page, "urltype": "tree.TreeTempUrl", "wbtreeid": p.get("wbtreeid", "")}
        return Request(self.profile.url(p.get("list_path", "ldxxlb.jsp")) + "?" + urlencode(query))

    def detail_request(self, external_id: str, url: str | None) -> Request:
        if url is None:
            p = self.profile.params
            query = {"urltype": "leadermail.LeaderMailContentUrl", "wbtreeid": p.get("wbtreeid", ""),
                     "leadermailid": external_id}
            url = self.profile.url(p.get("detail_path", "ldxxxx.jsp")) + "?" + urlencode(query)
        return Request(url)

    def parse_list(self, response: TextResponse) -> ListPage:
        rows = response.xpath("//a[contains(@href, 'leadermailid=')]/ancestor::tr[1]")
        if not rows and not response.css("table"):
            raise PageProblem("no_list_table", f"{response.url}: no letter table")
        entries = []
        for row in rows:
            url = response.urljoin(row.xpath(".//a[contains(@href, 'leadermailid=')]/@href").get())
            state = clean_inline(" ".join(row.xpath("./td[last()]//text()").getall()))
            entries.append(ListEntry(_mail_id(url), url, replied=any(a in state for a in _ANSWERED)))
        nxt = response.xpath("//a[normalize-space(.)='下页' or normalize-space(.)='下一页']/@href").get()
        return ListPage(entries, Request(response.urljoin(nxt)) if nxt else None)

    def parse_detail(self, response: TextResponse) -> dict[str, Any]:
        rows = response.xpath(
            "(//td[starts-with(normalize-space(.), '来信标题') and not(.//table)])[1]/ancestor::table[1]/tr"
            " | (//td[starts-with(normalize-space(.), '来信标题') and not(.//table)])[1]/ancestor::table[1]/tbody/tr")
        if not rows:
            raise PageProblem("no_detail_table", f"{response.url}: no letter table (来信标题)")
        fields = fields_from_pairs(table_pairs(rows))
        fields["external_id"] = fields.get("external_id") or _mail_id(response.url)
        return fields

"""Hanweb 大汉 jact mailbox (互动交流).

List: ``jact/front/dataproxy_mailpublist.do?sysid=&startrecord=&endrecord=&perpage=`` answering XML
``<datastore><totalrecord>N</totalrecord><recordset><record><![CDATA[<tr>…</tr>]]></record>…`` where each record
is an HTML fragment (a link to ``mailpubdetail.do?sysid=&mailid=``, the date, the reply date); newer deployments
answer JSON ``{"totalcount": N, "data": [{"title", "mailid", "createdate", "replydate"}]}`` (``list_format =
"json"``). Detail: ``jact/front/mailpubdetail.do?sysid=&mailid=``: the letter and the reply as label/value tables
inside ``div.jact_main``.

params: sysid, perpage (20), list_format (xml | json), list_path, detail_path.
"""
from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from parsel import Selector
from scrapy.http import Request, TextResponse

from crawlers.parsing import clean_inline
from crawlers.spiders.base import ListEntry, ListPage, MessageSpider, PageProblem
from crawlers.spiders.labels import fields_from_pairs, table_pairs

_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.DOTALL)
_TOTAL = re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>")


class HanwebSpider(MessageSpider):
    family = "hanweb"
    list_end = b"</datastore>"

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if self.profile.params.get("list_format", "xml") == "json":
            self.list_end = None  # the JSON parser notices a truncated answer itself

    @property
    def perpage(self) -> int:
        return int(self.profile.params.get("perpage", 20))

    def list_request(self, page: int) -> Request | None:
        p = self.profile.params
        query = {"sysid": p.get("sysid", ""), "startrecord": (page - 1) * self.perpage + 1,
                 "endrecord": page * self.perpage, "perpage": self.perpage}
        path = p.get("list_path", "jact/front/dataproxy_mailpublist.do")
        return Request(self.profile.url(path) + "?" + urlencode(query), meta={"list_page": page})

    def detail_request(self, external_id: str, url: str | None) -> Request:
        if url is None:
            query = urlencode({"sysid": self.profile.params.get("sysid", ""), "mailid": external_id})
            url = self.profile.url(self.profile.params.get("detail_path", "jact/front/mailpubdetail.do")) + "?" + query
        return Request(url)

    def _next(self, response: TextResponse, total: int | None, count: int) -> Request | None:
        page = response.meta.get("list_page", 1)
        if total is not None:
            return self.list_request(page + 1) if page * self.perpage < total else None
        return self.list_request(page + 1) if count >= self.perpage else None

    def parse_list(self, response: TextResponse) -> ListPage:
        if self.profile.params.get("list_format", "xml") == "json":
            return self._parse_json_list(response)
        text = response.text
        if "<datastore" not in text:
            raise PageProblem("not_datastore", f"{response.url}: no <datastore> in the data-proxy answer")
        entries = []
        # every record is a table row: one parse of all of them (a parse per record costs twice as much)
        records = "".join(f"<tbody>{fragment}</tbody>" for fragment in _RECORD.findall(text))
        for record in Selector(text=f"<table>{records}</table>").xpath("//tbody"):
            href = record.xpath(".//a/@href").get()
            if not href:
                continue
            url = response.urljoin(href)
            mail_id = (parse_qs(urlsplit(url).query).get("mailid") or [None])[0]
            reply_date = clean_inline(record.xpath("string(.//td[@class='replydate'])").get())
            entries.append(ListEntry(mail_id, url, replied=bool(reply_date)))
        total = _TOTAL.search(text)
        return ListPage(entries, self._next(response, int(total.group(1)) if total else None, len(entries)))

    def _parse_json_list(self, response: TextResponse) -> ListPage:
        try:
            payload = json.loads(response.text)
        except ValueError as exc:
            raise PageProblem("bad_json", f"{response.url}: not JSON ({exc})") from None
        rows = payload.get("data") if isinstance(payload, dict) else None
        if not isinstance(rows, list):
            raise PageProblem("bad_json", f"{response.url}: no data list")
        entries = []
        for row in rows:
            mail_id = str(row.get("mailid") or "").strip()
            if mail_id:
                entries.append(ListEntry(mail_id, replied=bool(row.get("replydate"))))
        total = payload.get("totalcount")
        return ListPage(entries, self._next(response, int(total) if total is not None else None, len(entries)))

    def parse_detail(self, response: TextResponse) -> dict[str, Any]:
        main = response.css("div.jact_main")
        if not main:
            raise PageProblem("no_detail_block", f"{response.url}: no div.jact_main")
        fields = fields_from_pairs(table_pairs(main.css("table tr")))
        if not fields.get("external_id"):
            fields["external_id"] = (parse_qs(urlsplit(response.url).query).get("mailid") or [None])[0]
        return fields

"""Hanweb 大汉 jact mailbox (互动交流). Three list answers are in use; the reader recognises each by its form.

List: ``jact/front/dataproxy_mailpublist.do?sysid=&startrecord=&endrecord=&perpage=`` answering

- XML ``<datastore><totalrecord>N</totalrecord><recordset><record><![CDATA[<tr>…</tr>]]></record>…``;
- JavaScript ``dataStore = ["<tr>…</tr>", …];`` (菏泽, 济南 deployments; the empty answer is ``dataStore = [];``),
  alone or inside an HTML page's ``<script>``;
- JSON ``{"totalcount": N, "data": [{"title", "mailid", "createdate", "replydate"}]}`` (newer deployments).

Each XML/JS record is a table row: a link to ``mailpubdetail.do?sysid=&mailid=`` (or ``transactId=``), the date,
the reply date. Detail: ``jact/front/mailpubdetail.do?sysid=&mailid=``: the letter and the reply as label/value
tables inside ``div.jact_main`` — label and value in alternate cells, or the value in a ``<span>`` of the
label's cell.

params: sysid, perpage (20), id_param (mailid; transactId on some sites), list_path, detail_path, list_fields
(column positions are not labelled in records: a list field names a ``td`` class, e.g. ``status = "state"``).
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
_JS_STORE = re.compile(r"dataStore\s*=\s*\[")
_JS_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"|\'((?:[^\'\\]|\\.)*)\'', re.DOTALL)
_JS_TOTAL = re.compile(r"(?:totalRecord|totalrecord|totalCount)\s*[=:]\s*(\d+)")


def js_records(text: str, url: str) -> tuple[list[str], int | None]:
    """The HTML rows of a ``dataStore = [ … ];`` answer and its total when the script states one.

    ``dataStore = [];`` is an empty list; an array that never closes is a truncated page.
    """
    start = _JS_STORE.search(text)
    assert start is not None
    records: list[str] = []
    position = start.end()
    while True:
        rest = text[position:]
        stripped = rest.lstrip()
        position += len(rest) - len(stripped)
        if stripped.startswith("]"):
            break
        match = _JS_STRING.match(stripped)
        if not match:
            raise PageProblem("truncated", f"{url}: dataStore array does not close (truncated page?)")
        raw = match.group(1) if match.group(1) is not None else match.group(2)
        try:
            records.append(json.loads(f'"{raw}"') if match.group(1) is not None else raw.replace("\\'", "'"))
        except ValueError:
            records.append(raw)
        position += match.end()
        rest = text[position:].lstrip()
        position = len(text) - len(rest)
        if rest.startswith(","):
            position += 1
    total = _JS_TOTAL.search(text)
    return records, int(total.group(1)) if total else None


class HanwebSpider(MessageSpider):
    family = "hanweb"
    list_end = None  # each of the three forms is checked whole by its own reader

    @property
    def perpage(self) -> int:
        return int(self.profile.params.get("perpage", 20))

    @property
    def id_param(self) -> str:
        return self.profile.params.get("id_param", "mailid")

    def list_request(self, page: int) -> Request | None:
        p = self.profile.params
        query = {"sysid": p.get("sysid", ""), "startrecord": (page - 1) * self.perpage + 1,
                 "endrecord": page * self.perpage, "perpage": self.perpage}
        path = p.get("list_path", "jact/front/dataproxy_mailpublist.do")
        return Request(self.profile.url(path) + "?" + urlencode(query), meta={"list_page": page})

    def detail_request(self, external_id: str, url: str | None) -> Request:
        if url is None:
            query = urlencode({"sysid": self.profile.params.get("sysid", ""), self.id_param: external_id})
            url = self.profile.url(self.profile.params.get("detail_path", "jact/front/mailpubdetail.do")) + "?" + query
        return Request(url)

    def _next(self, response: TextResponse, total: int | None, count: int) -> Request | None:
        page = response.meta.get("list_page", 1)
        if total is not None:
            return self.list_request(page + 1) if page * self.perpage < total else None
        return self.list_request(page + 1) if count >= self.perpage else None

    def _id_from(self, url: str) -> str | None:
        query = parse_qs(urlsplit(url).query)
        for name in (self.id_param, "mailid", "transactId"):
            if query.get(name):
                return query[name][0]
        return None

    def parse_list(self, response: TextResponse) -> ListPage:
        text = response.text
        head = text.lstrip()[:1]
        if _JS_STORE.search(text):
            records, total = js_records(text, response.url)
        elif "<datastore" in text:
            if "</datastore>" not in text[-4096:]:
                raise PageProblem("truncated", f"{response.url}: the data-proxy answer ends before </datastore>")
            records = _RECORD.findall(text)
            found = _TOTAL.search(text)
            total = int(found.group(1)) if found else None
        elif head in ("{", "["):
            return self._parse_json_list(response)
        else:
            raise PageProblem("not_datastore", f"{response.url}: neither <datastore> XML, a JavaScript dataStore "
                                               "nor JSON in the data-proxy answer")
        return ListPage(self._entries(response, records), self._next(response, total, len(records)))

    def _entries(self, response: TextResponse, records: list[str]) -> list[ListEntry]:
        entries = []
        # every record is a table row: one parse of all of them (a parse per record costs twice as much)
        rows = "".join(f"<tbody>{fragment}</tbody>" for fragment in records)
        for record in Selector(text=f"<table>{rows}</table>").xpath("//tbody"):
            href = record.xpath(".//a/@href").get()
            if not href:
                continue
            url = response.urljoin(href)
            reply_date = clean_inline(record.xpath("string(.//td[@class='replydate'])").get())
            fields = {name: clean_inline(record.xpath(f"string(.//td[@class='{css}'])").get())
                      for name, css in self.list_fields.items()}
            entries.append(ListEntry(self._id_from(url), url, replied=bool(reply_date),
                                     fields={k: v for k, v in fields.items() if v} or None))
        return entries

    def _parse_json_list(self, response: TextResponse) -> ListPage:
        try:
            payload = json.loads(response.text)
        except ValueError as exc:
            raise PageProblem("bad_json", f"{response.url}: not JSON ({exc}; truncated?)") from None
        rows = payload.get("data") if isinstance(payload, dict) else payload
        if not isinstance(rows, list):
            raise PageProblem("bad_json", f"{response.url}: no data list")
        entries = []
        for row in rows:
            mail_id = str(row.get("mailid") or row.get("transactId") or "").strip()
            if mail_id:
                entries.append(ListEntry(mail_id, replied=bool(row.get("replydate"))))
        total = payload.get("totalcount") if isinstance(payload, dict) else None
        return ListPage(entries, self._next(response, int(total) if total is not None else None, len(entries)))

    def parse_detail(self, response: TextResponse) -> dict[str, Any]:
        main = response.css("div.jact_main")
        if not main:
            raise PageProblem("no_detail_block", f"{response.url}: no div.jact_main")
        fields = fields_from_pairs(table_pairs(main.css("table tr")))
        if not fields.get("external_id"):
            fields["external_id"] = self._id_from(response.url)
        return fields

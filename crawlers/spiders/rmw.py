"""人民网领导留言板 (liuyan.people.com.cn) and boards built like it. Two APIs are in use; the reader takes both.

``list_api = "v1"`` (default): POST ``v1/threads/list/df`` with ``{appCode, token, signature, param}``, ``param`` a
JSON string ``{"fid", "showUnAnswer", "typeId", "lastItem", "position", "rows", "orderType"}``; the answer's
``resultData.data[]`` holds ``tid``, ``subject``, unix-second ``createDateline``, ``lastAnswerTime``. The next page
is asked with ``lastItem`` = the last tid seen. Detail: POST ``v1/threads/content`` with ``param={"tid": …}``;
``resultData`` holds the thread (``subject``, ``typeName``, ``domainName``, ``forumName``, ``nickName``,
``stateInfo``, ``createDateline``, ``agreeNum``/``opposeNum``) and ``contentList[]``: the message, then replies
with ``content``, ``dateline``, ``organization``.

``list_api = "query"``: POST form ``threads/queryThreadsList`` (``fid``, ``state``, ``lastItem``) answering
``{"result", "responseData": […], "success"}``; each row carries the whole thread, the answer inline
(``subject``, ``content``, ``dateline``, ``typeName``, ``domainName``, ``nickName``, ``answerContent``,
``answerOrganization``, ``answerDateline``). Detail: the HTML page ``threads/content?tid=`` (title, state and
type in ``div.liuyan_box03``, the answer in ``div.liuyan_box05``); what the page lacks is taken from the list row.
An empty ``responseData`` is the end of the list.

Either list answer is read whatever ``list_api`` says (a board that moves from one API to the other keeps working
once its profile's requests follow).

params: fid (board id), list_api (v1 | query), state (query API: 1 all), app_code, token, signature, rows (page
size, 10), type_id (0), order_type (1), list_path, detail_path, view_url (human page of a thread, ``{tid}``).
"""
from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

from scrapy.http import FormRequest, JsonRequest, Request, TextResponse

from crawlers.parsing import clean_inline
from crawlers.spiders.base import ListEntry, ListPage, MessageSpider, PageProblem

# queryThreadsList row key -> message field
QUERY_ROW_FIELDS = {
    "subject": "title", "content": "content", "dateline": "submitted_at", "nickName": "submitter",
    "typeName": "kind", "domainName": "category", "forumName": "unit", "stateInfo": "status",
    "answerContent": "reply_text", "answerOrganization": "reply_unit", "answerDateline": "replied_at",
    "agreeNum": "votes_up", "opposeNum": "votes_down",
}


def _json(response: TextResponse) -> Any:
    try:
        return json.loads(response.text)
    except ValueError as exc:
        raise PageProblem("bad_json", f"{response.url}: not JSON ({exc}; truncated?)") from None


def _result_data(response: TextResponse) -> dict[str, Any]:
    payload = _json(response)
    if not isinstance(payload, dict) or not isinstance(payload.get("resultData"), dict):
        raise PageProblem("bad_json", f"{response.url}: no resultData object in the answer")
    return payload["resultData"]


class RmwSpider(MessageSpider):
    family = "rmw"
    list_end = None
    detail_end = None

    @property
    def query_api(self) -> bool:
        return self.profile.params.get("list_api", "v1") == "query"

    def _body(self, param: dict[str, Any]) -> dict[str, Any]:
        p = self.profile.params
        return {"appCode": p.get("app_code", "PC42ce3bfa4980a9"), "token": p.get("token", ""),
                "signature": p.get("signature", ""), "param": json.dumps(param, ensure_ascii=False)}

    def _list_call(self, last_item: str, position: int) -> Request:
        p = self.profile.params
        if self.query_api:
            form = {"fid": str(p.get("fid", "")), "state": str(p.get("state", 1)), "lastItem": last_item or "0"}
            return FormRequest(self.profile.url(p.get("list_path", "threads/queryThreadsList")), formdata=form,
                               meta={"position": position})
        param = {"fid": str(p.get("fid", "")), "showUnAnswer": 1, "typeId": p.get("type_id", 0),
                 "lastItem": last_item, "position": position, "rows": int(p.get("rows", 10)),
                 "orderType": p.get("order_type", 1)}
        return JsonRequest(self.profile.url(p.get("list_path", "v1/threads/list/df")), data=self._body(param),
                           meta={"position": position})

    def list_request(self, page: int) -> Request | None:
        return self._list_call("", 0) if page == 1 else None

    def view_url(self, tid: str) -> str:
        template = self.profile.params.get("view_url", "threads/content?tid={tid}")
        return self.profile.url(template.format(tid=tid))

    def detail_request(self, external_id: str | None, url: str | None) -> Request:
        if external_id is None and url:  # a thread's page address given (crawl --check --url): its tid
            external_id = (parse_qs(urlsplit(url).query).get("tid") or [None])[0]
        if self.query_api:
            return Request(url or self.view_url(external_id))
        path = self.profile.params.get("detail_path", "v1/threads/content")
        return JsonRequest(self.profile.url(path), data=self._body({"tid": external_id}),
                           meta={"view_url": url or self.view_url(external_id)})

    def parse_list(self, response: TextResponse) -> ListPage:
        payload = _json(response)
        if isinstance(payload, dict) and "responseData" in payload:
            return self._query_list(response, payload)
        if not isinstance(payload, dict) or not isinstance(payload.get("resultData"), dict):
            raise PageProblem("bad_json", f"{response.url}: neither resultData (v1 API) nor responseData "
                                          "(queryThreadsList) in the answer")
        rows = payload["resultData"].get("data")
        if not isinstance(rows, list):
            raise PageProblem("bad_json", f"{response.url}: resultData.data is not a list")
        entries = []
        for row in rows:
            tid = str(row.get("tid") or "").strip()
            if not tid:
                continue
            entries.append(ListEntry(tid, replied=bool(row.get("lastAnswerTime"))))
        next_request = None
        if entries and len(rows) >= int(self.profile.params.get("rows", 10)):
            next_request = self._list_call(entries[-1].external_id, response.meta.get("position", 0) + 1)
        return ListPage(entries, next_request)

    def _query_list(self, response: TextResponse, payload: dict[str, Any]) -> ListPage:
        rows = payload.get("responseData")
        if payload.get("success") is False:
            raise PageProblem("api_refused", f"{response.url}: the API answered success=false "
                                             f"({payload.get('result') or payload.get('msg') or 'no reason'})")
        if rows is None:
            rows = []
        if not isinstance(rows, list):
            raise PageProblem("bad_json", f"{response.url}: responseData is not a list")
        entries = []
        for row in rows:
            tid = str(row.get("tid") or "").strip() if isinstance(row, dict) else ""
            if not tid:
                continue
            fields = {field: row[key] for key, field in QUERY_ROW_FIELDS.items() if row.get(key) not in (None, "")}
            entries.append(ListEntry(tid, self.view_url(tid), replied=bool(row.get("answerContent")),
                                     fields=fields))
        # the board answers an empty list past its last thread
        next_request = self._list_call(entries[-1].external_id, 0) if entries else None
        return ListPage(entries, next_request)

    def parse_detail(self, response: TextResponse) -> dict[str, Any]:
        if response.text.lstrip()[:1] in ("{", "["):
            return self._v1_detail(response)
        return self._html_detail(response)

    def _v1_detail(self, response: TextResponse) -> dict[str, Any]:
        data = _result_data(response)
        contents = data.get("contentList") or []
        if not isinstance(contents, list):
            raise PageProblem("bad_json", f"{response.url}: contentList is not a list")
        message = contents[0] if contents else {}
        replies = [c for c in contents[1:] if isinstance(c, dict) and c.get("content")]
        first_reply = replies[0] if replies else {}
        tid = str(data.get("tid") or "") or None
        return {
            "external_id": tid,
            "url": response.meta.get("view_url") or (self.view_url(tid) if tid else None),
            "title": data.get("subject"),
            "content": message.get("content"),
            "submitted_at": data.get("createDateline") or message.get("dateline"),
            "submitter": data.get("nickName"),
            "kind": data.get("typeName"),
            "category": data.get("domainName"),
            "unit": data.get("forumName"),
            "status": data.get("stateInfo"),
            "reply_text": first_reply.get("content"),
            "reply_unit": first_reply.get("organization"),
            "replied_at": first_reply.get("dateline"),
            "votes_up": data.get("agreeNum"),
            "votes_down": data.get("opposeNum"),
        }

    def _html_detail(self, response: TextResponse) -> dict[str, Any]:
        if b"</html>" not in response.body[-4096:].lower():
            raise PageProblem("truncated", f"{response.url}: page ends before </html> (truncated)")
        question = response.css("div.liuyan_box03")
        if not question:
            raise PageProblem("no_detail_block", f"{response.url}: no div.liuyan_box03 (the thread's question)")
        answer = response.css("div.liuyan_box05")
        ems = [clean_inline(e) for e in question.css("h2 em::text, b em::text").getall()]
        return {
            "title": clean_inline(question.css(".context-title-text").xpath("string()").get()),
            "content": "".join(question.css("p.content").xpath("node()").getall()),
            "submitted_at": clean_inline(question.css("h3 span").xpath("string()").get()).lstrip("*"),
            "status": ems[0] if ems else None,
            "kind": ems[1] if len(ems) > 1 else None,
            "category": ems[2] if len(ems) > 2 else None,
            "unit": clean_inline(response.css("#currentForum").xpath("string()").get()) or None,
            "reply_unit": clean_inline(answer.css("h4 span.org, h3 .org").xpath("string()").get()) or None,
            "replied_at": clean_inline(answer.css("h4 span.time, h3 .time").xpath("string()").get()) or None,
            "reply_text": "".join(answer.css("p.zoom, p.answer").xpath("node()").getall()) or None,
        }

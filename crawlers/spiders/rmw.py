"""人民网领导留言板-style JSON API.

List: POST ``v1/threads/list/df`` with ``{appCode, token, signature, param}``, ``param`` a JSON string
``{"fid", "showUnAnswer", "typeId", "lastItem", "position", "rows", "orderType"}``; the answer's
``resultData.data[]`` holds ``tid``, ``subject``, unix-second ``createDateline``, ``lastAnswerTime``. The next page
is asked with ``lastItem`` = the last tid seen. Detail: POST ``v1/threads/content`` with ``param={"tid": …}``;
``resultData`` holds the thread (``subject``, ``typeName``, ``domainName``, ``forumName``, ``nickName``,
``stateInfo``, ``createDateline``, ``agreeNum``/``opposeNum``) and ``contentList[]``: the message, then replies
with ``content``, ``dateline``, ``organization``.

params: fid (board id), app_code, token, signature, rows (page size, 10), type_id (0), order_type (1),
list_path, detail_path, view_url (human page of a thread, ``{tid}`` replaced).
"""
from __future__ import annotations

import json
from typing import Any

from scrapy.http import JsonRequest, Request, TextResponse

from crawlers.spiders.base import ListEntry, ListPage, MessageSpider, PageProblem


def _result_data(response: TextResponse) -> dict[str, Any]:
    try:
        payload = json.loads(response.text)
    except ValueError as exc:
        raise PageProblem("bad_json", f"{response.url}: not JSON ({exc})") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("resultData"), dict):
        raise PageProblem("bad_json", f"{response.url}: no resultData object in the answer")
    return payload["resultData"]


class RmwSpider(MessageSpider):
    family = "rmw"
    list_end = None
    detail_end = None

    def _body(self, param: dict[str, Any]) -> dict[str, Any]:
        p = self.profile.params
        return {"appCode": p.get("app_code", "PC42ce3bfa4980a9"), "token": p.get("token", ""),
                "signature": p.get("signature", ""), "param": json.dumps(param, ensure_ascii=False)}

    def _list_call(self, last_item: str, position: int) -> Request:
        p = self.profile.params
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

    def detail_request(self, external_id: str, url: str | None) -> Request:
        path = self.profile.params.get("detail_path", "v1/threads/content")
        return JsonRequest(self.profile.url(path), data=self._body({"tid": external_id}),
                           meta={"view_url": url or self.view_url(external_id)})

    def parse_list(self, response: TextResponse) -> ListPage:
        rows = _result_data(response).get("data")
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

    def parse_detail(self, response: TextResponse) -> dict[str, Any]:
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

"""Pages of the demo portal, one renderer per site family, modelled on the real families' structure.

Pure functions: a message view (what the site shows now) in, bytes out. The portal (portal.py) routes requests
to them; tests/fixtures pages were written with the same structure.
"""
from __future__ import annotations

import html
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

PENDING_STATUS = "办理中"


@dataclass(frozen=True)
class MessageView:
    """A message as the site shows it at the current phase (a later-published reply is not there yet)."""

    external_id: str
    title: str
    content: str
    submitter: str | None
    submitted_at: datetime
    kind: str | None
    category: str | None
    unit: str | None
    status: str | None
    reply_text: str | None
    reply_unit: str | None
    replied_at: datetime | None
    votes_up: int | None
    votes_down: int | None


def view_of(message: Any, phase: int) -> MessageView:
    hide_reply = bool(getattr(message, "reply_published_later", False)) and phase < 1
    return MessageView(
        external_id=str(message.external_id), title=message.title, content=message.content,
        submitter=message.submitter, submitted_at=message.submitted_at, kind=message.kind,
        category=message.category, unit=message.unit,
        status=PENDING_STATUS if hide_reply else message.status,
        reply_text=None if hide_reply else message.reply_text,
        reply_unit=None if hide_reply else message.reply_unit,
        replied_at=None if hide_reply else message.replied_at,
        votes_up=message.votes_up, votes_down=message.votes_down,
    )


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value))


def _multiline(text: str | None) -> str:
    if not text:
        return ""
    return "".join(f"<p>{_e(line)}</p>" for line in text.split("\n"))


def _iso(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def _cn_date(moment: datetime | None, with_time: bool = False) -> str:
    if moment is None:
        return ""
    text = f"{moment.year}年{moment.month}月{moment.day}日"
    return text + moment.strftime(" %H:%M:%S") if with_time else text


def _page(title: str, body: str, charset: str = "utf-8") -> str:
    return (f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="{charset}">'
            f"<title>{_e(title)} - 江川市人民政府</title></head>\n<body>"
            f'<div class="header"><a href="/">江川市人民政府门户网站</a></div>\n{body}\n'
            '<div class="footer">主办：江川市人民政府办公室 备案号：示例ICP备00000000号</div></body></html>\n')


# --- 人民网领导留言板-style JSON API -------------------------------------------------------------------------
def _unix(moment: datetime | None) -> int | None:
    if moment is None:
        return None
    from zoneinfo import ZoneInfo

    return int(moment.replace(tzinfo=ZoneInfo("Asia/Shanghai")).timestamp())


def rmw_list(views: list[MessageView]) -> bytes:
    data = [{"tid": v.external_id, "subject": v.title, "createDateline": _unix(v.submitted_at),
             "dateline": _unix(v.replied_at or v.submitted_at), "lastAnswerTime": _unix(v.replied_at) or 0,
             "typeName": v.kind, "stateInfo": v.status} for v in views]
    return json.dumps({"result": "success", "resultCode": "0", "resultData": {"data": data}},
                      ensure_ascii=False).encode("utf-8")


def rmw_detail(v: MessageView) -> bytes:
    contents: list[dict[str, Any]] = [{"content": v.content, "dateline": _unix(v.submitted_at), "type": 1}]
    if v.reply_text:
        contents.append({"content": v.reply_text, "dateline": _unix(v.replied_at), "organization": v.reply_unit,
                         "type": 2})
    data = {"tid": v.external_id, "subject": v.title, "typeName": v.kind, "domainName": v.category,
            "forumName": v.unit, "nickName": v.submitter, "stateInfo": v.status,
            "createDateline": _unix(v.submitted_at), "agreeNum": v.votes_up, "opposeNum": v.votes_down,
            "tags": [t for t in (v.kind, v.category) if t], "contentList": contents}
    return json.dumps({"result": "success", "resultCode": "0", "resultData": data}, ensure_ascii=False).encode()


def rmw_not_found() -> bytes:
    return json.dumps({"result": "fail", "resultCode": "404", "resultData": None}).encode()


# --- Hanweb jact mailbox -----------------------------------------------------------------------------------
def hanweb_list(views: list[MessageView], total: int, sysid: str) -> bytes:
    records = []
    for v in views:
        link = "mailpubdetail.do?" + urlencode({"sysid": sysid, "mailid": v.external_id})
        records.append(
            f'<record><![CDATA[<tr><td class="title"><a href="{_e(link)}" target="_blank" title="{_e(v.title)}">'
            f'{_e(v.title)}</a></td><td class="createdate">{v.submitted_at:%Y-%m-%d}</td>'
            f'<td class="replydate">{v.replied_at.strftime("%Y-%m-%d") if v.replied_at else ""}</td></tr>]]>'
            "</record>")
    body = ('<?xml version="1.0" encoding="UTF-8"?>\n<datastore>\n'
            f"<nextgroup><![CDATA[<a href=\"#\">下一组</a>]]></nextgroup>\n<totalrecord>{total}</totalrecord>\n"
            "<recordset>\n" + "\n".join(records) + "\n</recordset>\n</datastore>\n")
    return body.encode("utf-8")


def hanweb_detail(v: MessageView) -> bytes:
    rows = [("信件编号", _e(v.external_id)), ("信件标题", _e(v.title)), ("来信人", _e(v.submitter)),
            ("来信时间", _iso(v.submitted_at)), ("信件类型", _e(v.kind)), ("问题分类", _e(v.category)),
            ("承办单位", _e(v.unit)), ("办理状态", _e(v.status)), ("来信内容", _multiline(v.content))]
    letter = "".join(f"<tr><th>{label}：</th><td>{value}</td></tr>" for label, value in rows)
    reply = ""
    if v.reply_text:
        reply_rows = [("回复单位", _e(v.reply_unit)), ("回复时间", _iso(v.replied_at)),
                      ("回复内容", _multiline(v.reply_text))]
        reply = ('<div class="jact_reply_title">回复信息</div><table class="jact_table jact_reply">'
                 + "".join(f"<tr><th>{label}：</th><td>{value}</td></tr>" for label, value in reply_rows)
                 + "</table>")
    body = (f'<div class="jact_main"><div class="jact_title">信件详情</div>'
            f'<table class="jact_table">{letter}</table>{reply}</div>')
    return _page(v.title, body).encode("utf-8")


# --- 博达 VSB leader mailbox ---------------------------------------------------------------------------------
def vsb_list(views: list[MessageView], page: int, pages: int, wbtreeid: str) -> bytes:
    rows = []
    for v in views:
        link = "ldxxxx.jsp?" + urlencode({"urltype": "leadermail.LeaderMailContentUrl", "wbtreeid": wbtreeid,
                                          "leadermailid": v.external_id})
        state = "已回复" if v.reply_text else "未回复"
        rows.append(f'<tr class="listrow"><td class="bt"><a href="{_e(link)}">{_e(v.title)}</a></td>'
                    f"<td>{_cn_date(v.submitted_at)}</td><td>{state}</td></tr>")
    pager = f"<span>共{pages}页 当前第{page}页</span>"
    if page < pages:
        nxt = "ldxxlb.jsp?" + urlencode({"totalpage": pages, "PAGENUM": page + 1, "urltype": "tree.TreeTempUrl",
                                         "wbtreeid": wbtreeid})
        pager += f' <a href="{_e(nxt)}" class="Next">下页</a>'
    body = ('<table width="100%" class="layout"><tr><td><table class="listTable">'
            '<tr><td class="head">信件标题</td><td class="head">来信时间</td><td class="head">状态</td></tr>'
            + "".join(rows) + f'</table></td></tr></table><div class="pb_sys_common">{pager}</div>')
    return _page("市长信箱", body).encode("utf-8")


def vsb_detail(v: MessageView) -> bytes:
    rows = [("来信标题", _e(v.title)), ("来信人", _e(v.submitter)), ("来信时间", _cn_date(v.submitted_at, True)),
            ("信件类型", _e(v.kind)), ("问题分类", _e(v.category)), ("办理单位", _e(v.unit)),
            ("处理状态", _e(v.status)), ("来信内容", _multiline(v.content)), ("回复部门", _e(v.reply_unit)),
            ("回复时间", _cn_date(v.replied_at, True)), ("回复内容", _multiline(v.reply_text))]
    table = "".join(f'<tr><td class="label" width="15%">{label}：</td><td>{value}</td></tr>' for label, value in rows)
    body = f'<table class="layout"><tr><td><table class="mailDetail">{table}</table></td></tr></table>'
    return _page(v.title, body).encode("utf-8")


# --- TRS govrefer consultation board -----------------------------------------------------------------------
def trs_list(views: list[MessageView], total_pages: int) -> bytes:
    items = []
    for v in views:
        state = "已回复" if v.reply_text else "未回复"
        link = "../refer_detail.html?" + urlencode({"sn": v.external_id})
        items.append(f'<li><a href="{_e(link)}" target="_blank">{_e(v.title)}</a>'
                     f'<span class="date">{v.submitted_at:%Y-%m-%d}</span><span class="state">{state}</span></li>')
    body = ('<ul class="refer-list">' + "".join(items) + "</ul>"
            f'<input type="hidden" id="totalPage" value="{total_pages}">')
    return body.encode("utf-8")


def trs_detail(v: MessageView) -> bytes:
    pairs = [("咨询编号", _e(v.external_id)), ("咨询标题", _e(v.title)), ("咨询人", _e(v.submitter)),
             ("咨询时间", _iso(v.submitted_at)), ("咨询类型", _e(v.kind)), ("所属领域", _e(v.category)),
             ("咨询部门", _e(v.unit)), ("办理状态", _e(v.status)), ("咨询内容", _multiline(v.content)),
             ("答复单位", _e(v.reply_unit)), ("答复时间", _iso(v.replied_at)), ("答复内容", _multiline(v.reply_text))]
    if v.votes_up is not None or v.votes_down is not None:
        pairs += [("支持数", _e(v.votes_up)), ("反对数", _e(v.votes_down))]
    dl = "".join(f"<dt>{label}</dt><dd>{value}</dd>" for label, value in pairs)
    return _page(v.title, f'<div class="refer-detail"><dl>{dl}</dl></div>').encode("utf-8")


# --- city 12345 case publication (GBK) ---------------------------------------------------------------------
def _gbk(text: str) -> bytes:
    return text.encode("gbk", errors="xmlcharrefreplace")


def case_list(views: list[MessageView], page: int, pages: int) -> bytes:
    rows = []
    for v in views:
        link = "detail.html?" + urlencode({"id": v.external_id})
        rows.append(f"<tr><td>{_e(v.external_id)}</td><td><a href=\"{_e(link)}\">{_e(v.title)}</a></td>"
                    f"<td>{v.submitted_at:%Y-%m-%d %H:%M}</td><td>{_e(v.unit)}</td><td>{_e(v.status)}</td></tr>")
    pager = f"第{page}/{pages}页"
    if page > 1:
        pager += f' <a href="list.html?page={page - 1}">上一页</a>'
    if page < pages:
        pager += f' <a href="list.html?page={page + 1}">下一页</a>'
    body = ('<h2>12345办件公开</h2><table class="case-list"><tr><th>受理编号</th><th>标题</th><th>受理时间</th>'
            "<th>办理单位</th><th>状态</th></tr>" + "".join(rows) + f'</table><div class="pager">{pager}</div>')
    return _gbk(_page("12345办件公开", body, charset="gbk"))


def case_detail(v: MessageView) -> bytes:
    pairs = [("受理编号", _e(v.external_id)), ("标题", _e(v.title)), ("诉求类型", _e(v.kind)),
             ("问题分类", _e(v.category)), ("受理时间", _iso(v.submitted_at)), ("诉求人", _e(v.submitter)),
             ("诉求内容", _multiline(v.content)), ("办理单位", _e(v.unit)), ("办理状态", _e(v.status)),
             ("办理结果", _multiline(v.reply_text)), ("答复单位", _e(v.reply_unit)), ("办结时间", _iso(v.replied_at))]
    table = "".join(f"<tr><th>{label}</th><td>{value}</td></tr>" for label, value in pairs)
    return _gbk(_page(v.title, f'<table class="case-detail">{table}</table>', charset="gbk"))


# --- a board of no known family (the generic spider's profile describes it) ---------------------------------
def consult_list(views: list[MessageView], page: int, pages: int) -> bytes:
    items = []
    for v in views:
        state = "已答复" if v.reply_text else "待答复"
        items.append(f'<div class="msg-item"><a class="msg-title" href="show.html?id={_e(v.external_id)}">'
                     f'{_e(v.title)}</a><span class="msg-time">{v.submitted_at:%Y/%m/%d}</span>'
                     f'<em class="msg-state">{state}</em></div>')
    nav = f'<a class="next-page" href="list.html?page={page + 1}">下一页</a>' if page < pages else ""
    return _page("网上咨询", f'<div class="msg-board">{"".join(items)}</div><div class="nav">{nav}</div>').encode()


def consult_detail(v: MessageView) -> bytes:
    reply = ""
    if v.reply_text:
        reply = (f'<div class="answer"><div class="answer-head"><span class="org">{_e(v.reply_unit)}</span>'
                 f'<span class="answer-time">{v.replied_at:%Y/%m/%d %H:%M:%S}</span></div>'
                 f'<div class="answer-body">{_multiline(v.reply_text)}</div></div>')
    body = (f'<div class="consult-view" data-id="{_e(v.external_id)}"><h1 class="q-title">{_e(v.title)}</h1>'
            f'<div class="q-meta"><span class="q-no">{_e(v.external_id)}</span><span class="q-user">{_e(v.submitter)}'
            f'</span><span class="q-time">{v.submitted_at:%Y/%m/%d %H:%M:%S}</span><span class="q-kind">{_e(v.kind)}'
            f'</span><span class="q-cat">{_e(v.category)}</span><span class="q-unit">{_e(v.unit)}</span>'
            f'<span class="q-state">{_e(v.status)}</span></div><div class="q-body">{_multiline(v.content)}</div>'
            f'<div class="votes"><b class="up">{_e(v.votes_up)}</b><b class="down">{_e(v.votes_down)}</b></div>'
            f"{reply}</div>")
    return _page(v.title, body).encode("utf-8")

"""Map the headers of real exports (Chinese and English variants) onto Message fields."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

# Exact header names, checked first. Keys are headers with whitespace removed and lower-cased.
EXACT = {
    # ids
    "信件编号": "external_id", "受理编号": "external_id", "办件编号": "external_id", "留言编号": "external_id",
    "流水号": "external_id", "工单编号": "external_id", "工单号": "external_id", "编号": "external_id",
    "mail_id": "external_id", "id": "external_id", "tid": "external_id",
    # title
    "留言主题": "title", "信件标题": "title", "反映标题": "title", "标题": "title", "主题": "title",
    "诉求标题": "title", "来信标题": "title", "留言标题": "title", "title": "title", "subject": "title",
    # content
    "留言详情": "content", "信件内容": "content", "反映内容": "content", "诉求内容": "content", "内容": "content",
    "来信内容": "content", "留言内容": "content", "问题描述": "content", "咨询内容": "content",
    "投诉内容": "content", "query": "content", "content": "content",
    # reply
    "回复内容": "reply_text", "答复意见": "reply_text", "答复内容": "reply_text", "处理结果": "reply_text",
    "办理结果": "reply_text", "处理情况": "reply_text", "办理情况": "reply_text", "回复": "reply_text",
    "答复": "reply_text", "回复意见": "reply_text", "办理意见": "reply_text", "reply": "reply_text",
    # times
    "query_date": "submitted_at", "submitted_at": "submitted_at", "reply_date": "replied_at",
    "replied_at": "replied_at",
    # unit
    "reply_agency": "unit", "unit": "unit",
    # category / kind
    "一级标签": "category", "一级分类": "category", "分类": "category", "类别": "category",
    "问题分类": "category", "问题类别": "category", "category": "category",
    "所属类型": "kind", "信件类型": "kind", "来信类型": "kind", "诉求类型": "kind", "留言类型": "kind",
    "类型": "kind", "kind": "kind",
    # submitter (private)
    "留言用户": "submitter", "来信人": "submitter", "反映人": "submitter", "姓名": "submitter",
    "投诉人": "submitter", "诉求人": "submitter", "留言人": "submitter", "user": "submitter",
    # votes, status, url
    "点赞数": "votes_up", "赞成数": "votes_up", "支持数": "votes_up", "反对数": "votes_down",
    "处理状态": "status", "办理状态": "status", "状态": "status", "status": "status",
    "链接": "url", "网址": "url", "url": "url", "link": "url",
}

_VERB_SUBMIT = "留言|来信|反映|咨询|诉求|来件|受理|提交|投诉|登记|来电|写信|发布|发帖"
_VERB_REPLY = "回复|答复|办理|反馈|处理|办结|回访|完成"
_VERB_UNIT = "回复|答复|办理|承办|受理|处理|责任|主办|交办|转办"
PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(rf"^({_VERB_SUBMIT})(时间|日期)$"), "submitted_at"),
    (re.compile(rf"^({_VERB_REPLY})(时间|日期)$"), "replied_at"),
    (re.compile(rf"^({_VERB_UNIT})(单位|部门|机构)(名称)?$"), "unit"),
    (re.compile(r"(编号|流水号)$"), "external_id"),
    (re.compile(r"(标题|主题)$"), "title"),
    (re.compile(r"(详情|内容|描述)$"), "content"),
    (re.compile(r"(意见|结果|情况)$"), "reply_text"),
    (re.compile(r"(分类|类别)$"), "category"),
    (re.compile(r"类型$"), "kind"),
]
# A title and body joined in one column (e.g. 留言主题+留言详情): content without a separate title.
_COMBINED = re.compile(r"^(.+?)[+＋/&](.+)$")
TAXONOMY_HEADERS = {"一级分类", "二级分类", "三级分类"}


def normalise_header(header: object) -> str:
    return re.sub(r"[\s\ufeff]+", "", str(header or "")).lower()


def field_for_header(header: object) -> str | None:
    name = normalise_header(header)
    if not name:
        return None
    if name in EXACT:
        return EXACT[name]
    combined = _COMBINED.match(name)
    if combined:
        parts = {field_for_header(combined.group(1)), field_for_header(combined.group(2))}
        if parts == {"title", "content"}:
            return "combined_text"
    for pattern, target in PATTERNS:
        if pattern.search(name):
            return target
    return None


@dataclass
class ColumnMap:
    """Which column index feeds which field; unmapped or duplicate columns go to ``extra``."""

    headers: list[str]
    fields: dict[str, int] = field(default_factory=dict)
    extra: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_headers(cls, headers: list[object]) -> ColumnMap:
        names = [str(h).strip() if h is not None else "" for h in headers]
        mapping = cls(headers=names)
        for index, header in enumerate(names):
            if not header:
                continue
            target = field_for_header(header)
            if target and target not in mapping.fields:
                mapping.fields[target] = index
            else:
                mapping.extra[header] = index
        return mapping

    @property
    def has_text(self) -> bool:
        return bool({"content", "title", "combined_text"} & self.fields.keys())

    def looks_like_taxonomy(self) -> bool:
        return TAXONOMY_HEADERS <= {normalise_header(h) for h in self.headers}

    def describe(self) -> str:
        pairs = [f"{self.headers[i]}→{name}" for name, i in sorted(self.fields.items(), key=lambda kv: kv[1])]
        if self.extra:
            pairs.append("kept as extra: " + ", ".join(self.extra))
        return "; ".join(pairs)


CHANNEL_HINTS = [
    (re.compile(r"受理编号|办件编号|工单|诉求|12345|来电|办结"), "hotline"),
    (re.compile(r"信件|来信|信箱|mail"), "mailbox"),
    (re.compile(r"留言|帖|点赞|反馈"), "feedback"),
]


def guess_channel(headers: list[str], file_name: str) -> str:
    """The channel a file most likely belongs to, from its headers and name; 'feedback' when nothing tells."""
    for text in (file_name.lower(), " ".join(headers)):  # a file's name is the stronger hint
        for pattern, channel in CHANNEL_HINTS:
            if pattern.search(text):
                return channel
    return "feedback"

"""Label → field mapping for detail pages laid out as label/value pairs (th/td, dt/dd, "标签：值" cells)."""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from parsel import Selector

from crawlers.parsing import clean_inline

# Exact labels (after stripping colons and spaces) first, as the site families print them.
LABELS: dict[str, str] = {}
for _field, _names in {
    "external_id": "信件编号 受理编号 办件编号 留言编号 咨询编号 流水号 编号 查询码",
    "title": "标题 信件标题 来信标题 留言标题 留言主题 咨询标题 咨询主题 诉求标题 主题",
    "submitter": "来信人 留言人 留言用户 咨询人 诉求人 反映人 姓名 写信人",
    "submitted_at": "来信时间 来信日期 留言时间 留言日期 咨询时间 受理时间 提交时间 写信时间 诉求时间",
    "kind": "信件类型 来信类型 留言类型 咨询类型 诉求类型 所属类型 类型 类别",
    "category": "问题分类 分类 一级分类 问题类别 业务类别 所属领域",
    "unit": "承办单位 办理单位 处理单位 责任单位 受理单位 承办部门 办理部门 来信对象 咨询部门",
    "status": "办理状态 处理状态 状态 信件状态 当前状态",
    "content": "来信内容 信件内容 留言内容 留言详情 咨询内容 诉求内容 反映内容 内容",
    "reply_unit": "回复单位 答复单位 回复部门 答复部门 答复机构",
    "replied_at": "回复时间 答复时间 办结时间 回复日期 答复日期 处理时间",
    "reply_text": "回复内容 答复内容 答复意见 办理结果 处理结果 处理情况 回复意见",
    "votes_up": "点赞数 支持数 满意数",
    "votes_down": "反对数 不满意数",
}.items():
    for _name in _names.split():
        LABELS[_name] = _field

_LABEL_NOISE = re.compile(r"[\s:：\u3000\u00a0]+")
# fields whose value keeps its line breaks (HTML is kept and cleaned later by items.item_to_record)
MULTILINE = {"content", "reply_text"}


def label_field(label: str) -> str | None:
    return LABELS.get(_LABEL_NOISE.sub("", label or ""))


def fields_from_pairs(pairs: Iterable[tuple[str, Selector]]) -> dict[str, Any]:
    """Field values from (label text, value cell) pairs; the first occurrence of a field wins."""
    fields: dict[str, Any] = {}
    for label, cell in pairs:
        name = label_field(label)
        if name is None or name in fields:
            continue
        if name in MULTILINE:
            inner = cell.xpath("node()").getall()
            fields[name] = "".join(inner)
        else:
            fields[name] = clean_inline(" ".join(cell.xpath(".//text()").getall()))
    return fields


def table_pairs(rows: Iterable[Selector]) -> Iterator[tuple[str, Selector]]:
    """(label, value cell) pairs from table rows whose cells alternate label, value (th/td or td/td)."""
    for row in rows:
        cells = row.xpath("./th|./td")
        for index in range(0, len(cells) - 1, 2):
            label = clean_inline(" ".join(cells[index].xpath(".//text()").getall()))
            yield label, cells[index + 1]


"""Building one digest (subject, plain/Markdown text, HTML) for one recipient from its items.

Items are grouped by level (like Alertmanager's ``group_by``), most urgent first, then the resolved ones.
An item is a dict: key, subject, level, period, event ("firing" | "resolved"), external_id, title, unit,
due_on, late (working days past due), left (working days left), url, source.
"""
from __future__ import annotations

from html import escape
from typing import Any

from alerts.outbox import BuiltMessage

LEVEL_LABELS = {
    "supervision": "超期未办结（督办）",
    "seriously_overdue": "严重超期",
    "overdue": "已超期",
    "due_soon": "即将到期",
    "warning": "舆情预警",
    "resolved": "已回复（提醒解除）",
}
GROUP_ORDER = ("supervision", "seriously_overdue", "overdue", "due_soon", "warning", "resolved")


def _group(item: dict[str, Any]) -> str:
    return "resolved" if item.get("event") == "resolved" else item["level"]


def _line(item: dict[str, Any]) -> str:
    get = item.get
    parts = [f"[{get('external_id') or item['subject']}]", get("title") or "（无标题）"]
    if get("event") == "resolved":
        if get("replied_at"):
            parts.append(f"回复于 {item['replied_at']}")
    elif item["level"] == "warning":
        if get("detail"):
            parts.append(item["detail"])
    else:
        if get("unit"):
            parts.append(f"责任单位 {item['unit']}")
        if get("due_on"):
            parts.append(f"办理期限 {item['due_on']}")
        if get("late"):
            parts.append(f"已超期 {item['late']} 个工作日")
        elif get("left") is not None and item["level"] == "due_soon":
            parts.append("今日到期" if item["left"] == 0 else f"剩余 {item['left']} 个工作日")
    return "，".join(parts)


def _order(item: dict[str, Any]) -> tuple[str, str]:
    return str(item.get("due_on") or ""), str(item.get("external_id") or "")


_SEPARATOR = "\x00"  # never produced by escape(); lets a whole digest's lines be escaped in one call


def _escaped(texts: list[str]) -> list[str]:
    """``escape`` of each text, done once over the joined texts (a digest can list thousands of lines)."""
    joined = _SEPARATOR.join(texts)
    if joined.count(_SEPARATOR) != len(texts) - 1:  # no text, or a text holding the separator itself
        return [escape(t) for t in texts]
    return escape(joined).split(_SEPARATOR)


def build_digest(recipient_name: str, items: list[dict[str, Any]], as_of: str) -> BuiltMessage:
    groups: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        groups.setdefault(_group(item), []).append(item)
    ordered = [(g, sorted(groups[g], key=_order)) for g in GROUP_ORDER if g in groups]
    counts = "，".join(f"{LEVEL_LABELS[g]} {len(members)} 件" for g, members in ordered)
    subject = f"【回复提醒】{recipient_name}：{counts}"
    text_lines = [f"{recipient_name}：", "", f"截至 {as_of}，请关注以下群众诉求的办理情况：", ""]
    html_parts = [f"<p>{escape(recipient_name)}：</p><p>截至 {escape(as_of)}，请关注以下群众诉求的办理情况：</p>"]
    for group, members in ordered:
        text_lines.append(f"**{LEVEL_LABELS[group]}（{len(members)} 件）**")
        html_parts.append(f"<h3>{escape(LEVEL_LABELS[group])}（{len(members)} 件）</h3><ul>")
        lines = [_line(item) for item in members]
        urls = [item.get("url") for item in members]
        safe_lines = _escaped(lines)
        safe_urls = iter(_escaped([u for u in urls if u]))
        for line, safe_line, url in zip(lines, safe_lines, urls, strict=True):
            if url:
                text_lines.append(f"- {line} {url}")
                html_parts.append(f'<li>{safe_line} <a href="{next(safe_urls)}">查看</a></li>')
            else:
                text_lines.append(f"- {line}")
                html_parts.append(f"<li>{safe_line}</li>")
        text_lines.append("")
        html_parts.append("</ul>")
    text_lines.append("本提醒由 hotline-monitor 自动发送；如已办理，请在系统中签收或回复。")
    html_parts.append("<p>本提醒由 hotline-monitor 自动发送；如已办理，请在系统中签收或回复。</p>")
    html = "<html><body>" + "".join(html_parts) + "</body></html>"
    clean_items = [item if None not in item.values() else {k: v for k, v in item.items() if v is not None}
                   for item in items]
    return BuiltMessage(subject=subject, text="\n".join(text_lines), html=html, items=clean_items)

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


def item_group(item: dict[str, Any]) -> str:
    return "resolved" if item.get("event") == "resolved" else item["level"]


def _line(item: dict[str, Any]) -> str:
    """One item as a line of text (called for every listed item: one lookup per field)."""
    get = item.get
    head = f"[{get('external_id') or item['subject']}]，{get('title') or '（无标题）'}"
    if get("event") == "resolved":
        replied = get("replied_at")
        return f"{head}，回复于 {replied}" if replied else head
    level = item["level"]
    if level == "warning":
        detail = get("detail")
        return f"{head}，{detail}" if detail else head
    unit, due_on, late = get("unit"), get("due_on"), get("late")
    tail = (f"，责任单位 {unit}" if unit else "") + (f"，办理期限 {due_on}" if due_on else "")
    if late:
        return f"{head}{tail}，已超期 {late} 个工作日"
    left = get("left")
    if level == "due_soon" and left is not None:
        return f"{head}{tail}，" + ("今日到期" if left == 0 else f"剩余 {left} 个工作日")
    return head + tail


_SEPARATOR = "\x00"  # never produced by escape(); lets a whole digest's lines be escaped in one call


def _escaped(texts: list[str]) -> list[str]:
    """``escape`` of each text, done once over the joined texts (a digest can list thousands of lines)."""
    joined = _SEPARATOR.join(texts)
    if joined.count(_SEPARATOR) != len(texts) - 1:  # no text, or a text holding the separator itself
        return [escape(t) for t in texts]
    return escape(joined).split(_SEPARATOR)


def build_digest(recipient_name: str, items: list[dict[str, Any]], as_of: str,
                 totals: dict[str, int] | None = None, full_list: str | None = None) -> BuiltMessage:
    """The digest listing ``items`` grouped by level, most urgent group first, each group in the order given.

    ``totals`` (group → count) is given when the items are only the first of a longer list
    (``alerts.digest_max_items``): headings count every item and ``full_list`` says where the rest is."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        groups.setdefault(item_group(item), []).append(item)
    totals = {g: max(totals.get(g, 0), len(groups.get(g, ()))) for g in GROUP_ORDER} if totals else {
        g: len(members) for g, members in groups.items()}
    ordered = [(g, groups.get(g, [])) for g in GROUP_ORDER if totals.get(g)]
    counts = "，".join(f"{LEVEL_LABELS[g]} {totals[g]} 件" for g, _ in ordered)
    subject = f"【回复提醒】{recipient_name}：{counts}"
    text_lines = [f"{recipient_name}：", "", f"截至 {as_of}，请关注以下群众诉求的办理情况：", ""]
    html_parts = [f"<p>{escape(recipient_name)}：</p><p>截至 {escape(as_of)}，请关注以下群众诉求的办理情况：</p>"]
    for group, members in ordered:
        heading = f"{LEVEL_LABELS[group]}（{totals[group]} 件" + (
            f"，列出 {len(members)} 件）" if len(members) < totals[group] else "）")
        text_lines.append(f"**{heading}**")
        html_parts.append(f"<h3>{escape(heading)}</h3><ul>")
        lines = [_line(item) for item in members]
        urls = [item.get("url") or "" for item in members]
        text_lines += [f"- {line} {url}" if url else f"- {line}" for line, url in zip(lines, urls, strict=True)]
        html_parts += [f'<li>{line} <a href="{url}">查看</a></li>' if url else f"<li>{line}</li>"
                       for line, url in zip(_escaped(lines), _escaped(urls), strict=True)]
        text_lines.append("")
        html_parts.append("</ul>")
    omitted = sum(totals.values()) - len(items)
    if omitted > 0:
        where = full_list or "hotline-monitor 系统"
        shown = f'<a href="{escape(where)}">{escape(where)}</a>' if where.startswith(("http://", "https://")) \
            else escape(where)
        text_lines += [f"另有 {omitted} 件未逐条列出，完整清单见：{where}", ""]
        html_parts.append(f"<p>另有 {omitted} 件未逐条列出，完整清单见：{shown}</p>")
    text_lines.append("本提醒由 hotline-monitor 自动发送；如已办理，请在系统中签收或回复。")
    html_parts.append("<p>本提醒由 hotline-monitor 自动发送；如已办理，请在系统中签收或回复。</p>")
    html = "<html><body>" + "".join(html_parts) + "</body></html>"
    clean_items = [item if None not in item.values() else {k: v for k, v in item.items() if v is not None}
                   for item in items]
    return BuiltMessage(subject=subject, text="\n".join(text_lines), html=html, items=clean_items)

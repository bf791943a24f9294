"""The Markdown version of a summary (for CMSs that take Markdown, and for diffs between periods).

Every text from citizens, units and editors goes through ``md_text``: raw HTML is escaped (a ``<script>`` an
editor typed shows as text, it does not run in a CMS that renders Markdown with HTML), and characters that
would start Markdown markup are escaped.
"""
from __future__ import annotations

import html
import re
from pathlib import Path

from reports.render_html import asked_label, date_zh, percent
from reports.renderers import Rendering, renderer
from reports.summary import NO_ANSWER_YET

_MARKUP = re.compile(r"([\\`*_\[\]#!|>~])")


def md_text(text: object) -> str:
    """``text`` safe to place in Markdown: HTML escaped, Markdown markup escaped, one line."""
    value = html.escape(str(text if text is not None else ""), quote=False)
    value = _MARKUP.sub(r"\\\1", value)
    return re.sub(r"\s*\n\s*", " ", value)


def render_markdown(document: dict, chart_dir: str | None = None) -> str:
    """``chart_dir``: relative folder holding the chart SVGs (charts are linked only when given)."""
    ov, pv, t = document["overview"], document["previous"], document["overview"]["timeliness"]
    lines = [f"# {md_text(document['texts']['title'])}", ""]
    if not document.get("published"):
        lines += [f"> 草稿（{md_text(document.get('status', 'draft'))}）：未经审核批准，不得对外发布。", ""]
    stats_date = document.get("statistics_date") or document["as_of"]
    lines += [(f"发布机构：{md_text(document['bureau'])}　统计周期：{md_text(document['period']['range'])}　"
               f"统计截至：{date_zh(stats_date)}"), ""]
    if document.get("statistics_note"):
        lines += [f"（{md_text(document['statistics_note'])}）", ""]
    lines += [md_text(document["texts"]["intro"]), "", "## 一、总体情况", "",
              f"| 项目 | 本期（{md_text(document['period']['label'])}） | "
              f"上期（{md_text(document['previous_period']['label'])}） |",
              "|---|---:|---:|",
              f"| 受理诉求 | {ov['received']} | {pv['received']} |"]
    previous_channels = {r["channel"]: r["count"] for r in pv["by_channel"]}
    for row in ov["by_channel"]:
        lines.append(f"| 其中：{md_text(row['label'])} | {row['count']} | {previous_channels.get(row['channel'], 0)} |")
    lines += [
        f"| 已答复 | {ov['replied']} | {pv['replied']} |",
        f"| 答复率 | {percent(ov['reply_rate'])} | {percent(pv['reply_rate'])} |",
        f"| 已到期限件数 | {t['decided']} | {pv['timeliness']['decided']} |",
        f"| 其中按时答复 | {t['on_time']} | {pv['timeliness']['on_time']} |",
        f"| 逾期答复 | {t['late']} | {pv['timeliness']['late']} |",
        f"| 超期未答复 | {t['overdue_unreplied']} | {pv['timeliness']['overdue_unreplied']} |",
        f"| 未到期限 | {t['pending']} | {pv['timeliness']['pending']} |",
        f"| 按时答复率 | {percent(t['rate'])} | {percent(pv['timeliness']['rate'])} |", ""]
    for row in ov.get("reply_stats_excluded", []):
        lines += [f"注：{md_text(row['source'])}（{row['count']}件）{md_text(row['reason'])}。", ""]
    if ov["by_category"] and ov.get("categorised", True):
        lines += ["| 类别 | 件数 |", "|---|---:|"]
        lines += [f"| {md_text(r['name'])} | {r['count']} |" for r in ov["by_category"]]
        lines.append("")
    if chart_dir and ov.get("daily") and ov["received"]:
        lines += [f"![每日受理量]({chart_dir}/daily.svg)", ""]
    lines += ["## 二、共性问题和普遍疑问答复", ""]
    if not document["questions"]:
        lines += ["本期多人反映的问题暂无可公开的答复，未列出（见导语）。" if document.get("left_out_questions")
                  else "本期群众诉求较为分散，未形成多人反映的共性问题。" if ov["received"]
                  else "本期未收到群众诉求，无共性问题需公布。", ""]
    label = asked_label(document)
    for number, q in enumerate(document["questions"], start=1):
        lines += [f"### 问题{number}：{md_text(q['question'])}", ""]
        meta = [f"{label}：{q['asked_count']}"]
        if q.get("unit"):
            meta.append(f"承办单位：{md_text(q['unit'])}")
        if q.get("answer_date"):
            meta.append(f"答复日期：{q['answer_date']}")
        lines += ["　".join(meta), ""]
        if q.get("detail"):
            lines += [f"**群众反映：**{md_text(q['detail'])}", ""]
        lines += [f"**答复：**{md_text(q.get('answer') or NO_ANSWER_YET)}", ""]
    if document.get("pending_questions"):
        lines += ["### 正在办理中的共性问题", ""]
        for q in document["pending_questions"]:
            lines.append(f"- {md_text(q['question'])}（{label}：{q['asked_count']}）：{NO_ANSWER_YET}")
        lines.append("")
    lines += ["## 三、民意热点榜", ""]
    if document["hotlist"]:
        lines += ["| 排名 | 热点事项 | 反映件数 | 点赞数 | 标识 |", "|---:|---|---:|---:|---|"]
        lines += [f"| {e['rank']} | {md_text(e['label'])} | {e['size']} | {e['votes']} | "
                  f"{' '.join(md_text(b) for b in e['badges'])} |" for e in document["hotlist"]]
    else:
        lines.append("本期无热点事项。")
    lines.append("")
    if document["texts"].get("closing"):
        lines += [md_text(document["texts"]["closing"]), ""]
    return "\n".join(lines)


@renderer("markdown", "summary.md", position=1)
def write_markdown(job: Rendering, path: Path) -> None:
    """The Markdown and, beside it, its charts (``charts/<name>.svg``, which it links to)."""
    if job.charts:
        chart_dir = path.parent / "charts"
        chart_dir.mkdir(exist_ok=True)
        for chart in job.charts:
            (chart_dir / f"{chart.name}.svg").write_text(chart.svg, encoding="utf-8")
    path.write_text(render_markdown(job.document, chart_dir="charts" if job.charts else None), encoding="utf-8")

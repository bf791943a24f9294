"""The Markdown version of a summary (for CMSs that take Markdown, and for diffs between periods)."""
from __future__ import annotations

from reports.render_html import date_zh, percent
from reports.summary import NO_ANSWER_YET


def _cell(text: object) -> str:
    return str(text if text is not None else "").replace("|", "｜").replace("\n", " ")


def render_markdown(document: dict, chart_dir: str | None = None) -> str:
    """``chart_dir``: relative folder holding the chart SVGs (charts are linked only when given)."""
    ov, pv, t = document["overview"], document["previous"], document["overview"]["timeliness"]
    lines = [f"# {document['texts']['title']}", ""]
    if not document.get("published"):
        lines += [f"> 草稿（{document.get('status', 'draft')}）：未经审核批准，不得对外发布。", ""]
    lines += [(f"发布机构：{document['bureau']}　统计周期：{document['period']['range']}　"
               f"统计截至：{date_zh(document['as_of'])}"), "", document["texts"]["intro"], "", "## 一、总体情况", "",
              f"| 项目 | 本期（{document['period']['label']}） | 上期（{document['previous_period']['label']}） |",
              "|---|---:|---:|",
              f"| 受理诉求 | {ov['received']} | {pv['received']} |"]
    previous_channels = {r["channel"]: r["count"] for r in pv["by_channel"]}
    for row in ov["by_channel"]:
        lines.append(f"| 其中：{row['label']} | {row['count']} | {previous_channels.get(row['channel'], 0)} |")
    lines += [
        f"| 已答复 | {ov['replied']} | {pv['replied']} |",
        f"| 答复率 | {percent(ov['reply_rate'])} | {percent(pv['reply_rate'])} |",
        f"| 已到期限件数 | {t['decided']} | {pv['timeliness']['decided']} |",
        f"| 其中按时答复 | {t['on_time']} | {pv['timeliness']['on_time']} |",
        f"| 逾期答复 | {t['late']} | {pv['timeliness']['late']} |",
        f"| 超期未答复 | {t['overdue_unreplied']} | {pv['timeliness']['overdue_unreplied']} |",
        f"| 未到期限 | {t['pending']} | {pv['timeliness']['pending']} |",
        f"| 按时答复率 | {percent(t['rate'])} | {percent(pv['timeliness']['rate'])} |", ""]
    if ov["by_category"] and ov.get("categorised", True):
        lines += ["| 类别 | 件数 |", "|---|---:|"]
        lines += [f"| {_cell(r['name'])} | {r['count']} |" for r in ov["by_category"]]
        lines.append("")
    if chart_dir and ov["received"]:
        lines += [f"![各渠道受理量]({chart_dir}/channels.svg)", f"![与上期对比]({chart_dir}/comparison.svg)"]
        if ov.get("categorised", True):
            lines.append(f"![诉求分类]({chart_dir}/categories.svg)")
        lines.append("")
    lines += ["## 二、共性问题和普遍疑问答复", ""]
    if not document["questions"]:
        lines += ["本期群众诉求较为分散，未形成多人反映的共性问题。" if ov["received"]
                  else "本期未收到群众诉求，无共性问题需公布。", ""]
    for number, q in enumerate(document["questions"], start=1):
        lines += [f"### 问题{number}：{q['question']}", ""]
        meta = [f"反映人次：{q['asked_count']}"]
        if q.get("unit"):
            meta.append(f"承办单位：{q['unit']}")
        if q.get("answer_date"):
            meta.append(f"答复日期：{q['answer_date']}")
        lines += ["　".join(meta), ""]
        if q.get("detail"):
            lines += [f"**群众反映：**{q['detail']}", ""]
        lines += [f"**答复：**{q.get('answer') or NO_ANSWER_YET}", ""]
    lines += ["## 三、民意热点榜", ""]
    if document["hotlist"]:
        lines += ["| 排名 | 热点事项 | 反映件数 | 点赞数 | 标识 |", "|---:|---|---:|---:|---|"]
        lines += [f"| {e['rank']} | {_cell(e['label'])} | {e['size']} | {e['votes']} | {' '.join(e['badges'])} |"
                  for e in document["hotlist"]]
    else:
        lines.append("本期无热点事项。")
    lines.append("")
    if document["texts"].get("closing"):
        lines += [document["texts"]["closing"], ""]
    return "\n".join(lines)

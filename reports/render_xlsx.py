"""The internal workbook of a summary: the figures, the questions, the hot list and, for provenance, every
message behind every question and hot-list entry (internal: it names message ids and original titles; it is
written to ``reports.internal_dir``, never to the public directory). Submitters are never exported."""
from __future__ import annotations

from pathlib import Path

from reports.renderers import Rendering, renderer
from store.exports import neutralise_row
from store.models.core import Message

HEADER_FILL = "F2F2F2"


def _sheet(workbook, title: str, headers: list[str], rows: list[list], widths: list[int] | None = None):
    from openpyxl.styles import Alignment, Font, PatternFill

    sheet = workbook.create_sheet(title)
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
    for row in rows:
        sheet.append(neutralise_row(row))
    for index, width in enumerate(widths or [], start=1):
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str) and len(cell.value) > 40:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    return sheet


def render_xlsx(document: dict, messages: dict[int, Message], path: Path) -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    ov, pv = document["overview"], document["previous"]
    t, pt = ov["timeliness"], pv["timeliness"]
    figures = [
        ["受理诉求", ov["received"], pv["received"]],
        *[[f"其中：{r['label']}", r["count"], next((p["count"] for p in pv["by_channel"]
                                                  if p["channel"] == r["channel"]), 0)] for r in ov["by_channel"]],
        ["已答复", ov["replied"], pv["replied"]],
        ["答复率", ov["reply_rate"], pv["reply_rate"]],
        ["本期发出答复", ov["replies_in_period"], pv["replies_in_period"]],
        ["已到期限件数", t["decided"], pt["decided"]],
        ["按时答复", t["on_time"], pt["on_time"]],
        ["逾期答复", t["late"], pt["late"]],
        ["超期未答复", t["overdue_unreplied"], pt["overdue_unreplied"]],
        ["未到期限", t["pending"], pt["pending"]],
        ["答复无日期", t["undated"], pt["undated"]],
        ["按时答复率", t["rate"], pt["rate"]],
    ]
    period, previous_period = document["period"], document["previous_period"]
    sheet = _sheet(workbook, "概况", ["项目", f"本期 {period['start']}~{period['end']}",
                                    f"上期 {previous_period['start']}~{previous_period['end']}"],
                   figures, [18, 24, 24])
    for row in sheet.iter_rows(min_row=2):
        if row[0].value in ("答复率", "按时答复率"):
            for cell in row[1:]:
                cell.number_format = "0.0%"
    sheet.append([])
    sheet.append(["统计截至", document.get("statistics_date") or document["as_of"]])
    if document.get("statistics_note"):
        sheet.append(["统计日说明", document["statistics_note"]])
    sheet.append(["起草所据日期", document["as_of"]])
    for row in ov.get("reply_stats_excluded", []):
        sheet.append(["未纳入答复统计", f"{row['source']}（{row['count']}件）：{row['reason']}"])
    sheet.append(["生成时间", document["generated_at"]])
    sheet.append(["共性问题方法", document["methods"]["topics"]])
    sheet.append(["热点榜方法", document["methods"]["hotlist"]])
    sheet.append(["状态", document.get("status", "draft")])

    _sheet(workbook, "分类", ["类别", "件数"], [[r["name"], r["count"]] for r in ov["by_category"]], [24, 10])
    _sheet(workbook, "共性问题",
           ["序号", "键", "问题", "群众反映", "反映人数", "留言件数", "承办单位", "答复", "答复日期", "答复所据留言id",
            "答复逾期", "未采用的答复及原因", "留言id"],
           [[n, q["key"], q["question"], q["detail"], q["asked_count"], q.get("letters"), q["unit"], q["answer"],
             q["answer_date"], q["answer_message_id"], "是" if q.get("answer_late") else "",
             "；".join(f"{k}：{v}" for k, v in (q.get("answer_rejected") or {}).items()),
             ",".join(str(i) for i in q["message_ids"])]
            for n, q in enumerate(document["questions"], start=1)],
           [6, 14, 36, 40, 10, 10, 20, 60, 12, 12, 8, 40, 30])
    _sheet(workbook, "未列出的问题", ["类别", "问题", "反映人数", "留言件数", "原因", "留言id"],
           [["办理中", q["question"], q["asked_count"], q.get("letters"), "成员诉求均未答复，答复期限未届满",
             ",".join(str(i) for i in q["message_ids"])] for q in document.get("pending_questions", [])]
           + [["未列出", q["question"], q["asked_count"], q.get("letters"), q["reason"],
               ",".join(str(i) for i in q["message_ids"])] for q in document.get("left_out_questions", [])],
           [8, 36, 10, 10, 60, 30])
    _sheet(workbook, "未纳入共性问题的留言", ["留言id", "外部编号", "标题", "判定", "原因"],
           [[e["message_id"], e["external_id"], e["title"], e["label"], e["reason"]]
            for e in document.get("excluded", [])], [10, 16, 40, 14, 60])
    _sheet(workbook, "民意热点榜", ["排名", "键", "热点事项", "件数", "点赞数", "标识", "得分", "留言id"],
           [[e["rank"], e["key"], e["label"], e["size"], e["votes"], " ".join(e["badges"]), e["score"],
             ",".join(str(i) for i in e["message_ids"])] for e in document["hotlist"]],
           [6, 14, 40, 8, 8, 20, 8, 30])

    detail_headers = ["所属", "序号", "留言id", "外部编号", "渠道", "标题", "提交时间", "类别", "承办单位", "答复单位",
                      "答复时间", "点赞数", "作为答复"]

    def detail_rows(kind: str, number: int, ids: list[int], answer_id: int | None) -> list[list]:
        rows = []
        for message_id in ids:
            m = messages.get(message_id)
            if m is None:
                rows.append([kind, number, message_id, None, None, "(message no longer in the database)"])
                continue
            rows.append([kind, number, m.id, m.external_id, m.channel, m.title, m.submitted_at, m.category, m.unit,
                         m.reply_unit, m.replied_at, m.votes_up, "是" if m.id == answer_id else ""])
        return rows

    rows = []
    for number, q in enumerate(document["questions"], start=1):
        rows += detail_rows("共性问题", number, q["message_ids"], q["answer_message_id"])
    for entry in document["hotlist"]:
        rows += detail_rows("热点榜", entry["rank"], entry["message_ids"], None)
    detail = _sheet(workbook, "留言明细", detail_headers, rows, [10, 6, 10, 16, 10, 40, 18, 14, 20, 20, 18, 8, 8])
    for row in detail.iter_rows(min_row=2):
        for index in (6, 10):
            row[index].number_format = "yyyy-mm-dd hh:mm"
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


@renderer("xlsx", "summary-{slug}-internal.xlsx", position=3, public=False)
def write_xlsx(job: Rendering, path: Path) -> None:
    """Internal: the letters behind each figure (names and all), never published."""
    render_xlsx(job.document, job.messages, path)

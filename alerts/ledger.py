"""舆情回应处置台账 (the response ledger): every alerted message and early warning, with its handling.

Rows live in ``store.models.alerts.LedgerEntry`` (written by the alert runs and acknowledgements);
``export_ledger`` writes them as an XLSX in the layout officials file: a title, the period, one row per case
with 序号, 首次发现时间, 来源, 渠道, 编号, 标题, 责任单位, 办理期限, 预警等级, 首次提醒时间, 签收时间/签收人,
回复时间, 回复链接, 状态; landscape, fitted to the page width, header repeated on every printed page.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.exports import neutralise_cell
from store.models.alerts import LedgerEntry
from store.models.base import now_local

COLUMNS = [
    ("序号", 6), ("首次发现时间", 17), ("来源", 16), ("渠道", 8), ("编号", 14), ("标题", 36), ("责任单位", 24),
    ("办理期限", 11), ("预警等级", 12), ("首次提醒时间", 17), ("签收时间", 17), ("签收人", 10),
    ("回复时间", 17), ("回复链接", 30), ("状态", 9),
]
LEVEL_ZH = {"due_soon": "即将到期", "overdue": "已超期", "seriously_overdue": "严重超期",
            "supervision": "督办", "warning": "舆情预警"}
STATUS_ZH = {"open": "未回复", "acknowledged": "已签收", "replied": "已回复"}
CHANNEL_ZH = {"hotline": "12345热线", "mailbox": "领导信箱", "feedback": "网上留言"}


def ledger_rows(session: Session, date_from: dt.date | None = None, date_to: dt.date | None = None,
                unit: str | None = None) -> list[LedgerEntry]:
    """Entries first discovered in [date_from, date_to] (inclusive), oldest first; ``unit`` a substring."""
    query = select(LedgerEntry).order_by(LedgerEntry.first_discovered_at, LedgerEntry.id)
    if date_from:
        query = query.where(LedgerEntry.first_discovered_at >= dt.datetime.combine(date_from, dt.time.min))
    if date_to:
        query = query.where(LedgerEntry.first_discovered_at <= dt.datetime.combine(date_to, dt.time.max))
    if unit:
        query = query.where(LedgerEntry.unit_name.contains(unit))
    return list(session.scalars(query))


def _fmt(value: Any) -> Any:
    """A cell value: dates as text officials read, citizen text neutralised against formula injection."""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return neutralise_cell(value)


def export_ledger(session: Session, path: Path | str, *, date_from: dt.date | None = None,
                  date_to: dt.date | None = None, unit: str | None = None, title: str = "舆情回应处置台账") -> int:
    """Write the ledger as XLSX; returns the number of cases written."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    rows = ledger_rows(session, date_from, date_to, unit)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "台账"
    last_col = get_column_letter(len(COLUMNS))
    sheet.merge_cells(f"A1:{last_col}1")
    sheet["A1"] = title
    sheet["A1"].font = Font(name="宋体", size=16, bold=True)
    sheet["A1"].alignment = Alignment(horizontal="center", vertical="center")
    sheet.row_dimensions[1].height = 30
    sheet.merge_cells(f"A2:{last_col}2")
    period = f"{date_from or '最早'} 至 {date_to or '最新'}"
    sheet["A2"] = f"统计时间：{period}    导出时间：{now_local():%Y-%m-%d %H:%M}    共 {len(rows)} 件" + (
        f"    责任单位：{unit}" if unit else "")
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for col, (name, width) in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=3, column=col, value=name)
        cell.font = Font(name="黑体", bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = border
        sheet.column_dimensions[get_column_letter(col)].width = width
    for index, entry in enumerate(rows, start=1):
        values = [index, entry.first_discovered_at, entry.source, CHANNEL_ZH.get(entry.channel or "", entry.channel),
                  entry.external_id, entry.title, entry.unit_name, entry.due_on,
                  LEVEL_ZH.get(entry.highest_level or "", entry.highest_level), entry.first_alerted_at,
                  entry.acknowledged_at, entry.acknowledged_by, entry.replied_at, entry.reply_url,
                  STATUS_ZH.get(entry.status, entry.status)]
        for col, value in enumerate(values, start=1):
            cell = sheet.cell(row=index + 3, column=col, value=_fmt(value))
            cell.border = border
            cell.alignment = Alignment(vertical="top", wrap_text=True)
    sheet.freeze_panes = "A4"
    sheet.print_title_rows = "3:3"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return len(rows)

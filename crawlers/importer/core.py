"""Turn a table of an export into MessageRecords and upsert them, rejecting bad rows one by one."""
from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from crawlers.importer.columns import ColumnMap, guess_channel
from crawlers.importer.readers import ImportFileError, RowError, Table, read_tables
from crawlers.parsing import DateParseError, clean_inline, clean_text, parse_int, parse_timestamp
from store.models import CHANNELS, CrawlRun, now_local
from store.records import MessageRecord, Reject
from store.upsert import UpsertResult, get_or_create_source, upsert_messages


class ImportRefused(ValueError):
    """The file is readable but is not a message export (the message says what it is and what to do)."""


@dataclass
class ImportReport:
    path: Path
    source: str
    channel: str
    encoding: str | None
    columns: str
    result: UpsertResult = field(default_factory=UpsertResult)
    rejects_file: Path | None = None
    dry_run: bool = False
    run_id: int | None = None
    sheet: str | None = None
    # a workbook: one report per imported sheet; refusals of the other sheets, and its empty sheets
    parts: list[ImportReport] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    empty_sheets: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 every row stored, 1 some rows (or sheets) not: README, exit codes."""
        return 1 if self.result.rejected or self.refused else 0


_TEXT_FIELDS = ("title", "unit", "kind", "category", "status", "reply_unit", "submitter", "external_id", "url")


def _cell(row: list[object], index: int | None) -> object:
    if index is None or index >= len(row):
        return None
    return row[index]


def _extra_value(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _normalise_id(value: str) -> str:
    # Spreadsheets turn numeric ids into floats: "77082.0" is id 77082.
    return value[:-2] if value.endswith(".0") and value[:-2].isdigit() else value


def row_to_record(mapping: ColumnMap, row: list[object], channel: str, ref: str) -> MessageRecord | Reject:
    """One data row as a MessageRecord, or the Reject naming the field and why."""
    values: dict[str, object] = {}
    for name in _TEXT_FIELDS:
        if name in mapping.fields:
            values[name] = clean_inline(_cell(row, mapping.fields[name])) or None
    content = clean_text(_cell(row, mapping.fields.get("content")))
    if not content and "combined_text" in mapping.fields:
        content = clean_text(_cell(row, mapping.fields["combined_text"]))
    reply_text = clean_text(_cell(row, mapping.fields.get("reply_text")))
    times: dict[str, datetime | None] = {}
    for name in ("submitted_at", "replied_at"):
        index = mapping.fields.get(name)
        try:
            times[name] = parse_timestamp(_cell(row, index))
        except DateParseError as exc:
            return Reject(ref, mapping.headers[index], str(exc))
    votes: dict[str, int | None] = {}
    for name in ("votes_up", "votes_down"):
        index = mapping.fields.get(name)
        try:
            votes[name] = parse_int(_cell(row, index))
        except ValueError:
            return Reject(ref, mapping.headers[index], f"not a number: {_cell(row, index)!r}")
    if not content and not values.get("title"):
        return Reject(ref, "content", "no message text (title and content are both empty)")
    extra = {}
    for header, index in mapping.extra.items():
        value = _cell(row, index)
        if value not in (None, ""):
            extra[header] = _extra_value(value)
    unit = values.get("unit")
    if values.get("external_id"):
        values["external_id"] = _normalise_id(values["external_id"])
    return MessageRecord(
        channel=channel, content=content or values.get("title"), submitted_at=times["submitted_at"],
        title=values.get("title"), external_id=values.get("external_id"), url=values.get("url"),
        submitter=values.get("submitter"), kind=values.get("kind"), category=values.get("category"),
        unit=unit, status=values.get("status"), reply_text=reply_text,
        # exports carry one unit column: the unit that handled and answered the message
        reply_unit=unit if reply_text else None,
        replied_at=times["replied_at"], votes_up=votes["votes_up"], votes_down=votes["votes_down"],
        extra=extra, ref=ref,
    )


def _records(table: Table, mapping: ColumnMap, channel: str, rejects: list[Reject],
             on_row: Callable[[], None] | None) -> Iterator[MessageRecord]:
    for number, row in table.rows:
        if on_row:
            on_row()
        ref = f"{table.name} row {number}"
        if isinstance(row, RowError):
            rejects.append(Reject(ref, row.field, row.reason))
            continue
        outcome = row_to_record(mapping, row, channel, ref)
        if isinstance(outcome, Reject):
            rejects.append(outcome)
        else:
            yield outcome


def write_rejects(rejects: list[Reject], directory: Path, stem: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{stem}-rejects-{now_local():%Y%m%d-%H%M%S}.csv"
    with open(path, "w", newline="", encoding="utf-8-sig") as fh:  # BOM: opens right in Excel
        writer = csv.writer(fh)
        writer.writerow(["where", "field", "reason"])
        for reject in rejects:
            writer.writerow([reject.ref, reject.field, reject.reason])
    return path


def import_file(
    session: Session,
    path: Path,
    *,
    channel: str | None = None,
    source: str | None = None,
    dry_run: bool = False,
    batch_size: int = 2000,
    rejects_dir: Path | None = None,
    on_start: Callable[[int | None], None] | None = None,
    on_row: Callable[[], None] | None = None,
    sheets: list[str] | None = None,
    max_chars: int | None = None,
    region: str | None = None,
) -> ImportReport:
    """Import one export: a CSV, or every sheet of a workbook (``sheets``: only those), each sheet reported in
    ``report.parts``. Commits batch by batch (nothing is lost on a later failure); a dry run rolls back.
    ``region``: put the source in this region (topics are clustered per region); None leaves it as it is.

    A sheet that is not a message export is refused on its own (``report.refused``) and the other sheets go on;
    when no sheet is importable the whole file is refused (ImportRefused)."""
    report: ImportReport | None = None
    refusals: list[str] = []
    empty: list[str] = []
    for table in read_tables(path, sheets):
        if isinstance(table, str):
            empty.append(table)
            continue
        try:
            part = _import_table(session, table, channel=channel, source=source, dry_run=dry_run,
                                 batch_size=batch_size, on_start=on_start, on_row=on_row, max_chars=max_chars,
                                 region=region)
        except ImportRefused as exc:
            refusals.append(str(exc))
            continue
        if report is None:
            report = ImportReport(path, part.source, part.channel, part.encoding, part.columns, dry_run=dry_run,
                                  run_id=part.run_id)
        report.parts.append(part)
        report.result.add(part.result)
    if report is None:
        if refusals:
            raise ImportRefused("; ".join(refusals))
        raise ImportFileError(f"{path}: every sheet is empty ({', '.join(empty)})" if empty
                              else f"{path}: no table to import")
    report.refused, report.empty_sheets = refusals, empty
    if report.result.rejects and rejects_dir is not None:
        report.rejects_file = write_rejects(report.result.rejects, rejects_dir, path.stem)
    return report


def _import_table(session: Session, table: Table, *, channel: str | None, source: str | None, dry_run: bool,
                  batch_size: int, on_start: Callable[[int | None], None] | None,
                  on_row: Callable[[], None] | None, max_chars: int | None, region: str | None) -> ImportReport:
    path, where = table.path, (f"{table.path} sheet {table.sheet!r}" if table.sheet else str(table.path))
    mapping = ColumnMap.from_headers(table.headers)
    if mapping.looks_like_taxonomy() and not mapping.has_text:
        raise ImportRefused(
            f"{where}: this is a category taxonomy (columns {', '.join(h for h in table.headers if h)}), "
            "not a message export; nothing imported. Categories come from the messages' own 分类 column."
        )
    if not mapping.has_text:
        raise ImportRefused(
            f"{where}: no column holds message text (headers: {', '.join(table.headers)}); expected one of "
            "留言详情/信件内容/反映内容/诉求内容/内容 or a title column"
        )
    if "submitted_at" not in mapping.fields:
        raise ImportRefused(
            f"{where}: no column holds the submission time (headers: {', '.join(table.headers)}); expected e.g. "
            "留言时间/来信时间/反映时间/受理时间"
        )
    channel = channel or guess_channel(table.headers, path.name)
    if channel not in CHANNELS:
        raise ImportRefused(f"unknown channel {channel!r}: use one of {', '.join(CHANNELS)}")
    source_name = source or path.stem
    report = ImportReport(path, source_name, channel, table.encoding, mapping.describe(), dry_run=dry_run,
                          sheet=table.sheet)
    if on_start:
        on_start(table.total_rows)

    src = get_or_create_source(session, source_name, channel, origin="import")
    if region is not None:
        src.region = region or None  # "" puts it back in the default region
    run = CrawlRun(source_id=src.id, kind="import", location=f"{path} [{table.sheet}]" if table.sheet else str(path))
    session.add(run)
    session.flush()
    report.run_id = run.id
    rejects: list[Reject] = []
    batch: list[MessageRecord] = []
    for record in _records(table, mapping, channel, rejects, on_row):
        batch.append(record)
        if len(batch) >= batch_size:
            report.result.add(upsert_messages(session, src, batch, run_id=run.id, batch_size=batch_size,
                                              max_chars=max_chars))
            batch.clear()
            if not dry_run:
                session.commit()
    if batch:
        report.result.add(upsert_messages(session, src, batch, run_id=run.id, batch_size=batch_size,
                                          max_chars=max_chars))
    report.encoding = table.encoding_label
    report.result.rejected += len(rejects)
    report.result.rejects[:0] = rejects
    run.items = report.result.seen
    run.inserted, run.updated = report.result.inserted, report.result.updated
    run.unchanged, run.rejected = report.result.unchanged, report.result.rejected
    run.errors = [{"where": r.ref, "field": r.field, "reason": r.reason} for r in report.result.rejects[:200]]
    run.finished_at = now_local()
    run.finish_reason = "dry-run" if dry_run else "finished"
    if dry_run:
        session.rollback()
    else:
        session.commit()
    return report

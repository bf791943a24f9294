"""Read CSV (encoding detected) and XLSX exports as a header row plus numbered data rows."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


class ImportFileError(ValueError):
    """The file as a whole cannot be read; the message names the file and why."""


@dataclass
class Table:
    path: Path
    headers: list[str]
    rows: Iterator[tuple[int, list[object]]]  # (row number as a spreadsheet shows it: header = 1, values)
    total_rows: int | None
    encoding: str | None = None


def detect_encoding(raw: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 by BOM, else GB18030 (a superset of GBK/GB2312), else a detector."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    for encoding in ("utf-8", "gb18030"):
        try:
            raw.decode(encoding)
            return encoding
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    if best is None:
        raise ImportFileError("cannot detect the text encoding (not UTF-8, GBK/GB18030 or UTF-16)")
    return best.encoding


def read_csv(path: Path) -> Table:
    raw = path.read_bytes()
    if not raw.strip():
        raise ImportFileError(f"{path}: the file is empty")
    encoding = detect_encoding(raw)
    text = raw.decode(encoding)
    try:
        dialect = csv.Sniffer().sniff(text[:20000], delimiters=",\t;|")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    headers = next(reader, None)
    if not headers:
        raise ImportFileError(f"{path}: no header row")
    # Counting records needs a parse pass of its own; a line count is close enough for a progress bar.
    total = max(text.count("\n") - 1, 0)

    def rows() -> Iterator[tuple[int, list[object]]]:
        for number, row in enumerate(reader, start=2):
            if any(cell.strip() for cell in row):
                yield number, list(row)

    return Table(path, [h.strip() for h in headers], rows(), total, encoding)


def read_xlsx(path: Path) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise ImportFileError(f"{path}: not a readable XLSX workbook ({exc})") from exc
    sheet = workbook.worksheets[0]
    iterator = sheet.iter_rows(values_only=True)
    headers: list[str] | None = None
    header_number = 0
    for header_number, values in enumerate(iterator, start=1):  # noqa: B007 - used after the loop
        if values and any(v not in (None, "") for v in values):
            headers = ["" if v is None else str(v).strip() for v in values]
            break
    if headers is None:
        workbook.close()
        raise ImportFileError(f"{path}: the first sheet is empty")
    total = (sheet.max_row - header_number) if sheet.max_row else None

    def rows() -> Iterator[tuple[int, list[object]]]:
        try:
            for number, values in enumerate(iterator, start=header_number + 1):
                if values and any(v not in (None, "") for v in values):
                    yield number, list(values)
        finally:
            workbook.close()

    return Table(path, headers, rows(), total, None)


def read_table(path: Path) -> Table:
    if not path.is_file():
        raise ImportFileError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        return read_xlsx(path)
    if suffix in {".csv", ".tsv", ".txt"}:
        return read_csv(path)
    if suffix == ".xls":
        raise ImportFileError(f"{path}: old .xls workbooks are not supported; save it as .xlsx or CSV")
    raise ImportFileError(f"{path}: unsupported file type {suffix!r} (expected .csv or .xlsx)")

"""Read CSV and XLSX exports as tables (a header row plus numbered data rows), streaming: memory stays flat
whatever the file size.

CSV encodings are decided line by line: strict UTF-8, else GB18030 (a superset of GBK/GB2312), so a file whose
rows mix the two (exports concatenated from two systems) is read right row by row instead of turning the UTF-8
rows into mojibake. UTF-16 is recognised by its BOM; a file whose first lines are neither UTF-8 nor GB18030 gets
one detector pass over its beginning (never one per row). A line that no encoding decodes rejects its row.

A workbook yields one table per sheet (every sheet is read and reported; ``sheets`` chooses some).
"""
from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

# Longest CSV field read at all (characters). Python's default, 131,072, is below real long letters; a field
# past this maximum rejects its row only. Text over messages.max_chars is cut when stored (and the cut recorded).
CSV_FIELD_LIMIT = 16 * 1024 * 1024
SNIFF_LINES = 200
_CHUNK = 1 << 20


class ImportFileError(ValueError):
    """The file as a whole cannot be read; the message names the file and why."""


class RowError(ValueError):
    """One data row cannot be read (over-long field, undecodable bytes); the rest of the table goes on."""

    def __init__(self, field: str, reason: str):
        super().__init__(reason)
        self.field, self.reason = field, reason


@dataclass
class EncodingTally:
    """Which encoding decoded how many lines of a CSV, and the first line of each."""

    counts: dict[str, int] = field(default_factory=dict)
    first_line: dict[str, int] = field(default_factory=dict)
    undecodable: set[int] = field(default_factory=set)

    def add(self, encoding: str, line: int) -> None:
        self.counts[encoding] = self.counts.get(encoding, 0) + 1
        self.first_line.setdefault(encoding, line)

    def describe(self, fallback: str | None) -> str | None:
        used = [name for name in self.counts if name != "ascii"]
        if not used:
            return fallback or ("utf-8" if self.counts else None)
        if len(used) == 1:
            return used[0]
        # a mixed file: say how many lines each encoding decoded and where the minority starts
        parts = [f"{name} {self.counts[name]:,} lines from line {self.first_line[name]}" for name in used]
        return "mixed: " + ", ".join(parts)


@dataclass
class Table:
    path: Path
    headers: list[str]
    # (row number as a spreadsheet shows it: header = 1, values) or (row number, RowError)
    rows: Iterator[tuple[int, list[object] | RowError]]
    total_rows: int | None
    encoding: str | None = None
    sheet: str | None = None
    tally: EncodingTally | None = None

    @property
    def name(self) -> str:
        return f"{self.path.name} [{self.sheet}]" if self.sheet else self.path.name

    @property
    def encoding_label(self) -> str | None:
        return self.tally.describe(self.encoding) if self.tally else self.encoding


def _decode_line(raw: bytes, number: int, tally: EncodingTally, fallback: str | None) -> str:
    if raw.isascii():
        tally.add("ascii", number)
        return raw.decode("ascii")
    for encoding in ("utf-8", "gb18030") if fallback is None else (fallback,):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        tally.add(encoding, number)
        return text
    tally.undecodable.add(number)
    return raw.decode("utf-8", errors="replace")


def _byte_lines(handle: IO[bytes]) -> Iterator[bytes]:
    """Lines of a binary file ending in b"\\n" (safe for UTF-8 and GB18030: neither uses 0x0A inside a
    character)."""
    yield from handle


def _fallback_encoding(sample: list[bytes]) -> str | None:
    """One detector pass over the file's beginning when its lines are neither UTF-8 nor GB18030."""
    bad = [line for line in sample if not line.isascii() and not _decodes(line)]
    if not bad:
        return None
    from charset_normalizer import from_bytes

    best = from_bytes(b"".join(sample)).best()
    if best is None or best.encoding.replace("_", "").lower() in {"utf8", "gb18030"}:
        return None
    return best.encoding


def _decodes(raw: bytes) -> bool:
    for encoding in ("utf-8", "gb18030"):
        try:
            raw.decode(encoding)
            return True
        except UnicodeDecodeError:
            continue
    return False


def count_lines(path: Path) -> int:
    """Newlines in the file, read in chunks (for the progress bar; flat memory)."""
    total = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            total += chunk.count(b"\n")
    return total


def read_csv(path: Path) -> Table:
    handle = open(path, "rb")  # noqa: SIM115 - closed when the rows are exhausted (or on error below)
    try:
        head = handle.read(4)
        if not head.strip() and not handle.read(1):
            raise ImportFileError(f"{path}: the file is empty")
        handle.seek(0)
        tally = EncodingTally()
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            text_lines: Iterator[str] = iter(io.TextIOWrapper(handle, encoding="utf-16", newline=""))
            encoding: str | None = "utf-16"
            fallback = "utf-16"
        else:
            if head.startswith(codecs.BOM_UTF8):
                handle.seek(len(codecs.BOM_UTF8))
            raw_lines = _byte_lines(handle)
            sample = [line for _, line in zip(range(SNIFF_LINES), raw_lines, strict=False)]
            fallback = _fallback_encoding(sample)
            encoding = "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else fallback
            text_lines = (_decode_line(raw, number, tally, fallback)
                          for number, raw in enumerate(_chain(sample, raw_lines), start=1))
        sniff_sample: list[str] = []
        for line in text_lines:
            sniff_sample.append(line)
            if len(sniff_sample) >= SNIFF_LINES:
                break
        if not "".join(sniff_sample).strip():
            raise ImportFileError(f"{path}: the file is empty")
    except BaseException:
        handle.close()
        raise
    try:
        delimiter = csv.Sniffer().sniff("".join(sniff_sample)[:20000], delimiters=",\t;|").delimiter
    except csv.Error:
        delimiter = ","
    source = _chain(sniff_sample, text_lines)
    csv.field_size_limit(CSV_FIELD_LIMIT)
    reader = csv.reader(source, delimiter=delimiter)
    try:
        headers = next(reader, None)
    except csv.Error as exc:
        handle.close()
        raise ImportFileError(f"{path}: the header row cannot be read ({exc})") from None
    if not headers:
        handle.close()
        raise ImportFileError(f"{path}: no header row")
    if any(line <= reader.line_num for line in tally.undecodable):
        handle.close()
        raise ImportFileError(f"{path}: the header row is neither UTF-8 nor GB18030; save the file as UTF-8")

    def rows() -> Iterator[tuple[int, list[object] | RowError]]:
        number = 1
        last_line = reader.line_num
        try:
            while True:
                number += 1
                try:
                    row = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    last_line = reader.line_num
                    reason = (f"a field is longer than {CSV_FIELD_LIMIT:,} characters" if "field limit" in str(exc)
                              else f"not readable as CSV ({exc})")
                    yield number, RowError("(row)", reason)
                    continue
                first, last_line = last_line + 1, reader.line_num
                bad = [line for line in range(first, last_line + 1) if line in tally.undecodable]
                if bad:
                    tally.undecodable.difference_update(bad)
                    yield number, RowError("(row)", f"line {bad[0]} of the file is neither UTF-8 nor GB18030: "
                                                    "row not read")
                    continue
                if any(cell.strip() for cell in row):
                    yield number, list(row)
        finally:
            handle.close()

    # Counting records needs a parse pass of its own; a line count is close enough for a progress bar.
    total = max(count_lines(path) - 1, 0)
    return Table(path, [h.strip().lstrip("\ufeff") for h in headers], rows(), total, encoding, tally=tally)


def _chain(first: list, rest: Iterable) -> Iterator:
    yield from first
    yield from rest


def _sheet_table(path: Path, sheet) -> Table | None:  # noqa: ANN001 - an openpyxl read-only worksheet
    iterator = sheet.iter_rows(values_only=True)
    headers: list[str] | None = None
    header_number = 0
    for header_number, values in enumerate(iterator, start=1):  # noqa: B007 - used after the loop
        if values and any(v not in (None, "") for v in values):
            headers = ["" if v is None else str(v).strip() for v in values]
            break
    if headers is None:
        return None
    total = (sheet.max_row - header_number) if sheet.max_row else None

    def rows() -> Iterator[tuple[int, list[object] | RowError]]:
        for number, values in enumerate(iterator, start=header_number + 1):
            if values and any(v not in (None, "") for v in values):
                yield number, list(values)

    return Table(path, headers, rows(), total, None, sheet=sheet.title)


def read_xlsx(path: Path, sheets: list[str] | None = None) -> Iterator[Table | str]:
    """Each sheet as a Table (in workbook order), or the name of an empty sheet (a string: reported, skipped)."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise ImportFileError(f"{path}: not a readable XLSX workbook ({exc})") from exc
    try:
        names = workbook.sheetnames
        missing = [name for name in sheets or [] if name not in names]
        if missing:
            raise ImportFileError(f"{path}: no sheet named {', '.join(map(repr, missing))} (sheets: "
                                  f"{', '.join(names)})")
        for name in sheets or names:
            table = _sheet_table(path, workbook[name])
            yield table if table is not None else name
    finally:
        workbook.close()


def read_tables(path: Path, sheets: list[str] | None = None) -> Iterator[Table | str]:
    """The tables of an export: one for a CSV, one per sheet of a workbook (an empty sheet: its name)."""
    if not path.is_file():
        raise ImportFileError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        yield from read_xlsx(path, sheets)
        return
    if sheets:
        raise ImportFileError(f"{path}: --sheet applies to workbooks (.xlsx), not to {suffix} files")
    if suffix in {".csv", ".tsv", ".txt"}:
        yield read_csv(path)
        return
    if suffix == ".xls":
        raise ImportFileError(f"{path}: old .xls workbooks are not supported; save it as .xlsx or CSV")
    raise ImportFileError(f"{path}: unsupported file type {suffix!r} (expected .csv or .xlsx)")


def read_table(path: Path) -> Table:
    """The first table with data (CSV: the file; workbook: its first non-empty sheet)."""
    for table in read_tables(path):
        if isinstance(table, Table):
            return table
    raise ImportFileError(f"{path}: every sheet is empty")

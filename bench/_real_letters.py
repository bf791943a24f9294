"""Real letters of the shared exports (../shared/data), read at run time for the real-text evaluations.

Each letter is a ``Letter`` with a stable id (``<source>:<the export's own id>``) and its fields (title,
content, reply, submitter), as the export gives them. Nothing is copied into the repository: the annotation
files in bench/ hold ids, field names, offsets and labels only.
"""
from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("HOTLINE_SHARED_DATA", ROOT.parent / "shared" / "data"))
DALIAN = DATA / "dalian_mailbox_2018_gb18030.csv"
SHANGLUO = DATA / "shangluo_mayor_mailbox_2012_2022.csv"
TEDDY3 = DATA / "teddycup2020c_附件3_messages_with_votes.xlsx"
TEDDY4 = DATA / "teddycup2020c_附件4_messages_with_replies.xlsx"
TEDDY_DEV = DATA / "teddycup2020c_classification_dev.csv"
FIELDS = ("title", "content", "reply", "submitter")


@dataclass
class Letter:
    id: str
    fields: dict[str, str] = field(default_factory=dict)
    submitted: str = ""
    unit: str = ""

    def text(self, name: str) -> str:
        return self.fields.get(name) or ""


def available() -> bool:
    return all(path.is_file() for path in (DALIAN, SHANGLUO, TEDDY3, TEDDY4))


def _cell(value) -> str:
    return "" if value is None else str(value)


def dalian() -> list[Letter]:
    with DALIAN.open(encoding="gb18030", newline="") as fh:
        return [Letter(f"dalian:{row['受理编号']}", {"title": row["反映标题"], "content": row["反映内容"],
                                                     "reply": row["答复内容"]},
                       submitted=row["反映时间"].strip(), unit=row["受理单位"])
                for row in csv.DictReader(fh)]


def shangluo() -> list[Letter]:
    with SHANGLUO.open(encoding="utf-8", newline="") as fh:
        return [Letter(f"shangluo:{row['mail_id']}", {"title": row["title"], "content": row["query"],
                                                       "reply": row["reply"]},
                       submitted=row["query_date"].strip(), unit=row["reply_agency"])
                for row in csv.DictReader(fh)]


def _teddy(path: Path, tag: str) -> list[Letter]:
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True)
    rows = workbook.active.iter_rows(values_only=True)
    headers = [_cell(h) for h in next(rows)]
    letters = []
    for values in rows:
        row = dict(zip(headers, values, strict=False))
        letters.append(Letter(f"{tag}:{_cell(row['留言编号'])}", {
            "title": _cell(row.get("留言主题")), "content": _cell(row.get("留言详情")),
            "reply": _cell(row.get("答复意见")), "submitter": _cell(row.get("留言用户"))},
            submitted=_cell(row.get("留言时间"))))
    workbook.close()
    return letters


def teddy3() -> list[Letter]:
    return _teddy(TEDDY3, "teddy3")


def teddy4() -> list[Letter]:
    return _teddy(TEDDY4, "teddy4")


def all_letters() -> dict[str, Letter]:
    """Every letter of the four exports by id (the first of a repeated id wins)."""
    letters: dict[str, Letter] = {}
    for loader in (dalian, shangluo, teddy3, teddy4):
        for letter in loader():
            letters.setdefault(letter.id, letter)
    return letters


def annotated_pii_strings(letters: dict[str, Letter], annotation: Path | None = None) -> list[str]:
    """The strings marked as personal data (any type but "ignore") in bench/pii_real_annotations.json, resolved
    against ``letters`` (annotated letters missing from ``letters`` are skipped)."""
    import json

    path = annotation or ROOT / "bench" / "pii_real_annotations.json"
    found = []
    for entry in json.loads(path.read_text(encoding="utf-8"))["letters"]:
        letter = letters.get(entry["id"])
        if letter is None:
            continue
        for span in entry["spans"]:
            if span["type"] != "ignore":
                text = letter.text(span["field"])[span["start"]:span["end"]].strip()
                if len(text) >= 2:
                    found.append(text)
    return found


def gold_of_field(entry: dict, field_name: str) -> tuple[set[int], set[int], list[tuple[str, range]]]:
    """One field of an annotated letter: (the characters of personal data, the characters marked "ignore", and
    each annotated mention as (type, its characters))."""
    truth: set[int] = set()
    ignored: set[int] = set()
    mentions: list[tuple[str, range]] = []
    for gold in entry["spans"]:
        if gold["field"] != field_name:
            continue
        chars = range(gold["start"], gold["end"])
        if gold["type"] == "ignore":
            ignored.update(chars)
        else:
            truth.update(chars)
            mentions.append((gold["type"], chars))
    return truth, ignored, mentions

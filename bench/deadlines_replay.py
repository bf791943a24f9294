"""Replay real reply times against the 3/5-working-day rules: on-time rate per unit and per kind, late share.

Reads ../shared/data directly (never copied into the repository):
  - 附件4 (teddycup2020c_附件4_messages_with_replies.xlsx): 留言时间 / 答复时间; no unit column;
  - 大连 (dalian_mailbox_2018_gb18030.csv, GB18030): 反映时间 / 反馈时间 / 受理单位;
  - 商洛 (shangluo_mayor_mailbox_2012_2022.csv): query_date / reply_date / reply_agency (dates only).
None of them has a kind column (咨询/投诉…): the kind is inferred from a keyword in the title, and said so.
Every figure comes from the engine itself (analysis.deadlines: packaged rules, bulk due dates, states,
responsiveness_stats with Wilson intervals), judged as of the day after the last date in each file.
Skips cleanly (exit 0) when the data folder is absent.

Usage: python bench/deadlines_replay.py [--data DIR] [--min-cases N] [--top N]
"""
from __future__ import annotations

import argparse
import csv
import os
import sys
import unicodedata
import warnings
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.deadlines.compute import STATE_CODES, DeadlineState
from analysis.deadlines.rules import DeadlinePolicy, load_rules
from analysis.deadlines.stats import responsiveness_stats
from analysis.deadlines.vectorised import NO_DATE, DeadlineFrame, bulk_due_dates
from analysis.deadlines.workcalendar import get_calendar

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
KIND_KEYWORDS = ("咨询", "投诉", "求助", "反映", "举报", "建议")  # first found in the title wins
DATE_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M", "%Y/%m/%d",
                "%Y-%m-%d")


def parse_moment(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    text = str(value or "").strip()
    if not text:
        return None
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def infer_kind(title: str) -> str:
    for keyword in KIND_KEYWORDS:
        if keyword in (title or ""):
            return keyword
    return "(其他)"


@dataclass
class Dataset:
    name: str
    submitted: list[datetime] = field(default_factory=list)
    replied: list[datetime | None] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    skipped_no_date: int = 0
    skipped_reply_before_submission: int = 0

    def add(self, submitted: object, replied: object, unit: str, title: str) -> None:
        submitted_at, replied_at = parse_moment(submitted), parse_moment(replied)
        if submitted_at is None:
            self.skipped_no_date += 1
            return
        if replied_at is not None and replied_at.date() < submitted_at.date():
            self.skipped_reply_before_submission += 1  # a data error: neither on time nor late
            return
        self.submitted.append(submitted_at)
        self.replied.append(replied_at)
        self.units.append((unit or "").strip() or "(无单位)")
        self.kinds.append(infer_kind(title))


def read_fujian4(path: Path) -> Dataset:
    import openpyxl

    data = Dataset("附件4 (泰迪杯 2020 C, message board with replies)")
    workbook = openpyxl.load_workbook(path, read_only=True)
    rows = workbook.active.iter_rows(values_only=True)
    header = [str(h).strip() if h is not None else "" for h in next(rows)]
    col = {name: header.index(name) for name in ("留言主题", "留言时间", "答复时间")}
    for row in rows:
        data.add(row[col["留言时间"]], row[col["答复时间"]], "(no unit column)", row[col["留言主题"]] or "")
    workbook.close()
    return data


def read_dalian(path: Path) -> Dataset:
    data = Dataset("大连 government mailbox 2017-2019 (GB18030)")
    with open(path, encoding="gb18030", newline="") as fh:
        for row in csv.DictReader(fh):
            data.add(row["反映时间"], row["反馈时间"], row["受理单位"], row["反映标题"])
    return data


def read_shangluo(path: Path) -> Dataset:
    data = Dataset("商洛 mayor's mailbox 2012-2022 (dates only)")
    with open(path, encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            data.add(row["query_date"], row["reply_date"], row["reply_agency"], row["title"])
    return data


def replay(data: Dataset, min_cases: int, top: int) -> None:
    calendar = get_calendar()
    rules = load_rules()
    policy = DeadlinePolicy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the data predates 2027: no provisional year is touched
        bulk = bulk_due_dates(data.submitted, kinds=data.kinds, rules=rules, calendar=calendar, policy=policy)
    n = len(data.submitted)
    replied = np.fromiter((r.toordinal() if r else NO_DATE for r in data.replied), dtype=np.int64, count=n)
    frame = DeadlineFrame(
        message_ids=np.arange(n), submitted=bulk.received.copy(), received=bulk.received, deemed=bulk.deemed,
        due=bulk.due, replied=replied, reply_undated=np.zeros(n, bool), closed=np.zeros(n, bool),
        paused=np.zeros(n, bool), provisional=bulk.provisional,
        groups={"unit": np.array(data.units, dtype=object), "kind": np.array(data.kinds, dtype=object),
                "rule": np.array([bulk.rules_used[i].id for i in bulk.rule_index], dtype=object)})
    last = max(max(data.submitted), max((r for r in data.replied if r), default=max(data.submitted)))
    as_of = last.date() + timedelta(days=1)
    states, _left, _late = frame.states(as_of, calendar, policy)
    names = [STATE_CODES[int(c)] for c in states]
    count = {s: names.count(s) for s in DeadlineState if names.count(s)}
    replies = count.get(DeadlineState.REPLIED_ON_TIME, 0) + count.get(DeadlineState.REPLIED_LATE, 0)
    late_replies = count.get(DeadlineState.REPLIED_LATE, 0)
    rule_counts = {}
    for rule_id in frame.groups["rule"]:
        rule_counts[rule_id] = rule_counts.get(rule_id, 0) + 1

    print(f"\n=== {data.name}")
    print(f"messages {n} (skipped: {data.skipped_no_date} without a date, "
          f"{data.skipped_reply_before_submission} replied before submission, {bulk.out_of_range} outside the "
          f"calendar); judged as of {as_of}")
    print("rules applied: " + ", ".join(f"{k} {v}" for k, v in sorted(rule_counts.items())))
    print("states: " + ", ".join(f"{s.value} {v}" for s, v in count.items()))
    share = late_replies / replies if replies else float("nan")
    print(f"replies {replies}: late {late_replies} = {share:.1%} of replies")
    overall = responsiveness_stats(frame, as_of=as_of, by=("rule",), calendar=calendar, policy=policy, min_cases=1)
    total_cases = sum(s.cases for s in overall)
    total_on_time = sum(s.on_time for s in overall)
    print(f"on-time rate overall: {total_on_time}/{total_cases} = {total_on_time / total_cases:.1%}")

    print("\nper kind (inferred from a title keyword; 咨询 -> 3 working days, 投诉/求助/反映/举报 -> 5, others 5):")
    _print_table(responsiveness_stats(frame, as_of=as_of, by=("kind",), calendar=calendar, policy=policy,
                                      min_cases=min_cases), top=None)
    units = responsiveness_stats(frame, as_of=as_of, by=("unit",), calendar=calendar, policy=policy,
                                 min_cases=min_cases)
    ranked = [s for s in units if s.ranked]
    unranked = [s for s in units if not s.ranked]
    print(f"\nper unit: {len(units)} units, {len(ranked)} ranked (>= {min_cases} cases), "
          f"{len(unranked)} marked 'too few cases' ({sum(s.cases for s in unranked)} cases)"
          + (f"; top {top} and bottom {min(top, max(len(ranked) - top, 0))} shown" if len(ranked) > 2 * top else ""))
    shown = ranked if len(ranked) <= 2 * top else ranked[:top] + ranked[-top:]
    _print_table(shown, top=None)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _cell(text: str, width: int) -> str:
    """Left-aligned to a display width (Chinese characters take two columns), cut with … when too long."""
    if _width(text) > width:
        while _width(text + "…") > width:
            text = text[:-1]
        text += "…"
    return text + " " * (width - _width(text))


def _print_table(stats, top: int | None) -> None:
    print(f"{'rank':>4}  {'group':<28} {'n':>5} {'on time':>8} {'95% Wilson':>16} {'late share':>10} "
          f"{'median wd':>9}")
    for s in stats[:top] if top else stats:
        rate = f"{s.on_time_rate:.1%}" if s.on_time_rate is not None else "-"
        ci = f"[{s.ci_low:.1%}, {s.ci_high:.1%}]" if s.ci_low is not None else "-"
        late = f"{s.late_reply_share:.1%}" if s.late_reply_share is not None else "-"
        median = f"{s.median_working_days_to_reply:g}" if s.median_working_days_to_reply is not None else "-"
        rank = str(s.rank) if s.rank else "--"
        name = _cell(" / ".join(s.group), 28)
        print(f"{rank:>4}  {name} {s.cases:>5} {rate:>8} {ci:>16} {late:>10} {median:>9}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("HOTLINE_SHARED_DATA", DEFAULT_DATA)))
    parser.add_argument("--min-cases", type=int, default=20)
    parser.add_argument("--top", type=int, default=8)
    args = parser.parse_args()
    files = {
        "fujian4": args.data / "teddycup2020c_附件4_messages_with_replies.xlsx",
        "dalian": args.data / "dalian_mailbox_2018_gb18030.csv",
        "shangluo": args.data / "shangluo_mayor_mailbox_2012_2022.csv",
    }
    if not args.data.is_dir():
        print(f"skipped: {args.data} is absent (the real data is not part of the repository)")
        return 0
    readers = {"fujian4": read_fujian4, "dalian": read_dalian, "shangluo": read_shangluo}
    print("Deadline replay under the packaged rules (咨询 3 working days, otherwise 5; the day of receipt not "
          "counted;\na non-working receipt day counts from the next working day; due at the end of the day).")
    for key, path in files.items():
        if not path.is_file():
            print(f"\n=== {path.name}: absent, skipped")
            continue
        replay(readers[key](path), args.min_cases, args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())

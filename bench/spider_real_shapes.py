"""Family spiders on real letters: the 商洛 mayor-mailbox letters (../shared/data, crawled from a 博达 VSB site)
rendered at run time into that site's detail layout (labels in td.titlestyle1335, values in td.contentstyle1335,
来信主题/回复人), and the 大连 mailbox letters rendered into a 12345 <dl> detail page in GB18030 with a
placeholder where no reply exists. Each page is parsed by the family spider and normalised as a crawl would;
the figure is the share of letters whose every field comes back as the data holds it (text compared after the
same clean-up, dates to the second).

    python bench/spider_real_shapes.py

Nothing of the data is written to disk; it skips (exit 0) when ../shared/data is absent.
"""
from __future__ import annotations

import csv
import html
import os
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"
SHANGLUO = DATA / "shangluo_mayor_mailbox_2012_2022.csv"
DALIAN = DATA / "dalian_mailbox_2018_gb18030.csv"


def _cell(text: str) -> str:
    """Text as a CMS prints it in a table cell: escaped, line breaks as <br>."""
    return html.escape(text.strip()).replace("\r\n", "\n").replace("\n", "<br>")


def vsb_page(row: dict[str, str]) -> bytes:
    rows = [("信件编号", row["mail_id"]), ("来信主题", row["title"]), ("信件内容", row["query"]),
            ("来信时间", row["query_date"]), ("回复内容", row["reply"]), ("回复时间", row["reply_date"]),
            ("回复人", row["reply_agency"])]
    cells = "".join(f'<tr><td class="titlestyle1335">{label}</td><td class="contentstyle1335">{_cell(value)}</td></tr>'
                    for label, value in rows)
    return (f'<html><head><meta charset="utf-8"></head><body><table class="winstyle1335">{cells}</table>'
            "</body></html>").encode()


def case_page(row: dict[str, str]) -> bytes:
    reply = row["答复内容"].strip() or "正在办理中"
    pairs = [("受理编号", row["受理编号"]), ("反映标题", row["反映标题"]), ("反映时间", row["反映时间"]),
             ("反映内容", row["反映内容"]), ("受理单位", row["受理单位"]), ("处理状态", row["处理状态"]),
             ("答复内容", reply), ("反馈时间", row["反馈时间"])]
    items = "".join(f"<dt>{label}：</dt><dd>{_cell(value)}</dd>" for label, value in pairs)
    return (f'<html><head><meta charset="gb18030"></head><body><div class="detail"><dl>{items}</dl></div>'
            "</body></html>").encode("gb18030")


def compare(record, want: dict[str, object]) -> list[str]:
    from crawlers.parsing import clean_inline, clean_text, parse_page_date

    wrong = []
    for name, value in want.items():
        if name in ("content", "reply_text"):
            value = clean_text(value)
        elif name in ("submitted_at", "replied_at"):
            value = parse_page_date(value) if value and str(value).strip() else None
        else:
            value = clean_inline(value) or None
        if getattr(record, name) != value:
            wrong.append(name)
    return wrong


def run(family: str, rows: list[dict[str, str]], page, expected, external_id) -> None:
    from crawlers.items import item_to_record
    from store.records import Reject
    from tests.crawlers.helpers import make_spider, response_for

    spider = make_spider(family)
    exact, rejected, fields = 0, Counter(), Counter()
    started = time.perf_counter()
    for row in rows:
        response = response_for(spider.detail_request(external_id(row), None), page(row), "page.html",
                                content_type="text/html", meta={"external_id": external_id(row)})
        outputs = list(spider.on_detail(response))
        record = item_to_record(outputs[0], spider.date_formats) if outputs else None
        if record is None or isinstance(record, Reject):
            rejected[getattr(record, "field", "page")] += 1
            continue
        wrong = compare(record, expected(row))
        fields.update(wrong)
        exact += not wrong
    seconds = time.perf_counter() - started
    print(f"{family}: {exact}/{len(rows)} letters exact in every field ({exact / len(rows):.1%}); "
          f"rejected {sum(rejected.values())} {dict(rejected)}; fields differing {dict(fields)}; "
          f"{len(rows) / seconds:,.0f} pages/s")


def main() -> int:
    if not SHANGLUO.exists() or not DALIAN.exists():
        print(f"skipped: {DATA} not present")
        return 1 if os.environ.get("CI") == "true" else 0
    with open(SHANGLUO, encoding="utf-8", newline="") as fh:
        shangluo = list(csv.DictReader(fh))
    with open(DALIAN, encoding="gb18030", newline="") as fh:
        dalian = list(csv.DictReader(fh))
    run("vsb", shangluo, vsb_page,
        lambda r: {"external_id": r["mail_id"], "title": r["title"], "content": r["query"],
                   "submitted_at": r["query_date"], "reply_text": r["reply"], "replied_at": r["reply_date"],
                   "reply_unit": r["reply_agency"]},
        lambda r: r["mail_id"])
    run("case12345", dalian, case_page,
        lambda r: {"external_id": r["受理编号"], "title": r["反映标题"], "content": r["反映内容"],
                   "submitted_at": r["反映时间"], "unit": r["受理单位"], "status": r["处理状态"],
                   "reply_text": r["答复内容"], "replied_at": r["反馈时间"]},
        lambda r: r["受理编号"])
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Reply-quality flags against hand labels on 附件4 (messages with official replies).

    python bench/reply_quality_eval.py

``bench/reply_quality_labels.json`` holds 100 replies labelled by reading them (only the message ids and the
label are stored, never text): ``poor`` = empty, boilerplate only (已收悉 / 已转某部门处理 and nothing else),
a referral or one line that does not answer, or unrelated. The sample was drawn with a fixed seed: 35 replies
the first version flagged, the 15 shortest unflagged ones and 50 other unflagged ones, so both kinds of error
can show. Prints precision, recall and accuracy of "any flag" and the flag counts on the whole file.
Skips cleanly when ../shared/data is absent.
"""
from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data" / "teddycup2020c_附件4_messages_with_replies.xlsx"
LABELS = Path(__file__).with_name("reply_quality_labels.json")


def main() -> int:
    if not DATA.exists():
        print(f"skipped: {DATA} not found (real data is optional)")
        return 0
    import openpyxl

    from analysis.quality.reply_quality import assess_texts

    sheet = openpyxl.load_workbook(DATA, read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    header = [str(h) for h in rows[0]]
    col = {name: header.index(name) for name in ("留言编号", "留言主题", "留言详情", "答复意见")}
    data = rows[1:]
    results = assess_texts([str(r[col["留言详情"]] or "") for r in data],
                           [None if r[col["答复意见"]] is None else str(r[col["答复意见"]]) for r in data],
                           [str(r[col["留言主题"]] or "") for r in data])
    by_id = {str(r[col["留言编号"]]): res for r, res in zip(data, results, strict=True)}
    print(f"{len(data)} replies; flags: {dict(Counter(f for r in results for f in r.flags))}; "
          f"flagged share {sum(1 for r in results if r.flags) / len(results):.1%}")
    labels = json.loads(LABELS.read_text(encoding="utf-8"))
    tp = fp = fn = tn = 0
    missing = 0
    for item in labels:
        result = by_id.get(str(item["message_id"]))
        if result is None:
            missing += 1
            continue
        predicted = bool(result.flags)
        tp += predicted and item["poor"]
        fp += predicted and not item["poor"]
        fn += (not predicted) and item["poor"]
        tn += (not predicted) and not item["poor"]
    total = tp + fp + fn + tn
    print(f"labelled sample: {total} replies ({tp + fn} poor), {missing} ids not found")
    print(f"precision {tp / max(tp + fp, 1):.2f}  recall {tp / max(tp + fn, 1):.2f}  "
          f"accuracy {(tp + tn) / max(total, 1):.2f}  (tp {tp}, fp {fp}, fn {fn}, tn {tn})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

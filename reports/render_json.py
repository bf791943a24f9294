"""The JSON version of a summary for a website CMS (public fields only: no message ids, no review trail).

Shape (``"format": "hotline-monitor/summary@2"``; @2: ``asked_count`` is the number of distinct complainants,
no longer of letters, and questions carry ``distinct_submitters`` and ``message_ids``, the external ids of the
member letters)::

    {"format", "title", "bureau", "period": {"start", "end", "label"}, "as_of", "published_at",
     "intro", "closing",
     "overview": {"received", "replied", "reply_rate", "replies_in_period", "on_time_rate", "decided", "on_time",
                  "late", "overdue_unreplied", "pending", "by_channel": [{"channel", "label", "count"}],
                  "by_category": [{"name", "count"}]},
     "previous": {"period": {...}, "received", "replied", "reply_rate", "on_time_rate"},
     "statistics_date", "statistics_note", "reply_stats_excluded": [{"source", "count", "reason"}],
     "questions": [{"number", "question", "detail", "answer", "asked_count", "distinct_submitters",
                    "message_ids": [external ids], "unit", "answer_date"}],
     "pending_questions": [{"question", "detail", "asked_count"}],
     "hotlist": [{"rank", "label", "size", "votes", "badges"}]}
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from reports.renderers import Rendering, renderer

FORMAT = "hotline-monitor/summary@2"


def _overview(ov: dict) -> dict[str, Any]:
    t = ov["timeliness"]
    return {"received": ov["received"], "replied": ov["replied"], "reply_rate": ov["reply_rate"],
            "replies_in_period": ov["replies_in_period"], "on_time_rate": t["rate"], "decided": t["decided"],
            "on_time": t["on_time"], "late": t["late"], "overdue_unreplied": t["overdue_unreplied"],
            "pending": t["pending"], "by_channel": ov["by_channel"], "by_category": ov["by_category"]}


def cms_json(document: dict) -> dict[str, Any]:
    prev = document["previous"]
    return {
        "format": FORMAT,
        "title": document["texts"]["title"],
        "bureau": document["bureau"],
        "period": {k: document["period"][k] for k in ("start", "end", "label")},
        "as_of": document["as_of"],
        "status": document.get("status", "draft"),
        "published_at": document.get("published_at"),
        "intro": document["texts"]["intro"],
        "closing": document["texts"]["closing"],
        "overview": _overview(document["overview"]),
        "previous": {"period": document["previous_period"], "received": prev["received"],
                     "replied": prev["replied"], "reply_rate": prev["reply_rate"],
                     "on_time_rate": prev["timeliness"]["rate"]},
        "statistics_date": document.get("statistics_date") or document["as_of"],
        "statistics_note": document.get("statistics_note"),
        "reply_stats_excluded": document["overview"].get("reply_stats_excluded", []),
        "questions": [{"number": n, "question": q["question"], "detail": q["detail"], "answer": q["answer"],
                       "asked_count": q["asked_count"],
                       "distinct_submitters": q.get("distinct_submitters"),
                       "message_ids": [i for i in q.get("external_ids", []) if i], "unit": q["unit"],
                       "answer_date": q["answer_date"]} for n, q in enumerate(document["questions"], start=1)],
        "pending_questions": [{"question": q["question"], "detail": q["detail"], "asked_count": q["asked_count"]}
                              for q in document.get("pending_questions", [])],
        "hotlist": [{k: e[k] for k in ("rank", "label", "size", "votes", "badges")} for e in document["hotlist"]],
    }


@renderer("json", "summary.json", position=2)
def write_json(job: Rendering, path: Path) -> None:
    path.write_text(json.dumps(cms_json(job.document), ensure_ascii=False, indent=2), encoding="utf-8")

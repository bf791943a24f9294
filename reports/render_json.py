"""The JSON version of a summary for a website CMS (public fields only: no message ids, no review trail).

Shape (``"format": "hotline-monitor/summary@1"``)::

    {"format", "title", "bureau", "period": {"start", "end", "label"}, "as_of", "published_at",
     "intro", "closing",
     "overview": {"received", "replied", "reply_rate", "replies_in_period", "on_time_rate", "decided", "on_time",
                  "late", "overdue_unreplied", "pending", "by_channel": [{"channel", "label", "count"}],
                  "by_category": [{"name", "count"}]},
     "previous": {"period": {...}, "received", "replied", "reply_rate", "on_time_rate"},
     "questions": [{"number", "question", "detail", "asked_count", "unit", "answer", "answer_date"}],
     "hotlist": [{"rank", "label", "size", "votes", "badges"}]}
"""
from __future__ import annotations

from typing import Any

FORMAT = "hotline-monitor/summary@1"


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
        "questions": [{"number": n, "question": q["question"], "detail": q["detail"],
                       "asked_count": q["asked_count"], "unit": q["unit"], "answer": q["answer"],
                       "answer_date": q["answer_date"]} for n, q in enumerate(document["questions"], start=1)],
        "hotlist": [{k: e[k] for k in ("rank", "label", "size", "votes", "badges")} for e in document["hotlist"]],
    }

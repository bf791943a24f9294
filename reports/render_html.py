"""The standalone HTML page of a summary: no external assets (charts inlined as data: SVG), accessible
(lang, headings, table captions and header cells, chart alt texts), prints on A4.

``render_html(document, charts=None) -> str``; ``document`` is ``reports.publication.final_document(...)``
(the generated content with the editors' edits applied). Jinja2 with autoescape on: every text from citizens,
units and editors is escaped.
"""
from __future__ import annotations

import base64
from functools import lru_cache
from pathlib import Path

from reports.charts import Chart, summary_charts
from reports.renderers import Rendering, renderer
from reports.summary import NO_ANSWER_YET

TEMPLATES = Path(__file__).parent / "templates"
STATUS_LABELS = {"draft": "草稿", "reviewed": "已审核", "approved": "已批准", "published": "已发布"}


@lru_cache(maxsize=1)
def environment():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.globals["pct"] = percent
    return env


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def date_zh(iso: str | None) -> str:
    if not iso:
        return ""
    year, month, day = iso[:10].split("-")
    return f"{int(year)}年{int(month)}月{int(day)}日"


def asked_label(document: dict) -> str:
    """How the question's count reads: people from content version 2 on; summaries published before
    (``asked_count_basis`` "messages", set by migration 0013) counted letters and keep their wording."""
    return "反映人次" if document.get("asked_count_basis") == "messages" else "反映人数"


def _data_uri(chart: Chart) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(chart.svg.encode("utf-8")).decode("ascii")


def channel_rows(document: dict) -> list[dict]:
    current = {r["channel"]: r for r in document["overview"]["by_channel"]}
    previous = {r["channel"]: r for r in document["previous"]["by_channel"]}
    rows = []
    for channel in list(current) + [c for c in previous if c not in current]:
        row = current.get(channel) or previous[channel]
        rows.append({"label": row["label"], "current": current.get(channel, {}).get("count", 0),
                     "previous": previous.get(channel, {}).get("count", 0)})
    return rows


def render_html(document: dict, charts: list[Chart] | None = None) -> str:
    charts = summary_charts(document) if charts is None else charts
    doc = dict(document)
    doc["as_of_zh"] = date_zh(document.get("statistics_date") or document.get("as_of"))
    doc["published_zh"] = date_zh(document.get("published_at"))
    doc["approved_zh"] = date_zh(document.get("approved_at"))
    template = environment().get_template("summary.html.j2")
    return template.render(
        doc=doc,
        ov=document["overview"],
        pv=document["previous"],
        channel_rows=channel_rows(document),
        charts=[{"title": c.title, "alt": c.alt, "data_uri": _data_uri(c), "wide": True} for c in charts],
        asked_label=asked_label(document),
        status_label=STATUS_LABELS.get(document.get("status", "draft"), document.get("status", "draft")),
        no_answer=NO_ANSWER_YET,
    )


@renderer("html", "summary.html", position=0)
def write_html(job: Rendering, path: Path) -> None:
    path.write_text(render_html(job.document, job.charts), encoding="utf-8")

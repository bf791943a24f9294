"""Charts of the summary as standalone SVG, drawn here (no matplotlib, no font cache).

Text stays text in the SVG (``<text>`` with ``FONT_STACK``, the CJK fonts of Windows, macOS, Linux and
Android), so the reader's browser draws the Chinese with its own fonts: nothing depends on the fonts of the
machine that drafted the summary. Every character of a chart must be in GBK, which every Chinese system font
covers; a character outside it (a rare name, an emoji) would show as a box, so drafting stops with
``ChartGlyphError`` naming the chart and the character instead of publishing a broken chart.

Only charts that add to the tables are drawn: the daily intake of the period (no table shows it). The counts
by channel, by category and the comparison with the previous period are in tables 1 and 2.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from xml.sax.saxutils import escape

INK = "#1f2d3d"
CURRENT = "#b3261e"  # the government-site red
GRID = "#d9dee3"
FONT_STACK = ("'Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', 'PingFang SC', 'Hiragino Sans GB', "
              "'WenQuanYi Micro Hei', SimHei, SimSun, sans-serif")


class ChartGlyphError(Exception):
    """A chart would show a character that Chinese system fonts may not have."""


@dataclass(frozen=True)
class Chart:
    name: str
    title: str
    alt: str  # the figures in words, for screen readers and as the caption
    svg: str


def check_glyphs(chart_name: str, texts: list[str]) -> None:
    """Raise ``ChartGlyphError`` when a text of the chart has a character outside GBK."""
    for text in texts:
        for char in text:
            try:
                char.encode("gbk")
            except UnicodeEncodeError:
                raise ChartGlyphError(
                    f"chart {chart_name!r}: the character {char!r} (U+{ord(char):04X}) in “{text}” is not covered "
                    "by the Chinese fonts readers have (outside GBK) and would show as a box; edit the text or "
                    "leave the chart out") from None


def _text(x: float, y: float, text: str, size: int = 12, anchor: str = "middle", weight: str = "normal",
          fill: str = INK) -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" font-weight="{weight}" '
            f'fill="{fill}">{escape(text)}</text>')


def daily_chart(period_start: str, period_end: str, daily_counts: dict[str, int]) -> Chart:
    """Bars of the letters received each day of the period."""
    start, end = dt.date.fromisoformat(period_start), dt.date.fromisoformat(period_end)
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    counts = [int(daily_counts.get(d.isoformat(), 0)) for d in days]
    title = "每日受理量"
    width, height, left, right, top, bottom = 720, 260, 48, 16, 40, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max(counts + [1])
    step = max(1, -(-peak // 4))
    ticks = list(range(0, peak + step, step))
    scale = plot_h / ticks[-1]
    bar_w = plot_w / len(days)
    texts = [title, "件数"] + [f"{d.month}月{d.day}日" for d in days]
    check_glyphs("daily", texts)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
             f'height="{height}" role="img" font-family="{FONT_STACK}">',
             f"<title>{escape(title)}</title>",
             _text(width / 2, 22, title, 15, weight="bold"),
             _text(14, top + plot_h / 2, "件数", 12, anchor="middle").replace(
                 "<text ", f'<text transform="rotate(-90 14 {top + plot_h / 2:.1f})" ')]
    for tick in ticks:
        y = top + plot_h - tick * scale
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(_text(left - 6, y + 4, str(tick), 11, anchor="end"))
    for i, (day, count) in enumerate(zip(days, counts, strict=True)):
        x = left + i * bar_w
        h = count * scale
        parts.append(f'<rect x="{x + bar_w * 0.15:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w * 0.7:.1f}" '
                     f'height="{h:.1f}" fill="{CURRENT}"/>')
        if count:
            parts.append(_text(x + bar_w / 2, top + plot_h - h - 4, str(count), 10))
        parts.append(_text(x + bar_w / 2, top + plot_h + 16, f"{day.day}日", 10))
    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" stroke="{INK}"/>')
    parts.append(_text(left + plot_w / 2, height - 6, f"{start.year}年{start.month}月", 11))
    parts.append("</svg>")
    alt = title + "：" + "，".join(f"{d.month}月{d.day}日{c}件" for d, c in zip(days, counts, strict=True))
    return Chart("daily", title, alt, "".join(parts))


def summary_charts(content: dict) -> list[Chart]:
    """The charts of a summary (none for an empty period or a content without daily counts)."""
    current = content["overview"]
    if not current["received"] or not current.get("daily"):
        return []
    return [daily_chart(content["period"]["start"], content["period"]["end"], current["daily"])]

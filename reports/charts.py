"""Charts of the summary as standalone SVG (text drawn as paths: no font needed where it is shown or printed).

The font is ``reports.font`` (default "Noto Sans CJK SC", Debian's fonts-noto-cjk); when it is missing a
warning is logged and the first installed CJK font is used, else matplotlib's default (Chinese would show
as boxes, hence the warning). Charts are plain and high-contrast so they read in black-and-white print.
"""
from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from functools import lru_cache

log = logging.getLogger(__name__)

INK = "#1f2d3d"
CURRENT = "#b3261e"  # the government-site red for the current period
PREVIOUS = "#9aa5b1"


@dataclass(frozen=True)
class Chart:
    name: str
    title: str
    alt: str  # the figures in words, for screen readers and as the caption
    svg: str


@lru_cache(maxsize=4)
def chart_font(wanted: str) -> str | None:
    """The font family to draw with: ``wanted`` if installed, else another CJK font (logged)."""
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    if wanted in names:
        return wanted
    try:  # a .ttc collection may be listed under a sibling face name (JP/KR) but still serve SC
        path = font_manager.findfont(font_manager.FontProperties(family=wanted), fallback_to_default=False)
        return font_manager.FontProperties(fname=path).get_name()
    except ValueError:
        pass
    cjk = sorted(n for n in names if "CJK" in n or n in ("WenQuanYi Zen Hei", "SimHei", "Microsoft YaHei"))
    if cjk:
        log.warning("chart font %r is not installed; using %r (install fonts-noto-cjk)", wanted, cjk[0])
        return cjk[0]
    log.warning("chart font %r is not installed and no CJK font was found: Chinese labels will not render "
                "(apt-get install fonts-noto-cjk)", wanted)
    return None


def _figure(width: float, height: float):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from store.settings import get_settings

    family = chart_font(get_settings().get("reports.font"))
    plt.rcParams.update({
        "svg.fonttype": "path", "svg.hashsalt": "hotline-monitor", "font.size": 11,
        "axes.edgecolor": INK, "axes.labelcolor": INK, "xtick.color": INK, "ytick.color": INK,
        "axes.spines.top": False, "axes.spines.right": False,
    })
    if family:
        plt.rcParams["font.family"] = [family]
    plt.rcParams["axes.unicode_minus"] = False
    return plt, plt.subplots(figsize=(width, height))


def _svg(plt, fig) -> str:
    buffer = io.StringIO()
    fig.tight_layout()
    fig.savefig(buffer, format="svg", metadata={"Date": None})
    plt.close(fig)
    text = buffer.getvalue()
    return text[text.index("<svg"):]  # drop the XML prolog and DOCTYPE: the SVG is embedded


def channel_chart(overview: dict) -> Chart:
    from matplotlib.ticker import MaxNLocator

    rows = overview["by_channel"]
    labels = [r["label"] for r in rows]
    counts = [r["count"] for r in rows]
    plt, (fig, ax) = _figure(5.2, 2.6)
    bars = ax.bar(labels, counts, color=CURRENT, width=0.55)
    ax.bar_label(bars, labels=[f"{c}件" for c in counts], padding=2, color=INK)
    ax.set_ylabel("件数")
    ax.set_ylim(0, max(counts + [1]) * 1.2)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title("各渠道受理量", color=INK)
    alt = "各渠道受理量：" + "，".join(f"{lab}{c}件" for lab, c in zip(labels, counts, strict=True))
    return Chart("channels", "各渠道受理量", alt, _svg(plt, fig))


def category_chart(overview: dict) -> Chart:
    from matplotlib.ticker import MaxNLocator

    rows = list(reversed(overview["by_category"]))
    labels = [r["name"] for r in rows]
    counts = [r["count"] for r in rows]
    plt, (fig, ax) = _figure(10.4, 0.42 * len(rows) + 1.1)
    bars = ax.barh(labels, counts, color=CURRENT, height=0.6)
    ax.bar_label(bars, labels=[f"{c}件" for c in counts], padding=3, color=INK)
    ax.set_xlim(0, max(counts + [1]) * 1.2)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("件数")
    ax.set_title("诉求分类", color=INK)
    alt = "诉求分类：" + "，".join(f"{r['name']}{r['count']}件" for r in overview["by_category"])
    return Chart("categories", "诉求分类", alt, _svg(plt, fig))


def comparison_chart(current: dict, previous: dict, current_label: str, previous_label: str) -> Chart:
    def pct(value):
        return None if value is None else value * 100

    measures = [("答复率", current["reply_rate"], previous["reply_rate"]),
                ("按时答复率", current["timeliness"]["rate"], previous["timeliness"]["rate"])]
    plt, (fig, ax) = _figure(5.2, 2.8)
    xs = range(len(measures))
    width = 0.36
    prev_values = [pct(m[2]) or 0 for m in measures]
    cur_values = [pct(m[1]) or 0 for m in measures]
    prev_bars = ax.bar([x - width / 2 for x in xs], prev_values, width, color=PREVIOUS, label=previous_label,
                       hatch="//", edgecolor="white")
    cur_bars = ax.bar([x + width / 2 for x in xs], cur_values, width, color=CURRENT, label=current_label)
    for bars, raw in ((prev_bars, [m[2] for m in measures]), (cur_bars, [m[1] for m in measures])):
        ax.bar_label(bars, labels=["—" if v is None else f"{v * 100:.1f}%" for v in raw], padding=2, color=INK)
    ax.set_xticks(list(xs), [m[0] for m in measures])
    ax.set_ylim(0, 118)
    ax.set_ylabel("%")
    ax.legend(frameon=False, loc="upper center", ncol=2, bbox_to_anchor=(0.5, 1.18))
    fig.subplots_adjust(top=0.8)

    def words(value):
        return "无数据" if value is None else f"{value * 100:.1f}%"

    alt = "；".join(f"{name}：本期{words(cur)}，上期{words(prev)}" for name, cur, prev in measures)
    return Chart("comparison", "与上期对比", alt, _svg(plt, fig))


def summary_charts(content: dict) -> list[Chart]:
    """The charts of a summary (none for an empty period)."""
    current, previous = content["overview"], content["previous"]
    if not current["received"]:
        return []
    return [
        channel_chart(current),
        comparison_chart(current, previous, "本期", "上期"),
    ] + ([category_chart(current)] if current.get("categorised", True) else [])

"""Charts render Chinese anywhere: text stays text with a CJK font stack; no font cache is involved."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from reports.charts import FONT_STACK, ChartGlyphError, daily_chart, summary_charts

ROOT = Path(__file__).resolve().parents[2]


def test_daily_chart_keeps_chinese_as_text_with_a_cjk_font_stack():
    chart = daily_chart("2024-03-16", "2024-03-31", {"2024-03-18": 3, "2024-03-25": 1})
    assert "<text" in chart.svg and "每日受理量" in chart.svg
    assert "Microsoft YaHei" in FONT_STACK and "Noto Sans CJK SC" in FONT_STACK and "PingFang SC" in FONT_STACK
    assert "<path" not in chart.svg  # glyphs are not drawn from the drafting machine's fonts
    # 16 days, 2 with letters: 16 day labels and bars whose counts add up in the alt text
    assert chart.svg.count("日</text>") == 16
    assert "3月18日3件" in chart.alt and "3月25日1件" in chart.alt


def test_a_character_outside_the_readers_fonts_stops_the_chart_with_a_clear_error(monkeypatch):
    import reports.charts as charts

    with pytest.raises(ChartGlyphError, match="U\\+20000"):
        charts.check_glyphs("daily", ["正常文字", "生僻字\U00020000"])


def test_charts_do_not_depend_on_a_font_cache(tmp_path):
    # A fresh machine: an empty matplotlib config/cache dir and no fonts configured. The charts module must not
    # load matplotlib at all, so nothing it caches can turn Chinese into boxes.
    script = textwrap.dedent("""
        import sys
        from reports.charts import summary_charts
        content = {"period": {"start": "2024-03-01", "end": "2024-03-15"},
                   "overview": {"received": 2, "daily": {"2024-03-04": 2}}}
        charts = summary_charts(content)
        assert "matplotlib" not in sys.modules, "charts imported matplotlib"
        print(charts[0].svg.count("<text"))
    """)
    env = {**os.environ, "MPLCONFIGDIR": str(tmp_path / "mpl"), "XDG_CACHE_HOME": str(tmp_path / "cache"),
           "FONTCONFIG_FILE": str(tmp_path / "none.conf")}
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout.strip()) > 15


def test_no_chart_repeats_a_table():
    content = {"period": {"start": "2024-03-01", "end": "2024-03-15"},
               "overview": {"received": 5, "daily": {"2024-03-04": 5},
                            "by_channel": [{"channel": "feedback", "label": "网上留言", "count": 5}],
                            "by_category": [{"name": "城乡建设", "count": 5}]}}
    assert [c.name for c in summary_charts(content)] == ["daily"]

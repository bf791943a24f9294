"""The C-speed paths of analysis.text.normalise give what the plain definitions give.

Oracles: the plain alternation regex (for ``alternation``), the set-count definition of "traditional" written
out here (for ``is_traditional``), and a per-character translation (for ``to_halfwidth``).
"""
from __future__ import annotations

import re

import pytest

from analysis.text.normalise import BOILERPLATE_PATTERNS, _script_sets, alternation, is_traditional, to_halfwidth

TEXTS = [
    "尊敬的领导您好！我们小区的路灯坏了，盼复。谢谢！",
    "各位领导好，此致 敬礼。非常感谢您的关注",
    "麻烦您了，希望尽快回复",
    "没有任何客套话的一段文字 abc 123",
    "",
]


@pytest.mark.parametrize("text", TEXTS)
def test_alternation_matches_like_the_plain_alternation(text):
    plain = re.compile("|".join(f"(?:{p})" for p in BOILERPLATE_PATTERNS))
    fast = alternation(BOILERPLATE_PATTERNS)
    assert fast.pattern.startswith("(?=[")  # the lookahead was built: the speed-up is in force
    assert [m.span() for m in fast.finditer(text)] == [m.span() for m in plain.finditer(text)]


def test_alternation_without_known_first_characters_is_the_plain_alternation():
    # "." can start with anything: no lookahead can be built, the plain pattern must come back.
    assert alternation([r".好", r"您好"]).pattern == "(?:.好)|(?:您好)"
    assert alternation([r"a?", r"b"]).pattern == "(?:a?)|(?:b)"  # a? matches the empty string


def _traditional_by_definition(text: str) -> bool:
    simplified_only, traditional_only, _ = _script_sets()
    chars = set(text)
    return len(chars & traditional_only) > len(chars & simplified_only)


@pytest.mark.parametrize("text", [
    "我们小区的电梯坏了",  # simplified, GB2312 encodes it: the fast path answers
    "我們社區的電梯壞了",  # traditional
    "於後乾",  # traditional-only characters that GB2312 also encodes: the fast path must not answer "no"
    "电梯😀坏了",  # not GB2312 (an emoji): the set path answers
    "",
])
def test_is_traditional_agrees_with_the_definition(text):
    assert is_traditional(text) == _traditional_by_definition(text)


def test_gb2312_traditional_characters_are_seen():
    _simplified, traditional_only, in_gb2312 = _script_sets()
    assert in_gb2312.search("於")  # 於 is traditional-only in zhconv's tables and encodes in GB2312
    assert "於" in traditional_only


def test_halfwidth_changes_only_what_the_table_says():
    text = "ＡＢＣ１２３，！？（）　ｘ：；"
    expected = "".join(
        ch if ch in "，！？：；（）" else (" " if ch == "\u3000" else chr(ord(ch) - 0xFEE0)) for ch in text)
    assert to_halfwidth(text) == expected
    assert to_halfwidth(text, keep_chinese_punctuation=False) == "ABC123,!?() x:;"

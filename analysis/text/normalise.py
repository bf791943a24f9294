"""Text normalisation for citizen messages.

Two levels, because stored text and feature text have different jobs:

``clean_text(text)``
    What we store and show: HTML residue removed (tags, entities, ``<br>`` → newline), full-width ASCII
    letters/digits/symbols made half-width (so ``１３８`` is a number the de-identifier can see), Chinese
    punctuation (，。！？：；“”（）) left as it is, whitespace runs collapsed, invisible characters dropped.
    Nothing of the citizen's wording is removed: salutations and thanks stay in the stored text.

``normalise_for_features(text)``
    What the classifiers and topic models see: ``clean_text`` plus traditional → simplified Chinese (only
    when the text is traditional, so simplified text is never "converted" twice), lower-case Latin letters,
    and petition boilerplate (尊敬的领导, 您好, 谢谢, 此致敬礼, 盼复…) removed wherever it stands, since it says
    nothing about the request.

``strip_boilerplate(text)`` is the boilerplate step on its own; ``is_traditional(text)`` the detection step.

For tokens (word lists without stopwords) see ``analysis.text.tokenize``: ``tokens(text)`` and the sklearn
analyzer ``analysis.text.tokenize.analyzer``.
"""
from __future__ import annotations

import html
import re
import unicodedata

__all__ = [
    "alternation",
    "clean_text",
    "normalise_apart",
    "normalise_for_features",
    "strip_boilerplate",
    "to_halfwidth",
    "is_traditional",
    "to_simplified",
    "BOILERPLATE_PATTERNS",
]

# --- HTML residue -------------------------------------------------------------------------------------

_BLOCK_TAG = re.compile(r"<\s*(?:br|/p|p|/div|div|/li|li|/tr|tr|hr)\b[^>]*>", re.IGNORECASE)
_SCRIPT_STYLE = re.compile(r"<\s*(script|style)\b[^>]*>.*?<\s*/\s*\1\s*>", re.IGNORECASE | re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9:-]*(?:\s[^<>]*)?/?>")
# Entities that lost their ampersand or semicolon in exports (&nbsp without ;, "nbsp;" alone).
_BROKEN_ENTITY = re.compile(r"&?nbsp;?|&amp;nbsp;?", re.IGNORECASE)

# --- widths and whitespace -----------------------------------------------------------------------------

# Full-width forms U+FF01..U+FF5E map to ASCII by a fixed offset. Chinese typography uses some of these as
# its own punctuation; those stay full-width in stored text (they read naturally and carry no data).
_KEEP_FULLWIDTH = set("，！？：；（）")
_FULLWIDTH_OFFSET = 0xFEE0
_HALFWIDTH_TABLE = {
    code: code - _FULLWIDTH_OFFSET
    for code in range(0xFF01, 0xFF5F)
    if chr(code) not in _KEEP_FULLWIDTH
}
_HALFWIDTH_TABLE[0x3000] = 0x20  # ideographic space
_HALFWIDTH_TABLE_ALL = {code: code - _FULLWIDTH_OFFSET for code in range(0xFF01, 0xFF5F)}
_HALFWIDTH_TABLE_ALL[0x3000] = 0x20

# Zero-width and BOM characters that exports leave behind; they split numbers and words invisibly.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_HORIZONTAL_SPACE = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
_LINE_EDGE_SPACE = re.compile(r" *\n *")

# --- boilerplate ---------------------------------------------------------------------------------------

# Petition formulas. Each pattern is removed wherever it stands in feature text; the list is public so the
# topic engineer can reuse it. Ordered longest first where they overlap.
BOILERPLATE_PATTERNS: tuple[str, ...] = (
    # salutations: 尊敬的领导 / 尊敬的市长 / 尊敬的XX区领导 / 各位领导
    r"尊敬的[^，,。！!：:\s]{0,8}?(?:领导|市长|书记|县长|区长|局长|主任|镇长|同志|工作人员|政府)(?:们)?(?:您好|你们好|你好)?",
    r"(?:各位|亲爱的)(?:领导|工作人员)(?:们)?(?:好)?",
    r"(?:领导|市长|书记|县长|区长)(?:们)?(?:您好|你们好|你好|好)",
    r"(?:您好|你好|你们好|大家好)",
    # closings: 此致 敬礼, 谢谢, 盼复…
    r"此致\s*敬礼",
    r"(?:万分|非常|十分|特别)?谢谢(?:您|你们|领导)?(?:了|啦)?",
    # a bare 感谢 only as a closing: "感谢城管局的帮助" is praise with content and stays.
    r"(?:万分|非常|十分|特别)?感谢(?:您|你们|领导)?(?:的)?(?:关注|支持|帮助|回复)?(?:了|啦)?(?=[，,。！!～~\s]|$)",
    r"(?:期待|盼望|希望|请|望)(?:您的|领导的|你们的|尽快|早日)?(?:回复|答复|回音)",
    r"盼复",
    r"(?:麻烦|辛苦)(?:您|你们|领导)?了",
)


def _first_characters(items: list) -> set[str] | None:
    """The characters a parsed regex can start with, or None when that is not a small known set."""
    from re import _constants as c

    first: set[str] = set()
    for op, argument in items:
        if op is c.LITERAL:
            return first | {chr(argument)}
        if op is c.IN:
            if any(kind is not c.LITERAL for kind, _value in argument):
                return None
            return first | {chr(value) for _kind, value in argument}
        if op is c.SUBPATTERN:
            inner = _first_characters(list(argument[-1]))
        elif op is c.BRANCH:
            branches = [_first_characters(list(branch)) for branch in argument[1]]
            inner = None if any(b is None for b in branches) else set().union(*branches)
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT):
            inner = _first_characters(list(argument[2]))
            if inner is not None and argument[0] == 0:  # optional: what follows may start the match too
                first |= inner
                continue
        else:
            return None
        return None if inner is None else first | inner
    return None  # the pattern can match the empty string


def alternation(patterns: tuple[str, ...] | list[str], flags: int = 0) -> re.Pattern[str]:
    """One compiled regex for ``p1|p2|…``, led by a lookahead on the characters a match can start with.

    ``re`` tries every branch at every position of the text; the lookahead rejects most positions with one
    set test, which makes ``sub`` several times faster on long texts. Same matches as the plain alternation
    (when the first characters cannot be worked out, the plain alternation is returned)."""
    from re import _parser

    joined = "|".join(f"(?:{p})" for p in patterns)
    first = _first_characters(list(_parser.parse(joined, flags)))
    if not first or flags & re.IGNORECASE:
        return re.compile(joined, flags)
    lead = "".join(sorted(re.escape(ch) for ch in first))
    return re.compile(f"(?=[{lead}])(?:{joined})", flags)


_BOILERPLATE = alternation(BOILERPLATE_PATTERNS)
_PUNCT_RUN = re.compile(r"([，,。！!？?；;：:、~～\s])[，,。！!？?；;：:、~～\s]+")
_EDGE_PUNCT = " ，,。!！~～、：:；;\n"




def _run_of(table: dict[int, int]) -> re.Pattern[str]:
    return re.compile("[" + "".join(re.escape(chr(code)) for code in sorted(table)) + "]+")


# Runs of the characters a table changes (the kept Chinese marks, frequent in every text, are not in them).
_FULLWIDTH_RUNS = {True: _run_of(_HALFWIDTH_TABLE), False: _run_of(_HALFWIDTH_TABLE_ALL)}
_ANY_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")


def to_halfwidth(text: str, keep_chinese_punctuation: bool = True) -> str:
    """Full-width ASCII forms → ASCII; with ``keep_chinese_punctuation`` the marks ，！？：；（） stay.
    One character for one, so offsets into the result are offsets into the input."""
    table = _HALFWIDTH_TABLE if keep_chinese_punctuation else _HALFWIDTH_TABLE_ALL
    # translate() walks every character through a dict: only the runs it changes go through it.
    return _FULLWIDTH_RUNS[keep_chinese_punctuation].sub(lambda run: run.group().translate(table), text)


def _strip_html(text: str) -> str:
    if "<" in text:
        text = _COMMENT.sub("", text)
        text = _SCRIPT_STYLE.sub("", text)
        text = _BLOCK_TAG.sub("\n", text)
        text = _TAG.sub("", text)
    if "&" in text or "nbsp" in text.lower():
        text = _BROKEN_ENTITY.sub(" ", text)
        text = html.unescape(text)
    return text


def clean_text(text: str | None) -> str:
    """Stored-text normalisation: HTML residue, widths, whitespace. Keeps every word of the citizen."""
    if not text:
        return ""
    text = _strip_html(text)
    text = unicodedata.normalize("NFC", text)
    if _ANY_INVISIBLE.search(text):
        text = text.translate(_INVISIBLE)
    text = to_halfwidth(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _HORIZONTAL_SPACE.sub(" ", text)
    text = _LINE_EDGE_SPACE.sub("\n", text)
    text = _BLANK_LINES.sub("\n", text)
    return text.strip()


_SCRIPT_SETS: tuple[frozenset[str], frozenset[str], re.Pattern[str]] | None = None


def _script_sets() -> tuple[frozenset[str], frozenset[str], re.Pattern[str]]:
    global _SCRIPT_SETS
    if _SCRIPT_SETS is None:
        import zhconv

        zhconv.issimp("")  # loads zhconv's dictionary
        tables = zhconv.zhconv.zhcdicts
        simplified_only, traditional_only = frozenset(tables["SIMPONLY"]), frozenset(tables["TRADONLY"])
        # The few traditional-only characters that GB2312 (a simplified character set) also encodes.
        in_gb2312 = sorted(ch for ch in traditional_only if _encodes_in_gb2312(ch))
        pattern = re.compile(f"[{''.join(map(re.escape, in_gb2312))}]" if in_gb2312 else r"(?!x)x")
        _SCRIPT_SETS = (simplified_only, traditional_only, pattern)
    return _SCRIPT_SETS


def _encodes_in_gb2312(text: str) -> bool:
    try:
        text.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def is_traditional(text: str) -> bool:
    """True when the text uses more distinct traditional-only than simplified-only characters."""
    simplified_only, traditional_only, traditional_in_gb2312 = _script_sets()
    # Fast paths, both in C: a text GB2312 encodes has no traditional-only character but a handful, and a
    # text without any traditional-only character is not traditional.
    if _encodes_in_gb2312(text) and not traditional_in_gb2312.search(text):
        return False
    if traditional_only.isdisjoint(text):
        return False
    characters = set(text)  # set operations run in C; zhconv's own count loops in Python
    return len(characters & traditional_only) > len(characters & simplified_only)


def to_simplified(text: str) -> str:
    """Traditional → simplified, but only when the text is traditional (converting simplified text again
    can damage it: some simplified characters are also traditional variants of others)."""
    if not text or not is_traditional(text):
        return text
    import zhconv

    # zh-hans converts characters only; zh-cn would also swap regional vocabulary, which is not ours to do.
    return zhconv.convert(text, "zh-hans")


def strip_boilerplate(text: str) -> str:
    """Remove petition formulas (salutations, thanks, 此致敬礼, 盼复…) and tidy the punctuation they leave."""
    if not text:
        return ""
    text = _BOILERPLATE.sub("，", text)
    text = _PUNCT_RUN.sub(r"\1", text)
    return text.strip(_EDGE_PUNCT)


def normalise_apart(first: str | None, second: str | None) -> bool:
    """True when ``normalise_for_features(f"{first} {second}")`` is the two texts normalised apart, joined by a
    space — so that their tokens are the tokens of each: neither text holds a traditional-only character (the
    script is judged on the whole text), no HTML tag can run from one into the other, and no boilerplate
    formula (此致 敬礼) spans the join. Lets a caller reuse tokens stored per text (reply quality)."""
    first, second = clean_text(first), clean_text(second)
    traditional_only = _script_sets()[1]
    if not (traditional_only.isdisjoint(first) and traditional_only.isdisjoint(second)) or "<" in first:
        return False
    window = f"{first[-_FORMULA_REACH:]} {second[:_FORMULA_REACH]}".lower()
    edge = min(len(first), _FORMULA_REACH)
    return not any(m.start() < edge < m.end() for m in _BOILERPLATE.finditer(window))


# longer than any boilerplate formula can be (the longest patterns run to about 20 characters)
_FORMULA_REACH = 40


def normalise_for_features(text: str | None) -> str:
    """Feature-text normalisation: ``clean_text`` + simplified Chinese + lower case − boilerplate."""
    text = clean_text(text)
    if not text:
        return ""
    text = to_simplified(text)
    text = text.lower()
    return strip_boilerplate(text)

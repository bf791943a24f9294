"""Person names without a cue word (``analysis.privacy.redact``'s name detector for the hard cases).

Citizens name people the way people talk: a child, a mother and her brother, accused villagers, the legal
representative of a company, fifty neighbours signing a petition — with no 我叫/姓名 in front. The detector
here finds such names from three things, all offline:

- the name itself: a surname (``pii_patterns.SINGLE_SURNAMES`` / ``COMPOUND_SURNAMES``) and one or two
  given-name characters that are not ordinary running-text characters (``NOT_GIVEN_CHARS``), the whole not a
  common word of jieba's dictionary (文明, 高度, 金山 are words; 王骁, 胡岳衡 are not);
- its context: a role or kinship word right before it (村民鲍晟, 法定代表人刘启东, 之妻黄秀芬), a list of
  names (王拓、朱岚、苟立本; 签名 王锐 吕同心 …), a description after it (翟远帆，男; 吴岑（之子）), or a
  person's verb after a boundary (，马骁腾驾驶…);
- repetition: a name-like string found once with a context is a name everywhere in the letter (the caller
  masks every mention, see ``redact.redact_letter``).

Surname + title (李书记, 王局长) and a full name + title (袁望舒主任) name an office holder acting in office:
not masked. Compared on the real-text evaluation (bench/name_detectors.py, 195 letters, field by field):
these rules find 90.7 % of the names with no wrong character (93.5 % once every mention in the letter is
masked, see ``redact.redact_letter``) at about 150 k characters/s; jieba's ``posseg`` ``nr`` tag finds 68.4 %
and 63.6 % of what it marks is no name (谢谢, 文明, 商洛 are ``nr`` in its dictionary), at 24 k characters/s;
THULAC's ``np`` finds 86.1 % with 49.9 % wrong, at 1.4 k characters/s and a 500 MB model. The rules won on
recall, precision and speed.
"""
from __future__ import annotations

import re
from functools import lru_cache

from analysis.privacy import patterns as P

__all__ = ["find_names", "is_name_like", "common_words"]

_HAN = re.compile(r"[\u4e00-\u9fff]")
_ROLES = frozenset(P.ROLE_WORDS_BEFORE_NAME)
_ROLE_LENGTHS = sorted({len(role) for role in _ROLES}, reverse=True)
_COMPOUND = frozenset(P.COMPOUND_SURNAMES)
# 二人, 众人, 他人: counts and pronouns before 人 make no role noun (夫妻二人辛辛苦苦…)
_NOT_ROLE_BEFORE_REN = frozenset("一二三四五六七八九十两几多个众本他她我你们家别某每诸行路的")
_TITLE = "|".join(sorted(P.TITLES, key=len, reverse=True))
_TITLE_AT = re.compile(rf"(?:{_TITLE})")
_AFTER = "|".join(sorted(P.PERSON_WORDS_AFTER_NAME, key=len, reverse=True))
_AFTER_AT = re.compile(rf"(?:{_AFTER})")
_DESCRIPTION_AT = re.compile(
    r"[，,]?\s?[（(]?(?:之|系)?(?:男|女)[，,、）)\s]|[（(](?:之|系|排行|老[大二三四五六])"
    r"|[（(][\u4e00-\u9fff]{0,5}的(?:长子|次子|儿子|女儿|妻子|丈夫|父亲|母亲|哥哥|弟弟|姐姐|妹妹)"
    r"|[（(]\s*(?:1[3-9]|0\d)[\d*＊ -]{5}")  # 韩东林（138****0000）: a phone number in brackets after it
# 和家长, 由本地, 区全部: ambiguous surnames only count in a signature list (see _list_names)
_LONG_FOLLOWERS = tuple(w for w in P.PERSON_WORDS_AFTER_NAME + P.NAME_FOLLOWERS if len(w) >= 2)
_CANDIDATE_START = re.compile(
    "(?=[" + "".join(sorted(P.SURNAME_FIRST_CHARS - P.AMBIGUOUS_SURNAMES)) + "][\u4e00-\u9fff])")
_BOUNDARY_BEFORE = set("，,。.！!？?；;：:、 \u3000\t\n（）()“”\"'《》【】[]…")


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """Common words (jieba's dictionary, frequency >= ``P.COMMON_WORD_MIN_FREQ``) that start with a surname
    character: a candidate name equal to one of them is a word, not a name."""
    import os

    import jieba

    path = os.path.join(os.path.dirname(jieba.__file__), "dict.txt")
    surname_starts = P.SURNAME_FIRST_CHARS
    words = set()
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            # words starting with a surname, and preposition + surname words (对方, 和平: not 对 + 方…)
            if line[0] not in surname_starts and not (line[0] in P.PREPOSITIONS_BEFORE_NAME and
                                                      line[1:2] in surname_starts):
                continue
            parts = line.split()
            if len(parts) < 3 or not 2 <= len(parts[0]) <= 4 or int(parts[1]) < P.COMMON_WORD_MIN_FREQ:
                continue
            if parts[2] == "nr" and int(parts[1]) < P.NAME_IN_DICTIONARY_MAX_FREQ:
                continue  # 姚明, 王明: people jieba knows by name are still people
            words.add(parts[0])
        fh.seek(0)
        for line in fh:  # place names however rare (庄河, 金州): a place is not a person
            parts = line.split()
            if len(parts) >= 3 and parts[2] == "ns" and 2 <= len(parts[0]) <= 3 and parts[0][0] in surname_starts:
                words.add(parts[0])
    return frozenset(words | P.EXTRA_COMMON_WORDS)


def _role_before(text: str, at: int) -> bool:
    """A role word right before ``at`` (村民鲍晟, 法定代表人：刘启东), or any X人 role noun (操纵人徐湘)."""
    end = at - 1 if at and text[at - 1] in "：:" else at
    if end >= 2 and text[end - 1] == "人" and _HAN.match(text[end - 2]) and text[end - 2] not in _NOT_ROLE_BEFORE_REN:
        return True
    for n in _ROLE_LENGTHS:
        start = end - n
        # the role word must not end a longer word (行业主管部门 holds 业主, but 业主 is not its word)
        if start >= 0 and text[start:end] in _ROLES and text[start - 1:start + 1] not in common_two_char_words():
            return True
    return False


@lru_cache(maxsize=1)
def common_two_char_words() -> frozenset[str]:
    """Two-character words of jieba's dictionary frequent enough (>= ``P.FREQUENT_WORD_MIN_FREQ``) that a
    name does not end inside one (张妍|毕业, 郭守|和与 is no word)."""
    import os

    import jieba

    words = set()
    with open(os.path.join(os.path.dirname(jieba.__file__), "dict.txt"), encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) >= 2 and len(parts[0]) == 2 and int(parts[1]) >= P.FREQUENT_WORD_MIN_FREQ:
                words.add(parts[0])
    return frozenset(words)


def _surname_length(text: str, at: int) -> int:
    if text[at:at + 2] in _COMPOUND:
        return 2
    return 1 if at < len(text) and text[at] in P.SINGLE_SURNAMES else 0


def is_name_like(candidate: str, words: bool = True) -> bool:
    """A surname, one or two given-name characters, and (with ``words``) not a common word. After a cue
    such as 我叫 the dictionary is not asked (高强 is a word and a name); the characters still are (应提交,
    那么 follow cues and are no names)."""
    surname = _surname_length(candidate, 0)
    given = candidate[surname:]
    if not surname or not 1 <= len(given) <= 2:
        return False
    if any(not _HAN.match(ch) or ch in P.NOT_GIVEN_CHARS for ch in given) or given[0] == candidate[0]:
        return False  # 辛辛苦苦: a doubled surname character is a word, not a name
    if words:
        common = common_words()
        if candidate in common or (len(given) == 2 and candidate[:surname + 1] in common):
            return False
    return not _TITLE_AT.match(candidate, surname)


def _plausible_name(candidate: str) -> bool:
    """The lower bar after a strong context (a role, kinship or description word): a surname and one or two
    characters that are not punctuation or a particle, and not a common word (rural given names use
    characters running text uses too: 赵石柱, 吕同心)."""
    surname = _surname_length(candidate, 0)
    given = candidate[surname:]
    return bool(surname) and 1 <= len(given) <= 2 and all(_HAN.match(ch) for ch in given) and \
        not any(ch in P.PARTICLES for ch in given) and given[0] != candidate[0] and \
        given[-1] not in P.NOT_GIVEN_CHARS and \
        candidate not in common_words() and not (len(given) == 2 and candidate[:surname + 1] in common_words()) \
        and not _TITLE_AT.match(candidate, surname)


def _at_boundary(text: str, at: int) -> bool:
    return at == 0 or text[at - 1] in _BOUNDARY_BEFORE


def _name_at(text: str, at: int) -> tuple[int, str] | None:
    """The longest name-like candidate starting at ``at`` whose end is followed by a title (then None: an
    office holder), a boundary or anything else; returns (end, 'title'|'ok')."""
    surname = _surname_length(text, at)
    if not surname:
        return None
    if _TITLE_AT.match(text, at + surname) or _TITLE_AT.match(text, at + surname + 1):
        return at + surname, "title"  # 龚主任, 李书记: surname + title is an office, not a private person
    strong = _role_before(text, at)
    for given in (2, 1):
        end = at + surname + given
        if end > len(text):
            continue
        candidate = text[at:end]
        if given == 2 and text[end - 1:end + 1] in common_two_char_words():
            continue  # 张妍毕业: the last character starts a word
        if not (_plausible_name(candidate) if strong else is_name_like(candidate)):
            continue
        if _TITLE_AT.match(text, end):
            return end, "title"
        if text[end:end + 1] in P.PLACE_SUFFIXES:
            continue  # 庄河市, 金州区: a place
        if given == 2 and text.startswith(_LONG_FOLLOWERS, end - 1):
            continue  # 蔡婷今年…, 王骁父亲: the third character starts the next word
        return end, "ok"
    return None


def _contexts(text: str, at: int, end: int) -> str | None:
    """Why the candidate text[at:end] is a person's name, or None."""
    if _role_before(text, at):
        return "role"
    if at and text[at - 1] in P.KINSHIP_CHARS and text[at] not in P.KINSHIP_CHARS and is_name_like(text[at:end]):
        return "kinship"  # 我弟赵石柱, 其二哥赵石林
    after = text[end:end + 6]
    if _DESCRIPTION_AT.match(after):
        return "description"
    # one of a list of names (王拓、朱岚、苟立本): the whole item is the name and an item next to it is one too
    if _whole_item(text, at, end) and (text[at - 1:at] == "、" or text[end:end + 1] == "、"):
        if _neighbour_is_name(text, at, end):
            return "list"
    after_preposition = at > 0 and text[at - 1] in P.PREPOSITIONS_BEFORE_NAME and \
        text[at - 1:at + 1] not in common_words()
    if (_at_boundary(text, at) or after_preposition) and _AFTER_AT.match(text, end):
        return "verb"
    return None


def _whole_item(text: str, at: int, end: int) -> bool:
    starts = at == 0 or not _HAN.match(text[at - 1]) or text[at - 1] in P.PREPOSITIONS_BEFORE_NAME
    return starts and (end == len(text) or not _HAN.match(text[end]))


def _neighbour_is_name(text: str, at: int, end: int) -> bool:
    before = re.search(r"([\u4e00-\u9fff]{2,4})、$", text[max(0, at - 6):at])
    after = re.match(r"、([\u4e00-\u9fff]{2,4})(?![\u4e00-\u9fff])", text[end:end + 6])
    return any(m and is_name_like(m.group(1)) for m in (before, after))


def _signature_like(token: str) -> bool:
    """Inside a list of names the bar is lower (see ``_plausible_name``: 吕同心, 赵立行)."""
    return _plausible_name(token)


def _list_names(text: str) -> list[tuple[int, int]]:
    """Runs of at least three name-like tokens separated by spaces or 、 (signatures, name lists)."""
    found = []
    for m in re.finditer(r"(?:[\u4e00-\u9fff]{2,4}[、\s\u3000]+){2,}[\u4e00-\u9fff]{2,4}", text):
        tokens = [(t.start() + m.start(), t.end() + m.start())
                  for t in re.finditer(r"[\u4e00-\u9fff]{2,4}", m.group())]
        names = [(s, e) for s, e in tokens if _signature_like(text[s:e])]
        if len(names) >= 3 and len(names) >= 0.6 * len(tokens):
            found.extend(names)
    return found


def find_names(text: str) -> list[tuple[int, int, str]]:
    """Person names in ``text`` found by their form and context: (start, end, rule), possibly overlapping."""
    found: list[tuple[int, int, str]] = [(s, e, "name.list") for s, e in _list_names(text)]
    skip_to = 0
    # candidates start at an unambiguous surname followed by two more Chinese characters (regex scan: fast)
    for m in _CANDIDATE_START.finditer(text):
        position = m.start()
        if position < skip_to:
            continue
        if position and text[position - 1:position + 1] in common_two_char_words():
            continue  # 大连晟…, 父母官: the surname character ends a word that starts before it
        result = _name_at(text, position)
        if result is None:
            continue
        end, status = result
        if status == "title":
            skip_to = end
            continue
        why = _contexts(text, position, end)
        if why is None and end - position == 3 and is_name_like(text[position:end - 1]):
            why = _contexts(text, position, end - 1)
            if why:
                end -= 1
        if why:
            found.append((position, end, f"name.{why}"))
            skip_to = end
    return found

"""Plain wording of a common question, by extraction and templates (no generative model).

``heading(titles) -> str``
    a short heading (≤ ``HEADING_MAX`` characters) of the problem or the question, from the members' titles:
    the title that best shares the words of the others, stripped of its first-person framing and of personal
    data; a question stays a question ("第三代社保卡如何申领？"), a problem becomes "关于……的问题".
``detail(members_text, people) -> str``
    the "群众反映" paragraph in the third person: "有市民反映，……" (or "有N位市民反映，……"), built from the
    sentences of the members that state the problem and the request, after dropping sentences with personal
    data or private circumstances and turning first-person words into neutral ones.
"""
from __future__ import annotations

import re
from collections import Counter

from analysis.text.normalise import clean_text, strip_boilerplate
from reports import deidentify
from reports.inputs import reply_sentences

HEADING_MAX = 30
DETAIL_MAX = 120

_QUESTION_END = re.compile(r"(?:吗|么|呢|如何[\u4e00-\u9fff]{0,6}|怎么[\u4e00-\u9fff]{0,6}|怎样[\u4e00-\u9fff]{0,6}|"
                           r"何时[\u4e00-\u9fff]{0,8}|能否[\u4e00-\u9fff]{0,10}|是否[\u4e00-\u9fff]{0,10}|哪里[\u4e00-\u9fff]{0,4}|"
                           r"多久[\u4e00-\u9fff]{0,4}|什么时候[\u4e00-\u9fff]{0,8})[？?]?$")
_FRAMING = re.compile(
    r"^(?:关于|有关|对于|[请恳]求|强烈|紧急|再次|多次|急|求助|咨询|投诉|举报|反映|建议|询问|请问|问一下|想问|申请|"
    r"要求)+[：:，, ]*")
_TAIL_FRAMING = re.compile(r"(?:的(?:问题|事情|情况|事宜|咨询|投诉|建议|反映))+$|(?:问题|事宜|的事)$")
_FIRST_PERSON = [
    (re.compile(r"我们?(?=小区|村|社区|单位|公司|学校|楼|街道|镇|区|县|市)"), "该"),
    (re.compile(r"咱们?(?=小区|村|社区|单位|楼)"), "该"),
    (re.compile(r"(?:我家|我们家|俺家)"), "其家中"),
    (re.compile(r"(?:我们|咱们|俺们)"), "居民"),
    (re.compile(r"(?:本人|我)(?:的)?"), "其"),
    (re.compile(r"(?:你们|贵单位|贵部门|您们|您)"), "有关部门"),
]
# Private circumstances: not for a published paragraph, whoever wrote them.
_PRIVATE = re.compile(deidentify.PRIVATE_MATTERS.pattern + r"|孩子|家人|判决|官司|低保|欠款")
_ADDRESS_NEAR = re.compile(r"(?:对面|隔壁|楼下|楼上|门口|旁边|附近)")
_REQUEST = re.compile(r"(?:希望|要求|请求|恳请|建议|盼望|能否|可否|何时|什么时候|如何|怎么|怎样|是否|为什么|为何|"
                      r"哪些|多少|有没有|可不可以|能不能)")
_PROBLEM = re.compile(r"(?:不|没有|未|无法|难|严重|影响|噪音|扰民|污染|拖欠|违规|违法|乱|堵|坏|漏|停|问题)")
_FILLER = re.compile(r"^(?:[^，。]{0,12}(?:您好|你好)|尊敬的[^，。]{0,20}[：:，,]?|.{0,8}领导[：:，,]"
                     r"|谢谢|感谢|此致|敬礼)")


def _pairs(text: str) -> set[str]:
    chars = re.sub(r"[^\u4e00-\u9fff]", "", text)
    return {chars[i:i + 2] for i in range(len(chars) - 1)}


def third_person(text: str) -> str:
    for pattern, replacement in _FIRST_PERSON:
        text = pattern.sub(replacement, text)
    return re.sub(r"其其", "其", text)


def _clean_title(title: str) -> str:
    title = clean_text(title or "")
    title = re.sub(r"[【\[（(][^】\]）)]{0,12}[】\]）)]", "", title)
    title = re.split(r"[。！!；;\n]", title)[0]
    title = _FRAMING.sub("", title.strip(" ，,.。、:："))
    title = re.sub(r"^其(?:家中)?", "", third_person(title))
    return title.strip(" ，,.。、:：")


def _shorten(core: str, room: int) -> str:
    if len(core) <= room:
        return core
    parts = [p for p in re.split(r"[，,、；;]", core) if p]
    kept = ""
    for part in parts:
        if len(kept) + len(part) > room:
            break
        kept += part
    return kept if len(kept) >= 4 else core[:room]


def heading(titles: list[str], submitters: list[str | None] | None = None) -> str:
    """A plain heading of ≤ ``HEADING_MAX`` characters for the members' ``titles`` (see the module docstring)."""
    submitters = submitters or [None] * len(titles)
    cleaned, cut = [], []
    for title, submitter in zip(titles, submitters, strict=True):
        core = _clean_title(title)
        spans = deidentify.published_findings(core, submitter)
        if spans:  # a title naming a person or giving an address: only what precedes it, and only as a last resort
            core = core[: spans[0].start].rstrip("的，, ")
        if len(core) >= 4 and not _PRIVATE.search(core):
            (cut if spans else cleaned).append(core)
    cleaned = cleaned or cut
    if not cleaned:
        return "关于群众反映集中问题的答复"
    others = [_pairs(c) for c in cleaned]
    centre = max(range(len(cleaned)),
                 key=lambda i: (sum(len(others[i] & others[j]) for j in range(len(cleaned)) if j != i),
                                -abs(len(cleaned[i]) - 14), -i))
    core = cleaned[centre]
    if _QUESTION_END.search(core):
        core = core.rstrip("？?")
        return _shorten(core, HEADING_MAX - 1) + "？"
    core = _TAIL_FRAMING.sub("", core)
    return "关于" + _shorten(core, HEADING_MAX - 5) + "的问题"


_IDENTITY = re.compile(r"^(?:其|居民|该)?(?:是|系|作为|身为)[^，。]{0,24}"
                       r"(?:居民|村民|业主|住户|职工|员工|学生|家长|市民|老师|教师|退休|党员|人员|农民|群众)")


def _usable(clause: str, submitter: str | None) -> bool:
    return (len(clause) >= 4 and not _FILLER.match(clause) and not _PRIVATE.search(clause)
            and not _ADDRESS_NEAR.search(clause) and not _IDENTITY.match(clause)
            and not deidentify.published_findings(clause, submitter))


_ENUMERATION = re.compile(r"^(?:[（(]?[一二三四五六七八九十]+[)）、．.]|[（(]?\d{1,2}[)）、．.](?!\d))\s*")


# "问题2" closing a clause, "：1、" opening a list inside one: numbering of the letter's own outline.
_STRAY_NUMBER = re.compile(r"(?:问题|事项)\d+$|[：:]\s*\d{1,2}[、.．]")


def _clauses(sentence: str) -> list[str]:
    sentence = _ENUMERATION.sub("", sentence.strip())
    parts = (_STRAY_NUMBER.sub(lambda m: m.group()[:2] if m.group()[0] in "问事" else "：", c.strip(" ，,、"))
             for c in re.split(r"[，,]", sentence))
    return [c for c in parts if c]


def detail(members: list[tuple[str, str | None]], people: int, limit: int = DETAIL_MAX) -> str:
    """"有市民反映，……" from ``members`` ((title + content, submitter) of each member letter): the sentence that
    best states what the letters share (its clauses that say it, in order) and the request they make."""
    shared = Counter(p for text, _ in members for p in set(_pairs(text)))
    many = len(members) > 1

    def weight(clause: str) -> float:
        pairs = _pairs(clause)
        return sum(shared[p] - (1 if many else 0) for p in pairs) / (len(pairs) + 6) if pairs else 0.0

    problems: list[tuple[float, list[str]]] = []
    requests: list[tuple[float, str]] = []
    for text, submitter in members:
        body = strip_boilerplate(clean_text(text))
        body = re.sub(r"(?:https?://|www\.)\S+", "", body)
        for sentence in reply_sentences(body):
            sentence = third_person(sentence.strip(" ，,").rstrip("。！!？?；;"))
            if _PRIVATE.search(sentence) or deidentify.published_findings(sentence, submitter):
                continue  # a sentence about private circumstances or with personal data is not used at all
            clauses = [c for c in _clauses(sentence) if _usable(c, submitter) and len(c) <= 40]
            asks = [c for c in clauses if _REQUEST.search(c)]
            states = [c for c in clauses if c not in asks]
            for ask in asks:
                requests.append((weight(ask), ask))
            if states and any(_PROBLEM.search(c) for c in states):
                problems.append((sum(weight(c) for c in states) / len(states) ** 0.5, states))
    parts: list[str] = []
    room = limit
    if problems:
        _, states = max(problems, key=lambda item: item[0])
        kept = []
        for clause in sorted(states, key=lambda c: -weight(c)):
            if sum(len(c) + 1 for c in kept) + len(clause) > room * 0.65 and kept:
                continue
            kept.append(clause)
        problem = "，".join(c for c in states if c in kept)
        problem = re.sub(r"^(?:现|目前|近日|最近|近期)?(?:反映|投诉|举报|咨询)[：:，,]?", "", problem)
        parts.append(problem)
        room -= len(problem)
    if requests:
        ask = max(requests, key=lambda item: item[0])[1]
        if len(ask) <= max(room, 30):
            parts.append(ask)
    parts = [p for p in parts if p]
    if not parts:
        return ""
    who = "有市民" if people <= 1 else f"有{people}位市民"
    return f"{who}反映，" + "，".join(parts) + "。"


def label(text: str, submitter: str | None = None) -> str:
    """A hot-list label: the core of a title (≤ ``HEADING_MAX`` characters), without personal data; "" when
    nothing publishable is left."""
    core = _clean_title(text)
    spans = deidentify.published_findings(core, submitter)
    if spans:
        core = core[: spans[0].start].rstrip("的，, ")
    if len(core) < 4 or _PRIVATE.search(core):
        return ""
    return _shorten(core, HEADING_MAX)

"""The answer of a common question: an official reply of a member letter, chosen for substance and condensed.

``choose_answer(question_text, candidates) -> AnswerChoice | None``
    ``candidates`` are (message, reply text) of the members replied by the as-of date. A reply qualifies when,
    after removing formulas (您好, 来信收悉, 感谢…, 此复), the unit's signature and date, and sentences with
    contact details, something is left that is not a referral (已转交…, 不在受理范围, 请具体问题具体投诉) and
    that is about the question (shares words with it, or is a decision such as 经调解双方达成和解, which is
    short but settles the case). Of those, the one with most substance on the question wins.
``condense(sentences, question_text, limit) -> str``
    sentence selection: the sentences that answer (numbers, decisions, dates, what the citizen should do,
    words of the question) are kept in their order up to ``limit`` characters; a kept sentence that begins
    with a connective (但, 同时, 因此…) brings the sentence before it, so the text reads as a whole.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from analysis.text.normalise import clean_text
from reports import deidentify
from reports.inputs import is_formula, reply_sentences

# The unit's signature and date, alone on a line or closing the reply.
_SIGNATURE = re.compile(
    r"^(?:[\u4e00-\u9fffA-Za-z0-9（）()]{2,30}(?:局|委|办|厅|室|政府|中心|公司|街道|办事处|委员会|管委会|所|队|院|站|部|处|科|社)"
    r"[\s,，]*)?(?:\d{4}\s*[年\-/.]\s*\d{1,2}\s*[月\-/.]\s*\d{1,2}\s*日?)?[。.\s]*$")
_REFERRAL = re.compile(
    r"不(?:属于|在)[\u4e00-\u9fff]{0,10}(?:受理|职责|管辖|办理)范围|请具体问题具体|已(?:将您的|将)?[\u4e00-\u9fff]{0,12}转(?:交|办|至|给)"
    r"|转(?:交|办)[\u4e00-\u9fff]{0,12}(?:处理|办理|答复)|(?:建议|请)您?(?:通过[\u4e00-\u9fff]{0,10}渠道|向[\u4e00-\u9fff]{0,16}(?:反映|咨询|投诉))"
    r"|依法(?:通过|向)[\u4e00-\u9fff]{0,10}(?:诉讼|仲裁)|属于[\u4e00-\u9fff]{0,8}(?:民事纠纷|个人纠纷)")
_DECISION = re.compile(
    r"达成(?:和解|一致|协议)|已于|于\d{1,2}月\d{1,2}日|已(?:经)?(?:完成|解决|整改|修复|维修|清理|拆除|开通|恢复|安装|更换|发放|办理|落实|处理|处罚|立案|责令|督促|协调|安排)"
    r"|(?:决定|同意|批准|责令|要求|计划|拟|预计|将于|将在|纳入|列入)")
_INSTRUCTION = re.compile(r"(?:请您?|您可|可(?:携带|到|至|通过|登录|拨打|前往|申请|在|以|持|诉|向|选择)"
                          r"|需(?:携带|提供|持)"
                          r"|办理流程|申领|申请条件)")
_NUMBER_OR_DATE = re.compile(r"\d|[一二三四五六七八九十]+(?:月|日|年|个|天|元|万)|年底|月底|近期|日前|目前|今年|明年")
_CONNECTIVE = re.compile(r"^(?:但|但是|而|同时|此外|另外|因此|所以|对此|为此|其中|并|且|然而|不过|如|若)")
_WORD = re.compile(r"[\u4e00-\u9fff]{2}")

MIN_RELEVANCE = 0.04  # share of the question's character pairs found in the reply's substance


@dataclass
class AnswerChoice:
    message: object  # the member whose reply is published
    sentences: list[str]  # the reply's substance, in order (formulas, signature, contacts removed)
    relevance: float
    score: float
    rejected: dict[int, str]  # other candidates and why they were not taken (message id -> reason, Chinese)


def _pairs(text: str) -> set[str]:
    chars = re.sub(r"[^\u4e00-\u9fff]", "", text)
    return {chars[i:i + 2] for i in range(len(chars) - 1)}


def relevance(question_text: str, reply_text: str) -> float:
    """Share of the question's character pairs that the reply repeats (0..1)."""
    question = _pairs(question_text)
    return len(question & _pairs(reply_text)) / len(question) if question else 0.0


_SIGNOFF = re.compile(r"^(?:办件人|经办人|承办人|联系人|联系电话|咨询电话|签发人|审核人|审批人|答复人|回复人|办理人|"
                      r"答复单位|回复单位|办理单位)")
_TRAILING_SIGNATURE = re.compile(
    r"[\u4e00-\u9fffA-Za-z0-9（）()]{0,30}(?:局|委|办|厅|室|政府|中心|公司|街道|办事处|委员会|管委会|所|队|院|站|部|处|科|社)?"
    r"\s*\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日[。.]?$")
# "网友：", "您在平台…反映的…问题，现将有关情况答复如下：" before the substance of a sentence.
_OPENING = re.compile(r"^(?:(?:尊敬的)?(?:网友|市民|群众|同志|先生|女士)[^，。：:]{0,6}[：:，,]\s*)?"
                      r"(?:[^。]{0,80}?(?:答复|回复|说明|告知)如下[：:]\s*)?")
# A restatement of the letter that quotes the question (您提出的关于“……？), cut at the question mark.
_QUOTED_QUESTION = re.compile(r"^(?:您|你)(?:提出|反映|咨询|询问|来信|留言|所)[^“”]{0,10}“[^”]*$")
# A case number (G20180713-0012号): it identifies the writer's file to anyone inside.
CASE_NUMBER = re.compile(r"[A-Za-z]{0,4}\d{8}-\d{2,5}号?")
_ENUMERATION = re.compile(r"^(?:[（(]?[一二三四五六七八九十]+[)）、．.]|[（(]?\d{1,2}[)）、．.](?!\d)"
                          r"|[一二三四五六七八九十]是|第[一二三四五六七八九十]+[，,、])\s*")


def substance_sentences(reply_text: str, submitter: str | None = None) -> list[str]:
    """The sentences of a reply that say something: no formulas, no signature, sign-off or date line, no contact
    details, nothing about private family matters."""
    sentences = []
    for sentence in reply_sentences(clean_text(reply_text or "")):
        sentence = CASE_NUMBER.sub("", _OPENING.sub("", sentence.strip()))
        if not sentence or _QUOTED_QUESTION.match(sentence):
            continue
        if is_formula(sentence) or _SIGNATURE.match(sentence.strip()) or _SIGNOFF.match(sentence.strip()):
            continue
        trailing = _TRAILING_SIGNATURE.search(sentence)
        if trailing and trailing.start() > 0 and re.search(r"\d{4}\s*年", trailing.group()):
            sentence = sentence[: trailing.start()].rstrip("，, ") + "。"
        if deidentify.PRIVATE_MATTERS.search(sentence):
            continue
        sentences.append(sentence)
    return deidentify.drop_contact_sentences(sentences, submitter)


def _sentence_score(sentence: str, question_pairs: set[str]) -> float:
    score = 0.0
    score += 2.0 if _DECISION.search(sentence) else 0.0
    score += 1.5 if _INSTRUCTION.search(sentence) else 0.0
    score += 1.0 if _NUMBER_OR_DATE.search(sentence) else 0.0
    if question_pairs:
        score += 4.0 * len(_pairs(sentence) & question_pairs) / max(len(question_pairs), 1) ** 0.5 / 3
    if _REFERRAL.search(sentence):
        score -= 2.0
    return score


def assess(question_text: str, reply_text: str) -> tuple[list[str], float, float, str | None]:
    """(substance sentences, relevance, score, why it cannot be the answer or None)."""
    sentences = substance_sentences(reply_text)
    if not sentences:
        return [], 0.0, 0.0, "答复仅有客套语、落款或联系方式，无实质内容"
    body = "".join(sentences)
    non_referral = [s for s in sentences if not _REFERRAL.search(s)]
    if not non_referral:
        return sentences, 0.0, 0.0, "答复为转办、不予受理或引导另行反映，未答复问题本身"
    rel = relevance(question_text, body)
    decisive = any(_DECISION.search(s) for s in non_referral)
    if rel < MIN_RELEVANCE and not decisive:
        return sentences, rel, 0.0, "答复内容与问题关联不足"
    question_pairs = _pairs(question_text)
    score = sum(max(_sentence_score(s, question_pairs), 0) for s in non_referral) + 10 * rel
    score += min(sum(len(s) for s in non_referral), 400) / 200
    return sentences, rel, score, None


def choose_answer(question_text: str, candidates: list[tuple[object, str]]) -> AnswerChoice | None:
    """The best reply among ``candidates`` (see the module docstring); None when none qualifies."""
    best: AnswerChoice | None = None
    rejected: dict[int, str] = {}
    for message, reply in candidates:
        sentences, rel, score, why = assess(question_text, reply)
        if why:
            rejected[message.id] = why
            continue
        if best is None or (score, -message.id) > (best.score, -best.message.id):
            if best is not None:
                rejected[best.message.id] = "另一份答复内容更充实"
            best = AnswerChoice(message, sentences, rel, score, {})
        else:
            rejected[message.id] = "另一份答复内容更充实"
    if best is not None:
        best.rejected = rejected
    return best


def condense(sentences: list[str], question_text: str, limit: int) -> str:
    """The answering sentences of ``sentences`` in their order, up to about ``limit`` characters."""
    if not sentences:
        return ""
    if sum(len(s) for s in sentences) <= limit:
        return _join(sentences)
    question_pairs = _pairs(question_text)
    ranked = sorted(range(len(sentences)), key=lambda i: (-_sentence_score(sentences[i], question_pairs), i))
    kept: set[int] = set()
    total = 0
    for index in ranked:
        wanted = {index}
        if _CONNECTIVE.match(sentences[index]) and index > 0:
            wanted.add(index - 1)  # the sentence it continues
        extra = sum(len(sentences[i]) for i in wanted - kept)
        if kept and total + extra > limit:
            continue
        if _sentence_score(sentences[index], question_pairs) <= 0 and kept:
            break
        kept |= wanted
        total += extra
    chosen = [sentences[i] for i in sorted(kept)]
    if len(chosen) < len(sentences):  # a list with items left out would skip numbers: drop the numbering
        chosen = [re.sub(r"([：:])\s*[一二三四五六七八九十]+、", r"\1", _ENUMERATION.sub("", s)) for s in chosen]
    if len(chosen) == 1 and len(chosen[0]) > limit * 1.5:  # one very long sentence: cut at a comma
        text = chosen[0]
        cut = text.rfind("，", 0, limit)
        return text[: cut if cut > limit // 3 else limit] + "……"
    return _join(chosen)


def _join(sentences: list[str]) -> str:
    text = "".join(s if re.search(r"[。！？!?；;]$", s) else s + "。" for s in sentences)
    text = re.sub(r"[；;]$", "。", text)
    first = _CONNECTIVE.match(text)
    if first:  # the text opens on a connective whose antecedent was left out
        text = text[first.end():].lstrip("，,")
    return text

"""Personal data in published texts: one detector for cleaning the draft and for the publication gate.

``published_findings(text, submitter=None)`` is ``analysis.privacy.redact.find_personal_data`` plus two rules the
publication needs on top of it (both also applied when drafting, so the gate checks exactly what drafting
removed):

- ``staff_name``: a name after a staff cue in an official reply (工作人员张三, 联系人：李四, 经办人王五),
  when ``reports.mask_staff_names`` is on (default);
- ``masked_contact``: a contact detail someone already masked (157-****-6102, 138****5678): contact details
  are dropped from publications, not shown masked.

``CONTACT_TYPES`` are dropped with their sentence (``drop_contact_sentences``); names and addresses are masked
(``mask``).
"""
from __future__ import annotations

import re

from analysis.privacy.redact import Span, apply_spans, find_personal_data

# Private circumstances of a family or a person: never published, whoever wrote them (a letter or a reply).
PRIVATE_MATTERS = re.compile(
    r"离婚|离异|婚姻|结婚证|丈夫|妻子|老公|老婆|前夫|前妻|姐姐|姐夫|哥哥|嫂子|弟弟|妹妹|父母|公婆|岳父|岳母|亲属|亲戚|"
    r"怀孕|病情|癌|去世|病故|残疾|精神病|低保户|债务|欠款人|坐牢|服刑|犯罪记录|儿子|女儿|父亲|母亲|爸爸|妈妈|公公|婆婆")

CONTACT_TYPES = frozenset({"id_card", "mobile", "landline", "bank_card", "email", "qq", "wechat", "plate",
                           "masked_contact"})

# A name after words that introduce a member of staff or an official (工作人员张三, 联系人：李四, 主任王大明).
_STAFF_CUE = re.compile(
    r"(?:工作人员|联系人|经办人|负责人|承办人|接待人|办理人|网格员|社区干部|民警|包案领导|信息员|管理员|法定代表人|法人代表|"
    r"(?:副)?(?:主任|书记|局长|科长|所长|镇长|乡长|村长|区长|县长|市长|处长|站长|队长|经理|院长|校长|部长|厅长|"
    r"组长|委员|主管|会计|支书|片警|城管))[：:\s]*")
# Characters that end a name rather than continue it (李明已上门: the name is 李明).
_AFTER_NAME = frozenset("已将在对到和与及的了表说称不没也都就又再还向给把被为于是等同现上下来去讲负带亲主多经会要让请"
                        "等，。；、,;：:（( ")
_MASKED_CONTACT = re.compile(r"(?<![\d*])(?:\d[\d\- ]{1,4}\*{3,}[\d\- ]*\d|\d{2,4}-?\*{4,}|\*{4,}-?\d{3,4})(?![\d*])")


def _staff_spans(text: str) -> list[Span]:
    from analysis.privacy import patterns as pii_patterns
    spans = []
    for match in _STAFF_CUE.finditer(text):
        at = match.end()
        surname = 2 if text[at:at + 2] in pii_patterns.COMPOUND_SURNAMES else (
            1 if at < len(text) and text[at] in pii_patterns.SINGLE_SURNAMES
            and text[at] not in pii_patterns.FUNCTION_CHAR_SURNAMES else 0)
        if not surname:
            continue
        given = 0
        while given < 2 and at + surname + given < len(text) and "\u4e00" <= text[at + surname + given] <= "\u9fff" \
                and text[at + surname + given] not in _AFTER_NAME:
            given += 1
        if not given:
            continue
        end = at + surname + given
        spans.append(Span(at, end, "staff_name", text[at:at + surname] + "*" * given, "reports.staff_cue"))
    return spans


# A person named right after an organisation then a pause or a deed (七顶山街道徐燕，…), or after a pause then
# an abuse of office (…，徐燕利用职务之便).
_DEED = r"利用职|利用职权|滥用职|不作为|收受|索要|以权谋私|徇私|吃拿卡要|打击报复"
_ORG_THEN_NAME = re.compile(r"(?:(?:街道|社区|村委会|居委会|村委|镇政府|乡政府|派出所|办事处|物业|公司|局|镇|乡)"
                            r"(?P<name>[\u4e00-\u9fff]{2,3}?)"
                            r"(?=[，,、。；;]|利用|不给|不作为|拒绝|拒不|违规|违法|私自|故意|强行|收受|索要|滥用|威胁|辱骂|打人))"
                            r"|(?:^|(?<=[，,、。；;：:\s]))(?P<doer>[\u4e00-\u9fff]{2,3}?)(?=" + _DEED + ")")


def _org_name_spans(text: str) -> list[Span]:
    from analysis.privacy import patterns as pii_patterns
    spans = []
    for match in _ORG_THEN_NAME.finditer(text):
        group = "name" if match.group("name") else "doer"
        name = match.group(group)
        surname = 2 if name[:2] in pii_patterns.COMPOUND_SURNAMES else (
            1 if name[0] in pii_patterns.SINGLE_SURNAMES else 0)
        if not surname or name[0] in pii_patterns.FUNCTION_CHAR_SURNAMES or len(name) - surname not in (1, 2):
            continue
        spans.append(Span(match.start(group), match.end(group), "staff_name",
                          name[:surname] + "*" * (len(name) - surname), "reports.org_then_name"))
    return spans


def _masked_contact_spans(text: str) -> list[Span]:
    return [Span(m.start(), m.end(), "masked_contact", "", "reports.masked_contact")
            for m in _MASKED_CONTACT.finditer(text)]


def published_findings(text: str, submitter: str | None = None) -> list[Span]:
    """Every piece of personal data in a text meant for publication (sorted, non-overlapping)."""
    if not text:
        return []
    spans = list(find_personal_data(text, submitter=submitter))
    staff = _staff_spans(text) + _org_name_spans(text) if _mask_staff() else []
    for extra in staff + _masked_contact_spans(text):
        if not any(extra.start < s.end and s.start < extra.end for s in spans):
            spans.append(extra)
    # A span that its own mask leaves unchanged is masked already (陈** after 负责人): nothing left to find.
    return sorted(s for s in spans if text[s.start:s.end] != s.replacement)


def _mask_staff() -> bool:
    from store.settings import get_settings

    return bool(get_settings().get("reports.mask_staff_names"))


def mask(text: str, submitter: str | None = None) -> str:
    """``text`` with names and addresses masked and contact details removed (what is left of a sentence that
    held a contact detail is for ``drop_contact_sentences`` to judge; here the detail itself goes)."""
    spans = published_findings(text, submitter)
    cleaned = [Span(s.start, s.end, s.type, "" if s.type in CONTACT_TYPES else s.replacement, s.rule)
               for s in spans]
    return apply_spans(text, cleaned)


def has_contact(text: str, submitter: str | None = None) -> bool:
    return any(s.type in CONTACT_TYPES for s in published_findings(text, submitter))


def drop_contact_sentences(sentences: list[str], submitter: str | None = None) -> list[str]:
    """The sentences without contact details (a sentence giving a phone number is left out whole)."""
    return [s for s in sentences if not has_contact(s, submitter)]

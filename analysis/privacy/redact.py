"""De-identification (去标识化) of citizen messages before anything is published.

Public API:

``find_personal_data(text, submitter=None, types=None) -> list[Span]``
    The detector behind the publication's personal-data gate: every piece of personal data in ``text``,
    sorted, non-overlapping. ``submitter`` is the message's submitter field: its occurrences in the text are
    personal data too. ``types`` restricts the result to some ``PII_TYPES``.

``redact(text, submitter=None, types=None, record_id=None) -> Redaction``
    ``Redaction.text`` is the masked text, ``Redaction.spans`` what was masked. Each masking is logged
    (record id, type, position, rule; never the value) on the ``hotline.audit.redact`` logger.

``redact_letter(fields, submitter=None, …) -> dict[str, Redaction]``
    One letter's fields together (title, content, reply…): a name, number or address found in any field is
    masked in every mention in every field (consistency); office numbers in the reply fields are public.
    ``find_personal_data(…, known=…, reply=…, public_numbers=…)`` takes the same options for one text.

``residual_numbers(text) -> list[str]``
    Digit runs in ``text`` that still validate as a resident ID or a phone number. Empty for every text
    ``redact`` returns; the publication gate can assert it.

Staff views keep the original text; anything published gets ``redact(...).text``. Masks keep the text
readable: 张先生 → 张**, 13812345678 → 138****5678, an ID → <身份证号>, 3栋2单元501室 → *栋*单元***室.

Types (``PII_TYPES``): id_card (checksum-validated with python-stdnum; a well-formed number with a real birth
date and region but a wrong check digit is masked too, a typo does not make it public), mobile, landline
(with area code, 400/800 service numbers, or a local number after 电话/座机), bank_card (Luhn-valid, or any
16-19 digits after 卡号/账号), email, plate, qq, wechat (after their cue word), name (张先生/李女士, 王某某,
after cues such as 我叫/姓名：/联系人, the submitter; titles such as 刘局长 are not private persons) and
address (the detailed part: building/unit/floor/room, door numbers after a road, village groups; a room
number goes with its street number: 18号16-08, 7-1501). Names without a cue word (村民鲍晟, signature
lists, 翟远帆，男) come from ``analysis.privacy.names``. An organisation's number (400/800, one an organisation
is named before, one in an official reply, the unit directory's) is no personal data and stays.

Positions are character offsets into the text as given (full-width digits are matched without changing them).
"""
from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field

from analysis.privacy import names as pii_names
from analysis.privacy import patterns as P
from analysis.text.normalise import to_halfwidth

__all__ = [
    "PII_TYPES",
    "STRUCTURED_TYPES",
    "Span",
    "Redaction",
    "find_personal_data",
    "redact",
    "redact_letter",
    "is_public_number",
    "residual_numbers",
    "is_valid_id_card",
    "is_phone_number",
]

PII_TYPES = ("id_card", "mobile", "landline", "bank_card", "email", "plate", "qq", "wechat", "name", "address")
STRUCTURED_TYPES = ("id_card", "mobile", "landline", "bank_card", "email", "plate", "qq", "wechat")

audit_log = logging.getLogger("hotline.audit.redact")

# When two findings overlap, the higher priority wins (an ID number is not also a bank card and a phone).
_PRIORITY = {
    "email": 90, "id_card": 80, "bank_card": 70, "mobile": 60, "landline": 55, "qq": 50, "wechat": 50,
    "plate": 52, "address": 30, "name": 20,
    # an organisation's number: claimed so that nothing else masks it, then dropped from the result
    "public_number": 56,
}
# Types whose every other mention in a letter is masked once one mention is found (consistency).
CONSISTENT_TYPES = ("name", "mobile", "landline", "id_card", "email", "plate", "qq", "wechat", "bank_card",
                    "address")


@dataclass(frozen=True, order=True)
class Span:
    """One piece of personal data: ``text[start:end]`` is of ``type``; ``replacement`` is its mask."""

    start: int
    end: int
    type: str
    replacement: str = field(compare=False)
    rule: str = field(default="", compare=False)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Redaction:
    text: str
    spans: list[Span]


# --- validators ----------------------------------------------------------------------------------------


def _digits(text: str) -> str:
    return re.sub(r"[^0-9Xx]", "", text).upper()


def _id_card_status(number: str) -> str | None:
    """'checksum' for a valid ID, 'plausible' for a real birth date and region but a wrong check digit."""
    from stdnum import exceptions
    from stdnum.cn import ric

    if len(number) != 18 or not number[:17].isdigit():
        return None
    try:
        ric.get_birth_date(number)
    except exceptions.ValidationError:
        return None
    if number[-1] == ric.calc_check_digit(number):
        return "checksum"
    try:
        ric.get_birth_place(number)
    except exceptions.ValidationError:
        return None
    return "plausible"


def is_valid_id_card(text: str) -> bool:
    """True when ``text`` (separators ignored) is an 18-character resident ID with a correct check digit."""
    return _id_card_status(_digits(text)) == "checksum"


def is_phone_number(text: str) -> bool:
    """True when ``text`` (separators ignored) is a valid Chinese mobile or fixed-line/service number."""
    import phonenumbers

    digits = re.sub(r"\D", "", text)
    if re.fullmatch(r"(?:86)?1[3-9]\d{9}", digits):
        return True
    if len(digits) < 10 or len(digits) > 14:
        return False
    candidates = [digits]
    if digits.startswith("86"):
        candidates.append(digits[2:])
    for candidate in candidates:
        if candidate[0] not in "048":
            continue
        try:
            number = phonenumbers.parse(candidate, "CN")
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return True
    return False


def _luhn_valid(digits: str) -> bool:
    from stdnum import luhn

    return luhn.is_valid(digits)


# --- masks ---------------------------------------------------------------------------------------------


def _mask_digits(raw: str, keep_head: int, keep_tail: int) -> str:
    """Replace digits of ``raw`` by '*' except the first ``keep_head`` and last ``keep_tail`` digits;
    separators stay where they are."""
    total = sum(ch.isdigit() for ch in raw)
    out, seen = [], 0
    for ch in raw:
        if ch.isdigit():
            out.append(ch if seen < keep_head or seen >= total - keep_tail else "*")
            seen += 1
        else:
            out.append(ch)
    return "".join(out)


def _mask_mobile(raw: str) -> str:
    digits = re.sub(r"\D", "", raw)
    prefix = len(digits) - 11  # +86 / 86 stays readable
    return _mask_digits(raw, prefix + 3, 4)


def _mask_landline(raw: str) -> str:
    digits = re.sub(r"\D", "", raw)
    match = re.match(r"(?:86)?(0(?:10|2\d|[3-9]\d\d)|[48]00)", digits)
    keep = len(match.group(0)) if match else 0
    return _mask_digits(raw, keep, 2)


def _mask_email(raw: str) -> str:
    local, _, domain = raw.partition("@")
    return f"{local[0]}***@{domain}"


def _mask_plate(raw: str) -> str:
    return raw[:2] + "".join("*" if ch.isalnum() else ch for ch in raw[2:])


def _mask_name(raw: str) -> str:
    surname_length = 2 if raw[:2] in P.COMPOUND_SURNAMES else 1
    if raw[0] not in P.SINGLE_SURNAMES and surname_length == 1:
        return "*" * len(raw)
    return raw[:surname_length] + "*" * (len(raw) - surname_length)


def _mask_address(raw: str) -> str:
    return re.sub(r"[0-9A-Za-z一二三四五六七八九十百零〇两]", "*", raw)


# --- detectors -----------------------------------------------------------------------------------------
# Each yields Span candidates on ``probe`` (the text with full-width forms made ASCII, same length).


def _detect_email(probe: str) -> Iterable[Span]:
    for m in P.EMAIL.finditer(probe):
        yield Span(m.start(), m.end(), "email", _mask_email(m.group()), "email")


def _detect_id_cards(probe: str) -> Iterable[Span]:
    for m in P.ID_CARD_18.finditer(probe):
        status = _id_card_status(_digits(m.group()))
        if status:
            yield Span(m.start(), m.end(), "id_card", "<身份证号>", f"id_card.{status}")
    for m in P.ID_CARD_15.finditer(probe):
        from stdnum import exceptions
        from stdnum.cn import ric

        number = m.group(1)
        try:  # an old ID holds the birth date as YYMMDD at positions 6-12
            ric.get_birth_date(number[:6] + "19" + number[6:12] + "0000")
        except exceptions.ValidationError:
            continue
        yield Span(m.start(1), m.end(1), "id_card", "<身份证号>", "id_card.old15")


def _detect_bank_cards(probe: str) -> Iterable[Span]:
    for m in P.BANK_CARD.finditer(probe):
        digits = _digits(m.group())
        if not 16 <= len(digits) <= 19 or not digits.isdigit():
            continue
        before = probe[max(0, m.start() - 14):m.start()]
        if P.BANK_CUE.search(before):
            yield Span(m.start(), m.end(), "bank_card", "<银行卡号>", "bank_card.cue")
        elif _luhn_valid(digits) and not P.NOT_CARD_CUE.search(before):
            yield Span(m.start(), m.end(), "bank_card", "<银行卡号>", "bank_card.luhn")


def is_public_number(probe: str, start: int, end: int, reply: bool = False,
                     public_numbers: frozenset[str] = frozenset()) -> bool:
    """True when the fixed-line/service number ``probe[start:end]`` is an organisation's, not a person's: a
    400/800 service number, one of ``public_numbers`` (the unit directory's), one an organisation is named
    right before (…经侦大队电话39969120), or — in an official reply, where units sign with their office
    numbers — any landline not introduced as the citizen's own (诉求人电话, 您的座机)."""
    digits = re.sub(r"\D", "", probe[start:end])
    if re.fullmatch(r"(?:86)?[48]00\d{7}", digits) or digits in public_numbers:
        return True
    before = probe[max(0, start - 14):start]
    if P.PRIVATE_PHONE_CUE.search(before):
        return False
    return reply or bool(P.PUBLIC_PHONE_CUE.search(before))


def _detect_phones(probe: str, reply: bool = False, public_numbers: frozenset[str] = frozenset()) -> Iterable[Span]:
    for m in P.MOBILE.finditer(probe):
        yield Span(m.start(), m.end(), "mobile", _mask_mobile(m.group()), "mobile")
    for m in P.LANDLINE.finditer(probe):
        if is_public_number(probe, m.start(), m.end(), reply, public_numbers):
            yield Span(m.start(), m.end(), "public_number", m.group(), "public_number")
        elif is_phone_number(m.group()):
            yield Span(m.start(), m.end(), "landline", _mask_landline(m.group()), "landline")
        elif P.PHONE_CUE.search(probe[max(0, m.start() - 8):m.start()]):
            # after 电话/座机 a number in landline shape is one, even with a local part of the wrong length
            yield Span(m.start(), m.end(), "landline", _mask_landline(m.group()), "landline.cue")
    for m in P.LOCAL_PHONE.finditer(probe):
        if is_public_number(probe, m.start(1), m.end(1), reply, public_numbers):
            yield Span(m.start(1), m.end(1), "public_number", m.group(1), "public_number")
        else:
            yield Span(m.start(1), m.end(1), "landline", _mask_digits(m.group(1), 0, 2), "landline.cue")


def _detect_plates(probe: str) -> Iterable[Span]:
    for m in P.PLATE.finditer(probe):
        yield Span(m.start(), m.end(), "plate", _mask_plate(m.group()), "plate")


def _detect_im_ids(probe: str) -> Iterable[Span]:
    for m in P.QQ.finditer(probe):
        yield Span(m.start(1), m.end(1), "qq", "<QQ号>", "qq")
    for m in P.WECHAT.finditer(probe):
        yield Span(m.start(1), m.end(1), "wechat", "<微信号>", "wechat")


# Names -----------------------------------------------------------------------------------------------

_HAN = re.compile(r"[\u4e00-\u9fff]")
_ALL_SURNAMES = "|".join(P.COMPOUND_SURNAMES) + "|[" + "".join(sorted(P.SINGLE_SURNAMES)) + "]"
_HONORIFIC = "|".join(sorted(P.HONORIFICS, key=len, reverse=True))
_TITLE = "|".join(sorted(P.TITLES, key=len, reverse=True))
# 张先生 / 欧阳女士: the surname right before the form of address.
_SURNAME_HONORIFIC = re.compile(rf"(?P<surname>{_ALL_SURNAMES})(?P<honorific>{_HONORIFIC})")
# 王大明先生: a full name before the form of address (only after a boundary or a cue, see below).
_FULLNAME_HONORIFIC = re.compile(rf"(?P<name>(?:{_ALL_SURNAMES})[\u4e00-\u9fff]{{1,2}})(?P<honorific>{_HONORIFIC})")
# 王某某 / 张某: an anonymised person, still a person; not 某些/某个/某单位.
_SURNAME_MOU = re.compile(
    rf"(?P<surname>{_ALL_SURNAMES})(?:某某|某(?![些种个天日时地处人单部公小项企领局村镇区位])|[xX×＊*]{{2}})"
)
_STRONG_CUE = re.compile("(?:" + "|".join(sorted(P.STRONG_NAME_CUES, key=len, reverse=True)) + r")[：:\s是为叫]*")
_WEAK_CUE = re.compile("(?:" + "|".join(sorted(P.WEAK_NAME_CUES, key=len, reverse=True)) + r")[：:\s]*")
_LEFT_OK = set("位叫是找给被让请名与和跟及、，,。：: ()（）“”\n\t")
_TITLE_AFTER = re.compile(rf"(?:{_TITLE})")
_HONORIFIC_AT = re.compile(rf"(?:{_HONORIFIC})")


_COMPOUND = frozenset(P.COMPOUND_SURNAMES)


def _surname_length(text: str, at: int) -> int:
    """Length of the surname starting at ``at`` (2 for a compound surname, 1, or 0 when none)."""
    if text[at:at + 2] in _COMPOUND:
        return 2
    return 1 if at < len(text) and text[at] in P.SINGLE_SURNAMES else 0


def _left_boundary(probe: str, at: int) -> bool:
    return at == 0 or probe[at - 1] in _LEFT_OK or not _HAN.match(probe[at - 1])


def _name_after_cue(probe: str, at: int, weak: bool) -> tuple[int, int] | None:
    """The personal name starting at ``at`` after a cue, as (start, end), or None."""
    surname = _surname_length(probe, at)
    if not surname or (weak and probe[at] in P.FUNCTION_CHAR_SURNAMES):
        return None
    for given in (1, 2):  # 联系人田桂先生: a form of address right after the given name ends the name
        honorific = _HONORIFIC_AT.match(probe, at + surname + given)
        if honorific and all(_HAN.match(ch) and ch not in P.NAME_STOP_CHARS
                             for ch in probe[at + surname:at + surname + given]):
            return at, honorific.end()
    end = at + surname
    limit = at + surname + 2
    while end < min(limit, len(probe)) and _HAN.match(probe[end]) and probe[end] not in P.NAME_STOP_CHARS:
        end += 1
    if end - at < surname + 1 or _TITLE_AFTER.match(probe, at + surname):
        return None  # a bare surname, or 刘局长: a title, not a private name
    honorific = _HONORIFIC_AT.match(probe, end)
    if honorific:
        return at, honorific.end()
    if not weak:
        return at, end
    # 我是张伟， / 邻居周雪多次上门 count; 我是王家村的村民 / 邻居高声喧哗 do not: after a weak cue the name
    # must be followed by a clear end. Try the longest name first.
    for stop in range(end, at + surname, -1):
        if stop == len(probe) or (probe[stop] in P.NAME_STOP_CHARS and probe[stop] not in "的是家"):
            return at, stop
        if probe.startswith(P.NAME_FOLLOWERS, stop) and not probe.startswith(("的", "是", "家"), stop):
            return at, stop
    return None


def _detect_names(probe: str, submitter: str | None) -> Iterable[Span]:
    # the submitter first: of equal spans the first is kept, and "name.submitter" says most about why
    if submitter:
        submitter = to_halfwidth(submitter.strip(), keep_chinese_punctuation=False)
        if len(submitter) >= 2:
            for m in re.finditer(re.escape(submitter), probe):
                yield Span(m.start(), m.end(), "name", _mask_name(m.group()), "name.submitter")
    for m in _SURNAME_HONORIFIC.finditer(probe):
        start = m.start()
        if m.group("surname") in P.AMBIGUOUS_SURNAMES and not _left_boundary(probe, start):
            continue  # 我和先生, 关于女士…
        yield Span(start, m.end(), "name", _mask_name(m.group()), "name.honorific")
    for m in _FULLNAME_HONORIFIC.finditer(probe):
        if _left_boundary(probe, m.start()) and not any(ch in P.NAME_STOP_CHARS for ch in m.group("name")):
            if _TITLE_AFTER.match(probe, m.start() + _surname_length(probe, m.start())):
                continue
            yield Span(m.start(), m.end(), "name", _mask_name(m.group()), "name.fullname_honorific")
    for m in _SURNAME_MOU.finditer(probe):
        doubled = m.group().endswith(("某某", "xx", "XX", "××", "**"))
        # 万某某 is a person; 关于某 / 时某 need a boundary before the surname to be one
        ambiguous = P.FUNCTION_CHAR_SURNAMES if doubled else P.AMBIGUOUS_SURNAMES
        if m.group("surname") in ambiguous and not _left_boundary(probe, m.start()):
            continue
        yield Span(m.start(), m.end(), "name", _mask_name(m.group()), "name.mou")
    for cue_pattern, weak in ((_STRONG_CUE, False), (_WEAK_CUE, True)):
        for m in cue_pattern.finditer(probe):
            found = _name_after_cue(probe, m.end(), weak)
            if found:
                start, end = found
                if end - start == 3 and probe[end - 1:end + 1] in pii_names.common_two_char_words():
                    end -= 1  # 反映人张妍毕业: the name ends before the word its last character starts
                if probe[end:end + 1] in P.PLACE_SUFFIXES:
                    continue  # 我是庄河市…: a place
                bare = probe[start:end]
                honorific = _HONORIFIC_AT.search(bare, _surname_length(bare, 0) + 1)
                # 应提交, 那么: a word that merely follows a cue is not a name
                self_naming = m.group().startswith(P.SELF_NAMING_CUES)
                if not honorific and not pii_names.is_name_like(bare, words=not self_naming):
                    continue
                yield Span(start, end, "name", _mask_name(bare), "name.weak_cue" if weak else "name.cue")
    for start, end, rule in pii_names.find_names(probe):
        yield Span(start, end, "name", _mask_name(probe[start:end]), rule)


# Addresses -------------------------------------------------------------------------------------------

_ADDRESS_SEPARATORS = " -—#"  # not 、: "2号楼、6号楼" lists buildings, not one home


def _address_chain(probe: str, start: int) -> tuple[int, list[str]]:
    """Consecutive address parts from ``start``: (end, kinds)."""
    kinds: list[str] = []
    end = position = start
    while position < len(probe):
        m = P.ADDRESS_PART.match(probe, position)
        if not m or (m.lastgroup == "bare_room" and not kinds):
            break
        if m.lastgroup == "bare_room" and kinds[-1] not in ("unit", "floor", "building", "entrance"):
            break
        if m.lastgroup == "dashed_room" and (not kinds or kinds[-1] not in ("door", "building")):
            break
        if m.lastgroup == "entrance" and (not kinds or kinds[-1] != "building"):
            break
        kinds.append(m.lastgroup)
        end = position = m.end()
        while position < len(probe) and probe[position] in _ADDRESS_SEPARATORS and position - end < 1:
            position += 1
    return end, kinds


def _chain_is_address(probe: str, start: int, kinds: list[str], raw: str) -> bool:
    before = probe[start - 1] if start else ""
    strong = {"unit", "dashed", "flat", "dashed_room"} & set(kinds)
    if strong or ("room" in kinds and (len(kinds) > 1 or len(re.sub(r"\D", "", raw)) >= 3)):
        return True
    if "building" in kinds:
        # a building alone is an address after an estate name or 住 (翠湖花园3号楼, 住12号楼); "2号楼和5号楼之间
        # 的空地" names places, not a home
        return len(kinds) > 1 or before in P.ESTATE_ENDINGS or before == "住"
    if kinds[0] in ("door", "lane"):
        return before in P.ROAD_ENDINGS or len(kinds) > 1
    if kinds[0] == "group":
        return before in P.ROAD_ENDINGS or "door" in kinds
    return False


def _detect_addresses(probe: str) -> Iterable[Span]:
    position = 0
    while position < len(probe):
        m = P.ADDRESS_PART.search(probe, position)
        if not m:
            break
        start = m.start()
        if start and probe[start - 1].isalnum() and not _HAN.match(probe[start - 1]):
            position = start + 1  # inside a longer number or word (2019年, ABC12)
            continue
        end, kinds = _address_chain(probe, start)
        if not kinds:
            position = start + 1
            continue
        raw = probe[start:end]
        if _chain_is_address(probe, start, kinds, raw):
            yield Span(start, end, "address", _mask_address(raw), "address." + "+".join(dict.fromkeys(kinds)))
            position = end
        else:
            position = start + 1


# --- sweep and assembly --------------------------------------------------------------------------------


def _sweep(probe: str, taken: list[Span], reply: bool = False,
           public_numbers: frozenset[str] = frozenset()) -> Iterable[Span]:
    """Digit runs nobody claimed that still validate as an ID or a phone number (a last safety net)."""
    for m in P.DIGIT_RUN.finditer(probe):
        if any(s.start < m.end() and m.start() < s.end for s in taken):
            continue
        raw = m.group().strip(" -")
        start = m.start() + m.group().index(raw)
        if _id_card_status(_digits(raw)):
            yield Span(start, start + len(raw), "id_card", "<身份证号>", "id_card.sweep")
        elif is_phone_number(raw) and not (not re.fullmatch(r"(?:86)?1[3-9]\d{9}", re.sub(r"\D", "", raw))
                                           and is_public_number(probe, start, start + len(raw), reply,
                                                                public_numbers)):
            digits = re.sub(r"\D", "", raw)
            kind = "mobile" if re.fullmatch(r"(?:86)?1[3-9]\d{9}", digits) else "landline"
            mask = _mask_mobile(raw) if kind == "mobile" else _mask_landline(raw)
            yield Span(start, start + len(raw), kind, mask, f"{kind}.sweep")


def _select(candidates: Iterable[Span]) -> list[Span]:
    """Non-overlapping spans: higher priority first, then longer, then earlier."""
    chosen: list[Span] = []
    ordered = sorted(candidates, key=lambda s: (-_PRIORITY[s.type], -(s.end - s.start), s.start))
    for span in ordered:
        if all(span.end <= other.start or other.end <= span.start for other in chosen):
            chosen.append(span)
    return sorted(chosen)


def _mentions(probe: str, known: dict[str, Span], taken: list[Span]) -> Iterable[Span]:
    """Every occurrence in ``probe`` of a value found elsewhere (``known``: value → a span of it)."""
    for value, example in known.items():
        if len(value) < 2:
            continue
        start = probe.find(value)
        while start >= 0:
            end = start + len(value)
            if not any(s.start <= start and end <= s.end for s in taken):
                yield Span(start, end, example.type, example.replacement, f"{example.type}.consistency")
            start = probe.find(value, start + 1)


def _known_values(probe: str, spans: Iterable[Span]) -> dict[str, Span]:
    return {probe[s.start:s.end]: s for s in spans if s.type in CONSISTENT_TYPES}


def find_personal_data(text: str, submitter: str | None = None, types: Iterable[str] | None = None, *,
                       known: Iterable[str] | dict | None = None, reply: bool = False,
                       public_numbers: Iterable[str] = ()) -> list[Span]:
    """Every piece of personal data in ``text``: sorted, non-overlapping spans (see the module docstring).

    ``known``: values found in other fields of the same letter (``redact_letter`` passes them), masked here
    wherever they occur. ``reply``: ``text`` is an official reply (its office numbers are public).
    ``public_numbers``: numbers that are never personal data (the unit directory's), as digits."""
    if not text:
        return []
    wanted = set(types) if types else set(PII_TYPES)
    unknown = wanted - set(PII_TYPES)
    if unknown:
        raise ValueError(f"unknown personal-data type(s) {sorted(unknown)}: choose from {', '.join(PII_TYPES)}")
    probe = to_halfwidth(text, keep_chinese_punctuation=False)  # same length: offsets stay valid
    public = frozenset(re.sub(r"\D", "", n) for n in public_numbers)
    candidates: list[Span] = []
    candidates += _detect_email(probe)
    candidates += _detect_id_cards(probe)
    candidates += _detect_bank_cards(probe)
    candidates += _detect_phones(probe, reply, public)
    candidates += _detect_plates(probe)
    candidates += _detect_im_ids(probe)
    candidates += _detect_addresses(probe)
    candidates += _detect_names(probe, submitter)
    chosen = _select(candidates)
    chosen = _select(chosen + list(_sweep(probe, chosen, reply, public)))
    # consistency: a value found once is masked in every mention (this text and the letter's other fields)
    values = _known_values(probe, chosen)
    if isinstance(known, dict):
        values = {**known, **values}
    elif known:
        for value in known:
            match = [s for s in find_personal_data(value) if s.start == 0 and s.end == len(value)]
            if match and match[0].type in CONSISTENT_TYPES:
                values.setdefault(value, match[0])
    chosen = _select(chosen + list(_mentions(probe, values, chosen)))
    return [span for span in chosen if span.type in wanted]


def redact_letter(fields: Mapping[str, str | None], submitter: str | None = None,
                  types: Iterable[str] | None = None, record_id: object = None,
                  reply_fields: Iterable[str] = ("reply", "reply_text", "answer"),
                  public_numbers: Iterable[str] = ()) -> dict[str, Redaction]:
    """Redact the fields of one letter together (title, content, reply…): a name, number or address found in
    any field — or the submitter — is masked in every field. Fields named in ``reply_fields`` are official
    replies (office numbers there are public). Returns a ``Redaction`` per field."""
    public = list(public_numbers)
    texts = {name: text or "" for name, text in fields.items()}
    known: dict[str, Span] = {}
    for name, text in texts.items():
        probe = to_halfwidth(text, keep_chinese_punctuation=False)
        spans = find_personal_data(text, submitter=submitter, reply=name in reply_fields, public_numbers=public)
        for value, span in _known_values(probe, spans).items():
            known.setdefault(value, span)
    result = {}
    for name, text in texts.items():
        spans = find_personal_data(text, submitter=submitter, types=types, known=known,
                                   reply=name in reply_fields, public_numbers=public)
        _audit(spans, record_id, name)
        result[name] = Redaction(apply_spans(text, spans), spans)
    return result


def apply_spans(text: str, spans: list[Span]) -> str:
    """``text`` with each span replaced by its mask (spans sorted and non-overlapping)."""
    parts, position = [], 0
    for span in spans:
        parts.append(text[position:span.start])
        parts.append(span.replacement)
        position = span.end
    parts.append(text[position:])
    return "".join(parts)


def redact(
    text: str, submitter: str | None = None, types: Iterable[str] | None = None, record_id: object = None,
    reply: bool = False,
) -> Redaction:
    """Mask the personal data of ``text``; each masking is written to the audit log (without the value)."""
    spans = find_personal_data(text, submitter=submitter, types=types, reply=reply)
    _audit(spans, record_id)
    return Redaction(apply_spans(text or "", spans), spans)


def _audit(spans: list[Span], record_id: object, field_name: str | None = None) -> None:
    where = f" field={field_name}" if field_name else ""
    for span in spans:
        audit_log.info("masked record=%s%s type=%s start=%d end=%d rule=%s",
                       record_id, where, span.type, span.start, span.end, span.rule)


def _is_public_landline(probe: str, start: int, raw: str, reply: bool) -> bool:
    mobile = re.fullmatch(r"(?:86)?1[3-9]\d{9}", re.sub(r"\D", "", raw))
    return not mobile and is_public_number(probe, start, start + len(raw), reply)


def residual_numbers(text: str, reply: bool = False) -> list[str]:
    """Digit runs of ``text`` that validate as a resident ID or a phone number (should be none once
    published); an organisation's number (see ``is_public_number``) is not personal data and not listed."""
    probe = to_halfwidth(text or "", keep_chinese_punctuation=False)
    found = []
    for m in P.DIGIT_RUN.finditer(probe):
        raw = m.group().strip(" -")
        start = m.start() + m.group().index(raw)
        if is_valid_id_card(raw) or (is_phone_number(raw) and not _is_public_landline(probe, start, raw, reply)):
            found.append(raw)
    # Runs inside longer ones: a phone number glued into other digits still reads as one.
    for m in re.finditer(r"(?<!\d)1[3-9]\d{9}(?!\d)|(?<![0-9])\d{17}[0-9Xx](?![0-9])", probe):
        raw = m.group()
        if (is_valid_id_card(raw) or is_phone_number(raw)) and raw not in found:
            found.append(raw)
    return found

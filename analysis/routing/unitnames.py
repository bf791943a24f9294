"""Normalisation of responsible-unit names (承办单位/受理单位/reply_agency).

Exports spell one unit many ways: 市住建局 / 商洛市住房和城乡建设局 / 市住房与城乡建设局, 洛南县政府办 /
洛南县人民政府办公室, typos (商路市…), trailing junk (…办公室心), several units in one cell
(市城管局 市交警支队). Routing learns from units, so the spellings must meet first.

Public API:

``clean_unit_name(name) -> str``
    Rule-based canonical spelling of one name: widths and spaces, the first of several units, the long
    form of common abbreviations (住建局 → 住房和城乡建设局, 政府办 → 人民政府办公室…), ``city`` completing
    ``市…`` names when given.

``split_units(name) -> list[str]``
    The units of a cell naming several (separated by spaces, 、, ，, ;, /).

``government_unit(name) -> str``
    The hierarchy a dispatcher uses: a district/county/city government answers through its office, so
    商州区人民政府办公室, 商州区人民政府 and a bare 丹凤县 / 瓦房店市 are one unit, ``…区/县/市人民政府``.

``places_of_unit(name, city="") -> list[str]``
    The place names a unit is named after (甘井子区人民政府 → 甘井子区, 甘井子; 沙河口区兴工街道办事处 →
    沙河口区, 沙河口, 兴工街道, 兴工): a letter naming the place is likely that unit's.

``UnitNameNormaliser``
    Learns from the names seen (``fit(names)``): the city prefix when not configured, and the merging of
    near-identical spellings (a long name with one character more or less) into the most frequent one.
    ``transform(names)`` / ``normalise(name)`` then map any spelling to its canonical form.
    ``mapping_`` (spelling → canonical) and ``city_`` are the learned state.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from analysis.text.normalise import to_halfwidth

__all__ = ["clean_unit_name", "split_units", "UnitNameNormaliser", "ABBREVIATIONS", "government_unit", "places_of_unit"]

# Short forms → the long form used in official names. Applied to whole name parts, longest first.
ABBREVIATIONS: dict[str, str] = {
    "住建局": "住房和城乡建设局",
    "住房与城乡建设局": "住房和城乡建设局",
    "住房城乡建设局": "住房和城乡建设局",
    "人社局": "人力资源和社会保障局",
    "人力和社会保障局": "人力资源和社会保障局",
    "人力资源社会保障局": "人力资源和社会保障局",
    "城管局": "城市管理局",
    "城管执法局": "城市管理局",
    "交警支队": "公安局交通警察支队",
    "交警大队": "公安局交通警察大队",
    "公安局交警支队": "公安局交通警察支队",
    "公安局交警大队": "公安局交通警察大队",
    "环保局": "环境保护局",
    "发改委": "发展和改革委员会",
    "发改局": "发展和改革局",
    "卫健委": "卫生健康委员会",
    "卫健局": "卫生健康局",
    "卫计委": "卫生和计划生育委员会",
    "卫计局": "卫生和计划生育局",
    "市场监管局": "市场监督管理局",
    "教体局": "教育体育局",
    "教育和体育局": "教育体育局",
    "房管局": "房产管理局",
    "国土局": "国土资源局",
    "交通局": "交通运输局",
    "农业局": "农业农村局",
    "文旅局": "文化和旅游局",
    "工商局": "工商行政管理局",
    "食药监局": "食品药品监督管理局",
    "残联": "残疾人联合会",
    "信访办": "信访局",
    "地税局": "地方税务局",
    "国税局": "国家税务局",
    "法制办": "法制办公室",
    "扶贫局": "扶贫开发局",
    "移民办": "移民搬迁工作办公室",
    "社保局": "社会保险事业管理局",
    "医保局": "医疗保障局",
    "政府办公室": "人民政府办公室",
    "政府办": "人民政府办公室",
    "人民政府办": "人民政府办公室",
    "县政府": "县人民政府",
    "区政府": "区人民政府",
    "市政府": "市人民政府",
    "管委会": "管理委员会",
    "街道办": "街道办事处",
    "政府政务信息化办公室": "政务信息办公室",
    "政府信息化办公室": "政务信息办公室",
    "政务信息化办": "政务信息办公室",
    "政务信息办": "政务信息办公室",
    "政府信息办": "政务信息办公室",
    "信息办": "政务信息办公室",
}
_ABBREVIATION_KEYS = sorted(ABBREVIATIONS, key=len, reverse=True)
_SEPARATORS = re.compile(r"[\s、，,;；/|]+")
_BRACKETS = re.compile(r"[（(][^）)]*[）)]")
_PUNCT = re.compile(r"[\"'“”‘’·.。]+")
_LEVEL_PREFIX = re.compile(r"^(?:中共)?(?P<city>[\u4e00-\u9fff]{2,3})市(?=[\u4e00-\u9fff])")


def split_units(name: str | None) -> list[str]:
    """The unit names in one cell, in order ("市城管局 市交警支队" → two)."""
    if not name:
        return []
    text = to_halfwidth(str(name), keep_chinese_punctuation=False).strip()
    return [part for part in _SEPARATORS.split(text) if part]


def _expand(part: str) -> str:
    for short in _ABBREVIATION_KEYS:
        if part.endswith(short) and not part.endswith(ABBREVIATIONS[short]):
            return part[: -len(short)] + ABBREVIATIONS[short]
    return part


def clean_unit_name(name: str | None, city: str = "") -> str:
    """Canonical spelling of a unit name by rule only (first unit of a multi-unit cell); '' when empty."""
    parts = split_units(name)
    if not parts:
        return ""
    part = _PUNCT.sub("", parts[0])
    # A bracketed alias is kept when it is the whole name's qualifier (高新区（商丹园区）), dropped when it
    # only repeats the name; both spellings exist, so keep the text without brackets as the key.
    part = _BRACKETS.sub("", part) or part
    part = _expand(part)
    if city and len(part) > len(city) + 1 and part[len(city)] == "市" and part[:len(city)] != city:
        # the city itself misspelt by one character (商路市 for 商洛市)
        if sum(x != y for x, y in zip(part, city, strict=False)) == 1:
            part = city + part[len(city):]
    if city and part.startswith("市") and len(part) > 2:
        part = f"{city}市{part[1:]}"
    if city and part.startswith("政府") or city and part.startswith("人民政府"):
        part = f"{city}市{part}"
    return part


def _one_char_inserted(a: str, b: str) -> bool:
    """True when one of ``a``/``b`` is the other with one character more (委委员会, 办公室心, 市市民政局).
    A replaced character is not merged: 洛南县/商南县 and 民政局/财政局 are different units."""
    if abs(len(a) - len(b)) != 1:
        return False
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    for i in range(len(long_)):
        if long_[:i] + long_[i + 1:] == short:
            return True
    return False


# Words office names add and drop when an office is renamed (政务信息办公室 / 信息中心 / 政务信息服务中心).
_GENERIC_OFFICE_WORDS = ("政务", "服务", "办公室", "中心")
_GOVERNMENT = re.compile(r"^(?P<place>[\u4e00-\u9fff]{1,5}?(?:新区|县|区|市))(?:人民政府)?(?:办公室|办)?$")
_PLACE_PART = re.compile(r"(?P<core>[\u4e00-\u9fff]{2,4}?)(?P<level>新区|开发区|园区|县|区|市|镇|乡|街道)")


def government_unit(name: str) -> str:
    """``X县/区/市人民政府`` for any spelling of a local government or its office (see the module docstring);
    other names unchanged."""
    m = _GOVERNMENT.match(name or "")
    if not m or any(word in m.group("place") for word in ("局", "委", "办", "中心", "公司")):
        return name or ""
    return f"{m.group('place')}人民政府"


def places_of_unit(name: str, city: str = "") -> list[str]:
    """Place names in a unit's name, longest form first (see the module docstring)."""
    rest = name or ""
    if city and rest.startswith(city):
        rest = rest[len(city):].lstrip("市")
    places = []
    for m in _PLACE_PART.finditer(rest):
        if m.start() and rest[m.start() - 1] not in "区县市镇乡道":  # a place part follows the start or another
            break
        places += [m.group(0), m.group("core")]
    return list(dict.fromkeys(p for p in places if len(p) >= 2))


class UnitNameNormaliser:
    """Map the many spellings of a unit to one (scikit-learn style: parameters in __init__, ``fit`` learns
    ``city_`` and ``mapping_``).

    ``city``: the city completing ``市…`` names; '' learns it as the most common ``…市`` prefix.
    ``min_length_for_typos``: only names at least this long are merged when one has a character more than the
    other (short names differ meaningfully by one character). ``hierarchy``: a local government's office and
    the government are one unit (``government_unit``).
    """

    def __init__(self, city: str = "", min_length_for_typos: int = 7, hierarchy: bool = False):
        self.city = city
        self.min_length_for_typos = min_length_for_typos
        self.hierarchy = hierarchy

    def fit(self, names: Iterable[str | None]) -> UnitNameNormaliser:
        raw = [n for n in names if n and str(n).strip()]
        self.city_ = self.city or self._learn_city(raw)
        counts = Counter(clean_unit_name(n, self.city_) for n in raw)
        counts.pop("", None)
        canonical: dict[str, str] = {}
        ranked = sorted(counts, key=lambda k: (-counts[k], k))
        for position, key in enumerate(ranked):
            canonical[key] = key
            if len(key) < self.min_length_for_typos:
                continue
            for better in ranked[:position]:  # only a more frequent spelling absorbs a rarer one
                if canonical[better] == better and _one_char_inserted(key, better):
                    canonical[key] = better
                    break
        if self.hierarchy:
            self._merge_renamed(canonical, counts)
        self.mapping_ = canonical
        self.counts_ = counts
        return self

    def _merge_renamed(self, canonical: dict[str, str], counts: Counter) -> None:
        """One office under its successive names (商洛市政务信息办公室 → 商洛市信息中心 → 政务信息服务中心):
        names equal once the city and the generic words of office names are taken away are one unit, under
        its most frequent name."""
        groups: dict[str, list[str]] = {}
        for key, target in canonical.items():
            if target != key:
                continue
            core = key[len(self.city_) + 1:] if self.city_ and key.startswith(self.city_ + "市") else key
            for word in _GENERIC_OFFICE_WORDS:
                core = core.replace(word, "")
            if len(core) >= 2:
                groups.setdefault(core, []).append(key)
        for names in groups.values():
            if len(names) > 1:
                best = max(names, key=lambda n: (counts[n], n))
                for key, target in canonical.items():
                    if target in names:
                        canonical[key] = best

    @staticmethod
    def _learn_city(names: list[str]) -> str:
        prefixes = Counter()
        for name in names:
            for part in split_units(name):
                m = _LEVEL_PREFIX.match(part)
                if m:
                    prefixes[m.group("city")] += 1
        if not prefixes:
            return ""
        city, count = prefixes.most_common(1)[0]
        # Only a dominant city is a safe completion (an export from one city's mailbox).
        return city if count > 0.5 * sum(prefixes.values()) else ""

    def normalise(self, name: str | None) -> str:
        if not hasattr(self, "mapping_"):
            raise RuntimeError("UnitNameNormaliser is not fitted: call fit(names) first")
        key = clean_unit_name(name, self.city_)
        key = self.mapping_.get(key, key)
        return government_unit(key) if getattr(self, "hierarchy", False) else key

    def transform(self, names: Iterable[str | None]) -> list[str]:
        return [self.normalise(n) for n in names]

    def fit_transform(self, names: Iterable[str | None]) -> list[str]:
        names = list(names)
        return self.fit(names).transform(names)

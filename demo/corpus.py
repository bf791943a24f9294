"""A synthetic, deterministic corpus of citizen messages for demos, tests and evaluations.

The corpus lives in the fictional city of 江川市 (districts 临江区, 东湖区, 南浦区, 青山县 and 高新区) and covers the
three channels hotline-monitor watches: 12345 hotline cases, letters to the mayor's and the party secretary's
mailboxes, and posts on the city's feedback board. Messages are rendered from the templates in
``demo/data/*.toml`` (original text, never copied from real data) with a seeded ``random.Random``:
the same seed and size always give the same corpus, and :func:`write_exports` always writes the same bytes.

What the corpus holds, on purpose:

* one-off messages of every kind (咨询/投诉/求助/建议/举报/表扬) in the 7 first-level categories, routed to more
  than 20 responsible units, some of them under an alias spelling (:data:`UNIT_ALIASES`);
* recurring issues (the same concrete problem at the same place raised by several people over several days),
  a campaign of near-identical texts, and one person submitting the same text twice; ``topic_key`` is the
  ground truth for clustering;
* replies on time, late, boilerplate only, never, and a few that a demo portal publishes only on a second crawl
  (``reply_published_later``), with dates around the 2025 Spring Festival and National Day holidays and their
  make-up working days (on the real working-day calendar, with the real deadline rules: ``analysis.deadlines``);
* personal data planted in the texts (names, mobile and landline numbers, 18-digit ID numbers with valid
  checksums, home addresses, e-mail addresses); ``pii`` lists every planted value with its place.

Timestamps are naive datetimes in Asia/Shanghai local time. Run ``python -m demo.corpus --out DIR``
to write the exports an importer reads (see :func:`write_exports`).
"""
from __future__ import annotations

import argparse
import csv
import io
import random
import re
import sys
import tomllib
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from stdnum.cn import ric

from analysis.deadlines.compute import compute_deadline
from analysis.deadlines.rules import PACKAGED_RULES_FILE, DeadlinePolicy, DeadlineRule, RuleSet, load_rules
from analysis.deadlines.workcalendar import PACKAGED_OVERRIDE_DIR, DayKind, WorkCalendar, get_calendar

DATA_DIR = Path(__file__).with_name("data")

DEFAULT_SEED = 2025
DEFAULT_SIZE = 900
FIRST_DAY = date(2025, 1, 2)
LAST_DAY = date(2025, 12, 15)
AS_OF = datetime(2025, 12, 20, 18, 0)
"""The moment the corpus was "crawled": replies after it do not exist yet."""

CHANNELS = ("hotline", "mailbox", "feedback")
SOURCE_HOTLINE = "jiangchuan-12345"
SOURCE_MAYOR = "jiangchuan-mayor-mailbox"
SOURCE_SECRETARY = "jiangchuan-secretary-mailbox"
SOURCE_FEEDBACK = "jiangchuan-liuyan"
SOURCES = {
    SOURCE_HOTLINE: "hotline",
    SOURCE_MAYOR: "mailbox",
    SOURCE_SECRETARY: "mailbox",
    SOURCE_FEEDBACK: "feedback",
}
"""Every source (a site section) of the corpus and its channel."""

CATEGORIES = ("城乡建设", "劳动和社会保障", "教育文体", "商贸旅游", "环境保护", "卫生计生", "交通运输")
KINDS = ("咨询", "投诉", "求助", "建议", "举报", "表扬")
PII_TYPES = ("name", "mobile", "landline", "id_number", "address", "email")

# Half-month periods that get most of the messages (so biweekly summaries have substance), with their weights;
# the rest is spread over the whole year.
DENSE_PERIODS = (
    (date(2025, 1, 16), date(2025, 1, 31), 0.15),  # before the Spring Festival, make-up Sunday 01-26
    (date(2025, 2, 1), date(2025, 2, 15), 0.12),  # holiday tail, make-up Saturday 02-08
    (date(2025, 4, 16), date(2025, 4, 30), 0.13),
    (date(2025, 7, 1), date(2025, 7, 15), 0.11),
    (date(2025, 9, 16), date(2025, 9, 30), 0.13),  # make-up Sunday 09-28
    (date(2025, 10, 1), date(2025, 10, 15), 0.12),  # National Day, make-up Saturday 10-11
)
BACKGROUND_WEIGHT = 0.24

_ONE_OFF_CHANNELS = (("hotline", 0.40), ("mayor", 0.20), ("secretary", 0.06), ("feedback", 0.34))
_REPLY_LATER_COUNT = 8


@dataclass(frozen=True)
class PlantedPII:
    """One planted piece of personal data: its type, the exact text, and where it sits.

    ``field`` is ``title``, ``content`` or ``reply_text``; ``start``/``end`` are offsets into that field of the
    :class:`DemoMessage` (the exports may wrap the text in whitespace, so search there rather than trust them).
    """

    type: str
    value: str
    field: str
    start: int
    end: int


@dataclass(frozen=True)
class DemoMessage:
    external_id: str
    channel: str
    source: str
    title: str
    content: str
    submitter: str
    submitted_at: datetime
    kind: str
    category: str
    unit: str
    status: str
    reply_text: str | None
    reply_unit: str | None
    replied_at: datetime | None
    votes_up: int | None
    votes_down: int | None
    topic_key: str | None
    pii: tuple[PlantedPII, ...]
    reply_published_later: bool


# ------------------------------------------------------------------------------------------------ calendar, rules
# The demo uses the one working-day calendar and the one rule set of hotline-monitor (analysis.deadlines): the
# packaged ones, so that a deployment's override files or rules file never change the demo corpus.
@cache
def _calendar() -> WorkCalendar:
    return get_calendar([PACKAGED_OVERRIDE_DIR])


@cache
def _rules() -> RuleSet:
    return load_rules(PACKAGED_RULES_FILE)


def reply_rule(channel: str, kind: str, source: str, unit: str, category: str) -> DeadlineRule:
    """The deadline rule that sets a message's reply window (``analysis/data/deadline_rules.toml``: 3 working days
    for 咨询, 5 otherwise). A letter without a reply duty (表扬) has no deadline; the demo's units still answer it,
    within the default rule's window."""
    rule = _rules().match(channel=channel, kind=kind, source=source, unit=unit, category=category)
    return _rules().default if rule.no_reply_duty else rule


def reply_deadline(message: DemoMessage) -> date:
    """The last day of the reply window, computed by the deadline engine (the default policy: the general rule of
    time computation, 民法典 第二百零一条, received Saturday with 3 working days: due Wednesday)."""
    rule = reply_rule(message.channel, message.kind, message.source, message.unit, message.category)
    due = compute_deadline(message.submitted_at, rule=rule, calendar=_calendar(), policy=DeadlinePolicy(), warn=False)
    assert due.due is not None  # no extensions or pauses here
    return due.due


# ------------------------------------------------------------------------------------------------ data files
@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in ("world", "scenarios", "topics"):
        with (DATA_DIR / f"{name}.toml").open("rb") as handle:
            out[name] = tomllib.load(handle)
    return out


@lru_cache(maxsize=1)
def _districts() -> dict[str, dict[str, Any]]:
    return {d["name"]: d for d in _data()["world"]["district"]}


@cache
def _scenario_pool(channel: str, month: int) -> tuple[tuple[dict[str, Any], float], ...]:
    return tuple((s, float(s.get("weight", 1))) for s in _data()["scenarios"]["scenario"]
                 if channel in s.get("channels", CHANNELS) and month in s.get("months", range(1, 13)))


def _unit_aliases() -> dict[str, str]:
    aliases: dict[str, str] = {}
    for canonical, others in _data()["world"]["units"].items():
        aliases[canonical] = canonical
        for other in others:
            aliases[other] = canonical
    return aliases


UNIT_ALIASES: dict[str, str] = _unit_aliases()
"""Every unit spelling the corpus uses (canonical names included) mapped to the canonical name."""


def canonical_unit(name: str) -> str:
    """The canonical name of a unit spelling of the corpus (the name itself when unknown)."""
    return UNIT_ALIASES.get(name, name)


# ------------------------------------------------------------------------------------------------ personal data
_ID_REGIONS = ("360121", "360122", "430121", "430122", "430221", "430321", "350121", "510121", "510122")
_MOBILE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155",
                    "156", "157", "158", "159", "166", "173", "176", "177", "180", "181", "182", "183", "185",
                    "186", "187", "188", "189", "191", "198", "199")
_EMAIL_DOMAINS = ("163.com", "qq.com", "126.com", "sina.com")
_PINYIN = {"王": "wang", "李": "li", "张": "zhang", "刘": "liu", "陈": "chen", "杨": "yang", "黄": "huang",
           "赵": "zhao", "吴": "wu", "周": "zhou", "徐": "xu", "孙": "sun", "马": "ma", "朱": "zhu", "胡": "hu"}


def _id_number(rng: random.Random, male: bool) -> str:
    born = date(1950, 1, 1) + timedelta(days=rng.randint(0, 365 * 56))
    order = rng.randint(0, 499) * 2 + (1 if male else 0)
    body = f"{rng.choice(_ID_REGIONS)}{born:%Y%m%d}{order:03d}"
    return body + ric.calc_check_digit(body + "?")  # python-stdnum reads the first 17; "?" holds the 18th


def _mobile(rng: random.Random) -> str:
    digits = rng.choice(_MOBILE_PREFIXES) + f"{rng.randint(0, 99_999_999):08d}"
    style = rng.random()
    if style < 0.8:
        return digits
    if style < 0.9:
        return f"{digits[:3]}-{digits[3:7]}-{digits[7:]}"
    return f"{digits[:3]} {digits[3:7]} {digits[7:]}"


def _landline(rng: random.Random, area: str) -> str:
    local = f"{rng.choice('2345678')}{rng.randint(0, 999_999):06d}"
    return rng.choice((f"{area}-{local}", f"{area}-{local}", f"（{area}）{local}", f"{area}{local}"))


# ------------------------------------------------------------------------------------------------ people
@dataclass
class _Person:
    surname: str
    given: str
    male: bool
    user_code: str

    @property
    def full_name(self) -> str:
        return self.surname + self.given

    @property
    def honorific(self) -> str:
        return self.surname + ("先生" if self.male else "女士")


class _People:
    """Makes distinct people: full names and board user codes are unique while the name space lasts."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        vocab = _data()["world"]["vocab"]
        self.surnames = vocab["surname"]
        self.male_names = vocab["given_male"]
        self.female_names = vocab["given_female"]
        self.names: set[str] = set()
        self.codes: set[str] = set()

    def new(self) -> _Person:
        rng = self.rng
        for _ in range(50):
            male = rng.random() < 0.55
            surname = rng.choice(self.surnames[:40]) if rng.random() < 0.6 else rng.choice(self.surnames)
            given = rng.choice(self.male_names if male else self.female_names)
            if surname + given not in self.names:
                break
        self.names.add(surname + given)
        while True:
            code = f"JC{rng.randint(10_000, 99_999_999):08d}"
            if code not in self.codes:
                self.codes.add(code)
                break
        return _Person(surname, given, male, code)


# ------------------------------------------------------------------------------------------------ templates
_ALT = re.compile(r"\[([^\[\]]*)\]")
_SLOT = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_TRAILING_DIGITS = re.compile(r"\d+$")
FIRST_ID_TOKEN = "\x00FIRST_ID\x00"
_LOCAL_VOCAB = ("school", "primary_school", "hospital")


def self_reference(unit: str) -> str:
    """How a unit calls itself in a reply: 我局, 我委, 我区, 我县, 我公司, 我支队, 我中心."""
    for suffix, word in (("分局", "我分局"), ("局", "我局"), ("委员会", "我委"), ("县人民政府", "我县"),
                         ("人民政府", "我区"), ("公司", "我公司"), ("支队", "我支队"), ("中心", "我中心")):
        if unit.endswith(suffix):
            return word
    return "我单位"


def _md(day: date) -> str:
    return f"{day.month}月{day.day}日"


def _cn_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


class _Context:
    """Slot values of one message: a slot keeps the value it got first; personal data is recorded."""

    def __init__(self, rng: random.Random, channel: str, source: str, person: _Person, submitted: datetime,
                 fixed: dict[str, str] | None = None) -> None:
        self.rng = rng
        self.channel = channel
        self.source = source
        self.person = person
        self.submitted = submitted
        self.fixed = dict(fixed or {})
        self.values: dict[str, str] = {}
        self.pii: list[tuple[str, str]] = []
        world = _data()["world"]
        self.vocab: dict[str, list[str]] = world["vocab"]
        self.districts: dict[str, dict[str, Any]] = _districts()
        self.area: str = world["area_code"]

    # -- rendering
    def render(self, template: str) -> str:
        text = template
        while True:
            replaced = _ALT.sub(lambda m: self.rng.choice(m.group(1).split("|")), text)
            if replaced == text:
                break
            text = replaced
        return _SLOT.sub(lambda m: self.slot(m.group(1)), text)

    def pick(self, options: Sequence[str]) -> str:
        return self.render(self.rng.choice(list(options)))

    def slot(self, name: str) -> str:
        if name in self.values:
            return self.values[name]
        if name in self.fixed:
            value = self.render(self.fixed[name])
        else:
            value = self._compute(name)
        self.values[name] = value
        return value

    def _plant(self, kind: str, value: str) -> str:
        if (kind, value) not in self.pii:
            self.pii.append((kind, value))
        return value

    def _district(self) -> dict[str, Any]:
        return self.districts[self.slot("district")]

    def _distinct(self, base: str, options: Sequence[str]) -> str:
        taken = {v for k, v in self.values.items() if _TRAILING_DIGITS.sub("", k) == base}
        taken |= {v for k, v in self.fixed.items() if _TRAILING_DIGITS.sub("", k) == base}
        free = [o for o in options if o not in taken] or list(options)
        return self.render(self.rng.choice(free))

    def _compute(self, name: str) -> str:
        rng = self.rng
        pronoun = _PRONOUNS.get(name)
        if pronoun is not None:
            return rng.choice(pronoun[self.channel == "hotline"])
        simple = _SIMPLE_SLOTS.get(name)
        if simple is not None:
            return simple(self)
        base = _TRAILING_DIGITS.sub("", name)
        if base in _DISTRICT_LISTS:
            return self._distinct(base, self._district()[_DISTRICT_LISTS[base]])
        if base == "n":
            return str(rng.randint(2, 9))
        if base == "nn":
            return str(rng.randint(10, 40))
        if base == "money":
            return str(rng.choice((1200, 1800, 2600, 3000, 3680, 4500, 5000, 6800, 8000, 9600, 12000, 15000,
                                   18000, 23000)))
        if base == "money_small":
            return str(rng.randrange(60, 900, 10))
        if base == "recent_md":
            return _md(self.submitted.date() - timedelta(days=rng.randint(1, 9)))
        if base in _LOCAL_VOCAB:  # schools and hospitals of the message's district, or city-wide ones
            district = self.slot("district")
            local = [o for o in self.vocab[base] if o.startswith((district, "江川市"))]
            return self._distinct(base, local or self.vocab[base])
        if base in self.vocab:
            return self._distinct(base, self.vocab[base])
        raise KeyError(f"unknown template slot {{{name}}}")

    def _room(self) -> str:
        rng = self.rng
        floor = rng.randint(1, 26)
        if rng.random() < 0.7:
            return f"{rng.randint(1, 18)}栋{rng.randint(1, 4)}单元{floor}{rng.randint(1, 4):02d}室"
        return f"{rng.randint(1, 30)}号楼{rng.randint(1, 3)}单元{floor}{rng.randint(1, 6):02d}"

    def _home_address(self) -> str:
        rng = self.rng
        room = self._room()
        community = self.slot("community")
        if rng.random() < 0.5:
            return f"{community}{room}"
        return f"{self.slot('district')}{self.slot('road')}{rng.randint(1, 399)}号{community}{room}"

    def _email(self) -> str:
        rng = self.rng
        user = _PINYIN.get(self.person.surname, "jc") + str(rng.randint(1960, 2005)) + rng.choice(("", "a", "_x"))
        return f"{user}@{rng.choice(_EMAIL_DOMAINS)}"


# (web channels, hotline) choices for the pronoun slots
_PRONOUNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "I": (("我",), ("其",)),
    "my": (("我", "我的", "我"), ("其",)),
    "we": (("我们",), ("其所在",)),
    "us": (("我们",), ("来电人等",)),
    "you": (("您",), ("来电人",)),
    "ask_q": (("请问", "请问", "想问一下", "麻烦问一下"), ("想了解", "询问", "咨询")),
}
_SIMPLE_SLOTS: dict[str, Callable[[_Context], str]] = {
    "district": lambda c: c.rng.choice(list(c.districts)),
    "district_gov": lambda c: c._district()["gov"],
    "district_housing": lambda c: c._district()["housing"],
    "district_edu": lambda c: c._district()["education"],
    "honorific": lambda c: c._plant("name", c.person.honorific),
    "self_name": lambda c: c._plant("name", c.person.full_name),
    "mobile": lambda c: c._plant("mobile", _mobile(c.rng)),
    "landline": lambda c: c._plant("landline", _landline(c.rng, c.area)),
    "id_number": lambda c: c._plant("id_number", _id_number(c.rng, c.person.male)),
    "room": lambda c: c._plant("address", c._room()),
    "home_address": lambda c: c._plant("address", c._home_address()),
    "email": lambda c: c._plant("email", c._email()),
    "bureau_phone": lambda c: f"{c.area}-8{c.rng.randint(100_000, 899_999)}",
    "user": lambda c: c.person.user_code,
    "sub_md": lambda c: _md(c.submitted.date()),
}
_DISTRICT_LISTS = {"street": "streets", "road": "roads", "community": "communities"}


# ------------------------------------------------------------------------------------------------ drafts
@dataclass
class _Draft:
    channel: str
    source: str
    person: _Person
    submitter: str
    submitted_at: datetime
    kind: str
    category: str
    unit: str
    unit_canonical: str
    title: str = ""
    content: str = ""
    reply_text: str | None = None
    reply_unit: str | None = None
    replied_at: datetime | None = None
    status: str = ""
    votes_up: int | None = None
    votes_down: int | None = None
    topic_key: str | None = None
    pii: list[tuple[str, str]] = field(default_factory=list)
    external_id: str = ""
    reply_published_later: bool = False
    duplicate_of: _Draft | None = None
    order: int = 0


def _weighted(rng: random.Random, pairs: Sequence[tuple[Any, float]]) -> Any:
    total = sum(w for _, w in pairs)
    point = rng.random() * total
    for item, weight in pairs:
        point -= weight
        if point < 0:
            return item
    return pairs[-1][0]


_SLOTS = {
    "hotline": ("hotline", SOURCE_HOTLINE),
    "mayor": ("mailbox", SOURCE_MAYOR),
    "secretary": ("mailbox", SOURCE_SECRETARY),
    "feedback": ("feedback", SOURCE_FEEDBACK),
}


def _channel_source(slot: str) -> tuple[str, str]:
    return _SLOTS[slot]


def _pick_day(rng: random.Random) -> date:
    periods = [((start, end), weight) for start, end, weight in DENSE_PERIODS]
    periods.append(((FIRST_DAY, LAST_DAY), BACKGROUND_WEIGHT))
    start, end = _weighted(rng, periods)
    while True:
        day = start + timedelta(days=rng.randint(0, (end - start).days))
        # fewer people write on holidays and weekends
        calendar = _calendar()
        weight = 1.0 if calendar.is_workday(day) else (0.6 if calendar.day_kind(day) == DayKind.HOLIDAY else 0.75)
        if rng.random() < weight:
            return day


_HOTLINE_HOURS = tuple([(h, 1.0) for h in range(8, 21)] + [(7, 0.4), (21, 0.5), (22, 0.3), (23, 0.1)])
_WEB_HOURS = tuple([(h, 1.0) for h in range(8, 20)] + [(h, 1.8) for h in (20, 21)] + [(22, 1.4), (23, 0.6)]
                   + [(h, 0.25) for h in range(8)])  # evening peak of people writing online
_REPLY_HOURS = tuple([(h, 1.0) for h in range(9, 18)] + [(8, 0.3), (18, 0.3), (19, 0.15), (20, 0.1)])


def _pick_time(rng: random.Random, channel: str, day: date) -> datetime:
    hour = _weighted(rng, _HOTLINE_HOURS if channel == "hotline" else _WEB_HOURS)
    return datetime.combine(day, time(hour, rng.randint(0, 59), rng.randint(0, 59)))


def _display_unit(rng: random.Random, canonical: str, channel: str) -> str:
    aliases = _data()["world"]["units"].get(canonical, [])
    chance = {"hotline": 0.12, "mailbox": 0.3, "feedback": 0.4}[channel]
    if aliases and rng.random() < chance:
        return rng.choice(aliases)
    return canonical


def _submitter(rng: random.Random, channel: str, person: _Person, named: bool) -> str:
    if channel == "feedback":
        return person.user_code
    roll = rng.random()
    if channel == "hotline":
        return person.full_name if (named or roll < 0.75) else person.honorific
    if named or roll < 0.68:
        return person.full_name
    return person.honorific if roll < 0.9 else "匿名"


def _effective_parts(rng: random.Random, spec: dict[str, Any], month: int) -> dict[str, Any]:
    parts = {k: v for k, v in spec.items() if k != "variant"}
    variants = spec.get("variant", [])
    variants = [v for v in variants if month in v.get("months", range(1, 13))] or variants
    if variants:
        parts.update(rng.choice(variants))
    return parts


def _kind_for(rng: random.Random, parts: dict[str, Any]) -> str:
    style = parts.get("style", "complaint")
    if style == "question":
        return "咨询"
    if style == "praise":
        return "表扬"
    kinds = [k for k in parts.get("kinds", ["投诉"]) if k not in ("咨询", "表扬")]
    return rng.choice(kinds or ["投诉"])


def _compose_body(ctx: _Context, parts: dict[str, Any], pii_chance: float) -> str:
    rng = ctx.rng
    frame = _data()["world"]["frame"]
    style = parts.get("style", "complaint")
    facts = ctx.pick(parts["facts"])
    details_pool = list(parts.get("details", []))
    n_details = 0 if style == "question" else min(len(details_pool), _weighted(rng, [(0, 0.2), (1, 0.45), (2, 0.35)]))
    details = "".join(ctx.render(d) for d in rng.sample(details_pool, n_details))
    ask = ctx.pick(parts["asks"])
    pii = ""
    if ctx.channel == "hotline":
        intro = ctx.pick(frame[{"question": "hotline_intro_question", "praise": "hotline_intro_praise"}.get(
            style, "hotline_intro")])
        if rng.random() < pii_chance:
            pii = ctx.pick(frame["pii_hotline"])
        if style == "complaint":
            return f"{intro}{facts}{details}{ctx.pick(frame['hotline_ask_lead'])}{ask}。{pii}"
        return f"{intro}{facts}{details}{ask}{pii}"
    greeting_key = {SOURCE_MAYOR: "mayor_greeting", SOURCE_SECRETARY: "secretary_greeting"}.get(
        ctx.source, "feedback_greeting")
    greeting = ctx.pick(frame[greeting_key])
    if greeting and ctx.channel == "mailbox" and rng.random() < 0.5:
        greeting += "\n"
    web_details = ""
    if parts.get("web_details") and rng.random() < 0.45:
        web_details = ctx.pick(parts["web_details"])
    if rng.random() < pii_chance:
        pii = ctx.pick(frame["pii_praise" if style == "praise" else "pii_web"])
    close = ctx.pick(frame[{"question": "web_close_question", "praise": "web_close_praise"}.get(style, "web_close")])
    if style == "complaint":
        intro = ctx.pick(frame["self_intro"])
        lead = ctx.pick(frame["web_ask_lead"])
        end = ctx.pick(frame["web_end"])
        body = f"{intro}{facts}{details}{web_details}{lead}{ask}{end}"
    else:
        body = f"{facts}{details}{web_details}{ask}"
    sep = "\n" if ctx.channel == "mailbox" and rng.random() < 0.4 else ""
    return f"{greeting}{body}{sep}{pii}{close}".strip()


def _compose_reply(ctx: _Context, parts: dict[str, Any], draft: _Draft, boilerplate: bool) -> str:
    world = _data()["world"]
    rp = world["reply"]
    if boilerplate:
        return ctx.pick(rp["boilerplate"])
    assert draft.replied_at is not None
    reply_day = draft.replied_at.date()
    ctx.values["reply_md"] = _md(reply_day)
    ctx.values["reply_cn"] = _cn_date(reply_day)
    # the day the unit says it acted: a working day between the message and the reply
    workdays = [draft.submitted_at.date() + timedelta(days=i)
                for i in range(1, (reply_day - draft.submitted_at.date()).days + 1)]
    workdays = [d for d in workdays if _calendar().is_workday(d)] or [reply_day]
    # one random() draw whatever the list's length, so the deadline rule (which moves reply days) does not shift
    # the rest of the corpus's random stream
    ctx.values["fix_md"] = _md(workdays[int(ctx.rng.random() * len(workdays))])
    ctx.values["title"] = draft.title
    ctx.values["unit_canonical"] = draft.unit_canonical
    ctx.values["self_ref"] = self_reference(draft.unit_canonical)
    if draft.submitter == "匿名" and "honorific" not in ctx.values:
        ctx.values["honorific"] = "来信人"
    body = ctx.pick(parts["replies"])
    praise = parts.get("style") == "praise"
    if draft.channel == "hotline":
        return body + ctx.pick(rp["hotline_tail"])
    if draft.channel == "mailbox":
        salutation = ctx.pick(rp["mailbox_salutation"])
        ack_key = "secretary_ack" if draft.source == SOURCE_SECRETARY else "mailbox_ack"
        ack = "" if praise else ctx.pick(rp[ack_key])
        close = ctx.pick(rp["mailbox_close"])
    else:
        salutation = ctx.pick(rp["feedback_salutation"])
        ack = "" if praise else ctx.pick(rp["feedback_ack"])
        close = ctx.pick(rp["feedback_close"])
    signature = ctx.pick(rp["signature"])
    text = f"{salutation}{ack}{body}{close}"
    if signature:
        text += ("\n" if draft.channel == "mailbox" else "") + signature
    return text


def _reply_moment(rng: random.Random, draft: _Draft, late: bool) -> datetime:
    limit = reply_rule(draft.channel, draft.kind, draft.source, draft.unit, draft.category).days
    received = draft.submitted_at.date()  # the general rule: counting starts the day after the day of receipt
    if late:
        steps = limit + rng.choice((1, 1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20))
    else:
        same_day = _calendar().is_workday(received) and draft.submitted_at.hour < 14
        steps = 0 if (same_day and rng.random() < 0.12) else rng.randint(1, limit)
    day = _calendar().add_workdays(received, steps, warn=False)
    hour = _weighted(rng, _REPLY_HOURS)
    moment = datetime.combine(day, time(hour, rng.randint(0, 59), rng.randint(0, 59)))
    if moment <= draft.submitted_at:
        moment = draft.submitted_at + timedelta(minutes=rng.randint(40, 180))
    return moment


_STATUS = {
    "hotline": ("已办结", "办理中", "已受理"),
    "mailbox": ("已答复", "办理中", "已受理"),
    "feedback": ("已回复", "未回复", "未回复"),
}


def _answer(rng: random.Random, ctx: _Context, parts: dict[str, Any], draft: _Draft,
            odds: dict[str, float]) -> None:
    outcome = _weighted(rng, list(odds.items()))
    done, pending, received = _STATUS[draft.channel]
    if outcome != "none":
        moment = _reply_moment(rng, draft, late=outcome == "late")
        if moment <= AS_OF:
            draft.replied_at = moment
            draft.reply_text = _compose_reply(ctx, parts, draft, boilerplate=outcome == "boilerplate")
            draft.reply_unit = _display_unit(rng, draft.unit_canonical, draft.channel)
            draft.status = done
            return
    draft.status = received if AS_OF - draft.submitted_at < timedelta(days=3) else pending


_ONE_OFF_ODDS = {"on_time": 0.72, "late": 0.18, "boilerplate": 0.05, "none": 0.05}
_SECRETARY_ODDS = {"on_time": 0.55, "late": 0.35, "boilerplate": 0.03, "none": 0.07}
_TOPIC_ODDS = {"on_time": 0.62, "late": 0.24, "boilerplate": 0.08, "none": 0.06}


def _finish(rng: random.Random, ctx: _Context, parts: dict[str, Any], draft: _Draft, pii_chance: float,
            odds: dict[str, float]) -> _Draft:
    draft.title = ctx.pick(parts["titles"])
    draft.content = _compose_body(ctx, parts, pii_chance)
    if draft.source == SOURCE_SECRETARY:
        odds = _SECRETARY_ODDS
    _answer(rng, ctx, parts, draft, odds)
    draft.pii = list(ctx.pii)
    return draft


def _new_draft(rng: random.Random, slot: str, person: _Person, moment: datetime, parts: dict[str, Any],
               unit_template: str, ctx: _Context, named: bool = False) -> _Draft:
    channel, source = _channel_source(slot)
    canonical = ctx.render(unit_template)
    return _Draft(
        channel=channel, source=source, person=person, submitter=_submitter(rng, channel, person, named),
        submitted_at=moment, kind=_kind_for(rng, parts), category=parts["category"],
        unit=_display_unit(rng, canonical, channel), unit_canonical=canonical,
    )


def _one_off(rng: random.Random, people: _People) -> _Draft:
    slot = _weighted(rng, _ONE_OFF_CHANNELS)
    channel, source = _channel_source(slot)
    day = _pick_day(rng)
    moment = _pick_time(rng, channel, day)
    spec = _weighted(rng, _scenario_pool(channel, day.month))
    parts = _effective_parts(rng, spec, day.month)
    person = people.new()
    ctx = _Context(rng, channel, source, person, moment)
    ctx.values["user"] = person.user_code
    draft = _new_draft(rng, slot, person, moment, parts, rng.choice(parts["units"]), ctx)
    if channel == "feedback":
        draft.votes_up = _weighted(rng, [(0, 0.45), (rng.randint(1, 3), 0.35), (rng.randint(4, 12), 0.15),
                                         (rng.randint(13, 40), 0.05)])
        draft.votes_down = 0 if rng.random() < 0.85 else rng.randint(1, 3)
    return _finish(rng, ctx, parts, draft, pii_chance=0.3, odds=_ONE_OFF_ODDS)


def _topic_slot(rng: random.Random, channel: str) -> str:
    if channel == "mailbox":
        return "secretary" if rng.random() < 0.15 else "mayor"
    return channel


def _recurring(rng: random.Random, people: _People, spec: dict[str, Any], count: int,
               campaign: bool) -> list[_Draft]:
    drafts = []
    start = date.fromisoformat(spec["start"])
    for index in range(count):
        slot = _topic_slot(rng, rng.choice(spec["channels"]))
        channel, source = _channel_source(slot)
        day = start + timedelta(days=rng.randint(0, spec["days"] - 1) if index else 0)  # first one on `start`
        moment = _pick_time(rng, channel, day)
        person = people.new()
        fixed = dict(spec.get("fixed", {}))
        if campaign:
            fixed.update({f"v{i}": rng.choice(options) for i, options in enumerate(spec["variations"])})
        ctx = _Context(rng, channel, source, person, moment, fixed=fixed)
        ctx.values["user"] = person.user_code
        draft = _new_draft(rng, slot, person, moment, spec, spec["unit"], ctx, named=True)
        draft.topic_key = spec["key"]
        if channel == "feedback":
            low, high = spec.get("votes", [0, 10])
            draft.votes_up = rng.randint(low, high)
            draft.votes_down = 0 if rng.random() < 0.7 else rng.randint(1, 5)
        if campaign:
            _finish_campaign(rng, ctx, spec, draft)
        else:
            _finish(rng, ctx, spec, draft, pii_chance=0.25, odds=_TOPIC_ODDS)
        drafts.append(draft)
    return drafts


def _finish_campaign(rng: random.Random, ctx: _Context, parts: dict[str, Any], draft: _Draft) -> None:
    draft.title = ctx.pick(parts["titles"])
    text = ctx.render(parts["body"])
    if draft.channel == "mailbox" and rng.random() < 0.6:
        greeting_key = "secretary_greeting" if draft.source == SOURCE_SECRETARY else "mayor_greeting"
        text = ctx.pick(_data()["world"]["frame"][greeting_key]) + text
    if rng.random() < 0.3:
        text += ctx.pick(["联系电话：{mobile}。", "{self_name}，{home_address}。"])
    draft.content = text
    _answer(rng, ctx, parts, draft, _TOPIC_ODDS)
    draft.pii = list(ctx.pii)


# ------------------------------------------------------------------------------------------------ assembly
def _recurring_plan(total: int) -> list[tuple[dict[str, Any], int, bool]]:
    topics = _data()["topics"]
    specs = [(t, False) for t in topics["topic"]] + [(c, True) for c in topics.get("campaign", [])]
    scale = total / DEFAULT_SIZE
    plan = [(spec, max(3, round(spec["count"] * scale)), campaign) for spec, campaign in specs]
    budget = max(0, total - 2)  # leave room for the duplicate pair
    while plan and sum(count for _, count, _ in plan) > budget:
        plan.pop()
    return plan


def _assign_ids(rng: random.Random, drafts: list[_Draft]) -> None:
    ordered = sorted(drafts, key=lambda d: (d.submitted_at, d.order))
    hotline, mailbox, feedback = 120, 0, 318_400
    for draft in ordered:
        if draft.channel == "hotline":
            hotline += rng.randint(1, 40)
            draft.external_id = f"JC12345-2025-{hotline:06d}"
        elif draft.channel == "mailbox":
            mailbox += rng.randint(1, 6)
            draft.external_id = f"XX2025{mailbox:04d}"
        else:
            feedback += rng.randint(1, 25)
            draft.external_id = str(feedback)


def _add_duplicate(rng: random.Random, drafts: list[_Draft]) -> None:
    candidates = [d for d in drafts if d.topic_key is None and d.channel == "feedback" and d.kind == "投诉"
                  and d.reply_text and d.submitted_at.date() < date(2025, 12, 1)]
    if not candidates:
        return
    first = candidates[len(candidates) // 3]
    second = _Draft(
        channel=first.channel, source=first.source, person=first.person, submitter=first.submitter,
        submitted_at=first.submitted_at + timedelta(minutes=rng.randint(3, 40), seconds=rng.randint(0, 59)),
        kind=first.kind, category=first.category, unit=first.unit, unit_canonical=first.unit_canonical,
        title=first.title, content=first.content, votes_up=0, votes_down=0, pii=list(first.pii),
        duplicate_of=first,
    )
    assert first.replied_at is not None
    second.replied_at = first.replied_at + timedelta(minutes=rng.randint(2, 30))
    second.reply_text = rng.choice(_data()["world"]["reply"]["duplicate"]).replace("{first_id}", FIRST_ID_TOKEN)
    second.reply_unit = first.reply_unit
    second.status = first.status
    drafts.append(second)


def _spans(kind: str, value: str, texts: dict[str, str | None]) -> Iterable[PlantedPII]:
    for name, text in texts.items():
        if not text:
            continue
        start = text.find(value)
        while start >= 0:
            yield PlantedPII(kind, value, name, start, start + len(value))
            start = text.find(value, start + len(value))


def _freeze(draft: _Draft) -> DemoMessage:
    reply = draft.reply_text
    if reply and draft.duplicate_of is not None:
        reply = reply.replace(FIRST_ID_TOKEN, draft.duplicate_of.external_id)
    texts = {"title": draft.title, "content": draft.content, "reply_text": reply}
    pii = tuple(span for kind, value in draft.pii for span in _spans(kind, value, texts))
    return DemoMessage(
        external_id=draft.external_id, channel=draft.channel, source=draft.source, title=draft.title,
        content=draft.content, submitter=draft.submitter, submitted_at=draft.submitted_at, kind=draft.kind,
        category=draft.category, unit=draft.unit, status=draft.status, reply_text=reply,
        reply_unit=draft.reply_unit if reply else None, replied_at=draft.replied_at if reply else None,
        votes_up=draft.votes_up, votes_down=draft.votes_down, topic_key=draft.topic_key,
        pii=tuple(sorted(pii, key=lambda p: (("title", "content", "reply_text").index(p.field), p.start))),
        reply_published_later=draft.reply_published_later,
    )


def generate_corpus(seed: int = DEFAULT_SEED, size: int | None = None) -> list[DemoMessage]:
    """The demo corpus for ``seed``: ``size`` messages (default 900), sorted by submission time.

    Recurring topics, the campaign and the duplicate pair scale with ``size`` (a topic keeps at least 3
    messages); with a very small size the last topics are left out. The same arguments always give the same
    list.
    """
    total = DEFAULT_SIZE if size is None else size
    if total < 0:
        raise ValueError(f"size must not be negative, got {size}")
    rng = random.Random(seed)
    people = _People(rng)
    drafts: list[_Draft] = []
    for spec, count, campaign in _recurring_plan(total):
        drafts.extend(_recurring(rng, people, spec, count, campaign))
    want_duplicate = total >= 20
    while len(drafts) < total - (1 if want_duplicate else 0):
        drafts.append(_one_off(rng, people))
    if want_duplicate:
        _add_duplicate(rng, drafts)
    while len(drafts) < total:  # no candidate for the duplicate: fill up
        drafts.append(_one_off(rng, people))
    for index, draft in enumerate(drafts):
        draft.order = index
    _assign_ids(rng, drafts)
    answered = [d for d in drafts if d.reply_text and d.duplicate_of is None and d.reply_text
                not in _data()["world"]["reply"]["boilerplate"]]
    for draft in rng.sample(answered, min(_REPLY_LATER_COUNT, len(answered))):
        draft.reply_published_later = True
    messages = [_freeze(d) for d in sorted(drafts, key=lambda d: (d.submitted_at, d.order))]
    return messages


# ------------------------------------------------------------------------------------------------ exports
@dataclass(frozen=True)
class ExportSpec:
    """One export file: which source it holds, its format and encoding, and its header row."""

    source: str
    channel: str
    filename: str
    encoding: str | None
    headers: tuple[str, ...]


HOTLINE_HEADERS = ("受理编号", "标题", "诉求内容", "受理时间", "办理单位", "办理状态", "办理结果", "办结时间",
                   "诉求类型", "问题分类")
MAILBOX_HEADERS = ("信件编号", "信件标题", "来信人", "来信时间", "信件内容", "信件类型", "答复单位", "答复时间",
                   "答复内容")
FEEDBACK_HEADERS = ("留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "点赞数", "反对数", "回复内容",
                    "回复时间", "回复单位", "一级分类")
EXPORTS = (
    ExportSpec(SOURCE_HOTLINE, "hotline", f"{SOURCE_HOTLINE}.csv", "utf-8-sig", HOTLINE_HEADERS),
    ExportSpec(SOURCE_MAYOR, "mailbox", f"{SOURCE_MAYOR}.csv", "gbk", MAILBOX_HEADERS),
    ExportSpec(SOURCE_SECRETARY, "mailbox", f"{SOURCE_SECRETARY}.csv", "gbk", MAILBOX_HEADERS),
    ExportSpec(SOURCE_FEEDBACK, "feedback", f"{SOURCE_FEEDBACK}.xlsx", None, FEEDBACK_HEADERS),
)
"""The files :func:`write_exports` writes, one per source; a file's stem is its source name."""

_ZIP_TIME = (2025, 12, 20, 18, 0, 0)
_SCRAPED_PREFIX = "\n\t\t\t\t\t\n\t\t\t\t\t"
_SCRAPED_SUFFIX = "\n\t\t\t\t\t\n\t\t\t\t\t\n\t\t\t\t"


def _iso_minutes(moment: datetime | None) -> str:
    return "" if moment is None else moment.strftime("%Y-%m-%d %H:%M")


def _cn_minutes(moment: datetime) -> str:
    return f"{moment.year}年{moment.month}月{moment.day}日 {moment:%H:%M}"


def _cn_day(moment: datetime | None) -> str:
    return "" if moment is None else _cn_date(moment.date())


def _slash(moment: datetime) -> str:
    return f"{moment.year}/{moment.month}/{moment.day} {moment.hour}:{moment:%M:%S}"


def _hotline_row(m: DemoMessage) -> list[str]:
    return [m.external_id, m.title, m.content, _iso_minutes(m.submitted_at), m.unit, m.status, m.reply_text or "",
            _iso_minutes(m.replied_at), m.kind, m.category]


def _mailbox_row(m: DemoMessage) -> list[str]:
    return [m.external_id, m.title, m.submitter, _cn_minutes(m.submitted_at), m.content, m.kind,
            m.reply_unit or "", _cn_day(m.replied_at), m.reply_text or ""]


def _write_csv(path: Path, encoding: str, headers: Sequence[str], rows: Iterable[list[str]]) -> None:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))


def _write_xlsx(path: Path, headers: Sequence[str], messages: Sequence[DemoMessage]) -> None:
    from openpyxl import Workbook
    from openpyxl.xml.functions import tostring

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Sheet1"
    sheet.append(list(headers))
    for m in messages:
        sheet.append([int(m.external_id), m.submitter, m.title, _slash(m.submitted_at),
                      _SCRAPED_PREFIX + m.content + _SCRAPED_SUFFIX, m.votes_up or 0, m.votes_down or 0,
                      m.reply_text, m.replied_at, m.reply_unit, m.category])
    for row in sheet.iter_rows(min_row=2, min_col=9, max_col=9):
        row[0].number_format = "yyyy/m/d h:mm:ss"
    fixed = datetime(*_ZIP_TIME)
    workbook.properties.created = fixed
    workbook.properties.modified = fixed
    workbook.properties.creator = "hotline-monitor demo"
    raw = io.BytesIO()
    workbook.save(raw)
    # openpyxl stamps the document properties and every zip member with the current time: make them fixed
    workbook.properties.modified = fixed
    core = tostring(workbook.properties.to_tree())
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o600 << 16
            data = core if info.filename == "docProps/core.xml" else source.read(info.filename)
            target.writestr(member, data)
    path.write_bytes(out.getvalue())


def write_exports(messages: Sequence[DemoMessage], out_dir: str | Path) -> list[Path]:
    """Write the messages as the exports real sites give, one file per source (see :data:`EXPORTS`).

    * ``jiangchuan-12345.csv``: UTF-8 with BOM, times like ``2025-04-25 09:32``;
    * ``jiangchuan-mayor-mailbox.csv`` and ``jiangchuan-secretary-mailbox.csv``: GBK, 来信时间 like
      ``2025年4月25日 09:32``, 答复时间 a date only (``2025年4月28日``);
    * ``jiangchuan-liuyan.xlsx``: 留言时间 as text like ``2025/4/25 9:32:09``, 回复时间 as date cells, 留言详情
      wrapped in the whitespace a scraped page leaves.

    ``topic_key``, ``pii`` and ``reply_published_later`` are not exported; nor is the hotline caller. Rows are
    in the order given. Returns the paths written, in the order of :data:`EXPORTS`.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for spec in EXPORTS:
        rows = [m for m in messages if m.source == spec.source]
        path = out / spec.filename
        if spec.channel == "hotline":
            _write_csv(path, spec.encoding or "utf-8", spec.headers, (_hotline_row(m) for m in rows))
        elif spec.channel == "mailbox":
            _write_csv(path, spec.encoding or "gbk", spec.headers, (_mailbox_row(m) for m in rows))
        else:
            _write_xlsx(path, spec.headers, rows)
        paths.append(path)
    return paths


# ------------------------------------------------------------------------------------------------ summary / CLI
def describe(messages: Sequence[DemoMessage]) -> dict[str, Any]:
    """Counts that tell what a corpus holds (by channel, source, unit, category, kind, topic, reply, PII)."""
    from collections import Counter

    def count(values: Iterable[Any]) -> dict[Any, int]:
        return dict(sorted(Counter(values).items(), key=lambda kv: (-kv[1], str(kv[0]))))

    replies: Counter[str] = Counter()
    for m in messages:
        if m.replied_at is None:
            replies["none"] += 1
        elif m.reply_text in _data()["world"]["reply"]["boilerplate"]:
            replies["boilerplate"] += 1
        elif m.replied_at.date() <= reply_deadline(m):
            replies["on_time"] += 1
        else:
            replies["late"] += 1
    return {
        "messages": len(messages),
        "channel": count(m.channel for m in messages),
        "source": count(m.source for m in messages),
        "category": count(m.category for m in messages),
        "kind": count(m.kind for m in messages),
        "unit_canonical": count(canonical_unit(m.unit) for m in messages),
        "unit_spellings": len({m.unit for m in messages}),
        "topics": count(m.topic_key for m in messages if m.topic_key),
        "replies": dict(replies),
        "reply_published_later": sum(m.reply_published_later for m in messages),
        "pii": count(p.type for m in messages for p in m.pii),
        "first": min(m.submitted_at for m in messages).isoformat() if messages else None,
        "last": max(m.submitted_at for m in messages).isoformat() if messages else None,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo.corpus",
                                     description="Write the synthetic demo corpus as CSV/XLSX exports.")
    parser.add_argument("--out", required=True, type=Path, help="directory for the export files")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    parser.add_argument("--size", type=int, default=None, help=f"number of messages (default {DEFAULT_SIZE})")
    parser.add_argument("--summary", action="store_true", help="also print what the corpus holds, as JSON")
    args = parser.parse_args(argv)
    messages = generate_corpus(seed=args.seed, size=args.size)
    for path in write_exports(messages, args.out):
        rows = sum(1 for m in messages if path.stem == m.source)
        print(f"{path}\t{rows} rows")
    if args.summary:
        import json

        print(json.dumps(describe(messages), ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The demo corpus: deterministic, varied, with the recurring issues, replies, holidays and personal data the
rest of hotline-monitor is evaluated on, and exports an importer can read back."""
from __future__ import annotations

import csv
import difflib
import io
import itertools
import re
from collections import Counter, defaultdict
from datetime import date, timedelta

import chinese_calendar
import openpyxl
import pytest
from stdnum.cn import ric

from analysis.deadlines.rules import parse_rules
from demo import corpus
from demo.corpus import (
    AS_OF,
    CATEGORIES,
    EXPORTS,
    KINDS,
    SOURCE_HOTLINE,
    SOURCES,
    DemoMessage,
    canonical_unit,
    generate_corpus,
    write_exports,
)


@pytest.fixture(scope="module")
def messages() -> list[DemoMessage]:
    return generate_corpus()


def _deadline(message: DemoMessage) -> date:
    """The reply deadline on the official calendar (chinese_calendar, independent of the corpus's own table)."""
    day = message.submitted_at.date()
    while not chinese_calendar.is_workday(day):
        day += timedelta(days=1)
    remaining = 3 if message.kind == "咨询" else 5
    while remaining:
        day += timedelta(days=1)
        if chinese_calendar.is_workday(day):
            remaining -= 1
    return day


# ------------------------------------------------------------------------------------------------ determinism
def test_same_seed_same_corpus(messages):
    assert generate_corpus() == messages
    assert generate_corpus(seed=7, size=120) == generate_corpus(seed=7, size=120)


def test_other_seed_other_corpus(messages):
    other = generate_corpus(seed=2026)
    assert [m.content for m in other] != [m.content for m in messages]


def test_no_global_random_state(messages):
    import random

    random.seed(1)
    before = random.random()
    random.seed(1)
    generate_corpus(size=50)
    assert random.random() == before


def test_exports_are_byte_identical(messages, tmp_path):
    first = write_exports(messages, tmp_path / "a")
    second = write_exports(generate_corpus(), tmp_path / "b")
    assert [p.name for p in first] == [p.name for p in second]
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


@pytest.mark.parametrize("size", [0, 1, 5, 19, 20, 60, 250, 1200])
def test_size(size):
    corpus_ = generate_corpus(size=size)
    assert len(corpus_) == size
    assert len({(m.source, m.external_id) for m in corpus_}) == size


def test_negative_size():
    with pytest.raises(ValueError):
        generate_corpus(size=-1)


# ------------------------------------------------------------------------------------------------ coverage
def test_size_and_span(messages):
    assert 600 <= len(messages) <= 1200
    days = [m.submitted_at.date() for m in messages]
    assert min(days) < date(2025, 1, 15) and max(days) > date(2025, 12, 1)
    assert messages == sorted(messages, key=lambda m: m.submitted_at)


def test_most_messages_fall_in_a_few_dense_half_months(messages):
    per_half_month = Counter((m.submitted_at.month, m.submitted_at.day > 15) for m in messages)
    top = per_half_month.most_common(6)
    assert sum(count for _, count in top) > 0.6 * len(messages)
    assert all(count >= 60 for _, count in top)


def test_channels_sources_kinds_categories(messages):
    assert {m.channel for m in messages} == {"hotline", "mailbox", "feedback"}
    assert {m.source for m in messages} == set(SOURCES)
    assert all(SOURCES[m.source] == m.channel for m in messages)
    assert {m.kind for m in messages} == set(KINDS)
    assert {m.category for m in messages} == set(CATEGORIES)
    assert len(CATEGORIES) == 7


def test_units_with_aliases(messages):
    canonical = Counter(canonical_unit(m.unit) for m in messages)
    assert len(canonical) >= 8
    assert sum(1 for count in canonical.values() if count >= 10) >= 8
    assert any("区人民政府" in u or "县人民政府" in u for u in canonical)
    spellings = defaultdict(set)
    for m in messages:
        spellings[canonical_unit(m.unit)].add(m.unit)
    assert sum(1 for names in spellings.values() if len(names) > 1) >= 5
    assert "临江区住建局" in corpus.UNIT_ALIASES and canonical_unit("临江区住建局") == "临江区住房和城乡建设局"


def test_external_ids(messages):
    patterns = {"hotline": r"JC12345-2025-\d{6}", "mailbox": r"XX2025\d{4}", "feedback": r"\d{6}"}
    for m in messages:
        assert re.fullmatch(patterns[m.channel], m.external_id), m.external_id
    assert len({(m.source, m.external_id) for m in messages}) == len(messages)


def test_text_is_rendered_and_gbk_safe(messages):
    for m in messages:
        for text in (m.title, m.content, m.reply_text or "", m.unit, m.submitter):
            assert not re.search(r"[{}\[\]]|\x00", text), text
            text.encode("gbk")
        assert 4 <= len(m.title) <= 40
        assert 25 <= len(m.content) <= 700
    assert len({m.content for m in messages}) > 0.95 * len(messages)
    assert len({m.title for m in messages}) > 0.5 * len(messages)


def test_feedback_votes(messages):
    for m in messages:
        if m.channel == "feedback":
            assert m.votes_up is not None and m.votes_up >= 0 and m.votes_down is not None
        else:
            assert m.votes_up is None and m.votes_down is None
    assert max(m.votes_up or 0 for m in messages) >= 50


# ------------------------------------------------------------------------------------------------ recurring issues
def test_recurring_topics(messages):
    by_topic = defaultdict(list)
    for m in messages:
        if m.topic_key:
            by_topic[m.topic_key].append(m)
    assert len(by_topic) >= 10
    for key, members in by_topic.items():
        assert len({m.submitter for m in members}) >= 3, key
        assert len({m.submitted_at.date() for m in members}) >= 2, key
        assert len({m.content for m in members}) == len(members), key  # worded differently
        assert len({canonical_unit(m.unit) for m in members}) == 1, key
    for key in ("binjiang-road-streetlights", "cuihu-garden-night-construction", "third-experimental-school-district",
                "bus-route-18-cancelled", "jingui-garden-elevators", "laomatou-hotpot-oil-fumes",
                "hengtang-chemical-odour"):
        assert key in by_topic
    assert all("滨江路" in m.title + m.content for m in by_topic["binjiang-road-streetlights"])


def test_campaign_is_near_identical(messages):
    campaign = [m for m in messages if m.topic_key == "jinxiu-transfer-station-campaign"]
    assert len(campaign) >= 8 and len({m.submitter for m in campaign}) == len(campaign)
    ratios = [difflib.SequenceMatcher(None, a.content, b.content).ratio() for a, b in itertools.pairwise(campaign)]
    assert min(ratios) > 0.8


def test_one_person_sends_the_same_text_twice(messages):
    seen = defaultdict(list)
    for m in messages:
        if m.topic_key is None:
            seen[(m.submitter, m.content)].append(m)
    twice = [group for group in seen.values() if len(group) == 2]
    assert len(twice) == 1
    first, second = sorted(twice[0], key=lambda m: m.submitted_at)
    assert first.external_id != second.external_id and first.title == second.title
    assert second.reply_text and first.external_id in second.reply_text


# ------------------------------------------------------------------------------------------------ dates and replies
def _general_rule_deadline(message: DemoMessage, inquiry_days: int = 3) -> date:
    """An independent oracle on the official calendar (chinese_calendar): the day of receipt is not counted, due the
    N-th working day after it; N = 3 for 咨询, else 5 (表扬 included), as in analysis/data/deadline_rules.toml."""
    day, remaining = message.submitted_at.date(), inquiry_days if message.kind == "咨询" else 5
    while remaining:
        day += timedelta(days=1)
        remaining -= chinese_calendar.is_workday(day)
    return day


def test_reply_deadlines_are_the_deadline_engines(messages):
    # Before, the corpus kept its own 2025 holiday table and its own "咨询 3 / else 5"; now it asks
    # analysis.deadlines (the calendar, the packaged rules). Every message's window agrees with the oracle.
    kinds = Counter()
    for m in messages:
        assert corpus.reply_deadline(m) == _general_rule_deadline(m), m.external_id
        kinds[m.kind] += 1
    assert set(kinds) == set(KINDS)  # every kind, hence every rule, was checked


def test_reply_window_follows_the_rules_file(monkeypatch):
    # The corpus has no rule of its own: give 咨询 10 working days in the rules and its window moves with them.
    rules = parse_rules({"rule": [{"id": "default", "days": 5, "source": "s"},
                                  {"id": "inquiry", "days": 10, "kinds": ["咨询"], "priority": 10, "source": "s"}]})
    monkeypatch.setattr(corpus, "_rules", lambda: rules)
    assert corpus.reply_rule("hotline", "咨询", SOURCE_HOTLINE, "市住建局", "城乡建设").days == 10
    assert corpus.reply_rule("hotline", "表扬", SOURCE_HOTLINE, "市住建局", "城乡建设").days == 5
    for m in generate_corpus(size=60):
        assert corpus.reply_deadline(m) == _general_rule_deadline(m, inquiry_days=10), m.external_id


def test_dates_around_holidays(messages):
    days = Counter(m.submitted_at.date() for m in messages)
    spring = [date(2025, 1, 28) + timedelta(days=i) for i in range(8)]
    national = [date(2025, 10, 1) + timedelta(days=i) for i in range(8)]
    assert sum(days[d] for d in spring) >= 15
    assert sum(days[d] for d in national) >= 15
    for makeup in (date(2025, 1, 26), date(2025, 2, 8), date(2025, 9, 28), date(2025, 10, 11)):
        assert days[makeup] >= 1, makeup
    reply_days = Counter(m.replied_at.date() for m in messages if m.replied_at)
    assert sum(reply_days[d] for d in (date(2025, 1, 26), date(2025, 2, 8), date(2025, 9, 28), date(2025, 10, 11))) >= 4
    assert sum(reply_days[d] for d in spring + national) <= 2  # units do not work on holidays


def test_reply_kinds(messages):
    boilerplate = set(corpus._data()["world"]["reply"]["boilerplate"])
    outcome = Counter()
    for m in messages:
        if m.reply_text is None:
            assert m.replied_at is None and m.reply_unit is None
            assert m.status in ("办理中", "已受理", "未回复")
            outcome["none"] += 1
            continue
        assert m.submitted_at < m.replied_at <= AS_OF
        assert m.status in ("已办结", "已答复", "已回复")
        assert canonical_unit(m.reply_unit) == canonical_unit(m.unit)
        if m.reply_text in boilerplate:
            outcome["boilerplate"] += 1
        elif m.replied_at.date() <= _deadline(m):
            outcome["on_time"] += 1
        else:
            outcome["late"] += 1
    assert outcome["on_time"] > 0.5 * len(messages)
    assert outcome["late"] >= 50
    assert 10 <= outcome["none"] <= 0.12 * len(messages)
    assert outcome["boilerplate"] >= 10


def test_specific_replies_read_like_a_bureau(messages):
    replies = [m.reply_text for m in messages if m.reply_text]
    assert sum("经核查" in r or "经核实" in r or "经调查" in r for r in replies) >= 100
    assert sum("我局" in r for r in replies) >= 50
    assert sum("感谢您" in r for r in replies) >= 100


def test_replies_published_later(messages):
    later = [m for m in messages if m.reply_published_later]
    assert 5 <= len(later) <= 12
    assert all(m.reply_text and m.replied_at for m in later)


# ------------------------------------------------------------------------------------------------ personal data
def test_planted_personal_data(messages):
    kinds = Counter(p.type for m in messages for p in m.pii)
    for kind in ("name", "mobile", "landline", "id_number", "address"):
        assert kinds[kind] >= 15, kind
    for m in messages:
        for p in m.pii:
            assert p.type in corpus.PII_TYPES
            assert getattr(m, p.field)[p.start:p.end] == p.value
            if p.type == "id_number":
                assert ric.is_valid(p.value), p.value
            if p.type == "mobile":
                assert re.fullmatch(r"1[3-9]\d{9}", re.sub(r"[ -]", "", p.value)), p.value
    assert any("我叫" in m.content for m in messages)
    assert any(re.search(r"\d+栋\d单元\d+室", p.value) for m in messages for p in m.pii if p.type == "address")
    assert any(p.field == "reply_text" for m in messages for p in m.pii)


def test_id_numbers_carry_the_python_stdnum_check_digit(messages):
    # The check digit comes from python-stdnum (no copy of GB 11643 in the corpus); an oracle by hand here:
    # weights 2^(17-i) mod 11, check = (12 - sum mod 11) mod 11, 10 written X.
    numbers = [p.value for m in messages for p in m.pii if p.type == "id_number"]
    assert len(numbers) >= 15
    for number in numbers:
        total = sum(int(c) * pow(2, 17 - i, 11) for i, c in enumerate(number[:17]))
        check = (12 - total % 11) % 11
        assert number[17] == ("X" if check == 10 else str(check)), number


# ------------------------------------------------------------------------------------------------ exports
def test_exports_read_back(messages, tmp_path):
    paths = write_exports(messages, tmp_path)
    assert [p.name for p in paths] == [spec.filename for spec in EXPORTS]
    by_source = defaultdict(list)
    for m in messages:
        by_source[m.source].append(m)
    for spec, path in zip(EXPORTS, paths, strict=True):
        expected = by_source[spec.source]
        if path.suffix == ".csv":
            text = path.read_bytes().decode(spec.encoding)
            rows = list(csv.reader(io.StringIO(text, newline="")))
        else:
            sheet = openpyxl.load_workbook(path, read_only=True).active
            rows = [list(r) for r in sheet.iter_rows(values_only=True)]
        assert tuple(rows[0]) == spec.headers
        assert len(rows) - 1 == len(expected), spec.filename
        ids = [str(r[0]) for r in rows[1:]]
        assert ids == [m.external_id for m in expected]
        content_col = spec.headers.index({"hotline": "诉求内容", "mailbox": "信件内容", "feedback": "留言详情"}[spec.channel])
        assert [str(r[content_col]).strip() for r in rows[1:]] == [m.content for m in expected]


def test_export_formats(messages, tmp_path):
    paths = {p.name: p for p in write_exports(messages, tmp_path)}
    hotline = paths["jiangchuan-12345.csv"].read_bytes()
    assert hotline.startswith(b"\xef\xbb\xbf")
    assert re.search(r",2025-\d\d-\d\d \d\d:\d\d,", hotline.decode("utf-8-sig"))
    mayor = paths["jiangchuan-mayor-mailbox.csv"].read_bytes()
    with pytest.raises(UnicodeDecodeError):
        mayor.decode("utf-8")
    text = mayor.decode("gbk")
    assert re.search(r",2025年\d{1,2}月\d{1,2}日 \d\d:\d\d,", text)
    assert re.search(r",2025年\d{1,2}月\d{1,2}日,", text)
    sheet = openpyxl.load_workbook(paths["jiangchuan-liuyan.xlsx"]).active
    row = next(sheet.iter_rows(min_row=2, max_row=2, values_only=True))
    assert re.fullmatch(r"2025/\d{1,2}/\d{1,2} \d{1,2}:\d\d:\d\d", row[3])
    assert row[4].startswith("\n\t")


def test_cli_writes_exports(tmp_path, capsys):
    assert corpus.main(["--out", str(tmp_path), "--size", "80", "--summary"]) == 0
    out = capsys.readouterr().out
    assert "jiangchuan-12345.csv" in out and '"messages": 80' in out
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(spec.filename for spec in EXPORTS)

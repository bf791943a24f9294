"""Distinct complainants: the submitter where known, else inference from the letters themselves.

All letters are written for these tests."""
from datetime import datetime, timedelta

from analysis.topics import complainants
from analysis.topics.complainants import (
    distinct_complainants,
    distinct_complainants_many,
    infer_complainants,
    infer_complainants_many,
)

NOISE = "青松路菜市场门口每天早上六点就有货车卸货，噪音很大，影响居民休息，希望城管部门管一管。"
HEATING = "翠湖小区今年供暖以来室内温度一直只有十五度左右，热力公司来看过也没有解决，家里老人孩子受不了。"
PARKING = "幸福里南门外的人行道被汽车占满了，行人只能走机动车道，非常危险，请交警部门处理。"


def row(i, text, when, *, title="", submitter=None, external_id=None, reply="", source=1):
    return {"id": i, "source_id": source, "submitter": submitter, "external_id": external_id,
            "submitted_at": when, "title": title, "content": text, "reply_text": reply}


def test_submitter_decides_where_present():
    day = datetime(2024, 3, 1, 9)
    rows = [row(1, NOISE, day, submitter="U1"), row(2, NOISE, day, submitter="U2"),
            row(3, HEATING, day, submitter="U1")]
    keys = infer_complainants(rows)
    # same text under two names: two people (the export says so); one name over two matters: one person
    assert keys[0] == keys[2] != keys[1]
    assert distinct_complainants(rows) == 2


def test_same_submitter_in_two_sources_is_two_people():
    day = datetime(2024, 3, 1, 9)
    assert distinct_complainants([row(1, NOISE, day, submitter="U1", source=1),
                                  row(2, NOISE, day, submitter="U1", source=2)]) == 2


def test_near_identical_text_months_apart_is_one_person():
    # the same letter re-sent twice over a year, one character changed: one person
    rows = [row(1, NOISE, datetime(2023, 1, 5)), row(2, NOISE.replace("六点", "6点"), datetime(2023, 7, 1)),
            row(3, NOISE, datetime(2024, 1, 9)), row(4, HEATING, datetime(2023, 1, 5))]
    keys = infer_complainants(rows)
    assert keys[0] == keys[1] == keys[2] != keys[3]


def test_consecutive_case_numbers_minutes_apart_are_one_person():
    start = datetime(2024, 3, 1, 9, 0)
    rows = [
        row(1, NOISE, start, title="菜市场卸货噪音", external_id="G20240301-0011"),
        # rewritten, but filed 4 minutes later under the next number about the same market: same person
        row(2, "菜市场门口货车太吵了，早上根本睡不着，之前反映过没人管。", start + timedelta(minutes=4),
            title="菜市场货车噪音扰民", external_id="G20240301-0012"),
        # next number, minutes apart, but a different matter: another person
        row(3, PARKING, start + timedelta(minutes=6), title="人行道停车", external_id="G20240301-0013"),
    ]
    keys = infer_complainants(rows)
    assert keys[0] == keys[1] != keys[2]


def test_different_people_same_problem_other_days_stay_apart():
    # three neighbours describe the same heating problem in their own words on different days
    rows = [
        row(1, HEATING, datetime(2024, 1, 3, 10), title="翠湖小区暖气不热"),
        row(2, "我家住翠湖小区5号楼，暖气摸着是凉的，屋里穿棉袄，打热线也没用。", datetime(2024, 1, 6, 20),
            title="供暖温度不达标"),
        row(3, "翠湖小区供热太差，晚上只有十三四度，请督促热力公司整改。", datetime(2024, 1, 9, 8),
            title="翠湖小区供热差"),
    ]
    assert distinct_complainants(rows) == 3


def test_same_day_burst_of_one_text_is_one_person():
    day = datetime(2024, 3, 1, 8)
    rows = [row(i, NOISE + ("！" * (i % 3)), day + timedelta(hours=i), title="菜市场噪音") for i in range(1, 9)]
    assert distinct_complainants(rows) == 1


def test_shared_reply_links_a_rewritten_letter():
    reply = "经核查，青松路菜市场卸货时间已调整为早上七点以后，城管中队将加强巡查，感谢您的监督。"
    rows = [row(1, NOISE, datetime(2024, 3, 1, 9), reply=reply),
            row(2, NOISE[:30] + "上次反映后仍然如此。", datetime(2024, 3, 20, 9), reply=reply),
            row(3, PARKING, datetime(2024, 3, 20, 9), reply="已转交警部门处理，感谢您的监督与支持，请耐心等待。")]
    keys = infer_complainants(rows)
    assert keys[0] == keys[1] != keys[2]


def test_empty_rows_and_missing_fields_do_not_crash():
    rows = [{"id": 1, "source_id": 1}, {"id": 2, "source_id": 1, "content": "", "submitted_at": None}]
    assert len(infer_complainants(rows)) == 2
    assert distinct_complainants([]) == 0


def test_many_lists_at_once_are_each_inferred_on_their_own(monkeypatch):
    # The topics step counts people of every topic in one pass; each list must come out as on its own: the
    # NOISE letter re-sent is one person inside each list, and the same NOISE text in two lists is not linked
    # across them (keys are per list). Expected: list A 2 people (NOISE twice + HEATING), list B 1 (NOISE
    # twice), list C 2 (a named submitter + PARKING), list D empty 0.
    day = datetime(2023, 3, 1)
    lists = [
        [row(1, NOISE, day), row(2, NOISE, day + timedelta(days=90)), row(3, HEATING, day)],
        [row(4, NOISE, day), row(5, NOISE.replace("六点", "6点"), day + timedelta(days=200))],
        [row(6, HEATING, day, submitter="王某"), row(7, PARKING, day)],
        [],
    ]
    assert infer_complainants_many(lists) == [infer_complainants(rows) for rows in lists]
    assert distinct_complainants_many(lists) == [2, 1, 2, 0] == [distinct_complainants(rows) for rows in lists]
    # In slices of at most 2 rows (a list longer than a slice is a slice of its own): the same answers.
    monkeypatch.setattr(complainants, "_ROWS_PER_SLICE", 2)
    assert distinct_complainants_many(lists) == [2, 1, 2, 0]
    assert infer_complainants_many(lists) == [infer_complainants(rows) for rows in lists]


def _varied_letters(seed, count=400):
    """Letters of a few matters from many places, re-sent, reworded and filed again minutes later under the
    next case number: every link rule has work to do, and similarities fall on both sides of each threshold
    (a place, a remark and a number vary around a matter; stretches are cut out; days span a week, so a day
    holds tens of letters)."""
    import random

    rng = random.Random(seed)
    matters = [NOISE, HEATING, PARKING,
               "东门菜市场夜里十点以后还在营业，喇叭声很吵。", "小区电梯三天两头坏，物业拖着不修，老人上下楼很难。",
               "公交12路早上间隔太长，等半小时也来不了一辆车。", "学校门口的斑马线红绿灯坏了，孩子过马路不安全。"]
    places = ["青山区", "柳林街道", "东关社区", "南湖花园", "和平小区", "北站", "西城", "滨江路", "新华村", "玉泉镇"]
    remarks = ["已经反映过好几次了。", "希望尽快解决。", "请相关部门核实。", "到现在也没人管。", "非常着急。", ""]
    replies = ["经核查，青松路菜市场卸货时间已调整为早上七点以后，城管中队将加强巡查，感谢您的监督。",
               "已转交警部门处理，感谢您的监督与支持，请耐心等待有关部门的答复。", "收到", ""] + [
        f"您反映的{place}问题已交由属地街道核实处理，处理结果将另行告知，感谢来信。" for place in places[:4]]
    letters = []
    for i in range(count):
        text = (rng.choice(places) + rng.choice(matters) + rng.choice(remarks)) * rng.choice([1, 1, 2])
        text += f"编号{rng.randrange(1000)}" if rng.random() < 0.5 else ""
        if rng.random() < 0.5:  # a rewrite: a stretch cut out
            cut = rng.randrange(len(text))
            text = text[:cut] + text[cut + rng.randrange(1, 30):]
        when = datetime(2024, 3, 1 + rng.randrange(7), rng.randrange(24), rng.randrange(60))
        external_id = f"G{rng.choice('AB')}{rng.randrange(count):05d}" if rng.random() < 0.7 else None
        title = text[:rng.randrange(0, 9)]
        if letters and rng.random() < 0.3:  # filed again minutes later under a nearby number, maybe reworded
            before = letters[-1]
            when = (before["submitted_at"] or when) + timedelta(minutes=rng.randrange(45))
            external_id = f"GA{int((before['external_id'] or 'GA0')[2:]) + rng.randrange(1, 4):05d}"
            title = before["title"] if rng.random() < 0.5 else title
        letters.append(row(i + 1, text, when if rng.random() > 0.05 else None, title=title,
                           submitter=f"U{rng.randrange(5)}" if rng.random() < 0.1 else None,
                           external_id=external_id, reply=rng.choice(replies), source=rng.choice([1, 1, 2])))
    return letters


def test_vectorised_links_equal_the_pairwise_definition(monkeypatch):
    # Oracle: tests/topics/complainants_pairwise.py, the module as first written (frozensets compared pair by
    # pair). Every key must agree, for lists of several sizes inferred in one pass, also when the sparse
    # products run in blocks of a few rows and when a day's cap leaves big days out.
    from tests.topics import complainants_pairwise as pairwise

    start = datetime(2024, 3, 1, 9)
    # two untitled letters on different matters under consecutive numbers minutes apart: their (empty) titles
    # agree, so the case-number rule links them; two one-character letters on the same day agree too
    edge_cases = [row(1, NOISE, start, external_id="X7"), row(2, PARKING, start + timedelta(minutes=3),
                                                                external_id="X8"),
                  row(3, "吵", start), row(4, "吵", start + timedelta(hours=2)), row(5, "", start)]
    lists = [_varied_letters(seed, count) for seed, count in ((1, 400), (2, 60), (3, 3), (4, 0), (5, 250))]
    lists.append(edge_cases)
    expected = [pairwise.infer_complainants(rows) for rows in lists]
    assert infer_complainants_many(lists) == expected
    assert len(set(expected[-1])) == 3
    # the rules had work to do: people are fewer than letters, and more than one per list
    assert all(1 < len(set(keys)) < len(keys) for keys in expected if len(keys) > 10)
    monkeypatch.setattr(complainants, "_PAIR_BLOCK_CELLS", 37)
    assert infer_complainants_many(lists) == expected
    monkeypatch.setattr(complainants, "_BURST_MAX_PER_DAY", 30)
    monkeypatch.setattr(pairwise, "_BURST_MAX_PER_DAY", 30)
    assert infer_complainants_many(lists) == [pairwise.infer_complainants(rows) for rows in lists]

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

"""Due dates, rules, extensions and pauses, states, statistics (no database)."""
from __future__ import annotations

import random
import re
import warnings
from datetime import date, datetime, time, timedelta
from pathlib import Path

import numpy as np
import pytest

from analysis.deadlines.compute import (
    STATE_CODES,
    DeadlineState,
    Extension,
    Pause,
    compute_deadline,
    deadline_state,
    working_days_late,
)
from analysis.deadlines.rules import Convention, DeadlineError, DeadlinePolicy, load_rules, parse_rules
from analysis.deadlines.stats import responsiveness_stats, wilson_interval
from analysis.deadlines.vectorised import NO_DATE, DeadlineFrame, bulk_due_dates, states_as_of
from analysis.deadlines.workcalendar import ProvisionalCalendarWarning, WorkCalendar, load_overrides

D = date


@pytest.fixture(scope="module")
def calendar() -> WorkCalendar:
    return WorkCalendar()


def due(received, days, calendar, **kwargs):
    return compute_deadline(received, days, calendar=calendar, **kwargs)


# ---- counting -----------------------------------------------------------------------------------


def test_the_issue_example_spring_festival_2025(calendar):
    result = due(D(2025, 1, 24), 5, calendar)
    assert result.due == D(2025, 2, 7)
    assert not result.provisional
    assert result.explanation == ("received Fri 2025-01-24; 5 working days; Sun 01-26 is a make-up working day; "
                                  "01-28..02-04 Spring Festival holiday; due Fri 2025-02-07")
    assert result.explanation_zh == ("2025-01-24（周五）收到；5个工作日；01-26（周日）春节调休上班；"
                                     "01-28至02-04春节放假；2025-02-07（周五）到期")


# The default is the general rule of time computation (民法典 第二百零一条, DESIGN.md "Policy rules"): the day
# of receipt is not counted whatever kind of day it was, and the due date is the N-th working day after it.
# These expected dates moved one working day earlier when that became the default (issue 17); the former
# default, next_working_day ("deemed received on the next working day, then counted from the day after"),
# keeps its own dates below as a named option.


def test_received_on_a_saturday_three_working_days_is_due_wednesday(calendar):
    result = due(datetime(2025, 3, 8, 10, 15), 3, calendar)
    assert result.deemed_received_on == D(2025, 3, 8)  # counting begins the next day: Mon, Tue, Wed
    assert result.due == D(2025, 3, 12)
    assert "Sat 2025-03-08 is a weekend day; as any day of receipt it is not counted" in result.explanation
    assert "民法典第二百零一条" in result.explanation_zh


def test_next_working_day_convention_deems_a_saturday_letter_received_monday(calendar):
    result = due(datetime(2025, 3, 8, 10, 15), 3, calendar, convention="next_working_day")
    assert result.deemed_received_on == D(2025, 3, 10)
    assert result.due == D(2025, 3, 13)  # deemed received Mon, not counted: Tue, Wed, Thu
    assert "Sat 2025-03-08 is a weekend day, deemed received Mon 2025-03-10" in result.explanation


def test_received_on_a_saturday_before_a_make_up_sunday(calendar):
    # The issue's example: Sun 2025-01-26 is a make-up working day and is the first day counted.
    result = due(D(2025, 1, 25), 3, calendar)
    assert result.deemed_received_on == D(2025, 1, 25)
    assert result.due == D(2025, 2, 5)  # Sun 01-26, Mon 01-27, (holiday 01-28..02-04), Wed 02-05
    assert "Sun 01-26 is a make-up working day" in result.explanation
    deemed = due(D(2025, 1, 25), 3, calendar, convention=Convention.NEXT_WORKING_DAY)
    assert deemed.deemed_received_on == D(2025, 1, 26)
    assert deemed.due == D(2025, 2, 6)  # Mon 01-27, (holiday 01-28..02-04), Wed 02-05, Thu 02-06
    assert "deemed received Sun 2025-01-26 (a make-up working day)" in deemed.explanation


def test_received_on_a_holiday(calendar):
    result = due(D(2025, 10, 3), 3, calendar)
    assert result.deemed_received_on == D(2025, 10, 3)
    assert result.due == D(2025, 10, 11)  # Thu 10-09, Fri 10-10, Sat 10-11 (make-up)
    assert "Fri 2025-10-03 is in the National Day holiday; as any day of receipt" in result.explanation
    assert "Sat 10-11 is a make-up working day" in result.explanation
    deemed = due(D(2025, 10, 3), 3, calendar, convention=Convention.NEXT_WORKING_DAY)
    assert deemed.deemed_received_on == D(2025, 10, 9)
    assert deemed.due == D(2025, 10, 13)  # deemed Thu 10-09: Fri 10-10, Sat 10-11 (make-up), Mon 10-13
    assert "Fri 2025-10-03 is in the National Day holiday, deemed received Thu 2025-10-09" in deemed.explanation


def test_received_on_a_make_up_working_day_counts_as_a_working_day(calendar):
    result = due(D(2025, 9, 28), 3, calendar)  # Sunday, worked
    assert result.deemed_received_on == D(2025, 9, 28)
    assert result.due == D(2025, 10, 9)  # Mon 09-29, Tue 09-30, (10-01..10-08), Thu 10-09
    assert "deemed" not in result.explanation
    assert "10-01..10-08 National Day and Mid-Autumn Festival holiday" in result.explanation
    assert "10-01至10-08国庆节、中秋放假" in result.explanation_zh


def test_spring_festival_2024_and_national_day_2024(calendar):
    assert due(D(2024, 2, 8), 3, calendar).due == D(2024, 2, 19)  # Fri 02-09, Sun 02-18, Mon 02-19
    assert due(D(2024, 9, 27), 5, calendar).due == D(2024, 10, 10)  # Sun 09-29, Mon 09-30, 10-08, 09, 10


def test_receipt_day_counts_convention(calendar):
    result = due(D(2025, 3, 7), 3, calendar, convention="receipt_day_counts")
    assert result.due == D(2025, 3, 11)  # Fri (day 1), Mon, Tue
    assert "counting the day of receipt" in result.explanation
    saturday = due(D(2025, 3, 8), 3, calendar, convention=Convention.RECEIPT_DAY_COUNTS)
    assert saturday.due == D(2025, 3, 12)  # Mon is day 1


def test_convention_comes_from_the_policy_by_default(calendar):
    policy = DeadlinePolicy(convention=Convention.RECEIPT_DAY_COUNTS)
    assert compute_deadline(D(2025, 3, 7), 3, calendar=calendar, policy=policy).due == D(2025, 3, 11)


def test_receipt_cutoff_moves_a_late_message_to_the_next_day(calendar):
    # Thursday evening (not Friday as before issue 17: under the general rule a Friday-evening letter counted
    # as received Saturday is due the same day as on Friday, so Friday shows no effect of the cut-off).
    policy = DeadlinePolicy(receipt_cutoff=time(17, 30))
    late = compute_deadline(datetime(2025, 3, 6, 18, 5), 3, calendar=calendar, policy=policy)
    assert late.received_on == D(2025, 3, 7)
    assert late.due == D(2025, 3, 12)  # Mon, Tue, Wed after Fri 03-07
    assert "after 17:30, counted as received Fri 2025-03-07" in late.explanation
    early = compute_deadline(datetime(2025, 3, 6, 17, 29), 3, calendar=calendar, policy=policy)
    assert early.due == D(2025, 3, 11)  # Fri, Mon, Tue after Thu 03-06


def test_calendar_day_rule_moves_a_due_date_off_a_day_off(calendar):
    # 15 natural days from Sun 2025-09-21 end on Mon 10-06 (holiday): due the next working day.
    result = due(D(2025, 9, 21), 15, calendar, day_unit="calendar")
    assert result.due == D(2025, 10, 9)
    assert "15 calendar days" in result.explanation


def test_year_boundary_2026_to_2027_is_provisional_with_a_warning(calendar):
    with pytest.warns(ProvisionalCalendarWarning, match="2027"):
        result = due(D(2026, 12, 29), 5, calendar)
    assert result.due == D(2027, 1, 6)
    assert result.provisional and result.provisional_years == (2027,)
    assert "01-01 New Year's Day holiday (provisional)" in result.explanation
    assert "provisional: no holiday notice for 2027" in result.explanation
    assert result.to_json()["provisional"] is True


def test_an_override_for_2027_changes_the_due_date_and_clears_the_flag(tmp_path, calendar):
    (tmp_path / "2027.toml").write_text(
        'year = 2027\nnotice = "test notice"\n[[holiday]]\nname = "元旦"\ndates = "2027-01-01..2027-01-05"\n',
        encoding="utf-8")
    with_override = WorkCalendar(load_overrides([tmp_path]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = compute_deadline(D(2026, 12, 29), 5, calendar=with_override)
    assert result.due == D(2027, 1, 8)  # 12-30, 12-31, (01-01..01-05), 01-06, 01-07, 01-08
    assert not result.provisional


# ---- rules --------------------------------------------------------------------------------------


def test_packaged_rules_by_kind():
    rules = load_rules()
    assert rules.match(kind="咨询").days == 3
    assert rules.match(kind="政策咨询类").id == "general-inquiry-3wd"
    assert rules.match(kind="一般性问题").days == 3
    for kind in ("投诉", "求助", "反映"):
        assert rules.match(kind=kind).days == 5
    assert rules.match(kind="建议").id == rules.default.id == "default-5wd"
    assert rules.match().days == 5
    # Examples are shipped disabled: a 书记信箱 gets the default until a deployment enables its rule.
    assert rules.match(channel="mailbox", source="市委书记信箱").id == "default-5wd"
    assert all(rule.source for rule in rules.all_rules)


def test_a_rules_file_by_channel_source_and_unit(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text("""
[[rule]]
id = "default"
days = 5
source = "policy A"

[[rule]]
id = "inquiry"
days = 3
kinds = ["咨询"]
priority = 10
source = "policy B"

[[rule]]
id = "secretary-mailbox"
days = 30
sources = ["书记信箱"]
channels = ["mailbox"]
priority = 30
source = "policy C"

[[rule]]
id = "hotline-inquiry-counts-receipt-day"
days = 2
channels = ["hotline"]
kinds = ["咨询"]
units = ["税务"]
convention = "receipt_day_counts"
priority = 10
source = "policy D"
""", encoding="utf-8")
    rules = load_rules(path)
    assert rules.match(channel="mailbox", kind="咨询", source="市委书记信箱").id == "secretary-mailbox"
    assert rules.match(channel="feedback", kind="咨询", source="市委书记信箱").id == "inquiry"
    # Equal priority: the rule naming more criteria wins.
    special = rules.match(channel="hotline", kind="咨询", unit="市税务局")
    assert special.id == "hotline-inquiry-counts-receipt-day"
    assert special.convention == Convention.RECEIPT_DAY_COUNTS
    assert compute_deadline(D(2025, 3, 7), rule=special).due == D(2025, 3, 10)


# Each problem is one line "file: key.path: reason" (store.schema). Before the typed schema the messages named the
# rule by its number and id ("rules.toml: [[rule]] #1 (a): `source` ... is required"); the key path names the same
# rule (0-based, as in the list) and the key, and a file with several problems lists them all.
@pytest.mark.parametrize(("rules_text", "message"), [
    ('[[rule]]\nid = "a"\ndays = 5\n', "rules.toml: rule.0.source: Field required"),
    ('[[rule]]\nid = "a"\ndays = 0\nsource = "s"\n', "rules.toml: rule.0.days: must be an integer >= 1, got 0"),
    ('[[rule]]\nid = "a"\nsource = "s"\n', "rules.toml: rule.0.days: required: the number of days"),
    ('[[rule]]\nid = "a"\ndays = 5\nsource = "s"\nkinds = ["咨询"]\n', "a default rule is required"),
    ('[[rule]]\nid = "a"\ndays = 5\nsource = "s"\n[[rule]]\nid = "a"\ndays = 3\nsource = "s"\nkinds=["x"]\n',
     "rules.toml: rule: duplicate id 'a' (rules 0 and 1)"),
    ('[[rule]]\nid = "a"\ndays = 5\nsource = "s"\nchannels = ["phone"]\n',
     "rules.toml: rule.0.channels.0: Input should be 'hotline', 'mailbox' or 'feedback'"),
    ('[[rule]]\nid = "a"\ndays = 5\nsource = "s"\nweeks = 1\n', "rules.toml: rule.0.weeks: Extra inputs are not permitted"),
    ('[[rule]]\nid = "a"\ndays = 5\nsource = "s"\nkinds = [""]\n', "rules.toml: rule.0.kinds.0: String should have at least 1"),
    ('[[rule]]\nid = "a"\ndays = 5\nsource = "s"\nenabled = "yes"\n', "rules.toml: rule.0.enabled: Input should be a valid boolean"),
    ('version = 1\n', "rules.toml: rule: Field required"),
    ('[[rule]]\nid = "a"\ndays = 5\nsource = "s"\nconvention = "whenever"\n',
     "rules.toml: rule.0.convention: Input should be 'general_rule', 'next_working_day' or 'receipt_day_counts'"),
    ('[[rule]]\nid = "a"\ndays = 5\nsource = "s"\nday_unit = "weeks"\n',
     "rules.toml: rule.0.day_unit: Input should be 'working' or 'calendar'"),
    ('[[rule]]\nid = "a"\ndays = 5\nsource = "s"\npriority = 1.5\n', "rules.toml: rule.0.priority: Input should be a valid integer"),
])
def test_bad_rules_are_clear_errors(rules_text, message):
    import tomllib

    with pytest.raises(DeadlineError, match=re.escape(message)):
        parse_rules(tomllib.loads(rules_text), Path("rules.toml"))


def test_every_problem_of_a_rules_file_is_listed_with_the_file_name(tmp_path):
    # Two broken rules in one file: both named in one error (one line each), the file path in front of each.
    path = tmp_path / "my_rules.toml"
    path.write_text('[[rule]]\nid = "a"\ndays = 5\n\n[[rule]]\nid = "b"\ndays = -1\nsource = "s"\n', encoding="utf-8")
    with pytest.raises(DeadlineError) as info:
        load_rules(path)
    assert str(info.value).splitlines() == [f"{path}: rule.0.source: Field required",
                                            f"{path}: rule.1.days: must be an integer >= 1, got -1"]
    path.write_text("[[rule]\n", encoding="utf-8")
    with pytest.raises(DeadlineError, match=re.escape(f"{path}: not valid TOML")):
        load_rules(path)


def test_a_criterion_may_be_one_string_and_is_stripped():
    rules = parse_rules({"rule": [{"id": "d", "days": 5, "source": "s"},
                                  {"id": "m", "days": 3, "source": "s", "channels": " mailbox ", "kinds": " 咨询 "}]})
    assert rules.get("m").channels == ("mailbox",) and rules.get("m").kinds == ("咨询",)


def test_rule_is_named_in_the_explanation(calendar):
    rule = load_rules().match(kind="咨询")
    result = compute_deadline(D(2025, 3, 7), rule=rule, calendar=calendar)
    assert result.due == D(2025, 3, 12)
    assert "3 working days (rule general-inquiry-3wd)" in result.explanation
    assert result.to_json()["rule_source"].startswith("政务公开工作要点")


# ---- extensions and pauses ----------------------------------------------------------------------


def test_extension_with_extra_working_days(calendar):
    result = due(D(2025, 3, 3), 5, calendar, extensions=[Extension(D(2025, 3, 7), extra_working_days=5,
                                                                    reason="情况复杂")])
    assert result.base_due == D(2025, 3, 10)
    assert result.due == D(2025, 3, 17)
    assert "extension approved 2025-03-07 (情况复杂): +5 working days, due Mon 2025-03-17" in result.explanation
    assert "批准（情况复杂）延期5个工作日" in result.explanation_zh


def test_extension_with_a_new_due_date_and_one_not_later_is_ignored(calendar):
    later = due(D(2025, 3, 3), 5, calendar, extensions=[Extension(D(2025, 3, 6), new_due=D(2025, 3, 31))])
    assert later.due == D(2025, 3, 31)
    earlier = due(D(2025, 3, 3), 5, calendar, extensions=[Extension(D(2025, 3, 6), new_due=D(2025, 3, 7))])
    assert earlier.due == D(2025, 3, 10)
    assert "ignored" in earlier.explanation


def test_extension_needs_exactly_one_of_new_due_and_extra_days():
    with pytest.raises(DeadlineError):
        Extension(D(2025, 3, 6))
    with pytest.raises(DeadlineError):
        Extension(D(2025, 3, 6), new_due=D(2025, 3, 20), extra_working_days=3)
    with pytest.raises(DeadlineError):
        Extension(D(2025, 3, 6), extra_working_days=0)


def test_a_closed_pause_shifts_the_due_date_by_the_working_days_paused(calendar):
    # Due Mon 03-10; paused Wed 03-05 .. Tue 03-11: working days in (03-05, 03-11] = 4 -> due Fri 03-14.
    result = due(D(2025, 3, 3), 5, calendar, pauses=[Pause(D(2025, 3, 5), D(2025, 3, 11), "等待补充材料")])
    assert result.due == D(2025, 3, 14)
    assert "paused 2025-03-05..2025-03-11 (等待补充材料): +4 working days, due Fri 2025-03-14" in result.explanation


def test_an_open_pause_leaves_no_due_date_and_a_paused_state(calendar):
    result = due(D(2025, 3, 3), 5, calendar, pauses=[Pause(D(2025, 3, 5))])
    assert result.due is None and result.paused_since == D(2025, 3, 5)
    assert "with 3 working days left" in result.explanation
    status = deadline_state(result.due, as_of=D(2025, 4, 1), calendar=calendar)
    assert status.state == DeadlineState.PAUSED


def test_a_pause_starting_after_the_due_date_is_not_applied(calendar):
    result = due(D(2025, 3, 3), 5, calendar, pauses=[Pause(D(2025, 3, 12), D(2025, 3, 20))])
    assert result.due == D(2025, 3, 10)
    assert "not applied" in result.explanation


def test_events_are_replayed_as_known_at_a_date(calendar):
    events = {"extensions": [Extension(D(2025, 3, 12), extra_working_days=5)],
                  "pauses": [Pause(D(2025, 3, 5), D(2025, 3, 7))]}
    assert due(D(2025, 3, 3), 5, calendar, **events, as_of=D(2025, 3, 4)).due == D(2025, 3, 10)
    assert due(D(2025, 3, 3), 5, calendar, **events, as_of=D(2025, 3, 6)).due is None  # pause still open
    assert due(D(2025, 3, 3), 5, calendar, **events, as_of=D(2025, 3, 8)).due == D(2025, 3, 12)
    assert due(D(2025, 3, 3), 5, calendar, **events).due == D(2025, 3, 19)


def test_pause_must_not_end_before_it_starts():
    with pytest.raises(DeadlineError):
        Pause(D(2025, 3, 5), D(2025, 3, 4))


# ---- states -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kwargs", "state", "left", "late"), [
    ({"as_of": D(2025, 3, 5)}, DeadlineState.ON_TIME, 3, None),            # due Mon 03-10
    ({"as_of": D(2025, 3, 7)}, DeadlineState.DUE_SOON, 1, None),            # Fri: Mon left
    ({"as_of": D(2025, 3, 8)}, DeadlineState.DUE_SOON, 1, None),            # Sat
    ({"as_of": D(2025, 3, 10)}, DeadlineState.DUE_SOON, 0, None),           # due today
    ({"as_of": D(2025, 3, 11)}, DeadlineState.OVERDUE, None, 1),
    ({"as_of": D(2025, 3, 14)}, DeadlineState.OVERDUE, None, 4),
    ({"as_of": D(2025, 3, 17)}, DeadlineState.SERIOUSLY_OVERDUE, None, 5),
    ({"as_of": D(2025, 3, 20), "replied_at": datetime(2025, 3, 10, 23, 0)}, DeadlineState.REPLIED_ON_TIME, None, 0),
    ({"as_of": D(2025, 3, 20), "replied_at": datetime(2025, 3, 13, 9, 0)}, DeadlineState.REPLIED_LATE, None, 3),
    ({"as_of": D(2025, 3, 12), "replied_at": datetime(2025, 3, 13, 9, 0)}, DeadlineState.OVERDUE, None, 2),
    ({"as_of": D(2025, 3, 20), "closed": True}, DeadlineState.UNANSWERED, None, 8),
    ({"as_of": D(2025, 3, 6), "closed": True}, DeadlineState.ON_TIME, 2, None),
    ({"as_of": D(2025, 3, 20), "has_reply_text": True}, DeadlineState.REPLIED_UNDATED, None, None),
    ({"as_of": D(2025, 3, 1), "received_at": datetime(2025, 3, 3, 9)}, DeadlineState.NOT_RECEIVED, None, None),
])
def test_states_as_of_a_date(calendar, kwargs, state, left, late):
    status = deadline_state(D(2025, 3, 10), calendar=calendar, **kwargs)
    assert (status.state, status.working_days_left, status.working_days_late) == (state, left, late)


def test_a_saturday_reply_after_a_friday_due_date_is_one_working_day_late(calendar):
    assert working_days_late(D(2025, 3, 7), D(2025, 3, 8), calendar) == 1
    assert working_days_late(D(2025, 3, 7), D(2025, 3, 10), calendar) == 1
    assert working_days_late(D(2025, 3, 7), D(2025, 3, 7), calendar) == 0
    # Across the Spring Festival: due Mon 2025-01-27, reply Thu 02-06 -> 02-05, 02-06 = 2 (holiday skipped).
    assert working_days_late(D(2025, 1, 27), D(2025, 2, 6), calendar) == 2


def test_thresholds_are_configurable(calendar):
    policy = DeadlinePolicy(due_soon_days=3, seriously_overdue_days=2)
    assert deadline_state(D(2025, 3, 10), as_of=D(2025, 3, 5), calendar=calendar,
                          policy=policy).state == DeadlineState.DUE_SOON
    assert deadline_state(D(2025, 3, 10), as_of=D(2025, 3, 12), calendar=calendar,
                          policy=policy).state == DeadlineState.SERIOUSLY_OVERDUE


def test_vectorised_states_agree_with_deadline_state(calendar):
    rng = random.Random(11)
    rows = []
    for _ in range(400):
        received = D(2024, 9, 1) + timedelta(days=rng.randrange(200))
        due_day = calendar.add_workdays(received, rng.choice([3, 5]), warn=False)
        replied = received + timedelta(days=rng.randrange(30)) if rng.random() < 0.6 else None
        undated = replied is None and rng.random() < 0.1
        closed = rng.random() < 0.2
        rows.append((received, due_day, replied, undated, closed))
    as_of = D(2025, 1, 20)
    codes, left, late = states_as_of(
        calendar, as_of,
        received=np.array([r[0].toordinal() for r in rows]), due=np.array([r[1].toordinal() for r in rows]),
        replied=np.array([r[2].toordinal() if r[2] else NO_DATE for r in rows]),
        reply_undated=np.array([r[3] for r in rows]), closed=np.array([r[4] for r in rows]))
    for (received, due_day, replied, undated, closed), code, days_left, days_late in zip(
            rows, codes, left, late, strict=True):
        status = deadline_state(due_day, as_of=as_of, replied_at=replied, received_at=received,
                                has_reply_text=undated, closed=closed, calendar=calendar)
        assert STATE_CODES[int(code)] == status.state
        assert (None if days_left < 0 else int(days_left)) == status.working_days_left
        assert (None if days_late < 0 else int(days_late)) == status.working_days_late


# ---- bulk ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("convention", list(Convention))
def test_bulk_due_dates_agree_with_compute_deadline(calendar, convention):
    rng = random.Random(3)
    submitted = [datetime(2023, 1, 1) + timedelta(minutes=rng.randrange(60 * 24 * 1000)) for _ in range(300)]
    kinds = [rng.choice(["咨询", "投诉", "建议", None]) for _ in submitted]
    rules = load_rules()
    policy = DeadlinePolicy(convention=convention, receipt_cutoff=time(17, 30))
    bulk = bulk_due_dates(submitted, kinds=kinds, rules=rules, calendar=calendar, policy=policy)
    for i, (moment, kind) in enumerate(zip(submitted, kinds, strict=True)):
        expected = compute_deadline(moment, rule=rules.match(kind=kind), calendar=calendar, policy=policy)
        assert D.fromordinal(int(bulk.due[i])) == expected.due
        assert D.fromordinal(int(bulk.deemed[i])) == expected.deemed_received_on
        assert bulk.rules_used[bulk.rule_index[i]].id == rules.match(kind=kind).id


def test_bulk_flags_provisional_and_skips_missing_dates(calendar):
    with pytest.warns(ProvisionalCalendarWarning):
        bulk = bulk_due_dates([datetime(2026, 12, 30, 9), None, datetime(2025, 5, 6, 9)], calendar=calendar,
                              rules=load_rules())
    assert list(bulk.provisional) == [True, False, False]
    assert bulk.due[1] == NO_DATE


def test_bulk_skips_dates_outside_the_calendar_instead_of_failing(calendar):
    bulk = bulk_due_dates([datetime(1900, 1, 1), datetime(2025, 3, 8, 9)], kinds=[None, "咨询"], calendar=calendar,
                          rules=load_rules())
    assert bulk.out_of_range == 1
    # Sat 2025-03-08, 3 working days by the general rule: Mon, Tue, Wed 03-12 (03-13 under next_working_day)
    assert bulk.due[0] == NO_DATE and D.fromordinal(int(bulk.due[1])) == D(2025, 3, 12)


# ---- statistics ---------------------------------------------------------------------------------


def test_wilson_interval_known_values():
    low, high = wilson_interval(8, 10)
    assert low == pytest.approx(0.4902, abs=1e-4) and high == pytest.approx(0.9433, abs=1e-4)
    assert wilson_interval(0, 0) == (0.0, 1.0)
    low, high = wilson_interval(50, 50)
    assert high == 1.0 and low == pytest.approx(0.9287, abs=1e-4)


def _frame(calendar, rows):
    """rows: (unit, received, replied or None)."""
    received = np.array([r[1].toordinal() for r in rows])
    deemed = calendar.next_workday_ordinals(received)
    due_days = calendar.add_workdays_ordinals(deemed, 5)
    return DeadlineFrame(
        message_ids=np.arange(len(rows)), submitted=received, received=received, deemed=deemed, due=due_days,
        replied=np.array([r[2].toordinal() if r[2] else NO_DATE for r in rows]),
        reply_undated=np.zeros(len(rows), bool), closed=np.zeros(len(rows), bool),
        paused=np.zeros(len(rows), bool), provisional=np.zeros(len(rows), bool),
        groups={"unit": np.array([r[0] for r in rows], dtype=object)})


def test_responsiveness_stats_rates_intervals_medians_and_ranking(calendar):
    monday = D(2025, 3, 3)
    rows = []
    rows += [("A", monday, D(2025, 3, 5))] * 18 + [("A", monday, D(2025, 3, 14))] * 2   # 90 % on time
    rows += [("B", monday, D(2025, 3, 4))] * 10 + [("B", monday, None)] * 10              # 50 %, 10 overdue
    rows += [("C", monday, D(2025, 3, 4))] * 3                                             # too few
    rows += [("D", D(2025, 3, 20), None)] * 25                                             # not yet decided
    stats = {s.group: s for s in responsiveness_stats(_frame(calendar, rows), as_of=D(2025, 3, 21), min_cases=20,
                                                      calendar=calendar)}
    a, b, c, d = stats[("A",)], stats[("B",)], stats[("C",)], stats[("D",)]
    assert (a.cases, a.on_time, a.on_time_rate) == (20, 18, 0.9)
    assert (a.ci_low, a.ci_high) == pytest.approx(wilson_interval(18, 20))
    assert a.median_working_days_to_reply == 2.0
    assert a.late_reply_share == pytest.approx(0.1)
    assert (b.cases, b.on_time_rate, b.open_overdue) == (20, 0.5, 10)
    assert (a.rank, b.rank) == (1, 2)
    assert not c.ranked and c.rank is None and "too few cases (3 < 20)" in c.note
    assert d.cases == 0 and not d.ranked and d.on_time_rate is None
    # Replaying an earlier date: nothing of B's open cases was overdue yet on Friday 03-07.
    early = {s.group: s for s in responsiveness_stats(_frame(calendar, rows), as_of=D(2025, 3, 7), min_cases=1,
                                                      calendar=calendar)}
    assert early[("B",)].open_overdue == 0 and early[("B",)].cases == 10


def test_stats_by_period(calendar):
    rows = [("A", D(2025, 3, 3), D(2025, 3, 4)), ("A", D(2025, 3, 17), D(2025, 3, 31))]
    stats = responsiveness_stats(_frame(calendar, rows), as_of=D(2025, 4, 30), by=("unit", "half_month"),
                                 min_cases=1, calendar=calendar)
    assert {s.group: s.on_time_rate for s in stats} == {("A", "2025-03-01"): 1.0, ("A", "2025-03-16"): 0.0}
    with pytest.raises(DeadlineError, match="cannot group by"):
        responsiveness_stats(_frame(calendar, rows), as_of=D(2025, 4, 30), by=("colour",), calendar=calendar)


def test_engine_maps_every_public_name_to_its_module():
    # analysis.deadlines.engine is the public API of other packages: each listed name must resolve to the object of
    # its module (a renamed function would otherwise surface only in the caller), and an unknown name must not.
    import importlib

    from analysis.deadlines import engine

    assert len(engine.__all__) == 39
    for name in engine.__all__:
        home = importlib.import_module(f"analysis.deadlines.{engine._MODULE_OF[name]}")
        assert getattr(engine, name) is getattr(home, name), name
    with pytest.raises(AttributeError):
        engine.compute_deadlinez  # noqa: B018

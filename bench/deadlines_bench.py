"""Due dates per second for 1,000,000 generated messages (target >= 200,000/s).

Three measurements, each the best of --repeat runs:
  core      numpy ordinals + working-day counts -> due dates (analysis.deadlines.vectorised.due_ordinals: the cumulative
            working-day index turns each due date into two array lookups and a binary search)
  end-to-end  Python datetimes + kinds -> due dates (bulk_due_dates: the receipt cut-off, rule resolution per
            distinct kind, the provisional flag), what compute_deadlines and the replay use
  explained one compute_deadline call per message with its bilingual explanation (sampled; the scalar path)
Messages are spread over 2015-2027, so the provisional year 2027 is included (its warning is silenced here).
No shared data needed. Usage: python bench/deadlines_bench.py [--messages N] [--repeat R]
"""
from __future__ import annotations

import argparse
import random
import sys
import time
import warnings
from datetime import datetime, timedelta
from datetime import time as dtime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.deadlines.compute import compute_deadline
from analysis.deadlines.rules import DeadlinePolicy, load_rules
from analysis.deadlines.vectorised import bulk_due_dates, due_ordinals
from analysis.deadlines.workcalendar import WorkCalendar

TARGET_PER_SECOND = 200_000
KINDS = ["咨询", "投诉", "求助", "反映", "建议", "举报", "表扬", None]


def best_of(repeat: int, function) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--explained-sample", type=int, default=20_000)
    args = parser.parse_args()
    n = args.messages
    warnings.simplefilter("ignore")

    start = time.perf_counter()
    calendar = WorkCalendar()
    build_seconds = time.perf_counter() - start
    rules = load_rules()
    policy = DeadlinePolicy(receipt_cutoff=dtime(17, 30))

    rng = random.Random(20261123)
    first = datetime(2015, 1, 1)
    span_minutes = int((datetime(2027, 12, 1) - first).total_seconds() // 60)
    submitted = [first + timedelta(minutes=rng.randrange(span_minutes)) for _ in range(n)]
    kinds = [rng.choice(KINDS) for _ in range(n)]
    received = np.fromiter((d.toordinal() for d in submitted), dtype=np.int64, count=n)
    days = np.where(np.array([k == "咨询" for k in kinds]), 3, 5).astype(np.int64)

    core_seconds, (_deemed, core_due) = best_of(args.repeat, lambda: due_ordinals(calendar, received, days))
    bulk_seconds, bulk = best_of(args.repeat, lambda: bulk_due_dates(
        submitted, kinds=kinds, rules=rules, calendar=calendar, policy=policy, warn=False))

    sample = min(args.explained_sample, n)
    explained_seconds, _ = best_of(1, lambda: [
        compute_deadline(submitted[i], rule=rules.match(kind=kinds[i]), calendar=calendar, policy=policy,
                         warn=False) for i in range(sample)])

    # Spot check: the fast paths agree with the scalar one (without the cut-off for the core path).
    for i in range(0, n, max(n // 200, 1)):
        plain = compute_deadline(submitted[i], int(days[i]), calendar=calendar, warn=False)
        assert plain.due.toordinal() == core_due[i], (submitted[i], plain.due)
        rule = rules.match(kind=kinds[i])
        if rule.no_reply_duty:  # 表扬: no deadline (compute_deadlines writes none; bulk_due_dates has no meaning)
            continue
        full = compute_deadline(submitted[i], rule=rule, calendar=calendar, policy=policy, warn=False)
        assert full.due.toordinal() == bulk.due[i], (submitted[i], full.due)

    print(f"calendar build ({calendar.first_day.year}-{calendar.last_day.year}, "
          f"{len(calendar.provisional_years)} provisional years): {build_seconds * 1000:.0f} ms")
    print(f"messages: {n:,} submitted 2015-01..2027-11 ({int(bulk.provisional.sum()):,} touch the provisional "
          f"year 2027)")
    print(f"core (numpy ordinals -> due dates):        {n / core_seconds:>14,.0f} due dates/s  "
          f"({core_seconds:.3f} s)")
    print(f"end-to-end (datetimes + kinds -> due):     {n / bulk_seconds:>14,.0f} due dates/s  "
          f"({bulk_seconds:.3f} s)")
    print(f"explained (compute_deadline, scalar):      {sample / explained_seconds:>14,.0f} due dates/s  "
          f"({sample:,} sampled)")
    ok = n / bulk_seconds >= TARGET_PER_SECOND
    print(f"target >= {TARGET_PER_SECOND:,}/s end-to-end: {'met' if ok else 'NOT MET'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Recurring issues on the real exports: recall/purity per annotated issue, coverage, people, hot list.

    python bench/topics_real_eval.py [--sets dalian,shangluo,fujian3] [--json] [--members]

For each shared export in ../shared/data (大连, 商洛, 附件3) it imports the letters into a scratch SQLite database,
runs the analysis steps ``admissibility`` and ``topics`` (a full run), and scores the topics against
``bench/topics_real_annotations.json`` (recurring issues annotated by reading the letters: ids and labels only;
half of them frozen as a held-out check):

- per issue: recall (share of its letters in its best topic), purity (share of that topic's letters that belong
  to the issue), *found* = recall >= 0.5 and purity >= 0.7; people annotated vs inferred
  (``analysis.topics.complainants``);
- per half: share of multi-person issues found (target >= 70 %), sibling issues (same place, different problem)
  whose best topics are one topic (target 0), coverage of annotated letters that are in some topic
  (target >= 60 %);
- coverage of all letters, number of topics, seconds of the topics step;
- the top 10 of the whole-period hot list with distinct complainants, and the one-person bursts held back.

Skips cleanly (exit 0) when ../shared/data is absent. ``evaluate(name)`` is what the regression test calls.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"
ANNOTATIONS = Path(__file__).with_name("topics_real_annotations.json")
SETS = {
    "dalian": ("大连", "dalian_mailbox_2018_gb18030.csv"),
    "shangluo": ("商洛", "shangluo_mayor_mailbox_2012_2022.csv"),
    "fujian3": ("附件3", "teddycup2020c_附件3_messages_with_votes.xlsx"),
}
FOUND_RECALL, FOUND_PURITY = 0.5, 0.7


def _people(members: list[str], same_person: list[list[str]]) -> int:
    return len(members) - sum(len([m for m in group if m in members]) - 1 for group in same_person)


def _score_issues(issues: list[dict[str, Any]], topic_of: dict[str, int], topic_size: Counter,
                  inferred_people: dict[str, int]) -> list[dict[str, Any]]:
    scored = []
    for issue in issues:
        members = issue["members"]
        topics = Counter(topic_of[m] for m in members if m in topic_of)
        best, hits = (topics.most_common(1)[0] if topics else (None, 0))
        recall = hits / len(members)
        purity = hits / topic_size[best] if best is not None else 0.0
        scored.append({
            "key": issue["key"], "label": issue["label"], "half": issue["half"], "place": issue["place"],
            "letters": len(members), "best_topic": best, "recall": round(recall, 3), "purity": round(purity, 3),
            "found": recall >= FOUND_RECALL and purity >= FOUND_PURITY,
            "clustered": sum(1 for m in members if m in topic_of),
            "people": _people(members, issue.get("same_person", [])), "inferred_people": inferred_people[issue["key"]],
        })
    return scored


def _summarise(scored: list[dict[str, Any]]) -> dict[str, Any]:
    multi = [s for s in scored if s["people"] >= 2]
    siblings_merged = 0
    for i, a in enumerate(scored):
        for b in scored[i + 1:]:
            if a["place"] == b["place"] and a["best_topic"] is not None and a["best_topic"] == b["best_topic"]:
                siblings_merged += 1
    letters = sum(s["letters"] for s in scored)
    return {
        "issues": len(scored), "multi_person": len(multi), "found": sum(s["found"] for s in multi),
        "found_share": round(sum(s["found"] for s in multi) / len(multi), 3) if multi else None,
        "siblings_merged": siblings_merged,
        "coverage": round(sum(s["clustered"] for s in scored) / letters, 3) if letters else None,
        "people_exact": sum(s["people"] == s["inferred_people"] for s in scored),
        "people_abs_error": sum(abs(s["people"] - s["inferred_people"]) for s in scored),
    }


def evaluate(name: str, *, top: int = 10) -> dict[str, Any]:
    """Import one export into a scratch database, run admissibility + topics, score against the annotation."""
    _label, filename = SETS[name]
    workdir = Path(tempfile.mkdtemp(prefix=f"topics_real_{name}_"))
    os.environ["HOTLINE_GENERAL_VAR_DIR"] = str(workdir)
    os.environ["HOTLINE_DATABASE_URL"] = f"sqlite:///{workdir / 'eval.db'}"
    from store.settings import get_settings

    get_settings.cache_clear()

    from sqlalchemy import func, select

    from analysis.routing.admissibility import classify_stored_messages
    from analysis.topics.clustering import update_topics
    from analysis.topics.complainants import distinct_complainants
    from analysis.topics.hotlist import hotlist_report
    from crawlers.importer import import_file
    from store.db import get_engine, session_scope
    from store.models import Base, Message
    from store.models.topics import Topic, TopicMembership

    engine = get_engine()
    Base.metadata.create_all(engine)
    with session_scope(engine) as session:
        import_file(session, DATA / filename, source=name)
    with session_scope(engine) as session:
        admissibility = classify_stored_messages(session)
    began, cpu = time.perf_counter(), time.process_time()
    with session_scope(engine) as session:
        summary = update_topics(session, mode="full")
    seconds, cpu_seconds = time.perf_counter() - began, time.process_time() - cpu

    issues = json.loads(ANNOTATIONS.read_text(encoding="utf-8"))[name]
    with session_scope(engine) as session:
        total = session.scalar(select(func.count(Message.id)))
        rows = session.execute(
            select(Message.external_id, TopicMembership.topic_id)
            .join(TopicMembership, TopicMembership.message_id == Message.id)
            .join(Topic, Topic.id == TopicMembership.topic_id).where(Topic.status == "active")).all()
        topic_of = {external_id: topic for external_id, topic in rows}
        topic_size = Counter(topic_of.values())
        wanted = {m for issue in issues for m in issue["members"]}
        letters = {row.external_id: row for row in session.execute(
            select(Message.id, Message.source_id, Message.submitter, Message.external_id, Message.submitted_at,
                   Message.title, Message.content, Message.reply_text).where(Message.external_id.in_(wanted)))}
        missing = sorted(wanted - set(letters))
        if missing:
            raise SystemExit(f"{name}: annotated ids not in the export: {missing[:10]}")
        inferred = {issue["key"]: distinct_complainants([letters[m]._asdict() for m in issue["members"]])
                    for issue in issues}
        first, last = session.execute(select(func.min(Message.submitted_at), func.max(Message.submitted_at))).one()
        # bad dates (a 1989 letter in 商洛) must not stretch the window beyond the data's real years
        first = max(first, last.replace(year=last.year - 11))
        report = hotlist_report(session, first.date(), last.date(), top=top)
    scored = _score_issues(issues, topic_of, topic_size, inferred)
    return {
        "set": name, "letters": total, "topics": summary.topics, "in_topics": len(topic_of),
        "coverage_all": round(len(topic_of) / total, 3) if total else 0.0,
        "topics_seconds": round(seconds, 1), "topics_cpu_seconds": round(cpu_seconds, 1),
        "admissibility": admissibility, "issues": scored,
        "halves": {half: _summarise([s for s in scored if s["half"] == half]) for half in ("tune", "heldout")},
        "all": _summarise(scored),
        "hotlist": {"from": first.date().isoformat(), "to": last.date().isoformat(),
                    "entries": [{k: e[k] for k in ("topic_id", "label", "size", "distinct_submitters", "votes",
                                                   "score")} for e in report.entries],
                    "one_person_bursts": [{k: b[k] for k in ("topic_id", "label", "volume")}
                                          for b in report.one_person_bursts[:10]],
                    "inadmissible": report.inadmissible, "skipped": report.skipped},
    }


def _print(result: dict[str, Any]) -> None:
    name = result["set"]
    print(f"\n=== {SETS[name][0]} ({name}): {result['letters']} letters, {result['topics']} topics, "
          f"{result['in_topics']} letters in topics ({result['coverage_all']:.1%}); topics step "
          f"{result['topics_seconds']} s wall, {result['topics_cpu_seconds']} s CPU")
    print(f"    admissibility: {result['admissibility']}")
    print(f"    {'issue':<5} {'half':<7} {'letters':>7} {'recall':>6} {'purity':>6} {'found':<5} "
          f"{'people':>6} {'inferred':>8}  label")
    for s in result["issues"]:
        print(f"    {s['key']:<5} {s['half']:<7} {s['letters']:>7} {s['recall']:>6.2f} {s['purity']:>6.2f} "
              f"{'yes' if s['found'] else 'no':<5} {s['people']:>6} {s['inferred_people']:>8}  {s['label']}")
    for half, summary in (*result["halves"].items(), ("all", result["all"])):
        share = summary["found_share"]
        print(f"    {half:<8} multi-person issues found {summary['found']}/{summary['multi_person']}"
              f" ({share:.0%} vs target 70 %)" if share is not None else f"    {half:<8} no multi-person issue",
              end="")
        print(f"; siblings merged {summary['siblings_merged']} (target 0); coverage of annotated letters "
              f"{summary['coverage']:.0%} (target 60 %); people exact {summary['people_exact']}/"
              f"{summary['issues']}, abs error {summary['people_abs_error']}")
    hot = result["hotlist"]
    print(f"    hot list {hot['from']} .. {hot['to']} (top {len(hot['entries'])}; {hot['inadmissible']} "
          f"inadmissible letters left out, {len(hot['skipped'])} skipped: "
          + "; ".join(f"{s['message_id'] or str(s.get('count')) + ' letters'} {s['reason']}"
                      for s in hot["skipped"][:3]) + ")")
    for rank, entry in enumerate(hot["entries"], 1):
        print(f"    {rank:>2}. {entry['distinct_submitters']:>3} people {entry['size']:>4} letters "
              f"{entry['votes']:>5} votes  score {entry['score']:.3f}  {entry['label']}")
    if hot["one_person_bursts"]:
        print("    one-person bursts held back: " + "; ".join(
            f"{b['label']} ({b['volume']} letters)" for b in hot["one_person_bursts"][:5]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default=",".join(SETS), help="comma-separated: " + ", ".join(SETS))
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    if not DATA.is_dir():
        print(f"skipped: {DATA} not found (real data is optional)")
        return 0
    results = []
    for name in args.sets.split(","):
        result = evaluate(name.strip())
        results.append(result)
        if not args.json:
            _print(result)
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())

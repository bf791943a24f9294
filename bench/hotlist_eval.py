"""Hot list on real data: 附件3 (messages with votes, 2019-01..2020-01) imported into a temporary SQLite DB.

    python bench/hotlist_eval.py [--top 10] [--members 20] [--purity bench/hotlist_purity.json]

Prints the top topics of the whole period with sizes, people, scores and badges, and (``--members``) the first
titles of each top topic for the purity spot-check. ``--purity FILE`` reads a JSON list of
{"message_id": external id, "topic_label": ..., "belongs": true|false} judgements (made by reading the members;
only ids are stored) and prints the share that belong. Skips cleanly when ../shared/data is absent.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data" / "teddycup2020c_附件3_messages_with_votes.xlsx"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument("--members", type=int, default=0, help="print this many member titles per topic")
    parser.add_argument("--purity", type=Path, help="JSON judgements to score")
    parser.add_argument("--json", action="store_true", help="print the hot list JSON as well")
    args = parser.parse_args()
    if not DATA.exists():
        print(f"skipped: {DATA} not found (real data is optional)")
        return 0

    workdir = Path(tempfile.mkdtemp(prefix="hotlist_eval_"))
    os.environ["HOTLINE_GENERAL_VAR_DIR"] = str(workdir)
    os.environ["HOTLINE_DATABASE_URL"] = f"sqlite:///{workdir / 'eval.db'}"

    from sqlalchemy import select

    from analysis.topics.clustering import update_topics
    from analysis.topics.hotlist import hotlist
    from crawlers.importer import import_file
    from store.db import get_engine, session_scope
    from store.models import Base, Message
    from store.models.topics import TopicMembership

    engine = get_engine()
    Base.metadata.create_all(engine)
    started = time.perf_counter()
    with session_scope(engine) as session:
        report = import_file(session, DATA, channel="feedback", source="teddycup-附件3")
    print(f"imported {report.result.inserted} messages ({report.result.rejected} rejected) "
          f"in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    with session_scope(engine) as session:
        summary = update_topics(session, mode="full")
    print(f"{summary}  [{time.perf_counter() - started:.1f} s]")

    with session_scope(engine) as session:
        first, last = session.query(Message.submitted_at).order_by(Message.submitted_at).first()[0], \
            session.query(Message.submitted_at).order_by(Message.submitted_at.desc()).first()[0]
        entries = hotlist(session, first.date(), last.date(), top=args.top)
        print(f"\n民意热点榜 {first.date()} .. {last.date()} (top {args.top})")
        print(f"{'#':>2} {'topic':>5} {'score':>6} {'size':>4} {'people':>6} {'votes':>5} {'badge':<10} label")
        for rank, entry in enumerate(entries, 1):
            print(f"{rank:>2} {entry['topic_id']:>5} {entry['score']:>6.2f} {entry['size']:>4} "
                  f"{entry['distinct_submitters']:>6} {entry['votes']:>5} {entry['badge']:<10} {entry['label']}")
            print(f"{'':>27}places: {', '.join(entry['places'])}; keywords: {', '.join(entry['keywords'][:6])}")
            if args.members:
                rows = session.execute(
                    select(Message.external_id, Message.title)
                    .join(TopicMembership, TopicMembership.message_id == Message.id)
                    .where(TopicMembership.topic_id == entry["topic_id"])
                    .order_by(Message.id).limit(args.members)
                ).all()
                for external_id, title in rows:
                    print(f"{'':>31}{external_id}  {title}")
        if args.json:
            print(json.dumps(entries, ensure_ascii=False, indent=1))
    if args.purity:
        judgements = json.loads(args.purity.read_text(encoding="utf-8"))
        belongs = sum(1 for j in judgements if j["belongs"])
        print(f"\npurity spot-check: {belongs}/{len(judgements)} members belong "
              f"({belongs / max(len(judgements), 1):.1%})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

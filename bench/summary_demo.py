"""The biweekly summary on real data: 附件3 + 附件4 (2020 泰迪杯 C题) → the draft for the second half of November 2019.

    python bench/summary_demo.py [--period 2019-11-16:2019-11-30] [--out DIR] [--screenshot PNG] [--pdf PDF]

Imports both XLSX files into a temporary SQLite DB (crawlers.importer.import_file), runs the analysis steps
that exist (deadlines, reply quality, topics), builds the draft summary, writes HTML/Markdown/JSON/XLSX, checks
the final text with the personal-data detector, recomputes the headline numbers from the database, and prints
the figures. ``--screenshot`` renders the HTML page in headless Chromium (/usr/bin/chromium). Skips cleanly
when ../shared/data is absent. Nothing of the data is written into the repository.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"
FILES = {"teddycup-附件3": DATA / "teddycup2020c_附件3_messages_with_votes.xlsx",
         "teddycup-附件4": DATA / "teddycup2020c_附件4_messages_with_replies.xlsx"}


def _step(name: str, module: str, function: str, session, **kwargs):
    """Run one analysis step if that module exists yet; print its time."""
    try:
        step = getattr(importlib.import_module(module), function)
    except (ModuleNotFoundError, AttributeError):
        print(f"  {name}: not available ({module}.{function}) — skipped")
        return None
    started = time.perf_counter()
    result = step(session, **kwargs)
    session.commit()
    print(f"  {name}: {time.perf_counter() - started:.1f} s")
    return result


def screenshot(html: Path, png: Path, pdf: Path | None) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        external = []
        page.on("request", lambda r: external.append(r.url) if not r.url.startswith(("file:", "data:")) else None)
        page.goto(html.as_uri())
        page.screenshot(path=str(png), full_page=True)
        if pdf:
            page.pdf(path=str(pdf), format="A4", print_background=True)
        browser.close()
    print(f"screenshot: {png}" + (f", pdf: {pdf}" if pdf else "") + f"; external requests: {len(external)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--period", default="2019-11-16:2019-11-30")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--screenshot", type=Path)
    parser.add_argument("--pdf", type=Path)
    args = parser.parse_args()
    missing = [str(p) for p in FILES.values() if not p.exists()]
    if missing:
        print(f"skipped: {', '.join(missing)} not found (real data is optional)")
        return 0

    workdir = Path(tempfile.mkdtemp(prefix="summary_demo_"))
    os.environ["HOTLINE_GENERAL_VAR_DIR"] = str(workdir)
    os.environ["HOTLINE_DATABASE_URL"] = f"sqlite:///{workdir / 'demo.db'}"
    from sqlalchemy import func, select

    from crawlers.importer import import_file
    from reports import publication as P
    from reports.period import Period
    from store.db import get_engine, session_factory
    from store.models import Base, Message

    period = Period.parse(args.period)
    engine = get_engine()
    Base.metadata.create_all(engine)
    session = session_factory(engine)()
    for source, path in FILES.items():
        started = time.perf_counter()
        report = import_file(session, path, channel="feedback", source=source)
        print(f"imported {path.name}: {report.result.inserted} messages, {report.result.rejected} rejected "
              f"[{time.perf_counter() - started:.1f} s]")
    print("analysis steps:")
    _step("deadlines", "analysis.deadlines.db", "compute_deadlines", session)
    _step("reply quality", "analysis.quality.reply_quality", "assess_replies", session)
    _step("topics", "analysis.topics.clustering", "update_topics", session, mode="full")

    started = time.perf_counter()
    pub = P.create_draft_for_period(session, period, actor="bench")
    session.commit()
    build_seconds = time.perf_counter() - started
    started = time.perf_counter()
    files = P.write_draft_files(session, pub, args.out or workdir / "out")
    render_seconds = time.perf_counter() - started
    content = pub.content
    ov, t = content["overview"], content["overview"]["timeliness"]

    # The headline numbers again, straight from the database.
    in_period = (Message.submitted_at >= period.start_dt) & (Message.submitted_at < period.end_exclusive_dt)
    received = session.scalar(select(func.count()).select_from(Message).where(in_period))
    replied = session.scalar(select(func.count()).select_from(Message).where(in_period,
                                                                              Message.replied_at.is_not(None)))
    findings = P.personal_data_findings(P.final_document(pub))

    print(f"\nsummary {period.key} ({content['period']['label']}), as of {content['as_of']}")
    print(f"  methods: topics = {content['methods']['topics']}; hot list = {content['methods']['hotlist']}")
    print(f"  received {ov['received']} (database: {received}), previous period {content['previous']['received']}")
    print(f"  replied {ov['replied']} (database, replied_at set: {replied}); reply rate "
          f"{(ov['reply_rate'] or 0) * 100:.1f}%; replies given in the period {ov['replies_in_period']}")
    rate = "—" if t["rate"] is None else f"{t['rate'] * 100:.1f}%"
    print(f"  on time {t['on_time']} of {t['decided']} decided ({rate}), "
          f"late {t['late']}, overdue unreplied {t['overdue_unreplied']}, pending {t['pending']}")
    categories = ", ".join(f"{c['name']} {c['count']}" for c in ov["by_category"])
    print(f"  categories: {categories}")
    print(f"  common questions: {len(content['questions'])}, asked "
          f"{[q['asked_count'] for q in content['questions']]}, with an official answer "
          f"{sum(q['answered'] for q in content['questions'])}")
    print(f"  hot list: {len(content['hotlist'])} entries, badges "
          f"{[' '.join(h['badges']) for h in content['hotlist'][:5]]}")
    print(f"  personal-data findings in the final text: {len(findings)}")
    for finding in findings[:5]:
        print(f"    {finding.place}: {finding.type}")
    print(f"  build {build_seconds:.1f} s, render {render_seconds:.1f} s; "
          f"HTML {files['html'].stat().st_size / 1024:.0f} KiB")
    for name, path in files.items():
        print(f"  {name}: {path}")
    if args.screenshot:
        screenshot(files["html"], args.screenshot, args.pdf)
    session.close()
    return 0 if received == ov["received"] and not findings else 1


if __name__ == "__main__":
    sys.exit(main())

"""The biweekly summary drafted from the real exports, checked question by question.

    python bench/summary_real.py [--only NAME] [--out DIR] [--analyze] [--no-screenshot]

Three drafts: 大连 2018-07-01..15 (as of 2019-03-01), 附件3+4 2019-11-16..30 and 2018-11-16..30 (as of
2020-03-01). Each one: a scratch SQLite database, the shared files imported with the CLI
(`hotline-monitor init`, `import`), optionally `analyze`, then `summary --period … --as-of … --out DIR`, a
full-page Chromium screenshot of DIR/summary.html (Playwright + /usr/bin/chromium), and the editor's checklist
(reports.checklist) for every question: heading, people, member ids, answer source, failed checks; the
publication gate over the whole draft, plus every string annotated as personal data in
bench/pii_real_annotations.json (issue 13's reading of the real letters). Exit 1 when a check fails. Skips
(exit 0) when ../shared/data is absent. Nothing of the data enters the repository.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"
CLI = str(Path(sys.executable).parent / "hotline-monitor")

TEDDY = ["teddycup2020c_附件3_messages_with_votes.xlsx",
         "teddycup2020c_附件4_messages_with_replies.xlsx"]
DRAFTS = {
    "dalian-2018-07a": (["dalian_mailbox_2018_gb18030.csv"], "2018-07-01:2018-07-15", "2019-03-01", "大连市"),
    "teddy-2019-11b": (TEDDY,
                       "2019-11-16:2019-11-30", "2020-03-01", "A市"),
    "teddy-2018-11b": (TEDDY,
                       "2018-11-16:2018-11-30", "2020-03-01", "A市"),
}


def _cli(env: dict, *args: str) -> str:
    done = subprocess.run([CLI, *args], env=env, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"hotline-monitor {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return done.stdout


def screenshot(html: Path, png: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        page.goto(html.as_uri())
        page.screenshot(path=str(png), full_page=True)
        browser.close()


def annotated_strings() -> list[str]:
    """Personal data annotated by reading (bench/pii_real_annotations.json, issue 13), resolved on the real data."""
    import _real_letters as real

    return real.annotated_pii_strings(real.all_letters())


def draft(name: str, out: Path, analyze: bool, shot: bool, known: list[str]) -> bool:
    files, period, as_of, city = DRAFTS[name]
    work = Path(tempfile.mkdtemp(prefix=f"summary-{name}-"))
    env = {**os.environ, "HOTLINE_DATABASE_URL": f"sqlite:///{work / 'hotline.db'}",
           "HOTLINE_GENERAL_VAR_DIR": str(work),
           "HOTLINE_REPORTS_CITY": city}
    started = time.perf_counter()
    _cli(env, "init")
    for file in files:
        _cli(env, "import", str(DATA / file))
    if analyze:
        _cli(env, "analyze", "--as-of", f"{as_of}T00:00")
    directory = out / name
    _cli(env, "summary", "--period", period, "--as-of", as_of, "--out", str(directory))
    elapsed = time.perf_counter() - started
    if shot:
        screenshot(directory / "summary.html", out / f"{name}.png")

    os.environ.update(env)
    from store.settings import get_settings

    get_settings.cache_clear()
    from reports import publication as P
    from reports.checklist import question_checks
    from reports.period import Period
    from store.db import get_engine, session_factory

    engine = get_engine(env["HOTLINE_DATABASE_URL"])
    with session_factory(engine)() as session:
        pub = P.require_publication(session, Period.parse(period))
        document = P.final_document(pub)
        checks = question_checks(session, document)
        gate = P.personal_data_findings(document, known_strings=known)
        ov = document["overview"]
        print(f"\n== {name}: {period} as of {as_of} ({elapsed:.0f} s; files in {directory})")
        print(f"   {document['texts']['title']}")
        print(f"   received {ov['received']}, reply figures over {ov['reply_counted']} "
              f"(left out: {[(r['source'], r['count']) for r in ov['reply_stats_excluded']]}), "
              f"on-time {ov['timeliness']['rate']}, 统计截至 {document['statistics_date']}"
              f"{' (' + document['statistics_note'] + ')' if document.get('statistics_note') else ''}")
        print(f"   excluded letters {len(document['excluded'])}, questions {len(document['questions'])}, "
              f"pending {len(document['pending_questions'])}, left out {len(document['left_out_questions'])}, "
              f"gate findings {len(gate)} (detector + {len(known)} annotated strings), "
              f"topics: {document['methods']['topics']}")
        for c in checks:
            mark = "ok" if c.ok else "FAILED " + json.dumps(c.failed, ensure_ascii=False)
            print(f"   Q{c.number} 「{c.heading}」 people {c.people}; members {','.join(map(str, c.external_ids))}; "
                  f"answer from {c.answer_source}; {mark}")
        for q in document["pending_questions"]:
            members = ",".join(map(str, q["external_ids"]))
            print(f"   办理中 「{q['question']}」 people {q['asked_count']}; members {members}")
        for f in gate:
            print(f"   GATE {f.place} {f.type}: {f.context}")
    engine.dispose()
    return all(c.ok for c in checks) and not gate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=sorted(DRAFTS))
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "summary-real")
    parser.add_argument("--analyze", action="store_true", help="run `hotline-monitor analyze` before drafting")
    parser.add_argument("--no-screenshot", action="store_true")
    args = parser.parse_args()
    if not DATA.is_dir():
        print(f"skipped: real data folder {DATA} is absent")
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(ROOT / "bench"))
    known = annotated_strings()
    ok = True
    for name in [args.only] if args.only else DRAFTS:
        ok = draft(name, args.out, args.analyze, not args.no_screenshot, known) and ok
    print("\nall checks pass" if ok else "\nSOME CHECKS FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Start crawls, each in a process of its own, and collect their summaries."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Any

from crawlers.run import SUMMARY_PREFIX


@dataclass
class CrawlOutcome:
    profiles: list[str]
    returncode: int
    summaries: list[dict[str, Any]] = field(default_factory=list)
    stderr_tail: str = ""

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def crawl_in_subprocess(profiles: list[str], origin: str | None = None, overrides: dict[str, Any] | None = None,
                        timeout: float | None = None) -> CrawlOutcome:
    """Crawl ``profiles`` (concurrently) in a new Python process using this process's database and settings."""
    from store.db import database_url

    command = [sys.executable, "-m", "crawlers.run", *profiles]
    if origin:
        command += ["--origin", origin]
    for key, value in (overrides or {}).items():
        command += ["--set", f"{key}={json.dumps(value)}"]
    env = dict(os.environ)
    env["HOTLINE_DATABASE_URL"] = database_url()  # the child must write where this process reads
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout,
                          check=False)
    summaries = [json.loads(line[len(SUMMARY_PREFIX):]) for line in done.stdout.splitlines()
                 if line.startswith(SUMMARY_PREFIX)]
    return CrawlOutcome(profiles, done.returncode, summaries, done.stderr[-4000:])


def summary_line(s: dict[str, Any]) -> str:
    """One crawl's counts as the operator reads them: what was fetched, apart from what was only listed again."""
    return (f"{s.get('profile')}: {s.get('finish_reason')}: fetched {s.get('items', 0)} (new {s.get('inserted', 0)}, "
            f"updated {s.get('updated', 0)}, unchanged {s.get('unchanged', 0)}, rejected {s.get('rejected', 0)}); "
            f"known on the lists, not fetched again {s.get('known', 0)}; revisits {s.get('revisits', 0)}; "
            f"list pages {s.get('list_pages', 0)} (stop: {s.get('stop_reason') or '-'}); "
            f"requests {s.get('requests', 0)}, http {json.dumps(s.get('http_status', {}))}")


def health_lines(s: dict[str, Any]) -> list[str]:
    """What a crawl saw go wrong or leave behind, one line each (empty when all is well)."""
    lines = []
    if s.get("page_cap_hit"):
        lines.append(f"page cap reached after {s.get('list_pages')} list pages: the list did not end")
    if s.get("finish_reason") == "time_budget":
        lines.append("stopped at its time budget: the site answers too slowly for one run")
    if s.get("offsite_redirects"):
        lines.append(f"{s['offsite_redirects']} page(s) redirected to another site (not followed)")
    if s.get("timeouts"):
        lines.append(f"{s['timeouts']} request(s) timed out")
    if s.get("open_past_window"):
        lines.append(f"{s['open_past_window']} unanswered message(s) older than the revisit window of "
                     f"{s.get('revisit_window_days')} days are no longer revisited (oldest submitted "
                     f"{s.get('open_past_window_oldest')})")
    return lines

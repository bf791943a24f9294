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

"""Start-up stays light: importing the CLI (and printing its help) must not load the heavy libraries.

Every command module is imported to register its commands, so one eager ``import numpy`` (or a package
``__init__`` that pulls in the ORM) anywhere in that chain makes every invocation pay for it. Each check runs
in a fresh interpreter: this test process has long imported all of them.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ["numpy", "sklearn", "scipy", "scrapy", "sqlalchemy.orm", "fastapi", "pydantic", "jieba", "rjieba",
         "openpyxl"]

PROBE = """
import json, sys
sys.argv = {argv!r}
import cli
if len(sys.argv) > 1:
    try:
        cli.app()
    except SystemExit:
        pass
print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))
"""


def heavy_modules_after(argv: list[str]) -> list[str]:
    result = subprocess.run([sys.executable, "-c", PROBE.format(argv=argv, heavy=HEAVY)], cwd=ROOT,
                            capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_importing_cli_loads_no_heavy_library():
    assert heavy_modules_after(["hotline-monitor"]) == []


def test_help_loads_no_heavy_library():
    assert heavy_modules_after(["hotline-monitor", "--help"]) == []


def test_the_probe_sees_a_heavy_import():
    # The oracle: the same probe after ``import`` of a missing file (the command loads the importer core, then
    # fails on the path) must report sqlalchemy.orm; otherwise the tests above would pass whatever was loaded.
    assert "sqlalchemy.orm" in heavy_modules_after(["hotline-monitor", "import", "/nonexistent/export.csv"])

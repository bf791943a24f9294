"""Every setting of hotline-monitor, declared once with its default and help text.

Values are resolved in this order, later wins:
  1. the default declared here;
  2. the TOML file (``$HOTLINE_CONFIG``, else ``hotline.toml`` in the working directory), where a setting
     ``section.name`` is written as ``[section] name = value``;
  3. the environment variable ``HOTLINE_SECTION_NAME`` (e.g. ``HOTLINE_DATABASE_URL``).

``hotline-monitor config show`` prints the effective values and where each came from;
``hotline-monitor config docs`` writes the reference in docs/configuration.md (a test keeps it in sync).
"""
from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str

    @property
    def env_var(self) -> str:
        return "HOTLINE_" + self.name.upper().replace(".", "_")

    @property
    def kind(self) -> type:
        return type(self.default) if self.default is not None else str


SETTINGS: list[Setting] = [
    # --- general ---
    Setting("general.mode", "development",
            "`production` or `development`. Outside production every alert goes to the test recipient and the "
            "web UI may create a demo login."),
    Setting("general.var_dir", "var",
            "Directory for the database, models, rejects reports, outputs and logs (relative to the working "
            "directory)."),
    Setting("general.timezone", "Asia/Shanghai",
            "Time zone of every stored timestamp (stored naive, in this zone) and of deadlines."),
    # --- database ---
    Setting("database.url", "",
            "SQLAlchemy URL. Empty means SQLite at `<var_dir>/hotline.db`. For PostgreSQL use "
            "`postgresql+psycopg://user@host/dbname`."),
    Setting("database.sqlite_busy_timeout_ms", 30000,
            "How long an SQLite writer waits for a lock before failing, in milliseconds."),
    Setting("database.echo", False, "Log every SQL statement (debugging)."),
    # --- import ---
    Setting("import.batch_size", 2000, "Rows written per transaction when importing or upserting."),
    Setting("import.rejects_dir", "",
            "Where rejects reports (CSV: file, row, field, reason) are written. Empty means `<var_dir>/rejects`."),
    Setting("import.progress_min_rows", 5000, "Show a progress bar for files with at least this many rows."),
    # --- crawl ---
    # --- deadlines ---
    Setting("deadlines.rules_file", "",
            "Reply-deadline rules (TOML, see analysis/data/deadline_rules.toml for the format). Empty means the "
            "packaged rules: 咨询/一般性问题 3 working days, everything else 5."),
    Setting("deadlines.calendar_override_dir", "",
            "Directory of calendar override files (`<year>.toml`, typed from the State Council holiday notice); "
            "they win over chinesecalendar and over the packaged overrides. Empty means "
            "`<var_dir>/calendar_overrides`."),
    Setting("deadlines.convention", "next_working_day",
            "How the days are counted when a rule does not say: `next_working_day` (the day of receipt is not "
            "counted; a message received on a non-working day is deemed received on the next working day) or "
            "`receipt_day_counts` (the day of receipt, or the next working day, is day 1)."),
    Setting("deadlines.receipt_cutoff", "",
            "Local time `HH:MM` after which a message counts as received the next day (some units close intake "
            "at 17:30). Empty means no cut-off."),
    Setting("deadlines.due_soon_days", 1,
            "An open message with at most this many working days left is `due_soon`."),
    Setting("deadlines.seriously_overdue_days", 5,
            "An open message at least this many working days past its due date is `seriously_overdue`."),
    Setting("deadlines.min_cases_for_ranking", 20,
            "Units (or other groups) with fewer decided cases are reported but marked, not ranked."),
    Setting("deadlines.closed_statuses", ["已办结", "办结", "已完成", "已关闭", "已结束", "已终止"],
            "Statuses meaning the case is closed: a closed message without any reply is `unanswered`."),
    # --- text / routing ---
    Setting("text.segmenter", "auto",
            "Chinese word segmenter: `auto` (rjieba when installed, else jieba), `jieba` or `rjieba`. Both give "
            "the same words on Chinese runs (see bench/tokenize_bench.py); rjieba is about ten times faster."),
    Setting("text.userdict_extra", "",
            "Path of an extra jieba-format user dictionary (`word freq tag` a line) added to the shipped "
            "government vocabulary. Empty: only the shipped one."),
    Setting("text.stopwords_extra", "",
            "Path of an extra stopword list (one a line) added to the shipped one. Empty: only the shipped one."),
    Setting("text.redact_types", [],
            "Personal-data types `redact` masks (id_card, mobile, landline, bank_card, email, plate, qq, wechat, "
            "name, address). Empty list: all of them."),
    Setting("routing.model_dir", "",
            "Directory of trained routing models (`router-<field>-<version>.joblib` + `.json` metadata). Empty "
            "means `<var_dir>/models`."),
    Setting("routing.min_confidence", 0.5,
            "A routing prediction below this calibrated probability is marked for manual routing instead of "
            "being guessed."),
    Setting("routing.min_class_rows", 5,
            "Classes (categories or units) with fewer training rows than this are left out of the model; their "
            "messages come out as manual routing."),
    Setting("routing.unit_city", "",
            "City name used to complete short unit names (`市住建局` → `<city>市住房和城乡建设局`). Empty: "
            "learned from the unit names seen in training (the most common `…市` prefix)."),
    # --- topics / hot list ---
    # --- alerts ---
    # --- reports ---
    # --- web ---
]

_BY_NAME = {s.name: s for s in SETTINGS}


def _coerce(setting: Setting, raw: Any, origin: str) -> Any:
    kind = setting.kind
    if isinstance(raw, kind) and not (kind is int and isinstance(raw, bool)):
        return raw
    if isinstance(raw, str):
        text = raw.strip()
        try:
            if kind is bool:
                if text.lower() in {"1", "true", "yes", "on"}:
                    return True
                if text.lower() in {"0", "false", "no", "off", ""}:
                    return False
                raise ValueError(text)
            if kind is int:
                return int(text)
            if kind is float:
                return float(text)
            if kind in (list, dict):
                value = json.loads(text)
                if isinstance(value, kind):
                    return value
                raise ValueError(text)
            return text
        except ValueError:
            pass
    if kind is float and isinstance(raw, int) and not isinstance(raw, bool):
        return float(raw)
    raise ValueError(f"setting {setting.name} from {origin}: expected {kind.__name__}, got {raw!r}")


class Settings:
    """Effective settings: ``get(name)`` returns the value, ``origin(name)`` where it came from."""

    def __init__(self, values: dict[str, Any], origins: dict[str, str], config_file: Path | None):
        self._values = values
        self._origins = origins
        self.config_file = config_file

    def get(self, name: str) -> Any:
        if name not in _BY_NAME:
            raise KeyError(f"unknown setting {name!r}: declare it in store/settings.py")
        return self._values[name]

    def origin(self, name: str) -> str:
        return self._origins[name]

    @property
    def var_dir(self) -> Path:
        return Path(self.get("general.var_dir"))

    @property
    def production(self) -> bool:
        return self.get("general.mode") == "production"

    def path(self, name: str, default_under_var: str) -> Path:
        """A directory/file setting whose empty value means `<var_dir>/<default_under_var>`."""
        value = self.get(name)
        return Path(value) if value else self.var_dir / default_under_var


def _config_file() -> Path | None:
    explicit = os.environ.get("HOTLINE_CONFIG")
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise FileNotFoundError(f"HOTLINE_CONFIG points to {path}, which is not a file")
        return path
    local = Path("hotline.toml")
    return local if local.is_file() else None


def load_settings(config_file: Path | None = None, environ: dict[str, str] | None = None) -> Settings:
    environ = os.environ if environ is None else environ
    config_file = config_file or _config_file()
    file_values: dict[str, Any] = {}
    if config_file:
        with open(config_file, "rb") as fh:
            data = tomllib.load(fh)
        for section, entries in data.items():
            if not isinstance(entries, dict):
                raise ValueError(f"{config_file}: top-level key {section!r} must be a [section]")
            for key, value in entries.items():
                name = f"{section}.{key}"
                if name not in _BY_NAME:
                    raise ValueError(f"{config_file}: unknown setting {name!r} (see docs/configuration.md)")
                file_values[name] = value
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for setting in SETTINGS:
        value, origin = setting.default, "default"
        if setting.name in file_values:
            value, origin = _coerce(setting, file_values[setting.name], str(config_file)), str(config_file)
        if setting.env_var in environ:
            value, origin = _coerce(setting, environ[setting.env_var], setting.env_var), setting.env_var
        values[setting.name] = value
        origins[setting.name] = origin
    return Settings(values, origins, config_file)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (cached; tests call ``get_settings.cache_clear()`` after changing env)."""
    return load_settings()


def render_docs() -> str:
    """The Markdown reference of every setting (docs/configuration.md)."""
    lines = [
        "# Configuration reference",
        "",
        "Generated by `hotline-monitor config docs`; do not edit by hand.",
        "Set values in `hotline.toml` (`[section] name = value`, or the file named by `$HOTLINE_CONFIG`) or in "
        "the environment (`HOTLINE_SECTION_NAME`). The environment wins over the file.",
        "",
    ]
    section = None
    for s in SETTINGS:
        head = s.name.split(".", 1)[0]
        if head != section:
            section = head
            lines += [f"## [{section}]", "", "| setting | environment | default | meaning |", "|---|---|---|---|"]
        default = json.dumps(s.default, ensure_ascii=False)
        lines.append(f"| `{s.name}` | `{s.env_var}` | `{default}` | {s.help} |")
        nxt = SETTINGS.index(s) + 1
        if nxt == len(SETTINGS) or SETTINGS[nxt].name.split(".", 1)[0] != section:
            lines.append("")
    return "\n".join(lines)

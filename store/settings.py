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

import difflib
import json
import os
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any


class ConfigError(ValueError):
    """A configuration problem; the message names where (file, key or variable), what is wrong and the fix."""


# Environment variables with the HOTLINE_ prefix that are not settings (every other HOTLINE_* variable must
# name a setting: a misspelled one is refused like an unknown key in hotline.toml, never silently ignored).
NON_SETTING_ENV = {
    "HOTLINE_CONFIG": "path of the TOML configuration file (default: hotline.toml in the working directory)",
    "HOTLINE_DEBUG": "1: print the full traceback of an error instead of its one-line description",
    "HOTLINE_LOG_LEVEL": "log level of the command (DEBUG, INFO, WARNING, ERROR); default WARNING",
    "HOTLINE_TEST_PG_URL": "PostgreSQL server the test suite creates its scratch databases on",
    "HOTLINE_BENCH_PG_URL": "PostgreSQL server the benchmarks create their scratch databases on",
    "HOTLINE_SHARED_DATA": "folder of the real data the benchmarks and evaluations read (default ../shared/data)",
    "HOTLINE_BENCH_SIZES": "corpus sizes bench/analyze_bench.py measures (space-separated)",
}


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
    Setting("database.sqlite_cache_mib", 64,
            "SQLite page cache of each connection, in MiB. SQLite's own default (2 MiB) holds a small part of the "
            "indexes of a year of letters: every import batch then reads index pages back from the OS."),
    Setting("database.sqlite_checkpoint_pages", 16384,
            "Pages (4 KiB) the SQLite write-ahead log grows to before it is copied into the database. SQLite's "
            "default (1000) copies the same index pages again every few thousand imported rows."),
    Setting("database.echo", False, "Log every SQL statement (debugging)."),
    # --- import ---
    Setting("import.batch_size", 2000, "Rows written per transaction when importing or upserting."),
    Setting("import.rejects_dir", "",
            "Where rejects reports (CSV: file, row, field, reason) are written. Empty means `<var_dir>/rejects`."),
    Setting("import.progress_min_rows", 5000, "Show a progress bar for files with at least this many rows."),
    # --- messages ---
    Setting("messages.max_chars", 50000,
            "Longest title, content or reply stored for one message, in characters, from imports and crawls alike "
            "(a 20 MB page is not one letter). Longer text is cut to this length; the message's `extra` records "
            "`cut` (field → original length) and the import or crawl report counts the cut messages. 0: no "
            "limit."),
    # --- crawl ---
    Setting("crawl.profiles_dir", "",
            "Directory of the bureau's own site profiles (`*.toml`, see crawlers/profiles/). They are read "
            "before the packaged ones; a profile of the same name wins. Empty: only the packaged profiles."),
    Setting("crawl.user_agent",
            "hotline-monitor/0.1 (government reply monitoring; +https://github.com/hotline-monitor)",
            "User-Agent sent by every spider: honest, naming the tool, so a site's webmaster knows who calls."),
    Setting("crawl.obey_robots", True, "Obey each site's robots.txt."),
    Setting("crawl.concurrency_per_domain", 1,
            "Parallel requests to one site (1-2 is polite for a government server)."),
    Setting("crawl.download_delay", 2.0,
            "Seconds between two requests to one site; AutoThrottle starts here and adapts to the server."),
    Setting("crawl.autothrottle", True, "Adapt the delay to the site's response times (Scrapy AutoThrottle)."),
    Setting("crawl.download_timeout", 30, "Seconds before a request counts as timed out (and is retried)."),
    Setting("crawl.retry_times", 3, "Retries of a request that failed with 5xx, 408, 429 or a timeout."),
    Setting("crawl.retry_backoff", 5.0,
            "Seconds before the first retry; each further retry waits twice as long."),
    Setting("crawl.time_budget_seconds", 1800,
            "Seconds one crawl of a source may take; then it stops (finish reason time_budget, shown by `sources`). "
            "A profile's time_budget_seconds wins. 0: no budget."),
    Setting("crawl.max_pages", 200, "List pages one crawl reads at most per source (a profile may set less)."),
    Setting("crawl.revisit_max_age_days", 365,
            "Unanswered messages submitted within this many days are re-fetched on every crawl until their "
            "reply appears. 0: revisit every unanswered message."),
    Setting("crawl.loopback_fast", True,
            "For sites on 127.0.0.0/8 or localhost (the demo portal, tests): no download delay, no AutoThrottle "
            "and short retry back-off. robots.txt is still obeyed."),
    Setting("crawl.log_level", "WARNING", "Scrapy log level of crawl processes (DEBUG, INFO, WARNING, ERROR)."),
    Setting("crawl.coverage_drop", 0.3,
            "`sources` warns when a field's coverage falls by more than this share against the previous runs "
            "(the page structure probably changed)."),
    Setting("crawl.blocked_share", 0.2,
            "`sources` warns when more than this share of a run's responses were 403/429/5xx (blocked)."),
    # --- deadlines ---
    Setting("deadlines.rules_file", "",
            "Reply-deadline rules (TOML, see analysis/data/deadline_rules.toml for the format). Empty means the "
            "packaged rules: 咨询/一般性问题 3 working days, everything else 5."),
    Setting("deadlines.calendar_override_dir", "",
            "Directory of calendar override files (`<year>.toml`, typed from the State Council holiday notice); "
            "they win over chinesecalendar and over the packaged overrides. Empty means "
            "`<var_dir>/calendar_overrides`."),
    Setting("deadlines.convention", "general_rule",
            "How the days are counted when a rule does not say. `general_rule` (the default; 民法典 第二百零一条, "
            "the general rule of time computation): the day of receipt is not counted and the due date is the "
            "N-th working day after it, whatever kind of day it was received on (received Saturday, 3 working "
            "days: due Wednesday). `next_working_day`: a message received on a non-working day is deemed "
            "received on the next working day and counting starts the day after (received Saturday: due "
            "Thursday). `receipt_day_counts`: the day of receipt, or the next working day, is day 1. Changing it "
            "recomputes the stored deadlines at the next `analyze`, each move logged."),
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
    # --- analysis (execution) ---
    Setting("analysis.executor", "process",
            "Where per-message work (normalising, tokenising, features, reply tokens) runs: `serial` (this "
            "process), `process` (a pool of `analysis.workers` processes on this machine) or `dask` (a Dask "
            "distributed cluster: `analysis.dask_scheduler`, else a local cluster; needs "
            "`pip install .[distributed]`). The results are the same whichever runs them. Full topic runs of "
            "several regions (`region` of a source) also fit each region's model as a task of its own here."),
    Setting("analysis.workers", 2, "Worker processes of the `process` executor (and of a local Dask cluster)."),
    Setting("analysis.parallel_min_items", 5000,
            "Below this many messages per-message work stays in this process (starting workers costs more)."),
    Setting("analysis.chunk_size", 2000, "Messages per chunk handed to a worker."),
    Setting("analysis.dask_scheduler", "",
            "Address of a Dask scheduler (`tcp://host:8786`) for `analysis.executor = dask`; empty: a local "
            "cluster of `analysis.workers` processes."),
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
    Setting("topics.model_file", "",
            "Where the fitted topic model (vocabulary, centroids, topic ids) is kept between runs. Empty means "
            "`<var_dir>/models/topics.joblib`."),
    Setting("topics.min_size", 2, "A cluster needs at least this many messages to become a topic."),
    Setting("topics.similarity_threshold", 0.45,
            "Average cosine similarity inside a cluster (higher: purer, smaller topics)."),
    Setting("topics.merge_threshold", 0.55, "Centroid cosine above which two clusters merge."),
    Setting("topics.same_place_merge_threshold", 0.45,
            "Centroid cosine above which two clusters naming the same place first merge."),
    Setting("topics.attach_threshold", 0.6,
            "Cosine to a topic centroid above which a lone or new message joins that topic."),
    Setting("topics.entity_weight", 1.0,
            "Weight of place and organisation names (…小区/…路/…学校/…公司) against ordinary words."),
    Setting("topics.place_problem_threshold", 0.35,
            "Second pass: clusters naming the same place whose problem words (places left out) are at least this "
            "similar become one topic; 0 turns the pass off. Tuned on annotated real letters "
            "(bench/topics_real_eval.py)."),
    Setting("topics.duplicate_threshold", 0.8,
            "Token-set Jaccard similarity above which two messages are the same text submitted again."),
    Setting("topics.incremental_max_share", 0.2,
            "`analyze` adds new messages onto existing topics while they are at most this share of the "
            "clustered ones; beyond it (or without a model) it re-clusters everything."),
    Setting("topics.centroid_match_threshold", 0.6,
            "A new cluster sharing no messages with an old topic inherits its id when their centroids are at "
            "least this similar."),
    Setting("hotlist.weights", {"distinct_submitters": 3.0, "volume": 1.0, "votes": 1.0, "growth": 1.5,
                                "channels": 0.5, "unanswered": 1.0},
            "Weights of the hot-list's secondary terms (each explained in the output). Distinct people rank first "
            "whatever the weights; distinct_submitters is kept for older configuration files and not used."),
    Setting("hotlist.previous_windows", 2,
            "How many windows of the same length before the requested one the growth is measured against."),
    Setting("warnings.baseline_days", 28, "Days before the day checked that make a topic's baseline."),
    Setting("warnings.spike_factor", 3.0,
            "A day's volume is a spike when above baseline mean + this many standard deviations."),
    Setting("warnings.min_daily", 5, "A spike needs at least this many messages that day."),
    Setting("warnings.new_topic_days", 3, "A topic is new for this many days after its first message."),
    Setting("warnings.new_topic_submitters", 5,
            "A new topic with at least this many distinct submitters raises a warning."),
    Setting("reply_quality.min_chars", 15,
            "A reply with fewer substantive characters (boilerplate removed) is too short whatever the question."),
    Setting("reply_quality.min_ratio", 0.15,
            "A reply shorter than this share of the question (and below 25 substantive characters) is too short."),
    Setting("reply_quality.min_similarity", 0.01,
            "Question/reply cosine (TF-IDF on words) below which a reply is flagged as unrelated."),
    # --- alerts ---
    Setting("alerts.units_file", "",
            "The unit directory (TOML, see alerts/data/units.example.toml) that `hotline-monitor units load` "
            "reads when given no path. Empty: in production `units load` needs a path; outside production it loads the "
            "packaged example directory of the demo city."),
    Setting("alerts.test_recipient", {"email": ["alerts-test@localhost"]},
            "Outside production (`general.mode`) every alert goes here instead of to its recipient: contacts per "
            "channel, like a unit's (`email` list, `dingtalk`/`wecom`/`feishu`/`webhook` tables with `url` and "
            "optional `secret`)."),
    Setting("alerts.analysts", {},
            "Contacts of the analysts, who receive topic early-warning events (same shape as a unit's contacts)."),
    Setting("alerts.operators", {},
            "Contacts of the operators, who receive the daily what-went-wrong digest (same shape)."),
    Setting("alerts.smtp_host", "localhost", "SMTP server for e-mail alerts."),
    Setting("alerts.smtp_port", 25, "SMTP port (587 for STARTTLS, 465 for implicit TLS)."),
    Setting("alerts.smtp_tls", "none", "`none`, `starttls` or `ssl` (implicit TLS)."),
    Setting("alerts.smtp_user", "", "SMTP login; empty: no authentication."),
    Setting("alerts.smtp_password", "", "SMTP password (prefer the environment variable)."),
    Setting("alerts.smtp_from", "hotline-monitor <hotline-monitor@localhost>", "The From: of alert e-mails."),
    Setting("alerts.smtp_timeout_seconds", 20.0, "SMTP connect/command timeout."),
    Setting("alerts.http_timeout_seconds", 10.0, "Timeout of a robot/webhook POST."),
    Setting("alerts.repeat_every_workdays", 2,
            "An unanswered overdue message is notified again every this many working days (until acknowledged)."),
    Setting("alerts.supervision_after_days", 10,
            "An open message this many working days past its due date goes to the 督办 (supervision) office. "
            "The supervisor hears at `deadlines.seriously_overdue_days`; the unit at `deadlines.due_soon_days` "
            "before the due date and when overdue."),
    Setting("alerts.send_on_non_working_days", False,
            "Decide and send the reply alerts on weekends and holidays too. When false they wait for the next "
            "working day's run (early warnings follow `alerts.urgent_warnings`)."),
    Setting("alerts.urgent_warnings", True,
            "Early warnings (surging topics) go to the analysts on non-working days too, as urgent digests sent "
            "before the others: public opinion does not wait for Monday. When false they wait like reply alerts."),
    Setting("alerts.rate_limits", {"dingtalk": 20, "wecom": 20, "feishu": 100, "email": 60, "webhook": 60},
            "Deliveries per minute per channel (a DingTalk robot accepts 20 messages a minute)."),
    Setting("alerts.max_attempts", 8, "Delivery attempts before an outbox entry is given up (`dead`)."),
    Setting("alerts.retry_base_seconds", 30.0,
            "Backoff before the first retry; doubled at each attempt (capped at one hour)."),
    Setting("alerts.digest_max_items", 200,
            "Most items one digest lists, most urgent first (a 督办 office can have thousands due at once; robots "
            "cap a message at 4–20 KB). The subject and the group headings still count every item, and the digest "
            "says where the whole list is: the web UI's alerts page (`alerts.base_url`) or "
            "`hotline-monitor alerts list --recipient KEY`."),
    Setting("alerts.base_url", "",
            "Public address of the web UI, used for links in alerts (e.g. `http://hotline.intranet`). Empty: "
            "links go to the message's own page."),
    # --- scheduler ---
    Setting("scheduler.crawl_sources", {},
            "Spiders to crawl and their interval in minutes, e.g. `{\"jiangchuan_12345\" = 60}`. Empty: every "
            "source stored with origin `crawl`, at `scheduler.crawl_interval_minutes`."),
    Setting("scheduler.crawl_interval_minutes", 120, "Default crawl interval of a source."),
    Setting("scheduler.alerts_time", "09:00", "Local time of the daily alerts run (working days)."),
    Setting("scheduler.publication_time", "08:00",
            "Local time of the biweekly publication job on the 1st and 16th of each month."),
    Setting("scheduler.health_time", "07:30", "Local time of the daily source-health check."),
    Setting("scheduler.digest_time", "17:30", "Local time of the daily what-went-wrong digest to the operators."),
    Setting("scheduler.misfire_grace_hours", 72,
            "A job missed while the scheduler was down runs once on restart if it is at most this late."),
    Setting("scheduler.job_timeout_minutes", 60, "A crawl/analyse subprocess running longer is killed."),
    # --- reports ---
    Setting("reports.bureau_name", "行政审批服务局",
            "The publishing bureau, named in the title and footer of the biweekly summary after `reports.city`."),
    Setting("reports.city", "",
            "The city (or county) of the publishing bureau, e.g. 大连市: the publisher is the city followed by "
            "`reports.bureau_name`. Empty: the draft says the city is missing."),
    Setting("reports.reply_window_workdays", 5,
            "The summary's figures are counted as of the end of the period plus this many working days (the reply "
            "deadline of the period's last letters), or as of the drafting date when that is earlier."),
    Setting("reports.min_complainants", 2,
            "A common question needs letters from at least this many different people (counted by "
            "analysis.topics.complainants: one person's repeated letters count once)."),
    Setting("reports.pending_questions", "list",
            "A common question none of whose letters has a reply yet, with a deadline still running: `list` "
            "shows it in a separate 办理中 list, `omit` leaves it out. Questions whose replies cannot be "
            "published as an answer are always left out (listed in the internal workbook)."),
    Setting("reports.mask_staff_names", True,
            "Mask the names of staff in published replies (工作人员张三 → 工作人员张*), as the names of private "
            "persons are."),
    Setting("reports.publish_dir", "",
            "Where `summary publish` writes the public files (HTML, Markdown, JSON), one folder per period. "
            "Empty means `<var_dir>/published`."),
    Setting("reports.internal_dir", "",
            "Where drafts and the internal workbook (figures + the messages behind every question) are "
            "written. Empty means `<var_dir>/reports`."),
    Setting("reports.publish_url", "",
            "When set, `summary publish` also POSTs the JSON version to this URL (the website CMS)."),
    Setting("reports.publish_token", "",
            "Bearer token sent with the POST to `reports.publish_url` (empty: no Authorization header)."),
    Setting("reports.max_questions", 10, "At most this many common questions in a summary."),
    Setting("reports.hotlist_size", 10, "Entries of the 民意热点榜 in a summary."),
    Setting("reports.answer_max_chars", 240,
            "Condensed answers keep whole sentences of the official reply up to about this many characters."),
    Setting("reports.late_answers", True,
            "When no reply of a common question was on time, publish the best late reply that passes the quality "
            "checks (marked in the internal workbook) instead of \"正在办理中\"."),
    Setting("reports.require_distinct_approver", True,
            "The approver must be someone other than the reviewer (先审后发: two pairs of eyes)."),
    Setting("reports.editors", [],
            "Addresses of the editors notified when the biweekly draft is ready (used by the scheduler)."),
    # --- web ---
    Setting("web.host", "127.0.0.1", "Address `serve` listens on."),
    Setting("web.port", 8080, "Port `serve` listens on."),
    Setting("web.secret_key", "",
            "Key signing the session cookies. Required in production mode. Empty in development: a random key "
            "is generated once and kept in `<var_dir>/web_secret.key`."),
    Setting("web.cookie_secure", "auto",
            "Send the session cookie only over HTTPS: `true`, `false`, or `auto` (true in production mode)."),
    Setting("web.session_hours", 12, "A login expires this many hours after it was made (then log in again)."),
    Setting("web.login_max_failures", 5,
            "Failed logins allowed per (login, client address) within `web.login_window_minutes` before each "
            "further try from that address for that login waits a growing delay (OWASP: throttle, never lock "
            "out). Another address, and other logins from the same address, are not slowed down."),
    Setting("web.login_delay_seconds", 2,
            "The first delay after `web.login_max_failures` failures; it doubles with every further failure."),
    Setting("web.login_max_delay_seconds", 300,
            "The longest delay between two tries of one login from one address."),
    Setting("web.idle_minutes", 30,
            "A session unused for this many minutes ends (log in again); `web.session_hours` is the absolute "
            "limit."),
    Setting("web.locale", "zh_CN",
            "The language of the web UI for users who have not chosen one: `zh_CN` (简体中文) or `en`."),
    Setting("web.login_window_minutes", 15, "The window over which failed logins are counted."),
    Setting("web.dashboard_cache_seconds", 30,
            "The dashboard's figures are recomputed at most this often (per unit scope); 0 disables caching."),
    Setting("web.page_size", 50, "Rows per page in message and alert lists."),
    Setting("web.as_of", "",
            "The day (`2025-12-16`: its end) or local date-time (`2025-12-16T09:00`) the web UI evaluates "
            "deadlines at: the dashboard's on-time rate and overdue figures, the messages list's overdue filter, a "
            "message's deadline state, source freshness, topic trends and the hot list. Empty: now. For a copy of "
            "the data that ends on an earlier day (the demo, an archive, a training database), which then reads as "
            "it did that day; every page says so. Logins, acknowledgements and notes keep the real time. "
            "`serve --as-of` sets it for one run."),
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
    shown = repr(raw) if len(repr(raw)) <= 80 else repr(raw)[:77] + "..."
    raise ConfigError(f"{origin}: setting {setting.name} expects {_KIND_WORDS.get(kind, kind.__name__)}, got "
                      f"{shown}; fix the value (see docs/configuration.md)")


_KIND_WORDS = {int: "a whole number", float: "a number", bool: "true or false", str: "a text",
               list: "a list (JSON in an environment variable)", dict: "a table (JSON in an environment variable)"}


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
            raise ConfigError(f"HOTLINE_CONFIG points to {path}, which is not a file: fix the path or unset it")
        return path
    local = Path("hotline.toml")
    return local if local.is_file() else None


def load_settings(config_file: Path | None = None, environ: dict[str, str] | None = None) -> Settings:
    environ = os.environ if environ is None else environ
    config_file = config_file or _config_file()
    file_values: dict[str, Any] = {}
    if config_file:
        file_values = _read_config_file(config_file)
    _check_environment(environ)
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


def _read_config_file(config_file: Path) -> dict[str, Any]:
    try:
        with open(config_file, "rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{config_file}: not valid TOML ({exc}); fix that line") from None
    except OSError as exc:
        raise ConfigError(f"{config_file}: cannot be read ({exc.strerror})") from None
    values: dict[str, Any] = {}
    for section, entries in data.items():
        if not isinstance(entries, dict):
            raise ConfigError(f"{config_file}: top-level key {section!r} must be a [section] "
                              f"(write `[section]` then `name = value`)")
        for key, value in entries.items():
            name = f"{section}.{key}"
            if name not in _BY_NAME:
                raise ConfigError(f"{config_file}: unknown setting {name!r}{_suggestion(name, _BY_NAME)}; "
                                  "remove or correct it (see docs/configuration.md)")
            values[name] = value
    return values


def _suggestion(name: str, known: Any) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _check_environment(environ: Any) -> None:
    """Refuse a HOTLINE_* variable that is neither a setting nor a declared non-setting variable."""
    known = {s.env_var for s in SETTINGS} | NON_SETTING_ENV.keys()
    unknown = sorted(key for key in environ if key.startswith("HOTLINE_") and key not in known)
    if unknown:
        raise ConfigError(f"environment variable {unknown[0]} is not a setting{_suggestion(unknown[0], known)}; "
                          "unset or correct it (settings: docs/configuration.md)")


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
    lines += ["## Environment variables that are not settings", "",
              "Any other `HOTLINE_*` variable is refused (a misspelled setting is never silently ignored).", "",
              "| variable | meaning |", "|---|---|"]
    lines += [f"| `{name}` | {meaning} |" for name, meaning in NON_SETTING_ENV.items()]
    lines.append("")
    return "\n".join(lines)

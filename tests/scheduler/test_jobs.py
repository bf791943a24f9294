"""The scheduler's jobs one by one, with their real dependencies: a crawl (subprocess) of the demo portal
over real HTTP then the analysis, source health, the operators' digest and the editors' note through a real
SMTP server (aiosmtpd), and Alembic ignoring APScheduler's own table."""
from __future__ import annotations

import datetime as dt
from email.header import decode_header
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select

import scheduler as sched
from store.db import session_scope
from store.models import Message, Source
from store.models.alerts import JobRun, OutboxEntry
from tests.alerts.servers import SmtpSink
from tests.alerts.world import add_messages, load_units

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def smtp():
    sink = SmtpSink().start()
    yield sink
    sink.stop()


def configure(monkeypatch, smtp_port: int, **settings: str) -> None:
    """Production mode, mail to the local server; ``settings`` as HOTLINE_<NAME> variables (subprocesses too)."""
    from store.settings import get_settings

    monkeypatch.setenv("PYTHONPATH", str(REPO))
    monkeypatch.setenv("HOTLINE_GENERAL_MODE", "production")
    monkeypatch.setenv("HOTLINE_ALERTS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("HOTLINE_ALERTS_SMTP_PORT", str(smtp_port))
    for name, value in settings.items():
        monkeypatch.setenv(f"HOTLINE_{name.upper()}", value)
    get_settings.cache_clear()


def job_run(job: str) -> JobRun:
    with session_scope() as session:
        run = session.scalar(select(JobRun).where(JobRun.job == job).order_by(JobRun.id.desc()).limit(1))
        session.expunge(run)
        return run


def decoded(header: str) -> str:
    return "".join(p.decode(e or "utf-8") if isinstance(p, bytes) else p for p, e in decode_header(header))


def test_publication_drafts_and_tells_the_editors_once(sqlite_engine, smtp, monkeypatch):
    from store.models.publications import Publication

    configure(monkeypatch, smtp.port, reports_editors='["editor@jiangchuan.example", "chief@jiangchuan.example"]')
    load_units(sqlite_engine)
    add_messages(sqlite_engine, [(f"P{n}", dt.datetime(2024, 4, 2 + n, 10), "市住建局") for n in range(4)])
    result = sched.run_job("publication", dt.datetime(2024, 4, 16, 8))
    assert "draft of 2024-04-01:2024-04-15 generated" in result and "(1 new outbox entries)" in result, result
    assert "delivered 1" in result
    assert len(smtp.messages) == 1
    mail = smtp.messages[0]
    assert sorted(mail["rcpt"]) == ["chief@jiangchuan.example", "editor@jiangchuan.example"]
    assert decoded(mail["message"]["Subject"]).startswith("待审核：")
    body = mail["message"].get_body(("plain",)).get_content()
    assert "summary review --period 2024-04-01:2024-04-15" in body and "受理4件" in body
    draft_path = body.split("草稿：", 1)[1].strip()
    assert Path(draft_path).is_file()
    with session_scope(sqlite_engine) as session:
        pub = session.scalar(select(Publication))
        assert (pub.period_start, pub.status) == (dt.date(2024, 4, 1), "draft")
    # The job failed after queueing (say, the process died): the retry regenerates the draft, notifies no one again.
    with session_scope(sqlite_engine) as session:
        session.scalar(select(JobRun).where(JobRun.job == "publication")).status = "failed"
    again = sched.run_job("publication", dt.datetime(2024, 4, 16, 9))
    assert "(0 new outbox entries)" in again, again
    assert len(smtp.messages) == 1
    with session_scope(sqlite_engine) as session:
        assert session.scalar(select(func.count(OutboxEntry.id))) == 1


def test_publication_outside_production_goes_to_the_test_recipient(sqlite_engine, smtp, monkeypatch):
    configure(monkeypatch, smtp.port, general_mode="development", reports_editors='["editor@jiangchuan.example"]',
              alerts_test_recipient='{"email": ["tester@test.example"]}')
    add_messages(sqlite_engine, [("Q1", dt.datetime(2024, 4, 18, 10), "市住建局")])
    sched.run_job("publication", dt.datetime(2024, 5, 1, 8))
    assert [m["rcpt"] for m in smtp.messages] == [["tester@test.example"]]
    assert decoded(smtp.messages[0]["message"]["Subject"]).startswith("[测试 → 编辑] 待审核：")


def test_a_failed_crawl_is_recorded_and_reported_to_the_operators(sqlite_engine, smtp, monkeypatch):
    configure(monkeypatch, smtp.port, scheduler_crawl_sources='{"no-such-site": 60}',
              alerts_operators='{"email": ["ops@jiangchuan.example"]}')
    morning = dt.datetime(2024, 4, 9, 10, 5)
    result = sched.run_job("crawl:no-such-site", morning)
    assert "failed" in result
    run = job_run("crawl:no-such-site")
    assert (run.period, run.status) == ("2024-04-09T10:00", "failed")
    assert "exited 2" in run.error and "unknown profile(s) no-such-site" in run.error
    digest = sched.run_job("ops-digest", dt.datetime(2024, 4, 9, 17, 30))
    assert "problems reported" in digest and "delivered 1" in digest, digest
    assert [m["rcpt"] for m in smtp.messages] == [["ops@jiangchuan.example"]]
    text = smtp.messages[0]["message"].get_body(("plain",)).get_content()
    assert "job crawl:no-such-site (2024-04-09T10:00) failed" in text and "unknown profile(s) no-such-site" in text
    # The digest of the day is sent once, even when the job is run again by hand.
    assert sched.run_job("ops-digest", dt.datetime(2024, 4, 9, 18)).endswith("already done")
    assert len(smtp.messages) == 1


def test_nothing_wrong_sends_no_operators_digest(sqlite_engine, smtp, monkeypatch):
    configure(monkeypatch, smtp.port, alerts_operators='{"email": ["ops@jiangchuan.example"]}')
    assert sched.run_job("ops-digest", dt.datetime(2024, 4, 9, 17, 30)).endswith("nothing went wrong")
    assert smtp.messages == []


def demo_profile(directory: Path, origin: str) -> str:
    """A site profile (not a demo one) for the demo portal's 市长信箱 section at ``origin``."""
    text = (REPO / "crawlers" / "profiles" / "demo-vsb.toml").read_text(encoding="utf-8")
    text = (text.replace('name = "demo-vsb"', 'name = "sched-vsb"').replace("(demo)", "(scheduled)")
            .replace("http://127.0.0.1:8765", origin).replace("demo = true", "demo = false"))
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "sched-vsb.toml").write_text(text, encoding="utf-8")
    return "sched-vsb"


def test_crawl_job_collects_the_demo_portal_then_source_health_watches_it(tmp_path, smtp, monkeypatch):
    from demo.corpus import generate_corpus
    from demo.portal import DemoPortal, PortalServer
    from store.db import get_engine
    from store.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'var' / 'hotline.db'}"
    configure(monkeypatch, smtp.port, database_url=url, crawl_profiles_dir=str(tmp_path / "profiles"),
              alerts_operators='{"email": ["ops@jiangchuan.example"]}')
    (tmp_path / "var").mkdir(exist_ok=True)
    upgrade(get_engine())  # the crawl process insists on a migrated database
    portal = DemoPortal(generate_corpus(size=60), slow_seconds=0, fail_once=False)
    with PortalServer(portal) as server:
        name = demo_profile(tmp_path / "profiles", server.origin)
        configure(monkeypatch, smtp.port, scheduler_crawl_sources=f'{{"{name}": 30}}')
        now = dt.datetime.now().replace(microsecond=0)
        result = sched.run_job(f"crawl:{name}", now)
    run = job_run(f"crawl:{name}")
    assert run.status == "done", run.error
    assert f"{name}: finished" in result and "deadlines ok" in result, result
    with session_scope() as session:
        source = session.scalar(select(Source).where(Source.name.contains("(scheduled)")))
        stored = session.scalar(select(func.count(Message.id)).where(Message.source_id == source.id))
    assert stored == len(portal.sections["vsb"]) > 0  # every message of the section, once
    assert sched.run_job("source-health", now).endswith(": 0 source problems")
    # Three weeks without a crawl: the source is stale.
    later = now + dt.timedelta(days=21)
    health = sched.run_job("source-health", later)
    # the one wording of analysis.sources.health (the scheduler's own copy said "NAME: no new item for …")
    assert f"{source.name}: stale: no new item for" in health
    assert f"(objective {source.freshness_objective_days})" in health


def test_alembic_ignores_the_scheduler_job_table(tmp_path):
    """APScheduler creates ``scheduler_jobs`` at run time: autogenerate must not propose dropping it."""
    from alembic import command
    from alembic.util.exc import AutogenerateDiffsDetected

    from store.db import make_engine
    from store.migrate import alembic_config, upgrade

    engine = make_engine(f"sqlite:///{tmp_path / 'migrated.db'}")
    upgrade(engine)
    scheduler = sched.build_scheduler(sched.stepping_scheduler_class(), engine=engine, executor="debug")
    scheduler.start(paused=True)
    scheduler.shutdown(wait=False)
    assert "scheduler_jobs" in inspect(engine).get_table_names()
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        try:
            command.check(config)
        except AutogenerateDiffsDetected as exc:  # other areas' pending changes are theirs; this table is ours
            assert "scheduler_jobs" not in str(exc)


def test_every_job_names_a_function_of_its_package(monkeypatch):
    """``scheduler.py`` only wires: each job's action is a function elsewhere, found by its name (a typo or a
    moved function fails here, not at 09:00 in production)."""
    import inspect as pyinspect

    from store.settings import get_settings

    monkeypatch.setenv("HOTLINE_SCHEDULER_CRAWL_SOURCES", '{"demo-vsb": 30}')
    get_settings.cache_clear()
    specs = sched.job_specs()
    assert [s.name for s in specs] == ["crawl:demo-vsb", "alerts", "publication", "source-health", "ops-digest"]
    for spec in specs:
        function = spec.function()
        assert function.__module__ == spec.action.split(":")[0] != "scheduler", spec.name
        assert list(pyinspect.signature(function).parameters)[:2] == ["now", "period"], spec.name

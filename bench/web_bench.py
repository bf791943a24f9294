"""Web UI latency with 200,000 messages in PostgreSQL: dashboard (cached and uncached), hot-list fragment,
message search, topic list and the alerts page (10,000 alerts) under 10 concurrent clients (target: p95 <= 200
ms for search, topic list, alerts page and the dashboard as served, i.e. with its default cache; the uncached
dashboard and the hot list are reported).

Creates a scratch database on the local server (HOTLINE_BENCH_PG_URL, default postgresql+psycopg://postgres@
127.0.0.1:5432/postgres) with the migrations up to 0007, fills it with synthetic messages (generated here, no
real text), deadlines and topics, then runs the remaining migrations (0008 builds the search indexes and
0010 the dashboard and list read indexes on the filled table, as on an upgraded deployment) and VACUUM ANALYZE
(the state autovacuum keeps a live database in).
Serves the UI twice with uvicorn in subprocesses on free ports (the dashboard cache on, and off), drives each
page kind in turn with 10 client threads over HTTP, prints the figures and drops the database. Exits 0 with a
message when PostgreSQL is not reachable. Beside the latencies (which other work on the machine stretches) each
page kind's server CPU per request: the uvicorn processes' and the bench database's PostgreSQL backends' CPU
time over the run (read from /proc: the server must be on this host), divided by the requests.

    python bench/web_bench.py [--messages 200000] [--alerts 10000] [--requests 300] [--clients 10] [--workers 2]
"""
from __future__ import annotations

import argparse
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _pg import scratch_pg_database  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

PROBLEMS = ["停车难", "噪音扰民", "物业服务不到位", "道路破损", "供暖不热", "垃圾清运不及时", "违章搭建", "路灯不亮",
            "学校招生咨询", "医保报销", "公交线路调整", "油烟污染", "电梯故障", "积水内涝", "拖欠工资", "房屋漏水"]
PLACES = [f"{a}{b}" for a in ["幸福", "和平", "阳光", "锦绣", "翠湖", "金桥", "东城", "南湖", "滨江", "世纪"]
          for b in ["小区", "花园", "家园", "路", "街道", "村"]]
SEARCH_TERMS = ["停车", "噪音", "物业", "幸福小区", "供暖", "电梯故障", "滨江路", "拖欠工资", "积水", "金桥村"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fill(url: str, n_messages: int, seed: int = 7) -> None:
    """Schema plus synthetic rows via COPY (sources, units, messages, deadlines, topics, memberships)."""
    from store.migrate import upgrade
    from store.models.accounts import User
    from web.accounts import hash_password

    rng = random.Random(seed)
    engine = create_engine(url)
    upgrade(engine, "0007_accounts")
    now = datetime.now().replace(microsecond=0)
    bureaus = ["住建", "交通", "教育", "卫健", "人社", "城管", "生态环境", "公安", "水务", "民政", "市场监管",
               "自然资源", "农业农村", "文旅", "商务"]
    units = [f"市{name}局" for name in bureaus] + [f"第{i}街道办事处" for i in range(45)]
    n_topics = 2000
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        for i, channel in enumerate(["hotline", "mailbox", "feedback"]):
            cur.execute("INSERT INTO sources (id, name, channel, origin, freshness_objective_days, created_at) "
                        "VALUES (%s, %s, %s, 'crawl', 5, %s)", (i + 1, f"bench-{channel}", channel, now))
        with cur.copy("COPY units (id, name, aliases, contacts, is_supervision_office) FROM STDIN") as copy:
            for i, name in enumerate(units, start=1):
                copy.write_row((i, name, "[]", "{}", False))
        topic_of = []
        submitted_of = []
        with cur.copy("COPY messages (id, source_id, channel, external_id, natural_key, title, content, submitted_at, "
                      "kind, unit, unit_id, status, reply_text, replied_at, extra, content_hash, first_seen_at, "
                      "last_seen_at) FROM STDIN") as copy:
            for i in range(1, n_messages + 1):
                source = rng.randrange(3)
                problem, place = rng.choice(PROBLEMS), rng.choice(PLACES)
                submitted = now - timedelta(days=rng.random() * 730)
                unit_index = rng.randrange(len(units))
                replied = submitted + timedelta(days=rng.random() * 10) if rng.random() < 0.9 else None
                if replied and replied > now:
                    replied = None
                submitted_of.append(submitted)
                topic_of.append((PROBLEMS.index(problem) * len(PLACES) + PLACES.index(place)) % n_topics + 1)
                copy.write_row((
                    i, source + 1, ["hotline", "mailbox", "feedback"][source], f"B{i:07d}", f"B{i:07d}",
                    f"关于{place}{problem}的反映", f"我是{place}的居民，{problem}问题已经持续{rng.randint(2, 30)}天，"
                    f"多次反映没有解决，希望有关部门尽快处理。编号{i}。", submitted,
                    rng.choice(["投诉", "咨询", "求助", "建议"]),
                    units[unit_index], unit_index + 1, "已办结" if replied else "办理中",
                    "经核实，已安排处理。" if replied else None, replied, "{}", f"{i:040d}", submitted, submitted))
        with cur.copy("COPY deadlines (message_id, rule_id, rule_source, days, day_unit, convention, received_at, "
                      "deemed_received_on, base_due_on, due_on, paused, provisional, explanation, explanation_zh, "
                      "calendar_fingerprint, rules_fingerprint, computed_at) FROM STDIN") as copy:
            for message_id, submitted in enumerate(submitted_of, start=1):
                due = (submitted + timedelta(days=7)).date()
                copy.write_row((message_id, "general", "bench", 5, "working", "next_working_day", submitted,
                                submitted.date(), due, due, False, False, "bench", "bench", "x" * 32, "y" * 32, now))
        sizes: dict[int, int] = {}
        for t in topic_of:
            sizes[t] = sizes.get(t, 0) + 1
        with cur.copy("COPY topics (id, label, label_locked, keywords, places, units, categories, status, size, "
                      "distinct_submitters, first_message_at, last_message_at, created_at, updated_at) "
                      "FROM STDIN") as copy:
            for t in range(1, n_topics + 1):
                problem = PROBLEMS[(t - 1) // len(PLACES) % len(PROBLEMS)]
                place = PLACES[(t - 1) % len(PLACES)]
                copy.write_row((t, f"{place}{problem}", False, f'["{problem}"]', f'["{place}"]', "[]", "[]", "active",
                                sizes.get(t, 0), sizes.get(t, 0), now - timedelta(days=730), now, now, now))
        with cur.copy("COPY topic_memberships (message_id, topic_id, similarity, origin) FROM STDIN") as copy:
            for i, t in enumerate(topic_of, start=1):
                copy.write_row((i, t, 0.7, "model"))
        for table in ("sources", "units", "messages", "topics"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        raw.commit()
    finally:
        raw.close()
    t0 = time.perf_counter()
    before, after = upgrade(engine)
    print(f"migrations {before} -> {after} (search and read indexes) on {n_messages} messages in "
          f"{time.perf_counter() - t0:.1f} s")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    from sqlalchemy.orm import Session

    with Session(engine) as session:
        session.add(User(login="bench", password_hash=hash_password("bench-password-1"), role="analyst", active=True,
                         session_epoch=0))
        session.commit()
    engine.dispose()


LADDER = (("overdue", False), ("seriously_overdue", False), ("supervision", True))


def fill_alerts(url: str, n_alerts: int, n_messages: int, seed: int = 11) -> None:
    """``n_alerts`` alert rows as an alert run leaves them: per late letter its ladder (overdue and seriously
    overdue to the unit, supervision to the supervising office), a third of them acknowledged, and a ledger row
    per letter."""
    rng = random.Random(seed)
    engine = create_engine(url)
    now = datetime.now().replace(microsecond=0)
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("SELECT count(*) FROM units")
        n_units = cur.fetchone()[0]
        candidates = rng.sample(range(1, n_messages + 1), min(n_messages, n_alerts))
        letters = []
        written = 0
        with cur.copy("COPY alerts (subject, message_id, level, unit_id, recipient_unit_id, recipient, state, "
                      "title, due_on, overdue_workdays, last_period, first_fired_at, acknowledged_at, details) "
                      "FROM STDIN") as copy:
            for message_id in candidates:
                if written == n_alerts:
                    break
                letters.append(message_id)
                unit = rng.randint(1, n_units)
                fired = now - timedelta(days=rng.randint(1, 60))
                for level, to_supervisor in LADDER[:rng.randint(1, len(LADDER))]:
                    if written == n_alerts:
                        break
                    recipient = 1 if to_supervisor else unit
                    acked = fired + timedelta(hours=3) if rng.random() < 0.33 else None
                    copy.write_row((f"message:{message_id}", message_id, level, unit, recipient, f"unit:{recipient}",
                                    "firing", f"关于第{message_id}号诉求的超期提醒", (fired - timedelta(days=3)).date(),
                                    rng.randint(1, 20), 0, fired, acked, "{}"))
                    written += 1
                    fired += timedelta(days=5)
        with cur.copy("COPY response_ledger (subject, message_id, kind, first_discovered_at, source, channel, "
                      "title, unit_id, highest_level, status, updated_at) FROM STDIN") as copy:
            for message_id in letters:
                copy.write_row((f"message:{message_id}", message_id, "message", now - timedelta(days=10), "bench",
                                "hotline", f"第{message_id}号诉求", 1, "overdue", "open", now))
        raw.commit()
        print(f"alerts: {written} rows over {len(letters)} letters")
    finally:
        raw.close()
    from store.models.alerts import refresh_current_alerts

    t0 = time.perf_counter()
    with engine.begin() as conn:  # COPY went around the writers: mark the current levels as they would
        refresh_current_alerts(conn)
    print(f"current levels marked in {time.perf_counter() - t0:.2f} s")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE alerts"))
        conn.execute(text("VACUUM ANALYZE response_ledger"))
    engine.dispose()


def start_server(url: str, secret: str, workers: int, dashboard_cache: int) -> tuple[str, subprocess.Popen]:
    """uvicorn serving the UI over ``url`` on a free port; returns (base URL, process) once it answers."""
    import httpx

    port = free_port()
    env = {**os.environ, "HOTLINE_DATABASE_URL": url,
           "HOTLINE_GENERAL_VAR_DIR": tempfile.mkdtemp(prefix="hm-webbench-"), "HOTLINE_WEB_SECRET_KEY": secret,
           "HOTLINE_WEB_DASHBOARD_CACHE_SECONDS": str(dashboard_cache)}
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "web.app:create_app", "--factory", "--host", "127.0.0.1", "--port",
         str(port), "--workers", str(workers), "--log-level", "warning", "--no-access-log"], cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            httpx.get(base + "/login", timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.1)
    return base, server


def log_in(base: str) -> str:
    """The session cookie of the bench user (Argon2 runs once, here, not per request)."""
    import httpx

    with httpx.Client(base_url=base, follow_redirects=True) as client:
        page = client.get("/login")
        token = page.text.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
        response = client.post("/login", data={"login": "bench", "password": "bench-password-1", "csrf_token": token})
        assert response.status_code == 200 and 'href="/alerts"' in response.text, response.status_code
        return client.cookies["hm_session"]


CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process (Linux /proc; 0 when it is gone or unreadable)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime (fields 14 and 15 of stat)


def process_tree(root: int) -> list[int]:
    """``root`` and its descendants (the uvicorn supervisor and its workers)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            children.setdefault(parent, []).append(int(entry.name))
    tree, pending = [], [root]
    while pending:
        pid = pending.pop()
        tree.append(pid)
        pending.extend(children.get(pid, []))
    return tree


class ServerCpu:
    """CPU spent serving, apart from the clients and from other users of the machine: the web servers' processes
    and the PostgreSQL backends connected to the bench database (same host)."""

    def __init__(self, url: str, servers: list[subprocess.Popen]) -> None:
        self.engine = create_engine(url)
        self.servers = servers

    def sample(self) -> tuple[dict[int, float], dict[int, float]]:
        with self.engine.connect() as conn:
            backends = conn.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                         "AND pid <> pg_backend_pid()")).scalars().all()
        web = [pid for server in self.servers for pid in process_tree(server.pid)]
        return {pid: cpu_seconds(pid) for pid in web}, {pid: cpu_seconds(pid) for pid in backends}

    @staticmethod
    def spent(before: dict[int, float], after: dict[int, float]) -> float:
        return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def drive(base: str, cookie: str, paths: list[str], clients: int) -> list[float]:
    import httpx

    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    queue = list(paths)

    def worker() -> None:
        with httpx.Client(base_url=base, cookies={"hm_session": cookie}, timeout=30) as client:
            while True:
                with lock:
                    if not queue:
                        return
                    path = queue.pop()
                start = time.perf_counter()
                response = client.get(path)
                elapsed = time.perf_counter() - start
                with lock:
                    if response.status_code != 200:
                        errors.append(f"{path}: HTTP {response.status_code}")
                    latencies.append(elapsed * 1000)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError(f"{len(errors)} failed requests, e.g. {errors[:3]}")
    return latencies


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--alerts", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=300, help="requests per page kind")
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--dashboard-cache", type=int, default=30,
                        help="web.dashboard_cache_seconds for the run (the default setting is 30; 0: every "
                             "request recomputes)")
    args = parser.parse_args()
    with scratch_pg_database("hm_webbench") as url:
        if url is None:
            print("skipping the web benchmark")
            return 0
        return measure(args, url)


def measure(args: argparse.Namespace, url: str) -> int:
    """Fill the database at ``url``, serve it and drive every page kind; 0 when every target is met."""
    servers: list[subprocess.Popen] = []
    try:
        t0 = time.perf_counter()
        fill(url, args.messages)
        fill_alerts(url, args.alerts, args.messages)
        print(f"filled {args.messages} messages (+deadlines, 2000 topics, {args.alerts} alerts) in "
              f"{time.perf_counter() - t0:.1f} s")
        secret = secrets.token_urlsafe(48)
        cached_base, cached_server = start_server(url, secret, args.workers, args.dashboard_cache)
        servers.append(cached_server)
        uncached_base, uncached_server = start_server(url, secret, args.workers, 0)
        servers.append(uncached_server)
        cookie = log_in(cached_base)  # same secret key and database: the session cookie is valid on both
        rng = random.Random(3)
        scenarios = {
            f"dashboard (cache {args.dashboard_cache} s)": (cached_base, ["/"] * args.requests),
            "dashboard (uncached)": (uncached_base, ["/"] * args.requests),
            "hot list (fragment, cached)": (cached_base, ["/dashboard/hot-list"] * args.requests),
            "message search": (cached_base, [
                f"/messages?q={rng.choice(SEARCH_TERMS)}" + rng.choice(["", "&channel=hotline", "&page=2"])
                for _ in range(args.requests)]),
            "topic list": (cached_base, ["/topics" + rng.choice(["", "?page=2", "?q=小区"])
                                         for _ in range(args.requests)]),
            f"alerts page ({args.alerts} alerts)": (cached_base, [
                "/alerts" + rng.choice(["", "?level=supervision", "?acknowledged=no", "?page=7",
                                        f"?unit={rng.randint(1, 60)}", "?from=2000-01-01&acknowledged=yes"])
                for _ in range(args.requests)]),
        }
        targets = {f"dashboard (cache {args.dashboard_cache} s)", "message search", "topic list",
                   f"alerts page ({args.alerts} alerts)"}
        print(f"{args.clients} concurrent clients, {args.requests} requests per page, uvicorn workers: "
              f"{args.workers}, dashboard cache: {args.dashboard_cache} s, load average before: "
              f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        for base in (cached_base, uncached_base):  # warm-up: imports, pools, per-worker kept data
            # (as many clients as workers: ten cold uncached dashboards at once queued past the 30 s timeout)
            drive(base, cookie, ["/", "/dashboard/hot-list", "/messages?q=停车", "/topics", "/alerts"] * 5,
                  args.workers)
        ok = True
        server_cpu = ServerCpu(url, servers)
        for label, (base, paths) in scenarios.items():
            web_before, db_before = server_cpu.sample()
            start = time.perf_counter()
            latencies = drive(base, cookie, paths, args.clients)
            wall = time.perf_counter() - start
            web_after, db_after = server_cpu.sample()
            p95 = percentile(latencies, 95)
            verdict = ("OK" if p95 <= 200 else "ABOVE TARGET") if label in targets else "(reported)"
            ok &= label not in targets or p95 <= 200
            web_ms = 1000 * ServerCpu.spent(web_before, web_after) / len(latencies)
            db_ms = 1000 * ServerCpu.spent(db_before, db_after) / len(latencies)
            print(f"{label:28s} p50 {statistics.median(latencies):7.1f} ms  p95 {p95:7.1f} ms  "
                  f"max {max(latencies):7.1f} ms  {len(latencies) / wall:6.1f} req/s  {verdict} (p95 <= 200 ms)  "
                  f"server CPU {web_ms + db_ms:5.1f} ms/request (web {web_ms:.1f} + PostgreSQL {db_ms:.1f})")
        print(f"load average after: {os.getloadavg()[0]:.1f}")
        return 0 if ok else 1
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=20)


if __name__ == "__main__":
    raise SystemExit(main())

"""Expo's web paths served by gunicorn, measured from outside with wrk, beside bare Flask.

    make bench                       # or: .venv/bin/python benchmarks/bench_web.py
    .venv/bin/python benchmarks/bench_web.py --runs 5 --duration 8 --enterprises 1200

A PostgreSQL database (``--database``, made afresh) gets the demo data through the app's
own migrations and ``seed_demo``, then, through the models: ``--enterprises`` enterprises
with a user each (signed in beforehand through the real sign-in page, their session
cookies and CSRF tokens kept), an event under review with ``--applications``
applications, and one first-come event of ``--booths`` booths per burst. The bare apps of
``bare_web.py`` get their own database (``--bare-database``).

Expo (``wsgi:app``) and the bare app are served by gunicorn with the same settings
(``deploy/gunicorn.conf.py``, ``EXPO_WEB_WORKERS`` workers), Expo twice: with the SQLite
job queue and with ``EXPO_REDIS_URL``. wrk (Debian's) asks with ``--connections``
connections; the runs are interleaved (bare, then each Expo page, then the bare 50-row
page and the review list, then the bursts) and the medians of ``--runs`` runs reported:

- the catalogue ``/events`` (zh and en), an event's page, the enterprise's application
  page and ``/verify`` beside the bare 20-row page;
- the organizer's review list (``--applications`` applications) beside the bare 50-row
  page;
- the submission burst: every enterprise applies at once to a fresh first-come event
  (one request each, wrk spreading them over the connections), beside the bare locked
  insert; afterwards the approved booths are counted: more than the event has is
  "overbooked".

It is a measurement, not a test: it prints a table (req/s, p95, ratios, goals) and exits 0
unless it breaks. Results and the machine go into docs/benchmarks.md ("Web paths").
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import bare_web  # noqa: E402
from bench_documents import machine  # noqa: E402

PASSWORD = "benchmark-password"
SECRET_KEY = "benchmark-secret-key-long-enough-for-the-startup-check"
GOALS = {  # path -> (the least ratio to its baseline)
    "catalogue (zh)": 0.5,
    "catalogue (en)": 0.5,
    "event page": 0.5,
    "review list": 0.35,
    "burst, SQLite queue": 0.3,
    "burst, Redis": 0.3,
}
GOAL_BURST_P95_MS = 150
USER_AGENT = "expo-bench"
SETTINGS = ("EXPO_DATABASE_URL", "EXPO_SECRET_KEY", "EXPO_BASE_URL", "EXPO_DOCUMENTS_DIR")
SETTINGS += ("EXPO_OUTBOX_DIR", "EXPO_CACHE_DIR", "EXPO_JOBS_DATABASE")

# wrk's report, one JSON line, and (for bursts) each connection sending the next
# enterprise's application until every one has been sent once.
REPORT_LUA = r"""
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) other = 0 end
function response(status, headers, body)
  if status ~= 200 then other = other + 1 end
end
function done(summary, latency, requests)
  local other = 0
  for _, thread in ipairs(threads) do other = other + thread:get("other") end
  io.write(string.format('WRKJSON {"requests": %d, "duration_us": %d, "p50": %d, "p95": %d, '
    .. '"p99": %d, "status_errors": %d, "socket_errors": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), other,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""

BURST_LUA = r"""
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock, bench_timespec *now);
int getpid(void);
int kill(int pid, int signal);
]]
local clock = ffi.new("bench_timespec")
local function now()
  ffi.C.clock_gettime(1, clock)  -- CLOCK_MONOTONIC: the same clock in every thread
  return tonumber(clock.tv_sec) + tonumber(clock.tv_nsec) / 1e9
end

local threads = {}
local counter = 0
function setup(thread)
  thread:set("index", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  -- args: the file of requests (path TAB cookie TAB body), the number of threads
  mine, sent, received, redirected, started, finished = {}, 0, 0, 0, 0, 0
  local number = 0
  for line in io.lines(args[1]) do
    if number % tonumber(args[2]) == index then
      local path, cookie, body = line:match("([^\t]*)\t([^\t]*)\t(.*)")
      local headers = {["Content-Type"] = "application/x-www-form-urlencoded",
                       ["User-Agent"] = "expo-bench"}
      if cookie ~= "" then headers["Cookie"] = cookie end
      table.insert(mine, wrk.format("POST", path, headers, body))
    end
    number = number + 1
  end
  total = #mine
end

function request()
  if sent == 0 then started = now() end
  sent = sent + 1
  -- Once each has been sent, a connection still asking repeats the last (refused).
  return mine[math.min(sent, #mine)]
end

function response(status, headers, body)
  received = received + 1
  if received <= #mine then
    if status == 302 or status == 303 then redirected = redirected + 1 end
    if received == #mine then
      finished = now()
      wrk.thread:stop()
      -- wrk's main thread sleeps for --duration: SIGINT wakes it (one thread per burst).
      ffi.C.kill(ffi.C.getpid(), 2)
    end
  end
end

function done(summary, latency, requests)
  local first, last, answered, ok = nil, 0, 0, 0
  for _, thread in ipairs(threads) do
    local started = thread:get("started")
    if first == nil or started < first then first = started end
    if thread:get("finished") > last then last = thread:get("finished") end
    answered = answered + math.min(thread:get("received"), thread:get("total"))
    ok = ok + thread:get("redirected")
  end
  io.write(string.format('WRKJSON {"requests": %d, "seconds": %.6f, "redirected": %d, '
    .. '"p50": %d, "p95": %d, "p99": %d, "status_errors": %d, "socket_errors": %d}\n',
    answered, last - first, ok, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


@dataclass
class Path_:
    """One measured path: its name, its server, what to ask, its results per run."""

    name: str
    server: str
    url: str
    headers: list[str] = field(default_factory=list)
    baseline: str | None = None
    rates: list[float] = field(default_factory=list)
    p95s: list[float] = field(default_factory=list)
    errors: int = 0


@dataclass
class Burst:
    name: str
    server: str
    event_ids: list[int]
    lines: list[tuple[str, str]]  # (cookie, body) per enterprise
    baseline: str | None = None
    rates: list[float] = field(default_factory=list)
    p95s: list[float] = field(default_factory=list)
    overbooked: list[int] = field(default_factory=list)
    approved: list[int] = field(default_factory=list)
    refused: int = 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def recreate_database(admin_url: str, name: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()


def expo_environment(args, workdir: Path, port: int, redis: bool) -> dict[str, str]:
    env = {
        **os.environ,
        "EXPO_DATABASE_URL": args.database_url,
        "EXPO_SECRET_KEY": SECRET_KEY,
        "EXPO_BASE_URL": f"http://127.0.0.1:{port}",
        "EXPO_DOCUMENTS_DIR": str(workdir / "documents"),
        "EXPO_OUTBOX_DIR": str(workdir / "outbox"),
        "EXPO_CACHE_DIR": str(workdir / "cache"),
        "EXPO_JOBS_DATABASE": str(workdir / "jobs.sqlite3"),
        "EXPO_BIND": f"127.0.0.1:{port}",
        "EXPO_WEB_WORKERS": str(args.workers),
    }
    env.pop("EXPO_REDIS_URL", None)
    if redis:
        env["EXPO_REDIS_URL"] = args.redis_url
    return env


# --- the data -----------------------------------------------------------------------------


def seed(args, bursts: int) -> dict:
    """The demo, the enterprises and their users, the review event and the burst events,
    through the app's models; what the runs need (ids)."""
    import sqlalchemy as sa
    from werkzeug.security import generate_password_hash

    from expo.accounts.models import Role, User
    from expo.demo.seed import seed_demo
    from expo.enterprises.models import Enterprise
    from expo.events.models import Campaign, Event
    from expo.extensions import db
    from expo.registrations.models import Application, Delegate

    seed_demo(date.today())
    now = datetime.now(UTC)
    campaign = Campaign(
        kind="going_global",
        year=now.year,
        title_zh="基准测试",
        title_en="Benchmark",
        status="published",
    )
    # Cheap scrypt parameters: signing in is the real page, only its hashing is shorter.
    password_hash = generate_password_hash(PASSWORD, method="scrypt:1024:8:1")
    organizer = User(
        email="organizer@bench.example",
        name="Organizer",
        role=Role.ORGANIZER,
        password_hash=password_hash,
        locale="zh",
    )
    db.session.add_all([campaign, organizer])
    db.session.flush()

    def event(title: str, capacity: int, moderation: str) -> Event:
        return Event(
            campaign_id=campaign.id,
            kind="trade_fair",
            title_zh=f"{title}展",
            title_en=title,
            country="HU",
            city_zh="布达佩斯",
            city_en="Budapest",
            timezone="Europe/Budapest",
            starts_at=now + timedelta(days=60),
            ends_at=now + timedelta(days=63),
            registration_opens_at=now - timedelta(days=1),
            registration_closes_at=now + timedelta(days=30),
            capacity=capacity,
            max_delegates=3,
            moderation=moderation,
            status="published",
        )

    review_event = event("Review fair", args.applications, "review")
    burst_events = [event(f"Burst fair {n}", args.booths, "first_come") for n in range(bursts)]
    db.session.add_all([review_event, *burst_events])
    db.session.flush()
    first = db.session.execute(sa.select(sa.func.coalesce(sa.func.max(Enterprise.id), 0)))
    first_id = first.scalar_one() + 1
    count = max(args.applications, args.enterprises)
    prefectures = ("510100", "510700", "511500", "510600")
    db.session.execute(
        sa.insert(Enterprise),
        [
            {
                "id": first_id + number,
                "name_zh": f"基准企业{number}",
                "name_en": f"Bench Enterprise {number}",
                "credit_code": f"92{number:016d}",
                "prefecture": prefectures[number % len(prefectures)],
                "industry": "machinery",
                "verified": True,
            }
            for number in range(count)
        ],
    )
    db.session.execute(
        sa.insert(User),
        [
            {
                "email": f"user{number}@bench.example",
                "password_hash": password_hash,
                "name": f"User {number}",
                "role": Role.ENTERPRISE.value,
                "locale": "zh",
                "enterprise_id": first_id + number,
            }
            for number in range(args.enterprises)
        ],
    )
    db.session.execute(
        sa.insert(Application),
        [
            {
                "event_id": review_event.id,
                "enterprise_id": first_id + number,
                "status": "pending",
                "booths_requested": 1,
                "consent_version": "bench",
                "consented_at": now,
            }
            for number in range(args.applications)
        ],
    )
    application_ids = db.session.execute(
        sa.select(Application.id).where(Application.event_id == review_event.id)
    ).scalars()
    db.session.execute(
        sa.insert(Delegate),
        [
            {"application_id": id_, "name_zh": "代表", "name_latin": "DAI Biao"}
            for id_ in application_ids
        ],
    )
    demo_event = db.session.execute(
        sa.select(Event.id)
        .where(Event.status == "published", Event.campaign_id != campaign.id)
        .order_by(Event.starts_at.desc())
        .limit(1)
    ).scalar_one()
    own_application = db.session.execute(
        sa.select(Application.id).where(
            Application.event_id == review_event.id, Application.enterprise_id == first_id
        )
    ).scalar_one()
    db.session.commit()
    return {
        "review_event": review_event.id,
        "burst_events": [burst.id for burst in burst_events],
        "demo_event": demo_event,
        "own_application": own_application,
    }


CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CONSENT = re.compile(r'name="consent_version"[^>]*value="([^"]*)"')


def sign_in(app, email: str, apply_to: int | None) -> tuple[str, str, str]:
    """The session cookie of ``email`` signed in through the sign-in page, the CSRF token
    of the application form of event ``apply_to`` and its notice version."""
    from urllib.parse import urlsplit

    base = app.config["BASE_URL"]
    client = app.test_client()
    # Sessions are bound to the browser (Flask-Login's strong protection): wrk sends the same.
    client.environ_base["HTTP_USER_AGENT"] = USER_AGENT
    app.config["WTF_CSRF_ENABLED"] = False  # the form is posted as a browser would, but once
    answer = client.post(
        "/account/login", data={"email": email, "password": PASSWORD}, base_url=base
    )
    assert answer.status_code == 302, (email, answer.status_code)
    app.config["WTF_CSRF_ENABLED"] = True
    token = version = ""
    if apply_to is not None:
        page = client.get(f"/events/{apply_to}/apply", base_url=base)
        assert page.status_code == 200, (page.status_code, page.get_data(as_text=True)[-3000:])
        text = page.get_data(as_text=True)
        token = CSRF.search(text).group(1)
        version = CONSENT.search(text).group(1)
    cookie = client.get_cookie(
        app.config.get("SESSION_COOKIE_NAME", "session"), domain=urlsplit(base).hostname
    )
    assert cookie is not None
    return f"{cookie.key}={cookie.value}", token, version


def application_body(token: str, version: str) -> str:
    from urllib.parse import urlencode

    return urlencode(
        {
            "csrf_token": token,
            "delegates-0-name_zh": "张三",
            "delegates-0-name_latin": "ZHANG San",
            "delegates-0-title": "经理",
            "delegates-0-mobile": "13800000000",
            "delegates-0-email": "zhang@bench.example",
            "booths_requested": "1",
            "exhibits": "Pumps",
            "consent": "y",
            "consent_version": version,
        }
    )


# --- the servers and the client ----------------------------------------------------------


@contextlib.contextmanager
def served(command: list[str], env: dict[str, str], port: int, log: Path) -> Iterator[None]:
    with log.open("w") as output:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{command[0]} stopped: see {log}\n{log.read_text()[-2000:]}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"nothing listens on {port}: see {log}")
            time.sleep(0.2)
        yield
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wrk(args, script: Path, url: str, *, headers=(), duration: str, extra=(), threads=None) -> dict:
    command = [
        "wrk",
        f"--threads={threads or args.threads}",
        f"--connections={args.connections}",
        f"--duration={duration}",
        "--timeout=10s",
        f"--script={script}",
    ]
    for header in headers:
        command += ["--header", header]
    command += ["--header", f"User-Agent: {USER_AGENT}", url, *extra]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    for line in done.stdout.splitlines():
        if line.startswith("WRKJSON "):
            return json.loads(line[len("WRKJSON ") :])
    raise RuntimeError(f"wrk said:\n{done.stdout}\n{done.stderr}")


def measure(args, script: Path, servers: dict[str, int], path: Path_, duration: float) -> None:
    result = wrk(
        args,
        script,
        f"http://127.0.0.1:{servers[path.server]}{path.url}",
        headers=path.headers,
        duration=f"{round(duration)}s",
    )
    path.rates.append(result["requests"] / (result["duration_us"] / 1e6))
    path.p95s.append(result["p95"] / 1000)
    path.errors += result["status_errors"] + result["socket_errors"]


def burst(args, script: Path, servers, run: Burst, number: int, workdir: Path, count) -> None:
    event_id = run.event_ids[number]
    requests = workdir / f"burst-{run.server}-{number}.txt"
    requests.write_text(
        "".join(f"/events/{event_id}/apply\t{cookie}\t{body}\n" for cookie, body in run.lines)
    )
    result = wrk(
        args,
        script,
        f"http://127.0.0.1:{servers[run.server]}/",
        duration="600s",  # a bound: wrk stops once each enterprise has been answered
        extra=["--", str(requests), "1"],
        threads=1,
    )
    approved, capacity, made = count(event_id)
    # The applications made, over the time from the first request to the last answer.
    run.rates.append(min(made, result["requests"]) / result["seconds"])
    run.p95s.append(result["p95"] / 1000)
    run.refused += result["requests"] - result["redirected"]
    run.approved.append(approved)
    run.overbooked.append(max(approved - capacity, 0))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="interleaved runs (medians)")
    parser.add_argument("--duration", type=int, default=5, help="seconds per page and run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk's threads")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers, both apps")
    parser.add_argument("--enterprises", type=int, default=1200, help="applying in a burst")
    parser.add_argument("--booths", type=int, default=50, help="a burst event's capacity")
    parser.add_argument("--applications", type=int, default=5000, help="on the review list")
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="benchpg")
    parser.add_argument("--bare-database", default="benchbare")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/11")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs)")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is missing: apt-get install wrk (make bench installs it)", file=sys.stderr)
        return 1
    args.database_url = f"{args.postgres}/{args.database}"
    bare_url = f"{args.postgres}/{args.bare_database}"
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="expo-bench-web-"))
    try:
        return _run(args, bare_url, workdir, started)
    finally:
        if args.keep:
            print(f"work folder kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def _run(args, bare_url: str, workdir: Path, started: float) -> int:
    import sqlalchemy as sa

    recreate_database(f"{args.postgres}/postgres", args.database)
    recreate_database(f"{args.postgres}/postgres", args.bare_database)
    bursts = args.runs + 1  # one to warm up
    bare_web.create_tables(bare_url, events=2 * bursts, capacity=args.booths)
    ports = {"expo": free_port(), "expo-redis": free_port(), "bare": free_port()}
    env = expo_environment(args, workdir, ports["expo"], redis=False)
    flask = [str(Path(sys.executable).parent / "flask"), "--app", "expo"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)

    # The app made here to seed and sign in reads the same settings as the served one.
    os.environ.update({k: v for k, v in env.items() if k in SETTINGS})
    from expo import create_app

    app = create_app({"RATE_LIMITS_ENABLED": False})
    with app.app_context():
        ids = seed(args, 2 * bursts)
    print(f"seeded in {time.monotonic() - started:.0f} s", file=sys.stderr)
    # Outside the app context: each request has its own (Flask-Login keeps the user in g).
    organizer, _, _ = sign_in(app, "organizer@bench.example", None)
    lines = []
    for number in range(args.enterprises):
        cookie, token, version = sign_in(app, f"user{number}@bench.example", ids["burst_events"][0])
        lines.append((cookie, application_body(token, version)))
    print(f"signed in in {time.monotonic() - started:.0f} s", file=sys.stderr)
    from expo.events.models import Event
    from expo.extensions import db
    from expo.registrations.models import Application

    def count_expo(event_id: int) -> tuple[int, int, int]:
        """The approved booths, the capacity, the applications made."""
        with app.app_context():
            approved = db.session.execute(
                sa.select(sa.func.coalesce(sa.func.sum(Application.booths_requested), 0)).where(
                    Application.event_id == event_id, Application.status == "approved"
                )
            ).scalar_one()
            made = db.session.execute(
                sa.select(sa.func.count()).where(Application.event_id == event_id)
            ).scalar_one()
            return approved, db.session.get(Event, event_id).capacity, made

    def count_bare(event_id: int) -> tuple[int, int, int]:
        approved, made = bare_web.approved_count(bare_url, event_id)
        return approved, args.booths, made

    user = lines[0][0]
    paths = [
        Path_("bare 20-row page", "bare", "/rows?n=20"),
        Path_("catalogue (zh)", "expo", "/events", ["Accept-Language: zh"], "bare 20-row page"),
        Path_("catalogue (en)", "expo", "/events", ["Accept-Language: en"], "bare 20-row page"),
        Path_("event page", "expo", f"/events/{ids['demo_event']}", [], "bare 20-row page"),
        Path_(
            "application page",
            "expo",
            f"/applications/{ids['own_application']}",
            [f"Cookie: {user}"],
            "bare 20-row page",
        ),
        Path_("/verify", "expo", "/verify", [], "bare 20-row page"),
        Path_("bare 50-row page", "bare", "/rows?n=50"),
        Path_(
            "review list",
            "expo",
            f"/manage/events/{ids['review_event']}/applications",
            [f"Cookie: {organizer}"],
            "bare 50-row page",
        ),
    ]
    burst_events = ids["burst_events"]
    bare_lines = [("", f"enterprise={number + 1}") for number in range(args.enterprises)]
    runs = [
        Burst("bare locked insert", "bare", list(range(1, bursts + 1)), bare_lines),
        Burst("burst, SQLite queue", "expo", burst_events[:bursts], lines, "bare locked insert"),
        Burst(
            "bare locked insert (2)",
            "bare",
            list(range(bursts + 1, 2 * bursts + 1)),
            bare_lines,
        ),
        Burst("burst, Redis", "expo-redis", burst_events[bursts:], lines, "bare locked insert (2)"),
    ]
    report_lua = workdir / "report.lua"
    report_lua.write_text(REPORT_LUA)
    burst_lua = workdir / "burst.lua"
    burst_lua.write_text(BURST_LUA)
    gunicorn = [
        str(Path(sys.executable).parent / "gunicorn"),
        "-c",
        "deploy/gunicorn.conf.py",
    ]
    bare_env = {
        **os.environ,
        "BARE_DATABASE_URL": bare_url,
        "EXPO_BIND": f"127.0.0.1:{ports['bare']}",
        "EXPO_WEB_WORKERS": str(args.workers),
    }
    counts = {"bare": count_bare, "expo": count_expo, "expo-redis": count_expo}
    with contextlib.ExitStack() as stack:
        stack.enter_context(
            served([*gunicorn, "wsgi:app"], env, ports["expo"], workdir / "expo.log")
        )
        stack.enter_context(
            served(
                [*gunicorn, "wsgi:app"],
                expo_environment(args, workdir, ports["expo-redis"], redis=True),
                ports["expo-redis"],
                workdir / "expo-redis.log",
            )
        )
        stack.enter_context(
            served(
                [*gunicorn, "--pythonpath", "benchmarks", "bare_web:app"],
                bare_env,
                ports["bare"],
                workdir / "bare.log",
            )
        )
        # Warm every worker: templates compiled, caches filled, connections open.
        for path in paths:
            measure(args, report_lua, ports, path, 1)
            path.rates.clear(), path.p95s.clear()
            path.errors = 0
        for run in runs:  # a tenth of the enterprises is enough to warm the workers
            warm = Burst(run.name, run.server, run.event_ids, run.lines[: len(run.lines) // 10])
            burst(args, burst_lua, ports, warm, 0, workdir, counts[run.server])
        for number in range(1, args.runs + 1):
            for path in paths:
                measure(args, report_lua, ports, path, args.duration)
            for run in runs:
                burst(args, burst_lua, ports, run, number, workdir, counts[run.server])
            print(f"run {number} done at {time.monotonic() - started:.0f} s", file=sys.stderr)
    report(args, paths, runs, time.monotonic() - started)
    return 0


def report(args, paths: list[Path_], runs: list[Burst], elapsed: float) -> None:
    medians = {item.name: statistics.median(item.rates) for item in [*paths, *runs]}
    print(f"# Web paths, {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}")
    print(f"machine: {machine()}")
    print(
        f"gunicorn -c deploy/gunicorn.conf.py, {args.workers} workers, both apps; PostgreSQL; "
        f"wrk {args.threads} threads, {args.connections} connections, {args.duration:g} s a "
        f"page; medians of {args.runs} interleaved runs; bursts: {args.enterprises} "
        f"enterprises, {args.booths} booths; review list: {args.applications} applications; "
        f"{elapsed:.0f} s in all"
    )
    print()
    print("| path | req/s (median) | p95 ms | against | ratio | goal |")
    print("|---|---:|---:|---|---:|---|")
    verdicts = []
    for item in [*paths, *runs]:
        rate = medians[item.name]
        p95 = statistics.median(item.p95s)
        if item.baseline is None:
            print(f"| {item.name} | {rate:.0f} | {p95:.0f} | | | |")
            continue
        ratio = rate / medians[item.baseline]
        goal = GOALS.get(item.name)
        verdict = ""
        if goal is not None:
            met = ratio >= goal
            if isinstance(item, Burst):
                met = met and max(item.overbooked) == 0 and p95 <= GOAL_BURST_P95_MS
                verdict = f"≥ {goal}×, 0 overbooked, p95 ≤ {GOAL_BURST_P95_MS} ms: "
            else:
                verdict = f"≥ {goal}×: "
            verdict += "met" if met else "NOT met"
            verdicts.append(met)
        baseline = item.baseline.replace(" (2)", "")
        print(f"| {item.name} | {rate:.0f} | {p95:.0f} | {baseline} | {ratio:.2f} | {verdict} |")
    print()
    for item in paths:
        if item.errors:
            print(f"{item.name}: {item.errors} requests failed")
    for run in runs:
        print(
            f"{run.name}: approved booths per run {run.approved} (capacity {args.booths}), "
            f"overbooked {max(run.overbooked)}; answers other than a redirect: {run.refused}"
        )
    print(f"\ngoals: {sum(verdicts)} of {len(verdicts)} met")


if __name__ == "__main__":
    raise SystemExit(main())

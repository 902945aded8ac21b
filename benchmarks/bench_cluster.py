"""Several hosts behind nginx, all on this machine's loopback: what one host cannot show.

    make cluster-test            # installs nginx if missing, then runs this with --require-nginx
    .venv/bin/python benchmarks/bench_cluster.py --record   # and writes docs/benchmarks.md

The production layout of deploy/ (deploy/README.md), started in a temporary folder:

- nginx, in the foreground, from deploy/nginx/expo.conf itself: the upstream's addresses,
  the server name, the certificate (made here, self-signed) and the static root replaced
  by loopback values, nothing else changed;
- two gunicorn "hosts" (deploy/gunicorn.conf.py) on two ports, each with its own instance
  folder (EXPO_INSTANCE_PATH) and access log, and two job-worker "hosts"
  (``flask --app expo worker``), each with its own instance folder and log;
- one throwaway PostgreSQL database (migrated, then seeded), one Redis database number
  (emptied before and after), one documents directory: what the hosts share.

The checks, each printed PASS or FAIL (the exit status is 1 if any failed):

1. a burst of enterprises, signed in beforehand, applying at once through nginx to a
   first-come event: both hosts answered, approved = capacity, nothing lost or doubled;
2. a session begun on host A is used on host B, and B's CSRF token is accepted by A;
3. a certificate job whose parts are taken by both worker hosts: each part once, the
   serials contiguous, one bundle holding every certificate;
4. the /verify and sign-in rate limits, asked of the hosts in turn, refuse at the same
   total as on one host;
5. host A killed (SIGKILL) in the middle of a burst: nginx passes GETs and unsent POSTs to
   host B, never a POST A may have received; every POST answered 2xx/3xx is in the
   database once, none is doubled, and B carries on alone.
"""

from __future__ import annotations

import argparse
import functools
import html
import http.client
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import zipfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_documents import machine  # noqa: E402

NGINX_SITE = ROOT / "deploy" / "nginx" / "expo.conf"
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"
BENCHMARKS_MD = ROOT / "docs" / "benchmarks.md"
SECTION = "## Several hosts"
PASSWORD = "cluster-password-123"
HOSTS = ("a", "b")
# A line of the access log nginx_main() asks for.
LOGGED = re.compile(
    r"^(?P<method>\S+) (?P<uri>\S+) (?P<status>\d+) "
    r"upstream=(?P<upstreams>.*) statuses=(?P<statuses>.*)$"
)


# --- results ----------------------------------------------------------------------------


@dataclass
class Report:
    checks: list[tuple[str, bool, str]] = field(default_factory=list)
    figures: list[tuple[str, str]] = field(default_factory=list)

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        self.checks.append((name, ok, detail))
        print(f"{'PASS' if ok else 'FAIL'}  {name}{f': {detail}' if detail else ''}", flush=True)
        return ok

    def figure(self, name: str, value: str) -> None:
        self.figures.append((name, value))
        print(f"      {name}: {value}", flush=True)

    @property
    def passed(self) -> bool:
        return all(ok for _, ok, _ in self.checks)


# --- a small HTTP client with a cookie jar ------------------------------------------------


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    text: str

    @property
    def location(self) -> str:
        return self.headers.get("location", "")


class Browser:
    """One person's cookies, sent to whichever address it is pointed at."""

    def __init__(self, scheme: str, port: int, *, context=None, forwarded_for: str = ""):
        self.scheme, self.port, self.context = scheme, port, context
        self.forwarded_for = forwarded_for
        self.cookies: dict[str, str] = {}

    def at(self, scheme: str, port: int) -> Browser:
        """The same person (the same cookie jar) asking another address."""
        other = Browser(scheme, port, context=self.context, forwarded_for=self.forwarded_for)
        other.cookies = self.cookies
        return other

    @property
    def origin(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def request(self, method: str, path: str, data: dict | None = None) -> Response:
        if self.scheme == "https":
            connection: http.client.HTTPConnection = http.client.HTTPSConnection(
                "127.0.0.1", self.port, context=self.context, timeout=60
            )
        else:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Host": f"127.0.0.1:{self.port}", "User-Agent": "bench-cluster"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.forwarded_for:  # straight to a web host: as nginx would say it
            headers["X-Forwarded-For"] = self.forwarded_for
        body = None
        if data is not None:
            body = urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"{self.origin}{path}"  # CSRF over HTTPS checks it
        try:
            connection.request(method, path, body=body, headers=headers)
            raw = connection.getresponse()
            text = raw.read().decode("utf-8", "replace")
            for name, value in raw.getheaders():
                if name.lower() == "set-cookie":
                    self._remember(value)
            return Response(raw.status, {k.lower(): v for k, v in raw.getheaders()}, text)
        finally:
            connection.close()

    def _remember(self, header: str) -> None:
        cookie = SimpleCookie()
        cookie.load(header)
        for name, morsel in cookie.items():
            if not morsel.value or morsel["max-age"] == "0":
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = morsel.value

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, data: dict) -> Response:
        return self.request("POST", path, data)


def hidden(page: str, name: str) -> str:
    """The value of the form field ``name`` on the page."""
    for tag in re.findall(r"<input\b[^>]*>", page):
        if re.search(rf'\bname="{re.escape(name)}"', tag):
            value = re.search(r'\bvalue="([^"]*)"', tag)
            return html.unescape(value.group(1)) if value else ""
    raise LookupError(f"no field {name!r} on the page")


def sign_in(browser: Browser, email: str, password: str = PASSWORD) -> Response:
    token = hidden(browser.get("/account/login").text, "csrf_token")
    return browser.post(
        "/account/login", {"email": email, "password": password, "csrf_token": token}
    )


def application_form(browser: Browser, event_id: int, number: int) -> dict[str, str]:
    """The apply page's hidden values and one delegate, as a person would fill it in."""
    page = browser.get(f"/events/{event_id}/apply").text
    return {
        "csrf_token": hidden(page, "csrf_token"),
        "consent_version": hidden(page, "consent_version"),
        "consent": "y",
        "booths_requested": "1",
        "exhibits": "川茶",
        "delegates-0-name_zh": "张三",
        "delegates-0-name_latin": "ZHANG San",
        "delegates-0-title": "总经理",
        "delegates-0-mobile": "13800000001",
        "delegates-0-email": f"delegate{number}@example.com",
        "delegates-0-passport_number": f"E{number:08d}",
    }


# --- processes --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{what}: not ready after {timeout:.0f} s")


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log: Path

    def kill(self) -> None:
        """SIGKILL to the whole process group: the master and every worker at once."""
        try:
            os.killpg(self.popen.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.popen.wait()

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
        if self.popen.poll() is not None:
            return
        try:
            os.killpg(self.popen.pid, sig)
            self.popen.wait(timeout)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            self.kill()


def start(name: str, command: list[str], env: dict[str, str], log: Path) -> Process:
    handle = log.open("ab")
    popen = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
    )
    handle.close()
    return Process(name, popen, log)


def venv_tool(name: str) -> str:
    return str(Path(sys.executable).parent / name)


# --- nginx from the deploy site ---------------------------------------------------------


def nginx_site(ports: dict[str, int], http_port: int, https_port: int, tls: Path) -> str:
    """deploy/nginx/expo.conf with this machine's loopback values in place of the site's."""
    site = NGINX_SITE.read_text()
    replacements = [
        ("10.0.0.11:8000", f"127.0.0.1:{ports['a']}"),
        ("10.0.0.12:8000", f"127.0.0.1:{ports['b']}"),
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("listen [::]:80;", ""),
        ("listen 443 ssl", f"listen 127.0.0.1:{https_port} ssl"),
        ("listen [::]:443 ssl http2;", ""),
        ("server_name expo.example.gov.cn;", "server_name 127.0.0.1;"),
        ("https://$host$request_uri", f"https://$host:{https_port}$request_uri"),
        ("/etc/ssl/expo/fullchain.pem", str(tls / "fullchain.pem")),
        ("/etc/ssl/expo/privkey.pem", str(tls / "privkey.pem")),
        ("alias /srv/expo/static/;", f"alias {ROOT / 'static'}/;"),
        ("root /var/www/letsencrypt;", f"root {tls};"),
    ]
    for old, new in replacements:
        if old not in site:
            raise RuntimeError(f"{NGINX_SITE} no longer says {old!r}: update bench_cluster.py")
        site = site.replace(old, new)
    return site


def nginx_main(prefix: Path, site: Path) -> str:
    """What Debian's /etc/nginx/nginx.conf gives a site, in a folder of its own. The access
    log names the host(s) each request went to, so retries can be counted."""
    user = ""
    if os.geteuid() == 0:  # nginx's workers would otherwise drop to nobody
        user = f"user {pwd.getpwuid(0).pw_name};"
    temp = "\n".join(
        f"    {kind}_temp_path {prefix / kind};" for kind in ("client_body", "proxy", "fastcgi")
    )
    return f"""{user}
daemon off;
master_process on;
worker_processes 2;
pid {prefix / "nginx.pid"};
error_log {prefix / "error.log"} warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    log_format cluster '$request_method $uri $status '
                       'upstream=$upstream_addr statuses=$upstream_status';
    access_log {prefix / "access.log"} cluster;
{temp}
    uwsgi_temp_path {prefix / "uwsgi"};
    scgi_temp_path {prefix / "scgi"};
    include {site};
}}
"""


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (path for path in ("/usr/sbin/nginx",) if os.access(path, os.X_OK)), None
    )


def self_signed(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", str(folder / "privkey.pem"), "-out", str(folder / "fullchain.pem"),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip


# --- the shared data --------------------------------------------------------------------


@dataclass
class Seeded:
    burst_event: int
    kill_event: int
    certificate_event: int
    burst_emails: list[str]
    kill_emails: list[str]
    organizer: str
    member: str


def seed(args) -> Seeded:
    """The events and accounts, written once through the models (as the tests' factories
    write them) before any host starts."""
    from expo import create_app
    from expo.extensions import db
    from tests import factories

    app = create_app()
    with app.app_context():
        factories._password_hash(PASSWORD)  # one scrypt hash for every account
        burst = factories.open_event(
            moderation="first_come", capacity=args.capacity, max_delegates=1
        )
        kill = factories.open_event(
            moderation="first_come", capacity=args.kill_requests, max_delegates=1
        )

        def accounts(prefix: str, count: int) -> list[str]:
            emails = []
            for number in range(count):
                email = f"{prefix}{number}@cluster.example.com"
                factories.make_enterprise_user(password=PASSWORD, email=email)
                emails.append(email)
            return emails

        burst_emails = accounts("burst", args.enterprises)
        kill_emails = accounts("kill", args.kill_requests)
        organizer = factories.make_user(
            "organizer", password=PASSWORD, email="organizer@cluster.example.com"
        )
        member = factories.make_enterprise_user(
            password=PASSWORD, email="member@cluster.example.com"
        )

        certificate_event = factories.open_event(capacity=args.certificates + 5)
        applications = [
            factories.make_application(certificate_event) for _ in range(args.certificates)
        ]
        factories.held(certificate_event)
        for application in applications:
            factories.check_in(application)
        db.session.commit()
        return Seeded(
            burst.id,
            kill.id,
            certificate_event.id,
            burst_emails,
            kill_emails,
            organizer.email,
            member.email,
        )


@functools.cache
def reading_app():
    from expo import create_app

    return create_app()


def database_rows(sql: str, **params):
    import sqlalchemy as sa

    from expo.extensions import db

    with reading_app().app_context():
        rows = db.session.execute(sa.text(sql), params).all()
        db.session.remove()
        return rows


def applications_by_email(event_id: int) -> Counter:
    rows = database_rows(
        "SELECT u.email FROM applications a JOIN users u ON u.enterprise_id = a.enterprise_id"
        " WHERE a.event_id = :event",
        event=event_id,
    )
    return Counter(email for (email,) in rows)


# --- the checks -------------------------------------------------------------------------


def access_lines(log: Path, needle: str) -> int:
    if not log.exists():
        return 0
    return sum(1 for line in log.read_text().splitlines() if needle in line)


def ready_browsers(emails: list[str], port: int, context, event_id: int, offset: int):
    """Everyone signed in through nginx and on the apply page, its form in hand."""

    def prepare(item):
        number, email = item
        browser = Browser("https", port, context=context)
        answer = sign_in(browser, email)
        if answer.status != 302:
            raise RuntimeError(f"{email} could not sign in: {answer.status}")
        return browser, application_form(browser, event_id, offset + number)

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(prepare, enumerate(emails)))


def check_burst(report: Report, ctx) -> None:
    seeded, args = ctx.seeded, ctx.args
    path = f"/events/{seeded.burst_event}/apply"
    ready = ready_browsers(seeded.burst_emails, ctx.https_port, ctx.tls, seeded.burst_event, 0)
    before = {host: access_lines(ctx.access_log(host), f'"POST {path}') for host in HOSTS}
    barrier = threading.Barrier(len(ready))
    times: list[float] = []

    def apply(item) -> Response:
        browser, form = item
        barrier.wait()
        started = time.perf_counter()
        answer = browser.post(path, form)
        times.append(time.perf_counter() - started)
        return answer

    started = time.perf_counter()
    with ThreadPoolExecutor(len(ready)) as pool:
        answers = list(pool.map(apply, ready))
    wall = time.perf_counter() - started
    served = {
        host: access_lines(ctx.access_log(host), f'"POST {path}') - before[host] for host in HOSTS
    }
    statuses = Counter(answer.status for answer in answers)
    rows = database_rows(
        "SELECT status, count(*), coalesce(sum(booths_requested), 0) FROM applications"
        " WHERE event_id = :event GROUP BY status",
        event=seeded.burst_event,
    )
    by_status = {status: (count, booths) for status, count, booths in rows}
    approved, approved_booths = by_status.get("approved", (0, 0))
    per_email = applications_by_email(seeded.burst_event)
    redirected = sum(
        1 for answer in answers if answer.status == 302 and "/applications/" in answer.location
    )

    report.figure("burst", f"{len(ready)} applications at once, {args.capacity} booths")
    report.figure(
        "burst wall time",
        f"{wall:.2f} s (per request: median {statistics.median(times):.2f} s, "
        f"max {max(times):.2f} s)",
    )
    report.figure("burst served by", ", ".join(f"host {h}: {served[h]}" for h in HOSTS))
    report.figure("burst answers", dict_text(statuses))
    report.figure(
        "burst applications",
        ", ".join(f"{status} {count}" for status, (count, _) in sorted(by_status.items())),
    )
    report.check(
        "burst through nginx reached both hosts",
        all(served[h] > 0 for h in HOSTS) and sum(served.values()) == len(ready),
        ", ".join(f"{h}={served[h]}" for h in HOSTS),
    )
    report.check(
        "burst: approved = capacity, 0 overbooked",
        approved == args.capacity and approved_booths <= args.capacity,
        f"approved {approved} ({approved_booths} booths) of {args.capacity}",
    )
    report.check(
        "burst: every enterprise's application saved once, none lost or doubled",
        redirected == len(ready)
        and sorted(per_email) == sorted(seeded.burst_emails)
        and set(per_email.values()) == {1},
        f"{redirected} redirected to their application, {sum(per_email.values())} rows",
    )


def check_session(report: Report, ctx) -> None:
    on_a = Browser("http", ctx.ports["a"])
    on_b = on_a.at("http", ctx.ports["b"])
    signed_in = sign_in(on_a, ctx.seeded.member).status == 302
    profile = on_b.get("/account/")
    seen_on_b = profile.status == 200 and ctx.seeded.member in profile.text
    token_from_b = hidden(profile.text, "csrf_token") if seen_on_b else ""
    signed_out = on_a.post("/account/logout", {"csrf_token": token_from_b}).status == 302
    after = on_b.get("/account/")
    gone = after.status == 302 and "/account/login" in after.location
    report.check(
        "a session begun on host A is used on host B",
        signed_in and seen_on_b and signed_out and gone,
        "; ".join(
            f"{step}{'' if done else ': NO'}"
            for step, done in (
                ("signed in on A", signed_in),
                ("B shows the profile", seen_on_b),
                ("B's CSRF token signs out on A", signed_out),
                ("then B asks to sign in", gone),
            )
        ),
    )


def parts_run(log: Path) -> list[str]:
    if not log.exists():
        return []
    return re.findall(r"Executing \S*expo\.jobs\.run_part: (\S+)", log.read_text())


def check_certificates(report: Report, ctx) -> None:
    seeded, args = ctx.seeded, ctx.args
    organizer = Browser("https", ctx.https_port, context=ctx.tls)
    sign_in(organizer, seeded.organizer)
    page = organizer.get(f"/manage/events/{seeded.certificate_event}/applications")
    started = time.perf_counter()
    answer = organizer.post(
        f"/manage/events/{seeded.certificate_event}/jobs/certificates",
        {"csrf_token": hidden(page.text, "csrf_token")},
    )
    match = re.search(r"/jobs/(\d+)", answer.location)
    if answer.status != 302 or not match:
        report.check("certificate job started through nginx", False, f"{answer.status}")
        return
    job_id = int(match.group(1))
    status = "queued"
    deadline = time.monotonic() + args.job_timeout
    while time.monotonic() < deadline:
        status = database_rows("SELECT status FROM document_jobs WHERE id = :id", id=job_id)[0][0]
        if status not in ("queued", "running"):
            break
        time.sleep(0.25)
    wall = time.perf_counter() - started
    job = database_rows(
        "SELECT status, total, done, failed, zip_sha256, error FROM document_jobs WHERE id = :id",
        id=job_id,
    )[0]
    numbers = [
        number
        for (number,) in database_rows(
            "SELECT c.serial_number FROM certificates c JOIN applications a"
            " ON a.id = c.application_id WHERE a.event_id = :event ORDER BY c.serial_number",
            event=seeded.certificate_event,
        )
    ]
    per_application = database_rows(
        "SELECT count(*) FROM certificates c JOIN applications a ON a.id = c.application_id"
        " WHERE a.event_id = :event GROUP BY c.application_id HAVING count(*) > 1",
        event=seeded.certificate_event,
    )
    time.sleep(0.5)  # the last "executed" line reaches the log
    parts = {host: parts_run(ctx.worker_log(host)) for host in HOSTS}
    every_part = [part for host in HOSTS for part in parts[host]]
    expected_parts = -(-args.certificates // args.part_size)
    bundles = [
        path
        for path in ctx.documents.rglob("*")
        if path.is_file() and path.read_bytes()[:2] == b"PK"
    ]
    in_bundle = 0
    if job.zip_sha256:
        bundle = ctx.documents / job.zip_sha256[:2] / job.zip_sha256[2:4] / f"{job.zip_sha256}.pdf"
        with zipfile.ZipFile(bundle) as archive:
            in_bundle = sum(1 for name in archive.namelist() if name.endswith(".pdf"))

    report.figure("certificate job", f"{args.certificates} certificates, parts of {args.part_size}")
    report.figure("certificate job wall time", f"{wall:.1f} s (queued to done, through nginx)")
    report.figure("parts taken", ", ".join(f"worker {h}: {len(parts[h])}" for h in HOSTS))
    report.check(
        "certificate job done",
        job.status == "done" and job.done == args.certificates and job.failed == 0,
        f"{job.status}, {job.done}/{job.total} done, {job.failed} failed {job.error[:200]}".strip(),
    )
    report.check(
        "its parts were taken by both worker hosts, each part once",
        all(parts[h] for h in HOSTS) and len(every_part) == len(set(every_part)) == expected_parts,
        f"{', '.join(f'{h}={len(parts[h])}' for h in HOSTS)} of {expected_parts} parts",
    )
    contiguous = bool(numbers) and numbers == list(range(numbers[0], numbers[0] + len(numbers)))
    report.check(
        "serials contiguous, one certificate per application",
        contiguous and len(numbers) == args.certificates and not per_application,
        f"{len(numbers)} serials, numbers {numbers[0] if numbers else '-'} to "
        f"{numbers[-1] if numbers else '-'}",
    )
    report.check(
        "one bundle with every certificate",
        len(bundles) == 1 and in_bundle == args.certificates,
        f"{len(bundles)} ZIP(s) in the shared store, {in_bundle} certificates in it",
    )


def check_rate_limits(report: Report, ctx) -> None:
    """Straight to the hosts in turn, as nginx would pass them on (X-Forwarded-For)."""
    limit = 30
    client = "198.51.100.7"
    answers = []
    for number in range(limit + 4):
        host = HOSTS[number % 2]
        browser = Browser("http", ctx.ports[host], forwarded_for=client)
        answers.append((host, browser.get(f"/verify/not-a-code-{number}").status))
    allowed = [host for host, status in answers if status != 429]
    first_refused = next((i + 1 for i, (_, s) in enumerate(answers) if s == 429), None)
    report.check(
        "/verify limit holds across hosts",
        len(allowed) == limit and first_refused == limit + 1,
        f"{len(allowed)} answered ({Counter(allowed)['a']} by A, {Counter(allowed)['b']} by B), "
        f"request {first_refused} refused with 429 (limit {limit} per minute)",
    )

    attempts = 5
    person = Browser("http", ctx.ports["a"], forwarded_for="198.51.100.8")
    token = hidden(person.get("/account/login").text, "csrf_token")
    answers = []
    for number in range(attempts + 3):
        host = HOSTS[number % 2]
        answer = person.at("http", ctx.ports[host]).post(
            "/account/login",
            {"email": ctx.seeded.member, "password": "wrong-password", "csrf_token": token},
        )
        answers.append((host, answer.status))
    allowed = [host for host, status in answers if status != 429]
    first_refused = next((i + 1 for i, (_, s) in enumerate(answers) if s == 429), None)
    report.check(
        "sign-in limit holds across hosts",
        len(allowed) == attempts and first_refused == attempts + 1,
        f"{len(allowed)} wrong passwords heard ({Counter(allowed)['a']} by A, "
        f"{Counter(allowed)['b']} by B), attempt {first_refused} refused with 429 "
        f"(limit {attempts} per minute per account)",
    )


def check_kill(report: Report, ctx) -> None:
    seeded, args = ctx.seeded, ctx.args
    path = f"/events/{seeded.kill_event}/apply"
    ready = ready_browsers(seeded.kill_emails, ctx.https_port, ctx.tls, seeded.kill_event, 100_000)
    nginx_log = ctx.nginx / "access.log"
    log_start = nginx_log.stat().st_size
    b_before = access_lines(ctx.access_log("b"), '"POST ')
    kill_at = int(len(ready) * args.kill_after)
    gets: list[int] = []
    stop_reading = threading.Event()

    def reader() -> None:  # someone reading the event page all along
        browser = Browser("https", ctx.https_port, context=ctx.tls)
        while not stop_reading.is_set():
            try:
                gets.append(browser.get(f"/events/{seeded.kill_event}").status)
            except OSError:
                gets.append(0)

    def apply(item) -> int:
        browser, form = item
        try:
            return browser.post(path, form).status
        except OSError:
            return 0

    readers = [threading.Thread(target=reader) for _ in range(2)]
    for thread in readers:
        thread.start()
    started = time.perf_counter()
    killed_at = 0.0
    with ThreadPoolExecutor(16) as pool:
        futures = []
        for number, item in enumerate(ready):
            if number == kill_at:
                ctx.web["a"].kill()
                killed_at = time.perf_counter() - started
            futures.append(pool.submit(apply, item))
            time.sleep(args.pace)
        first = [future.result() for future in futures]
    wall = time.perf_counter() - started
    time.sleep(1)
    stop_reading.set()
    for thread in readers:
        thread.join()

    per_email = applications_by_email(seeded.kill_event)
    outcome = list(zip(seeded.kill_emails, first, strict=True))
    answered = [email for email, status in outcome if 200 <= status < 400]
    unanswered = [email for email, status in outcome if not 200 <= status < 400]
    saved_anyway = sum(per_email[email] for email in unanswered)
    # The people whose page said "something went wrong" send their form again.
    again = {}
    for (browser, form), (email, status) in zip(ready, outcome, strict=True):
        if not 200 <= status < 400:
            again[email] = browser.post(path, form).status
    after_retry = applications_by_email(seeded.kill_event)

    with nginx_log.open() as handle:
        handle.seek(log_start)
        logged = [LOGGED.match(line) for line in handle.read().splitlines()]
    requests = [(m["method"], int(m["status"]), m["upstreams"].count(",") + 1) for m in logged if m]
    passed_on = Counter(method for method, _, upstreams in requests if upstreams > 1)
    lost_posts = [upstreams for method, status, upstreams in requests
                  if method == "POST" and status >= 500]  # fmt: skip
    errors = (ctx.nginx / "error.log").read_text().splitlines()
    errors = [line for line in errors if "[error]" in line]
    refused_posts = sum(1 for line in errors if "connect() failed" in line and '"POST ' in line)
    cut_posts = sum(1 for line in errors if "connect() failed" not in line and '"POST ' in line)
    b_after = access_lines(ctx.access_log("b"), '"POST ')
    front = Browser("https", ctx.https_port, context=ctx.tls)
    survivor = [front.get("/").status for _ in range(10)]

    report.figure(
        "kill",
        f"{len(ready)} applications sent {args.pace * 1000:.0f} ms apart, host A killed "
        f"(SIGKILL) before number {kill_at + 1}, {killed_at:.2f} s in; wall time {wall:.2f} s",
    )
    report.figure("kill: POST answers", dict_text(Counter(first)))
    report.figure("kill: GET answers meanwhile", dict_text(Counter(gets)))
    report.figure(
        "kill: passed on to host B by nginx",
        f"{passed_on.get('GET', 0)} GET, {passed_on.get('POST', 0)} POST "
        f"(nginx's error log: {refused_posts} POST refused a connection, so never sent; "
        f"{cut_posts} POST cut off after sending)",
    )
    report.figure(
        "kill: answered 502, then sent again by the person",
        f"{len(unanswered)}, of which {saved_anyway} had been saved by host A before it died; "
        f"sent again: {dict_text(Counter(again.values())) or 'none'}",
    )
    report.check(
        "kill: every POST answered 2xx/3xx is in the database once",
        all(per_email[email] == 1 for email in answered),
        f"{len(answered)} answered, {sum(per_email[e] == 1 for e in answered)} found once",
    )
    report.check(
        "kill: no application doubled, none lost once sent again",
        max(after_retry.values(), default=0) == 1
        and sorted(after_retry) == sorted(seeded.kill_emails),
        f"{len(unanswered)} not answered at first; after sending again "
        f"{sum(after_retry.values())} rows for {len(seeded.kill_emails)} enterprises",
    )
    report.check(
        "kill: nginx passed on GETs, and POSTs only when never sent",
        all(status == 200 for status in gets)
        and all(upstreams == 1 for upstreams in lost_posts)
        and passed_on.get("POST", 0) <= refused_posts
        and all(status in (302, 502) for status in first),
        f"GETs {dict_text(Counter(gets))}; {len(lost_posts)} POSTs cut off, each answered "
        f"502 by the one host that had it; POSTs passed on: {passed_on.get('POST', 0)}, "
        f"POSTs refused a connection: {refused_posts}",
    )
    report.check(
        "kill: the survivor carries on",
        b_after > b_before
        and all(status == 200 for status in survivor)
        and ctx.web["b"].popen.poll() is None,
        f"host B took {b_after - b_before} POSTs in the phase, then "
        f"{survivor.count(200)}/10 pages answered",
    )


def check_tls_front(report: Report, ctx) -> None:
    plain = Browser("http", ctx.http_port).get("/events/")
    static = Browser("https", ctx.https_port, context=ctx.tls).get("/static/css/expo.css")
    home = Browser("https", ctx.https_port, context=ctx.tls).get("/")
    report.check(
        "nginx: HTTP redirects to HTTPS, TLS terminated, static files served by nginx",
        plain.status == 301
        and plain.location.startswith(f"https://127.0.0.1:{ctx.https_port}/")
        and static.status == 200
        and home.status == 200
        and "max-age" in home.headers.get("strict-transport-security", ""),
        f"http → {plain.status} {plain.location}; /static/ {static.status}; "
        f"HSTS on the page: {home.headers.get('strict-transport-security', 'none')}",
    )


def dict_text(counter: Counter) -> str:
    return ", ".join(f"{key}: {count}" for key, count in sorted(counter.items()))


# --- the run ----------------------------------------------------------------------------


@dataclass
class Context:
    args: argparse.Namespace
    workdir: Path
    ports: dict[str, int]
    http_port: int
    https_port: int
    tls: ssl.SSLContext
    nginx: Path
    documents: Path
    seeded: Seeded
    nginx_binary: str
    web: dict[str, Process] = field(default_factory=dict)
    workers: dict[str, Process] = field(default_factory=dict)

    def access_log(self, host: str) -> Path:
        return self.workdir / f"web-{host}" / "access.log"

    def worker_log(self, host: str) -> Path:
        return self.workdir / f"worker-{host}" / "worker.log"


def postgres(admin_url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True, connect_timeout=3) as connection:
        connection.execute(sql)


def answers(check) -> bool:
    try:
        check()
    except Exception:  # noqa: BLE001 - any failure means: not there
        return False
    return True


def private_postgres(workdir: Path, processes: list[Process]) -> str:
    """A PostgreSQL cluster of its own in the temporary folder, when none answers (a fresh
    machine with the package installed but no server running). As root, it runs as the
    package's postgres user, as PostgreSQL insists."""
    binaries = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not binaries:
        raise RuntimeError("no PostgreSQL answers and none is installed (make cluster-test)")
    bindir = binaries[-1].parent
    data = workdir / "postgres"
    data.mkdir()
    as_owner: list[str] = []
    if os.geteuid() == 0:
        workdir.chmod(0o755)
        shutil.chown(data, "postgres", "postgres")
        as_owner = ["runuser", "-u", "postgres", "--"]
    subprocess.run(
        [*as_owner, str(bindir / "initdb"), "-D", str(data), "-U", "postgres",
         "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"],
        check=True, capture_output=True,
    )  # fmt: skip
    port = free_port()
    command = [
        *as_owner, str(bindir / "postgres"), "-D", str(data), "-p", str(port),
        "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={data}",
        "-c", "fsync=off", "-c", "max_connections=200",
    ]  # fmt: skip
    processes.append(start("postgres", command, dict(os.environ), workdir / "postgres.log"))
    url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
    wait_until(lambda: answers(lambda: postgres(url, "SELECT 1")), 60, "PostgreSQL")
    return url


def private_redis(workdir: Path, processes: list[Process]) -> str:
    redis_server = shutil.which("redis-server")
    if redis_server is None:
        raise RuntimeError("no Redis answers and none is installed (make cluster-test)")
    port = free_port()
    command = [
        redis_server, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
        "--appendonly", "no", "--dir", str(workdir),
    ]  # fmt: skip
    processes.append(start("redis", command, dict(os.environ), workdir / "redis.log"))
    url = f"redis://127.0.0.1:{port}/0"
    wait_until(lambda: answers(lambda: redis_client(url).ping()), 30, "Redis")
    return url


def redis_client(url: str):
    import redis

    return redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)


def record(report: Report, args) -> None:
    """Write the figures into docs/benchmarks.md, replacing this section if it is there."""
    lines = [
        SECTION + " (`benchmarks/bench_cluster.py`)",
        "",
        "`make cluster-test` starts the production layout of `deploy/` on one machine, all on",
        "loopback: nginx (Debian's, from `deploy/nginx/expo.conf` with loopback addresses and a",
        "self-signed certificate), two gunicorn hosts (`deploy/gunicorn.conf.py`, 2 workers of",
        "4 threads each, separate instance folders) and two job-worker hosts (one process each),",
        "sharing one PostgreSQL database, one Redis database and one documents directory. It",
        "checks what a single host cannot show, and fails if any check fails.",
        "",
        f"Machine: {machine()}.",
        f"Run on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
        "",
        "| check | result | detail |",
        "|---|---|---|",
    ]
    for name, ok, detail in report.checks:
        lines.append(f"| {name} | {'pass' if ok else 'FAIL'} | {detail.replace('|', '/')} |")
    lines += ["", "| figure | value |", "|---|---|"]
    for name, value in report.figures:
        lines.append(f"| {name} | {value.replace('|', '/')} |")
    lines += [
        "",
        "- A POST that host A may have received when it was killed is answered 502 by nginx",
        "  and is not sent to host B (`proxy_next_upstream` without `non_idempotent`); the",
        "  person sends the form again, and the application page answers with the one",
        "  application either way. A POST whose connection host A refused was never sent,",
        "  and nginx passes it on; GETs are passed on whatever happened.",
        "- The rate limits count in Redis, so asking the hosts in turn buys nothing: the",
        "  request after the limit is refused whichever host it reaches.",
        "- nginx keeps no connections open to the web hosts (no `keepalive` in the upstream).",
        "  With them, a burst once had one POST answered 502: it was sent on a kept connection",
        "  that gunicorn closed at that moment (it drops idle ones after 2 s), so nginx could",
        "  not send it again, and host A was left out for 10 s. A new connection per request",
        "  costs a fraction of a millisecond on a private network.",
        "",
    ]
    text = BENCHMARKS_MD.read_text()
    section = "\n".join(lines)
    start = text.find(SECTION)
    if start == -1:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = text.find("\n## ", start + len(SECTION))
        text = text[:start] + section + (text[end + 1 :] if end != -1 else "")
    BENCHMARKS_MD.write_text(text.rstrip("\n") + "\n")
    print(f"Written to {BENCHMARKS_MD.relative_to(ROOT)}")


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    add = parser.add_argument
    add("--enterprises", type=int, default=60, help="applicants in the burst")
    add("--capacity", type=int, default=20, help="booths of the burst's event")
    add("--certificates", type=int, default=60, help="certificates the job issues")
    add("--part-size", type=int, default=5, help="applications per part of the job")
    add("--kill-requests", type=int, default=80, help="applications in the kill phase")
    add("--kill-after", type=float, default=0.4, help="share sent before host A is killed")
    add("--pace", type=float, default=0.03, help="seconds between the kill phase's POSTs")
    add("--job-timeout", type=float, default=240, help="seconds the job may take")
    add(
        "--postgres",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="a role that may create databases; a private server is started if none answers",
    )
    add(
        "--redis",
        default="redis://127.0.0.1:6379/11",
        help="a Redis database number of its own, emptied before and after; a private "
        "server is started if none answers",
    )
    add("--require-nginx", action="store_true", help="fail (not skip) without nginx")
    add("--record", action="store_true", help="write the figures into docs/benchmarks.md")
    add("--keep", action="store_true", help="keep the folder and the database afterwards")
    return parser.parse_args()


def cluster_environment(args, workdir: Path, admin_url: str, redis_url: str, https_port: int):
    host = admin_url.split("://", 1)[1].rsplit("/", 1)[0]
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXPO_")}
    env.update(
        {
            "EXPO_DATABASE_URL": f"postgresql+psycopg://{host}/{workdir.name.replace('-', '_')}",
            "EXPO_REDIS_URL": redis_url,
            "EXPO_SECRET_KEY": secrets.token_urlsafe(48),
            "EXPO_DOCUMENTS_DIR": str(workdir / "shared" / "documents"),
            "EXPO_BASE_URL": f"https://127.0.0.1:{https_port}",
            "EXPO_PROXY_COUNT": "1",
            "EXPO_JOBS_PART_SIZE": str(args.part_size),
            "EXPO_JOBS_BATCH_SIZE": str(args.part_size),
            # The defaults, said here because the checks count up to them.
            "EXPO_RATE_LIMIT_VERIFY_PER_ADDRESS": "30 per minute",
            "EXPO_RATE_LIMIT_SIGN_IN_PER_ACCOUNT": "5 per minute;50 per hour",
            # Every account of the bursts signs in from 127.0.0.1, a few at a time.
            "EXPO_RATE_LIMIT_SIGN_IN_PER_ADDRESS": "200 per minute",
            "EXPO_INSTANCE_PATH": str(workdir / "seed"),
        }
    )
    return env


def start_hosts(ctx: Context, env: dict[str, str], processes: list[Process]) -> None:
    """Two web hosts, two worker hosts and nginx in front; back when all answer."""
    for host in HOSTS:
        folder = ctx.workdir / f"web-{host}"
        folder.mkdir()
        host_env = env | {
            "EXPO_INSTANCE_PATH": str(folder / "instance"),
            "EXPO_BIND": f"127.0.0.1:{ctx.ports[host]}",
            "EXPO_WEB_WORKERS": "2",
            "EXPO_WEB_THREADS": "4",
            "EXPO_ACCESS_LOG": str(folder / "access.log"),
        }
        command = [venv_tool("gunicorn"), "-c", str(GUNICORN_CONF), "wsgi:app"]
        ctx.web[host] = start(f"web {host}", command, host_env, folder / "gunicorn.log")
        processes.append(ctx.web[host])
    for host in HOSTS:
        folder = ctx.workdir / f"worker-{host}"
        folder.mkdir()
        host_env = env | {"EXPO_INSTANCE_PATH": str(folder / "instance")}
        command = [venv_tool("flask"), "--app", "expo", "worker", "--workers", "1"]
        ctx.workers[host] = start(f"worker {host}", command, host_env, folder / "worker.log")
        processes.append(ctx.workers[host])

    ctx.nginx.mkdir()
    tls = ctx.workdir / "tls"
    site = ctx.nginx / "expo.conf"
    site.write_text(nginx_site(ctx.ports, ctx.http_port, ctx.https_port, tls))
    (ctx.nginx / "nginx.conf").write_text(nginx_main(ctx.nginx, site))
    command = [
        ctx.nginx_binary, "-p", str(ctx.nginx), "-e", str(ctx.nginx / "error.log"),
        "-c", str(ctx.nginx / "nginx.conf"),
    ]  # fmt: skip
    subprocess.run([*command, "-t", "-q"], check=True)
    processes.append(start("nginx", command, env, ctx.nginx / "stderr.log"))

    for host in HOSTS:
        port = ctx.ports[host]
        healthy = lambda port=port: Browser("http", port).get("/healthz").status == 200  # noqa: E731
        wait_until(healthy, 60, f"web host {host}")
    front = Browser("https", ctx.https_port, context=ctx.tls)
    wait_until(lambda: front.get("/healthz").status == 200, 30, "nginx")
    for host in HOSTS:
        log = ctx.worker_log(host)
        wait_until(lambda log=log: "Swept" in log.read_text(), 60, f"worker host {host}")


def main() -> int:
    args = parse_arguments()
    nginx = nginx_binary()
    if nginx is None:
        print("nginx is not installed: `make cluster-test` installs it (Debian's nginx).")
        return 1 if args.require_nginx else 0

    workdir = Path(tempfile.mkdtemp(prefix="cluster-"))
    processes: list[Process] = []
    report = Report()
    admin_url, redis_url, database = args.postgres, args.redis, workdir.name.replace("-", "_")
    created = False
    try:
        if not answers(lambda: postgres(admin_url, "SELECT 1")):
            print("No PostgreSQL answers: starting one of its own.")
            admin_url = private_postgres(workdir, processes)
        if not answers(lambda: redis_client(redis_url).ping()):
            print("No Redis answers: starting one of its own.")
            redis_url = private_redis(workdir, processes)
        redis_client(redis_url).flushdb()
        postgres(admin_url, f'CREATE DATABASE "{database}"')
        created = True

        ports = {host: free_port() for host in HOSTS}
        http_port, https_port = free_port(), free_port()
        env = cluster_environment(args, workdir, admin_url, redis_url, https_port)
        documents = Path(env["EXPO_DOCUMENTS_DIR"])
        documents.mkdir(parents=True)
        print(
            f"Several hosts on loopback in {workdir}: nginx :{https_port} (TLS) → web A "
            f":{ports['a']}, web B :{ports['b']}; workers A and B; database {database}",
            flush=True,
        )
        os.environ.update(env)  # this process seeds and reads the same database
        upgrade = [venv_tool("flask"), "--app", "expo", "db", "upgrade"]
        subprocess.run(upgrade, cwd=ROOT, env=env, check=True, capture_output=True)
        seeded = seed(args)
        self_signed(workdir / "tls")
        context = ssl.create_default_context(cafile=str(workdir / "tls" / "fullchain.pem"))
        ctx = Context(
            args, workdir, ports, http_port, https_port, context, workdir / "nginx",
            documents, seeded, nginx,
        )  # fmt: skip
        start_hosts(ctx, env, processes)
        print("All up.\n", flush=True)

        check_tls_front(report, ctx)
        check_burst(report, ctx)
        check_session(report, ctx)
        check_certificates(report, ctx)
        check_rate_limits(report, ctx)
        check_kill(report, ctx)
    except Exception as error:  # noqa: BLE001 - a failed check, then the logs say more
        report.check("the cluster ran", False, f"{type(error).__name__}: {error}")
        traceback.print_exc()
    finally:
        for process in reversed(processes):
            if process.name in ("postgres", "redis"):
                continue
            process.stop(signal.SIGQUIT if process.name == "nginx" else signal.SIGTERM)
        if not report.passed:
            for log in sorted(workdir.rglob("*.log")):
                tail = log.read_text(errors="replace").splitlines()[-15:]
                print(f"\n--- {log.relative_to(workdir)} (last lines)\n" + "\n".join(tail))
        reading_app.cache_clear()
        if answers(lambda: redis_client(redis_url).ping()):
            redis_client(redis_url).flushdb()
        if created and not args.keep:
            postgres(admin_url, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        for process in processes:  # the private servers, last
            process.stop(signal.SIGINT if process.name == "postgres" else signal.SIGTERM)
        if args.keep:
            print(f"Kept {workdir} and the database {database}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    failed = [name for name, ok, _ in report.checks if not ok]
    print(f"\n{len(report.checks) - len(failed)} of {len(report.checks)} checks passed")
    if args.record:
        record(report, args)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

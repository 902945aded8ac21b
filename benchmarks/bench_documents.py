"""How long a document takes to print, beside bare WeasyPrint printing the same HTML.

    make bench                       # or: .venv/bin/python benchmarks/bench_documents.py
    make bench BENCH_ARGS="--runs 100"

For each document (a participation certificate, an event schedule) it measures:

- **app**: the app's own path, ``expo.documents`` end to end: the template rendered in
  the language, the QR code drawn, then WeasyPrint with the process's one
  ``FontConfiguration``, the print stylesheets parsed once and the safe URL fetcher;
- **bare, the same print faces**: what a naive caller of the library would write for the
  very same HTML and fonts: a new ``FontConfiguration``, the ``@font-face`` rules of the
  print faces and the stylesheets in ``CSS(string=…, font_config=…)``, then
  ``HTML(string=…, base_url=…).write_pdf(…)``, every time; app / bare is against this one;
- **bare, full system faces**: the same without the ``@font-face`` rules, so the font lists
  fall through to the full Noto CJK faces (what every document cost before the print
  faces).

Runs alternate between them, after a warm-up, so a busy machine slows both alike.
The goal for the certificate: p50 at most 150 ms on a 2-core machine, and app / bare at
most 1.2. It is a measurement, not a test: it reports and always exits 0 unless it breaks.
Results and the machine they were measured on go into docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

GOAL_P50_MS = 150
GOAL_RATIO = 1.2


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        total_kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {total_kb / 1024 / 1024:.1f} GiB memory"
    except (OSError, ValueError, IndexError):
        pass
    return f"{os.cpu_count()} cores ({model}){memory}, {platform.system()} {platform.release()}"


def rss_mib() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def make_app(workdir: Path):
    from expo import create_app

    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "benchmark",
            "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
            "DOCUMENTS_DIR": str(workdir / "documents"),
            "OUTBOX_DIR": str(workdir / "outbox"),
            "CACHE_DIR": str(workdir / "cache"),  # the default store: files
            "MAIL_SERVER": None,
        }
    )


def seed():
    """One approved application with a certificate, and an event with a 3-day agenda."""
    from expo.accounts.models import User
    from expo.documents import certificates
    from expo.documents.models import AttendanceWaiver
    from expo.enterprises.models import Enterprise
    from expo.events.models import AgendaSession, Campaign, Event
    from expo.extensions import db
    from expo.registrations.models import Application

    db.create_all()
    # Held already: certificates are issued once an event has begun.
    starts = datetime(2026, 5, 10, 7, 0, tzinfo=UTC)
    campaign = Campaign(
        kind="going_global",
        year=2026,
        title_zh="川行天下·2026",
        title_en="Sichuan Going Global 2026",
        status="published",
    )
    event = Event(
        campaign=campaign,
        kind="trade_fair",
        title_zh="布达佩斯国际博览会",
        title_en="Budapest International Fair",
        country="HU",
        city_zh="布达佩斯",
        city_en="Budapest",
        venue_zh="匈牙利会展中心",
        venue_en="Hungexpo",
        timezone="Europe/Budapest",
        starts_at=starts,
        ends_at=starts + timedelta(days=3),
        registration_opens_at=starts - timedelta(days=90),
        registration_closes_at=starts - timedelta(days=14),
        capacity=20,
        status="published",
    )
    for day in range(3):
        for number in range(6):
            moment = starts + timedelta(days=day, hours=1 + number)
            event.sessions.append(
                AgendaSession(
                    starts_at=moment,
                    ends_at=moment + timedelta(minutes=50),
                    title_zh=f"第{day + 1}天 中匈经贸对接会 第{number + 1}场",
                    title_en=f"Day {day + 1}: China–Hungary matchmaking, round {number + 1}",
                    place_zh="一号馆",
                    place_en="Hall 1",
                    host_zh="四川省商务厅",
                    host_en="Sichuan Provincial Department of Commerce",
                )
            )
    enterprise = Enterprise(
        name_zh="成都天府茶业有限公司",
        name_en="Chengdu Tianfu Tea Co., Ltd.",
        credit_code="91510100MA6CXXXX1X",
        prefecture="510100",
        industry="food",
        verified=True,
    )
    organizer = User(email="bench@example.com", password_hash="-", name="李明", role="organizer")
    application = Application(
        event=event,
        enterprise=enterprise,
        status="approved",
        booths_requested=1,
        consent_version="bench",
        consented_at=datetime.now(UTC),
    )
    db.session.add_all([campaign, event, enterprise, organizer, application])
    # Someone came (recorded by the organizer): what a certificate needs.
    db.session.add(AttendanceWaiver(application=application, reason="benchmark"))
    db.session.flush()
    certificate = certificates.issue_certificate(application, actor=organizer)
    db.session.commit()
    return certificate, event


def bare_renderer(
    html: str, stylesheet_names: list[str], static: Path, *, font_faces: str = ""
) -> Callable[[], bytes]:
    """WeasyPrint as a naive caller uses it: new objects, default fetcher, every time, and
    its fonts subset its own way (the app's single pass is set aside while it runs).

    ``font_faces``: ``@font-face`` rules to put first (the app's print faces); without them
    the stylesheets' font lists fall through to the full system faces.
    """
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    from expo.documents.pdf_output import weasyprint_as_shipped

    css_text = "\n".join(
        [font_faces, *((static / "print" / f"{name}.css").read_text() for name in stylesheet_names)]
    )
    base_url = static.as_uri() + "/"

    def render() -> bytes:
        with weasyprint_as_shipped():
            if not font_faces:
                return weasyprint.HTML(string=html, base_url=base_url).write_pdf(
                    stylesheets=[weasyprint.CSS(string=css_text)]
                )
            # As WeasyPrint's documentation shows for @font-face: a font configuration for
            # the stylesheet and the rendering, here a new one every time.
            font_config = FontConfiguration()
            return weasyprint.HTML(string=html, base_url=base_url).write_pdf(
                stylesheets=[weasyprint.CSS(string=css_text, font_config=font_config)],
                font_config=font_config,
            )

    return render


def measure(pairs: dict[str, Callable[[], bytes]], runs: int, warmup: int) -> dict:
    """Times in ms for each callable, the calls interleaved run by run."""
    sizes = {}
    for name, render in pairs.items():
        for _ in range(warmup):
            sizes[name] = len(render())
    times: dict[str, list[float]] = {name: [] for name in pairs}
    gc.collect()
    for _ in range(runs):
        for name, render in pairs.items():
            started = time.perf_counter()
            render()
            times[name].append((time.perf_counter() - started) * 1000)
    return {name: (times[name], sizes[name]) for name in pairs}


def memory_growth(render: Callable[[], bytes], runs: int) -> float:
    gc.collect()
    before = rss_mib()
    for _ in range(runs):
        render()
    gc.collect()
    return rss_mib() - before


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30, help="timed renders of each (30)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed renders first (3)")
    parser.add_argument(
        "--memory-runs", type=int, default=30, help="renders for the memory check (30; 0: skip)"
    )
    args = parser.parse_args(argv)

    import weasyprint

    with tempfile.TemporaryDirectory(prefix="expo-bench-") as workdir:
        app = make_app(Path(workdir))
        with app.app_context():
            from expo.documents import certificates, fonts, render, schedules

            certificate, event = seed()
            static = render.static_folder()

            certificate_html = render.render_html(
                certificates.TEMPLATE,
                language="zh",
                title=certificate.serial,
                **certificates.certificate_context(certificate),
            )
            schedule_html = schedules.schedule_html(event, language="zh")
            faces = fonts.font_face_rules(fonts.font_folder())
            rows = measure(
                {
                    "certificate, app": lambda: certificates.render_certificate(certificate),
                    "certificate, bare WeasyPrint": bare_renderer(
                        certificate_html,
                        render.stylesheet_names(certificates.TEMPLATE),
                        static,
                        font_faces=faces,
                    ),
                    "certificate, bare WeasyPrint, system faces": bare_renderer(
                        certificate_html,
                        render.stylesheet_names(certificates.TEMPLATE),
                        static,
                    ),
                    "schedule, app": lambda: schedules.schedule_pdf(
                        schedules.schedule_html(event, language="zh")
                    ),
                    "schedule, bare WeasyPrint": bare_renderer(
                        schedule_html,
                        render.stylesheet_names(schedules.TEMPLATE),
                        static,
                        font_faces=faces,
                    ),
                    "schedule, bare WeasyPrint, system faces": bare_renderer(
                        schedule_html, render.stylesheet_names(schedules.TEMPLATE), static
                    ),
                },
                args.runs,
                args.warmup,
            )
            growth = {}
            if args.memory_runs:
                growth["app"] = memory_growth(
                    lambda: certificates.render_certificate(certificate), args.memory_runs
                )
                growth["bare"] = memory_growth(
                    bare_renderer(
                        certificate_html,
                        render.stylesheet_names(certificates.TEMPLATE),
                        static,
                        font_faces=faces,
                    ),
                    args.memory_runs,
                )

    print(f"# Document rendering, {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}")
    print(f"machine: {machine()}")
    print(
        f"Python {platform.python_version()}, WeasyPrint {weasyprint.__version__}; "
        f"{args.runs} timed renders each after {args.warmup} warm-up, interleaved"
    )
    print()
    print("| document | renderer | p50 ms | p95 ms | mean ms | PDF KiB | app / bare (p50) |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for document in ("certificate", "schedule"):
        app_times, app_size = rows[f"{document}, app"]
        bare_times, bare_size = rows[f"{document}, bare WeasyPrint"]
        ratio = statistics.median(app_times) / statistics.median(bare_times)
        for label, (times, size) in (
            ("app (`expo.documents`)", (app_times, app_size)),
            ("bare WeasyPrint, the same print faces", (bare_times, bare_size)),
            (
                "bare WeasyPrint, full system faces",
                rows[f"{document}, bare WeasyPrint, system faces"],
            ),
        ):
            print(
                f"| {document} | {label} | {statistics.median(times):.0f} | "
                f"{percentile(times, 0.95):.0f} | {statistics.fmean(times):.0f} | "
                f"{size / 1024:.0f} | {f'{ratio:.2f}' if label.startswith('app') else ''} |"
            )
    print()
    certificate_p50 = statistics.median(rows["certificate, app"][0])
    certificate_ratio = certificate_p50 / statistics.median(rows["certificate, bare WeasyPrint"][0])
    print(
        f"certificate p50 {certificate_p50:.0f} ms (goal ≤ {GOAL_P50_MS}): "
        f"{'met' if certificate_p50 <= GOAL_P50_MS else 'NOT met'}; "
        f"app / bare {certificate_ratio:.2f} (goal ≤ {GOAL_RATIO}): "
        f"{'met' if certificate_ratio <= GOAL_RATIO else 'NOT met'}"
    )
    if growth:
        print(
            f"resident memory after {args.memory_runs} more certificates: "
            f"app {growth['app']:+.1f} MiB, bare WeasyPrint {growth['bare']:+.1f} MiB"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

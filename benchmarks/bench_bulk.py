"""Issuing every certificate of an event in the background, as the workers do it.

    make bench                        # or: .venv/bin/python benchmarks/bench_bulk.py
    .venv/bin/python benchmarks/bench_bulk.py --count 200 --workers 1

One event with ``--count`` approved applications (1,000 by default) on a fresh SQLite
database in a temporary folder, and the job queue beside it (huey on SQLite, the embedded
default). The real worker, ``flask --app expo worker --workers N`` (N worker processes, 2
by default: one per core here), is started first; then the job is queued as the web page
queues it and the clock runs until the job row says it is done: its parts printed and
stored by the worker processes side by side, committed in batches (each batch laid out as
one document and written out one PDF per certificate), then the ZIP of single PDFs and the
print file built from the stored files, in pieces the worker processes take side by side
too (the print file a volume's range of certificates a piece).

Measured: the job's wall time (queued to done), split at the last batch; each worker
process's peak resident memory (``VmHWM`` from ``/proc``) and the CPU time the worker
processes used (also from ``/proc``: other work on a shared machine stretches the wall time
but hardly the CPU time); the largest certificate file, and the sizes of the ZIP and the
print file. Goals: 1,000 certificates in at most 20 s,
peak memory at most 350 MB per worker, each certificate file at most 120 KiB.

Beside it, two bare-library baselines, measured in the same run, each in one process with
the same certificate's HTML and the same print faces, nothing stored:

- one document per certificate: WeasyPrint in a plain loop (a new font configuration each
  time, as a naive caller would), estimated from ``--baseline`` renderings;
- one multi-page document: the certificate's page ``--baseline-pages`` times in one HTML
  document, one ``write_pdf`` (one layout, one font subset for all pages): the rate
  WeasyPrint reaches when nothing is per document. The ratios printed compare the app's
  time per certificate and worker process (wall time × processes / count) and its CPU
  time per certificate with this document's time and CPU time per page.

It is a measurement, not a test: it reports and exits 0 unless it breaks.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_documents import bare_renderer, machine  # noqa: E402

GOAL_SECONDS = 20
GOAL_PEAK_MB = 350
GOAL_FILE_KIB = 120


def environment(workdir: Path, args) -> dict[str, str]:
    """The configuration the measuring process and the worker share (``EXPO_*``)."""
    return {
        "EXPO_SECRET_KEY": "benchmark-secret-key-of-at-least-32-characters",
        "EXPO_DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
        "EXPO_JOBS_DATABASE": str(workdir / "jobs.sqlite3"),
        "EXPO_DOCUMENTS_DIR": str(workdir / "documents"),
        "EXPO_OUTBOX_DIR": str(workdir / "outbox"),
        "EXPO_JOBS_PART_SIZE": str(args.part_size),
        "EXPO_JOBS_BATCH_SIZE": str(args.batch_size),
    }


def seed(count: int):
    """One event with ``count`` approved applications, each of its own enterprise."""
    from flask_migrate import stamp

    from expo.accounts.models import User
    from expo.documents.models import AttendanceWaiver
    from expo.enterprises.models import Enterprise
    from expo.events.models import Campaign, Event
    from expo.extensions import db
    from expo.registrations.models import Application

    db.create_all()
    stamp()  # the tables are the models': the worker checks the migrations before it starts
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
        capacity=count,
        status="published",
    )
    organizer = User(email="bench@example.com", password_hash="-", name="李明", role="organizer")
    db.session.add_all([campaign, event, organizer])
    for number in range(count):
        enterprise = Enterprise(
            name_zh=f"成都天府第{number + 1}茶业有限公司",
            name_en=f"Chengdu Tianfu Tea No. {number + 1} Co., Ltd.",
            credit_code=f"91510100MA{number:06d}XX",
            prefecture="510100",
            industry="food",
            verified=True,
        )
        application = Application(
            event=event,
            enterprise=enterprise,
            status="approved",
            booths_requested=1,
            consent_version="bench",
            consented_at=datetime.now(UTC),
        )
        # Someone came (recorded by the organizer): what a certificate needs.
        db.session.add_all([application, AttendanceWaiver(application=application, reason="bench")])
    db.session.commit()
    return event, organizer


def multi_page(html: str, pages: int) -> str:
    """The certificate's page ``pages`` times in one HTML document, each on a page of its
    own, as a caller of bare WeasyPrint would print many at once."""
    head, _, rest = html.partition("<body")
    opening, _, body = rest.partition(">")
    body = body.rpartition("</body>")[0]
    page_break = "<style>.bare-page + .bare-page { break-before: page; }</style>"
    sections = "".join(f'<section class="bare-page">{body}</section>' for _ in range(pages))
    head = head.replace("</head>", f"{page_break}</head>")
    return f"{head}<body{opening}>{sections}</body></html>"


def worker_processes(consumer: int) -> list[int]:
    """The consumer's children: the worker processes that run the tasks."""
    try:
        children = Path(f"/proc/{consumer}/task/{consumer}/children").read_text().split()
    except OSError:
        return []
    return [int(pid) for pid in children]


def peak_mb(pid: int) -> float:
    """A process's peak resident memory so far (``VmHWM``), in MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """The CPU time a process has used so far (user and system, from ``/proc``): on a
    machine shared with other work, a measure the others' load hardly changes."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return float("nan")
    # After the command: state is field 3, utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_worker(env: dict[str, str], workers: int, log: Path) -> subprocess.Popen:
    flask = [sys.executable, "-m", "flask", "--app", "expo", "worker", "--workers", str(workers)]
    process = subprocess.Popen(
        flask, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 60
        while len(worker_processes(process.pid)) < workers:
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the worker did not start:\n{log.read_text()}")
            time.sleep(0.1)
        # A worker runs for days before a job comes: the clock starts once each worker
        # process has loaded its fonts and stylesheets, as it does when it starts.
        deadline = time.monotonic() + 120
        while (
            len(set(re.findall(r"Worker process (\d+) ready to print", log.read_text()))) < workers
        ):
            text = log.read_text()
            if 'ready_to_print" failed' in text or process.poll() is not None:
                raise SystemExit(f"the worker could not load its fonts:\n{text}")
            if time.monotonic() > deadline:
                raise SystemExit(f"the worker was not ready in 120 s:\n{text}")
            time.sleep(0.1)
    except BaseException:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        raise
    return process


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000, help="certificates (1000)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (2)")
    parser.add_argument("--part-size", type=int, default=50, help="per part (50)")
    parser.add_argument("--batch-size", type=int, default=10, help="per commit (10)")
    parser.add_argument("--baseline", type=int, default=20, help="bare renderings (20; 0: skip)")
    parser.add_argument(
        "--baseline-pages", type=int, default=100, help="pages of the bare document (100; 0: skip)"
    )
    parser.add_argument("--runs", type=int, default=None, help=argparse.SUPPRESS)  # make bench
    parser.add_argument(
        "--worker-log", type=Path, default=None, help="keep the worker's log (each task's time)"
    )
    args = parser.parse_args(argv)

    import sqlalchemy as sa
    import weasyprint

    with tempfile.TemporaryDirectory(prefix="expo-bench-bulk-") as folder:
        workdir = Path(folder)
        env = environment(workdir, args)
        os.environ.update(env)
        from expo import create_app

        app = create_app()
        with app.app_context():
            from expo.audit.actions import AuditAction
            from expo.audit.models import AuditEntry
            from expo.documents import certificates, fonts, render
            from expo.documents.models import Certificate
            from expo.documents.storage import document_store
            from expo.extensions import db
            from expo.jobs import queue, services, tasks
            from expo.jobs.models import DocumentJob

            event, organizer = seed(args.count)
            try:
                worker = start_worker({**os.environ, **env}, args.workers, workdir / "worker.log")
            finally:
                if args.worker_log:  # kept however the start went
                    shutil.copyfile(workdir / "worker.log", args.worker_log)
            pids = worker_processes(worker.pid)
            try:
                cpu_before = sum(cpu_seconds(pid) for pid in pids)
                job_id = services.start_certificate_job(event, actor=organizer).job.id
                db.session.commit()
                started = time.perf_counter()
                queue.enqueue(tasks.RUN_DOCUMENT_JOB, job_id)
                while True:
                    db.session.expire_all()
                    job = db.session.get(DocumentJob, job_id)
                    if not job.is_active:
                        break
                    if worker.poll() is not None:
                        log = (workdir / "worker.log").read_text()
                        raise SystemExit(f"the worker stopped:\n{log}")
                    time.sleep(0.05)
                elapsed = time.perf_counter() - started
                peaks = [peak_mb(pid) for pid in pids]
                cpu = sum(cpu_seconds(pid) for pid in pids) - cpu_before
            finally:
                os.killpg(worker.pid, signal.SIGTERM)
                worker.wait(timeout=30)
                if args.worker_log:
                    shutil.copyfile(workdir / "worker.log", args.worker_log)

            # The last batch's issue entries in the audit log end the issuing (the job's
            # heartbeat goes on with the bundling's pieces); the rest is the ZIP and the
            # print file.
            last_issued = db.session.scalar(
                sa.select(sa.func.max(AuditEntry.created_at)).where(
                    AuditEntry.action == AuditAction.CERTIFICATE_ISSUE.value
                )
            )
            issued_by = last_issued or job.started_at
            issuing = (issued_by - job.started_at).total_seconds()
            bundling = (job.finished_at - issued_by).total_seconds()
            largest = db.session.scalar(sa.select(sa.func.max(Certificate.size_bytes))) or 0
            mean = db.session.scalar(sa.select(sa.func.avg(Certificate.size_bytes))) or 0
            store = document_store()
            zip_size = store.path(job.zip_sha256).stat().st_size if job.zip_sha256 else 0
            volumes = job.volumes
            merged_size = sum(store.path(volume.sha256).stat().st_size for volume in volumes)

            sample = db.session.scalars(sa.select(Certificate).limit(1)).one()
            html = render.render_html(
                certificates.TEMPLATE,
                language="zh",
                title=sample.serial,
                **certificates.certificate_context(sample),
            )

            def bare(document: str):
                return bare_renderer(
                    document,
                    render.stylesheet_names(certificates.TEMPLATE),
                    render.static_folder(),
                    font_faces=fonts.font_face_rules(fonts.font_folder()),
                )

            bare_seconds = None
            if args.baseline:
                single = bare(html)
                single()  # warm-up
                t0 = time.perf_counter()
                for _ in range(args.baseline):
                    single()
                bare_seconds = (time.perf_counter() - t0) / args.baseline * args.count
            page_seconds = page_cpu = None
            if args.baseline_pages:
                several = bare(multi_page(html, args.baseline_pages))
                t0, cpu0 = time.perf_counter(), time.process_time()
                several()
                page_seconds = (time.perf_counter() - t0) / args.baseline_pages
                page_cpu = (time.process_time() - cpu0) / args.baseline_pages

    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT met"

    peak = max(peaks) if peaks else float("nan")
    print(f"# Bulk certificates, {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}")
    print(f"machine: {machine()}")
    print(
        f"Python {sys.version.split()[0]}, WeasyPrint {weasyprint.__version__}; "
        f"{args.count} approved applications, {args.workers} worker process(es), parts of "
        f"{args.part_size}, batches of {args.batch_size}, SQLite; "
        f"job {job.status}: {job.done} issued, {job.failed} failed"
    )
    print()
    pages = args.baseline_pages
    print(
        "| measure | app (bulk job) | goal | | bare WeasyPrint, a document per certificate, "
        f"1 process | bare WeasyPrint, one {pages}-page document, 1 process |"
    )
    print("|---|---:|---:|---|---:|---:|")
    per_item = elapsed / max(args.count, 1) * 1000
    goal_seconds = GOAL_SECONDS * args.count / 1000  # the goal, scaled to --count
    bare_text = f"{bare_seconds:.1f} s (estimated)" if bare_seconds is not None else "—"
    page_text = (
        f"{page_seconds * args.count:.1f} s (estimated; {page_seconds * 1000:.0f} ms a page)"
        if page_seconds is not None
        else "—"
    )
    print(
        f"| whole job, {args.count} certificates | {elapsed:.1f} s ({per_item:.0f} ms each) "
        f"| ≤ {goal_seconds:.0f} s | {verdict(elapsed <= goal_seconds)} "
        f"| {bare_text} | {page_text} |"
    )
    # What each worker process spent on a certificate, beside bare WeasyPrint's time a page.
    per_process = elapsed * args.workers / max(args.count, 1)
    if page_seconds is not None:
        print(
            f"| time a certificate per worker process | {per_process * 1000:.0f} ms "
            f"| | | | ratio app / bare page: {per_process / page_seconds:.2f} |"
        )
    per_cpu = cpu / max(args.count, 1)
    cpu_text = "—"
    if page_cpu is not None:
        cpu_text = f"{page_cpu * 1000:.0f} ms a page; ratio app / bare: {per_cpu / page_cpu:.2f}"
    print(
        f"| CPU time of the worker processes | {cpu:.1f} s ({per_cpu * 1000:.0f} ms a "
        f"certificate) | | | | {cpu_text} |"
    )
    print(
        f"| of which issuing, rendering and storing | {issuing:.1f} s "
        f"({issuing / max(args.count, 1) * 1000:.0f} ms each) | | | | |"
    )
    print(f"| of which the ZIP and the print file | {bundling:.1f} s | | | | |")
    print(
        f"| peak resident memory per worker process (VmHWM) | {peak:.0f} MB "
        f"({', '.join(f'{value:.0f}' for value in peaks)}) "
        f"| ≤ {GOAL_PEAK_MB} MB | {verdict(peak <= GOAL_PEAK_MB)} | | |"
    )
    print(
        f"| largest certificate file | {largest / 1024:.0f} KiB (mean {float(mean) / 1024:.0f}) "
        f"| ≤ {GOAL_FILE_KIB} KiB | {verdict(largest <= GOAL_FILE_KIB * 1024)} | | |"
    )
    print(f"| ZIP of single PDFs | {zip_size / 1024 / 1024:.1f} MiB | | | | |")
    mib = merged_size / 1024 / 1024
    print(f"| print file | {mib:.1f} MiB in {len(volumes)} volume(s) | | | | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

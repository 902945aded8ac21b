"""Issuing every certificate of an event in the background, as a worker does it.

    make bench                        # or: .venv/bin/python benchmarks/bench_bulk.py
    .venv/bin/python benchmarks/bench_bulk.py --count 200

One event with ``--count`` approved applications (1,000 by default) on a fresh SQLite
database in a temporary folder; then the bulk job, through the very task a worker runs
(``expo.jobs.tasks.run_document_job``, queued on huey in immediate mode so it runs in this
process): every certificate rendered, stored and committed in batches, then the ZIP of
single PDFs and the merged print file built from the stored files.

Measured: the whole job's wall time; the process's peak resident memory
(``getrusage().ru_maxrss``: this process is the worker); the largest certificate file,
and the sizes of the ZIP and the merged file. Goals: 1,000 certificates in at most 60 s,
peak memory at most 600 MB per worker, each certificate file at most 120 KiB.

Beside it, the bare-library baseline: the same number of certificates' HTML printed by
WeasyPrint in a plain loop, nothing stored (estimated from ``--baseline`` renderings).
It is a measurement, not a test: it reports and exits 0 unless it breaks.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_documents import bare_renderer, machine  # noqa: E402

GOAL_SECONDS = 60
GOAL_PEAK_MB = 600
GOAL_FILE_KIB = 120


def make_app(workdir: Path, batch_size: int):
    from expo import create_app

    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "benchmark",
            "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
            "DOCUMENTS_DIR": str(workdir / "documents"),
            "OUTBOX_DIR": str(workdir / "outbox"),
            "MAIL_SERVER": None,
            "JOBS_IMMEDIATE": True,
            "JOBS_BATCH_SIZE": batch_size,
        }
    )


def seed(count: int):
    """One event with ``count`` approved applications, each of its own enterprise."""
    from expo.accounts.models import User
    from expo.enterprises.models import Enterprise
    from expo.events.models import Campaign, Event
    from expo.extensions import db
    from expo.registrations.models import Application

    db.create_all()
    starts = datetime(2027, 5, 10, 7, 0, tzinfo=UTC)
    campaign = Campaign(
        kind="going_global",
        year=2027,
        title_zh="川行天下·2027",
        title_en="Sichuan Going Global 2027",
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
        )
        db.session.add(
            Application(
                event=event,
                enterprise=enterprise,
                status="approved",
                booths_requested=1,
                consent_version="bench",
                consented_at=datetime.now(UTC),
            )
        )
    db.session.commit()
    return event, organizer


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000, help="certificates (1000)")
    parser.add_argument("--batch-size", type=int, default=10, help="per commit (10)")
    parser.add_argument("--baseline", type=int, default=20, help="bare renderings (20; 0: skip)")
    parser.add_argument("--runs", type=int, default=None, help=argparse.SUPPRESS)  # make bench
    args = parser.parse_args(argv)

    import sqlalchemy as sa
    import weasyprint

    with tempfile.TemporaryDirectory(prefix="expo-bench-bulk-") as workdir:
        app = make_app(Path(workdir), args.batch_size)
        with app.app_context():
            from expo.documents import certificates, render
            from expo.documents.models import Certificate
            from expo.documents.storage import document_store
            from expo.extensions import db
            from expo.jobs import queue, services, tasks
            from expo.jobs.models import DocumentJob

            event, organizer = seed(args.count)
            seeded_rss = peak_rss_mb()
            bundle = services.bundle_certificates
            before_bundling: list[float] = []

            def measured_bundle(certificates_):
                before_bundling.append(peak_rss_mb())
                return bundle(certificates_)

            services.bundle_certificates = measured_bundle
            job_id = services.start_certificate_job(event, actor=organizer).job.id
            db.session.commit()
            started = time.perf_counter()
            outcome = queue.enqueue(tasks.RUN_DOCUMENT_JOB, job_id).get()
            elapsed = time.perf_counter() - started
            peak = peak_rss_mb()

            db.session.expire_all()
            job = db.session.get(DocumentJob, job_id)
            # The last batch's heartbeat ends the issuing; the rest is the ZIP and merged file.
            issuing = (job.heartbeat_at - job.started_at).total_seconds()
            bundling = (job.finished_at - job.heartbeat_at).total_seconds()
            largest = db.session.scalar(sa.select(sa.func.max(Certificate.size_bytes))) or 0
            mean = db.session.scalar(sa.select(sa.func.avg(Certificate.size_bytes))) or 0
            store = document_store()
            zip_size = len(store.get(job.zip_sha256)) if job.zip_sha256 else 0
            merged_size = len(store.get(job.merged_sha256)) if job.merged_sha256 else 0

            bare_seconds = None
            if args.baseline:
                sample = db.session.scalars(sa.select(Certificate).limit(1)).one()
                html = render.render_html(
                    certificates.TEMPLATE,
                    language="zh",
                    title=sample.serial,
                    **certificates.certificate_context(sample),
                )
                bare = bare_renderer(
                    html, render.stylesheet_names(certificates.TEMPLATE), render.static_folder()
                )
                bare()  # warm-up
                t0 = time.perf_counter()
                for _ in range(args.baseline):
                    bare()
                bare_seconds = (time.perf_counter() - t0) / args.baseline * args.count

    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT met"

    print(f"# Bulk certificates, {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}")
    print(f"machine: {machine()}")
    print(
        f"Python {sys.version.split()[0]}, WeasyPrint {weasyprint.__version__}; "
        f"{args.count} approved applications, batches of {args.batch_size}, SQLite; "
        f"job {outcome}: {job.done} issued, {job.failed} failed"
    )
    print()
    print("| measure | app (bulk job) | goal | | bare WeasyPrint loop |")
    print("|---|---:|---:|---|---:|")
    per_item = elapsed / max(args.count, 1) * 1000
    goal_seconds = GOAL_SECONDS * args.count / 1000  # the goal, scaled to --count
    bare_text = f"{bare_seconds:.1f} s (estimated)" if bare_seconds is not None else "—"
    print(
        f"| whole job, {args.count} certificates | {elapsed:.1f} s ({per_item:.0f} ms each) "
        f"| ≤ {goal_seconds:.0f} s | {verdict(elapsed <= goal_seconds)} "
        f"| {bare_text} |"
    )
    print(
        f"| of which issuing, rendering and storing | {issuing:.1f} s "
        f"({issuing / max(args.count, 1) * 1000:.0f} ms each) | | | |"
    )
    print(f"| of which the ZIP and the merged file | {bundling:.1f} s | | | |")
    print(
        f"| peak resident memory (ru_maxrss) | {peak:.0f} MB (after seeding {seeded_rss:.0f}, "
        f"after issuing {before_bundling[0] if before_bundling else float('nan'):.0f}) "
        f"| ≤ {GOAL_PEAK_MB} MB | {verdict(peak <= GOAL_PEAK_MB)} | |"
    )
    print(
        f"| largest certificate file | {largest / 1024:.0f} KiB (mean {float(mean) / 1024:.0f}) "
        f"| ≤ {GOAL_FILE_KIB} KiB | {verdict(largest <= GOAL_FILE_KIB * 1024)} | |"
    )
    print(f"| ZIP of single PDFs | {zip_size / 1024 / 1024:.1f} MiB | | | |")
    print(f"| merged print file | {merged_size / 1024 / 1024:.1f} MiB | | | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

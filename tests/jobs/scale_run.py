"""A certificate job of many thousands, run whole in this process, for test_scale.

    python -m tests.jobs.scale_run FOLDER COUNT

One held event with COUNT approved, attended applications on a SQLite database in
FOLDER, its certificate job run inline: every serial reserved, every file stored and
recorded, the progress counted batch by batch, then the ZIP and the print file in
volumes bundled from the stored files. Only the layout is replaced, by a one-page PDF of
the certificate's serial: what a layout costs in memory does not grow with the job (each
batch is collected, docs/benchmarks.md), what the rest costs might. Prints one JSON line:
the job's outcome, the bundles' contents and this process's peak resident memory
(``VmHWM``).
"""

from __future__ import annotations

import io
import json
import sys
import zipfile
from datetime import timedelta
from pathlib import Path

import pikepdf
import sqlalchemy as sa


def one_page(serial: str) -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(842, 595))
    pdf.docinfo["/Title"] = serial
    out = io.BytesIO()
    pdf.save(out, deterministic_id=True)
    return out.getvalue()


def peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def seed(count: int):
    from expo.accounts.models import User
    from expo.db import utcnow
    from expo.documents.models import AttendanceWaiver
    from expo.enterprises.models import Enterprise
    from expo.events.models import Campaign, Event
    from expo.extensions import db
    from expo.registrations.models import Application

    db.create_all()
    # Begun a month ago, whatever day it is: certificates are issued once an event began.
    starts = utcnow() - timedelta(days=30)
    campaign = Campaign(
        kind="going_global", year=starts.year, title_zh="川行天下", status="published"
    )
    event = Event(
        campaign=campaign,
        kind="trade_fair",
        title_zh="布达佩斯国际博览会",
        title_en="Budapest International Fair",
        country="HU",
        city_zh="布达佩斯",
        city_en="Budapest",
        timezone="Europe/Budapest",
        starts_at=starts,
        ends_at=starts + timedelta(days=3),
        registration_opens_at=starts - timedelta(days=90),
        registration_closes_at=starts - timedelta(days=14),
        capacity=count,
        status="published",
    )
    organizer = User(email="scale@example.com", password_hash="-", name="李明", role="organizer")
    db.session.add_all([campaign, event, organizer])
    db.session.flush()
    enterprises = db.session.execute(
        sa.insert(Enterprise).returning(Enterprise.id),
        [
            {
                "name_zh": f"成都第{number}茶业有限公司",
                "name_en": f"Chengdu Tea No. {number} Co., Ltd.",
                "credit_code": f"91510100MA{number:06d}XX",
                "prefecture": "510100",
                "industry": "food",
                "verified": True,
            }
            for number in range(count)
        ],
    ).scalars()
    applications = db.session.execute(
        sa.insert(Application).returning(Application.id),
        [
            {
                "event_id": event.id,
                "enterprise_id": enterprise_id,
                "status": "approved",
                "booths_requested": 1,
                "consent_version": "scale",
                "consented_at": utcnow(),
            }
            for enterprise_id in enterprises
        ],
    ).scalars()
    db.session.execute(
        sa.insert(AttendanceWaiver),
        [{"application_id": application_id, "reason": "scale"} for application_id in applications],
    )
    db.session.commit()
    return event, organizer


def main(folder: Path, count: int) -> dict[str, object]:
    from expo import create_app
    from expo.documents import certificates
    from expo.documents.storage import document_store
    from expo.extensions import db
    from expo.jobs import queue, services, tasks
    from expo.jobs.models import DocumentJob

    app = create_app(
        {
            "SECRET_KEY": "scale-run-secret-key-of-at-least-32-characters",
            "DATABASE_URL": f"sqlite:///{folder / 'scale.sqlite3'}",
            "JOBS_DATABASE": str(folder / "jobs.sqlite3"),
            "DOCUMENTS_DIR": str(folder / "documents"),
            "OUTBOX_DIR": str(folder / "outbox"),
            "JOBS_IMMEDIATE": True,
            "JOBS_PART_SIZE": 500,
            "JOBS_VOLUME_PAGES": 500,
        }
    )
    certificates.render_certificates = lambda batch: [one_page(c.serial) for c in batch]
    with app.app_context():
        event, organizer = seed(count)
        job_id = services.start_certificate_job(event, actor=organizer).job.id
        db.session.commit()
        status = queue.enqueue(tasks.RUN_DOCUMENT_JOB, job_id).get()
        db.session.expire_all()
        job = db.session.get_one(DocumentJob, job_id)
        with zipfile.ZipFile(document_store().open(job.zip_sha256)) as archive:
            entries = len(archive.namelist())
        pages = 0
        for volume in job.volumes:
            with pikepdf.open(document_store().open(volume.sha256)) as pdf:
                pages += len(pdf.pages)
        return {
            "status": status,
            "done": job.done,
            "failed": job.failed,
            "zip_entries": entries,
            "volumes": len(job.volumes),
            "volume_pages": pages,
            "peak_mb": peak_mb(),
        }


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]), int(sys.argv[2]))))

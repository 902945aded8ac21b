"""Organizers start bulk document jobs, watch their progress and download the results.

The pages only read the job's row and flip its cancel flag: the work runs in a worker
(``flask --app expo worker``), so any web host can show or stop any job. Enterprise users
get 403, anonymous visitors the sign-in page.
"""

from __future__ import annotations

import logging
import os

import click
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from expo.accounts.access import organizer_required
from expo.documents.storage import document_store
from expo.errors import DomainError
from expo.events.models import Event
from expo.extensions import db
from expo.jobs import queue, services, tasks
from expo.jobs.forms import JobActionForm
from expo.jobs.models import JOB_KINDS, DocumentJob, JobKind
from expo.web import get_or_404

# cli_group=None: the worker command is `flask --app expo worker`, not `… jobs worker`.
bp = Blueprint("jobs", __name__, cli_group=None)

POLL_SECONDS = 1


def _user():
    return current_user._get_current_object()


@bp.app_template_global()
def latest_jobs(event: Event) -> dict[str, DocumentJob]:
    return services.latest_jobs(event)


@bp.app_template_global()
def job_action_form() -> JobActionForm:
    return JobActionForm(formdata=None)


def progress(job: DocumentJob) -> dict[str, object]:
    """What the progress page shows, also as JSON for its script."""
    processed = job.done + job.failed
    return {
        "id": job.id,
        "kind": job.kind,
        "status": job.status,
        "status_label": job.status_label,
        "active": job.is_active,
        "total": job.total,
        "done": job.done,
        "failed": job.failed,
        "processed": processed,
        "percent": round(100 * processed / job.total) if job.total else 0,
        "text": _("%(done)d of %(total)d", done=processed, total=job.total),
        "error": job.error,
        "zip_url": url_for(".zip_file", job_id=job.id, kind=job.kind) if job.zip_sha256 else None,
        "merged_url": url_for(".merged_pdf", job_id=job.id) if job.merged_sha256 else None,
    }


# The URL converter that takes the registry's kinds, e.g. "any(certificates, badges)".
KIND_IN_URL = f"any({', '.join(JOB_KINDS)})"


@bp.post(f"/manage/events/<int:event_id>/jobs/<{KIND_IN_URL}:kind>")
@organizer_required
def start(event_id: int, kind: str):
    event = get_or_404(Event, event_id)
    if not JobActionForm().validate_on_submit():
        abort(400)
    started = services.start_job(event, JobKind(kind), actor=_user())
    job_id = started.job.id
    db.session.commit()
    if started.created:
        # Queued only after the commit: the worker must find the row.
        queue.enqueue(tasks.RUN_DOCUMENT_JOB, job_id)
    else:
        flash(str(JOB_KINDS[JobKind(kind)].already_running), "info")
    return redirect(url_for(".detail", job_id=job_id))


def _settled(job_id: int) -> DocumentJob:
    """The job, failed first if its workers went silent long ago."""
    job = get_or_404(DocumentJob, job_id)
    if services.settle(job):
        db.session.commit()
    return job


@bp.route("/manage/jobs/<int:job_id>")
@organizer_required
def detail(job_id: int):
    job = _settled(job_id)
    return render_template(
        "jobs/detail.html",
        job=job,
        event=job.event,
        progress=progress(job),
        form=JobActionForm(formdata=None),
        poll_seconds=POLL_SECONDS,
    )


@bp.route("/manage/jobs/<int:job_id>.json")
@organizer_required
def detail_json(job_id: int):
    job = _settled(job_id)
    response = jsonify(progress(job))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/manage/jobs/<int:job_id>/cancel")
@organizer_required
def cancel(job_id: int):
    job = get_or_404(DocumentJob, job_id)
    if not JobActionForm().validate_on_submit():
        abort(400)
    try:
        services.request_cancel(job, actor=_user())
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "warning")
    else:
        db.session.commit()
        flash(_("The job stops after the documents in progress."), "info")
    return redirect(url_for(".detail", job_id=job_id))


def _download(job: DocumentJob, sha256: str | None, filename: str, mimetype: str) -> Response:
    if not sha256:
        abort(404)
    # Sent from the file in pieces: a bundle of a large event is hundreds of megabytes.
    response = send_file(
        document_store().open(sha256),
        mimetype=mimetype,
        as_attachment=True,
        download_name=filename,
        etag=sha256,
        conditional=True,
        max_age=None,
    )
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.route(f"/manage/jobs/<int:job_id>/<{KIND_IN_URL}:kind>.zip")
@organizer_required
def zip_file(job_id: int, kind: str):
    job = get_or_404(DocumentJob, job_id)
    if job.kind != kind:
        abort(404)
    return _download(job, job.zip_sha256, f"{kind}-event-{job.event_id}.zip", "application/zip")


@bp.route("/manage/jobs/<int:job_id>/merged.pdf")
@organizer_required
def merged_pdf(job_id: int):
    job = get_or_404(DocumentJob, job_id)
    return _download(
        job, job.merged_sha256, f"{job.kind}-event-{job.event_id}-print.pdf", "application/pdf"
    )


# --- the worker -------------------------------------------------------------------------

# Each worker process holds its own fonts and rendering state (~150 MB, ~500 MB while it
# bundles 1,000 certificates): a large host gets a few, not one per core.
MAX_DEFAULT_WORKERS = 4


def default_workers() -> int:
    """The CPUs this process may run on (a container's cpuset, not the host's count)."""
    try:
        available = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        available = os.cpu_count() or 1
    return max(1, min(available, MAX_DEFAULT_WORKERS))


@bp.cli.command("worker")
@click.option(
    "--workers",
    default=lambda: default_workers(),
    show_default=f"one per CPU this process may use, at most {MAX_DEFAULT_WORKERS}",
    type=click.IntRange(min=1),
    help="Worker processes (or threads); each takes a part of a job at a time.",
)
@click.option(
    "--worker-type",
    type=click.Choice(["process", "thread"]),
    default="process",
    show_default=True,
    help="Processes print in parallel; threads of one process print one at a time.",
)
@click.option(
    "--shutdown-timeout",
    default=10.0,
    show_default=True,
    help="Seconds Ctrl-C (SIGINT) waits for the task in hand; SIGTERM stops at once.",
)
def worker_command(workers: int, worker_type: str, shutdown_timeout: float) -> None:
    """Run queued jobs until Ctrl-C or SIGTERM.

    A job stopped halfway stays "running" until its heartbeat is ``STALE_AFTER`` old;
    starting it again then replaces it and reuses every certificate already issued.
    """
    app = current_app._get_current_object()
    if queue.immediate(app):
        raise click.ClickException("JOBS_IMMEDIATE is set: tasks run inline, no worker needed.")
    huey = queue.queue_for(app).huey
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    where = app.config.get("REDIS_URL") and "Redis" or getattr(huey.storage, "filename", "")
    click.echo(f"Expo worker: {workers} {worker_type}(s), queue {huey.name} in {where}")

    @huey.on_startup()
    def fresh_connections() -> None:
        # A forked worker process must not share the parent's database connections.
        with app.app_context():
            db.engine.dispose(close=False)

    consumer = huey.create_consumer(
        workers=workers,
        worker_type=worker_type,
        periodic=False,
        shutdown_timeout=shutdown_timeout,
        # An idle worker looks for work at least every 2 s (huey's default backs off to
        # 10 s): a job or an email starts soon after the click.
        max_delay=2.0,
    )
    consumer.run()

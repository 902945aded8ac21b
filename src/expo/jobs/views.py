"""Organizers start bulk document jobs, watch their progress and download the results.

The pages only read the job's row and flip its cancel flag: the work runs in a worker
(``flask --app expo worker``, see ``commands``), so any web host can show or stop any job.
A job whose worker went silent is shown as failed without a write (``effective_state``).
Enterprise users get 403, anonymous visitors the sign-in page.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
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
from expo.events.models import Event
from expo.i18n import pick
from expo.jobs import campaign_runs, delegation_jobs, queue, services, tasks
from expo.jobs.forms import JobActionForm
from expo.jobs.models import CAMPAIGN_RUNS, JOB_KINDS, DocumentJob, JobKind, JobState
from expo.web import get_or_404, run_service

bp = Blueprint("jobs", __name__)

POLL_SECONDS = 1


def _user():
    return current_user._get_current_object()


def progress_figures(
    job: DocumentJob, state: JobState, *, total: int, done: int, failed: int
) -> dict[str, object]:
    """The job's state and figures as every progress page shows them: a job's own, or a
    campaign-wide run's summed from its event jobs (``campaign_views``)."""
    processed = done + failed
    return {
        "id": job.id,
        "kind": job.kind,
        "status": state.status.value,
        "status_label": state.status_label,
        "active": state.is_active,
        "total": total,
        "done": done,
        "failed": failed,
        "processed": processed,
        "percent": round(100 * processed / total) if total else 0,
        "text": _("%(done)d of %(total)d", done=processed, total=total),
        "error": state.error,
    }


def progress(job: DocumentJob, state: JobState) -> dict[str, object]:
    """What the progress page shows, also as JSON for its script."""
    ready = job.results_ready
    return progress_figures(job, state, total=job.total, done=job.done, failed=job.failed) | {
        "zip_url": (
            url_for(".zip_file", job_id=job.id, kind=job.kind) if ready and job.zip_sha256 else None
        ),
        "merged_url": (
            url_for(".merged_pdf", job_id=job.id) if ready and job.merged_sha256 else None
        ),
        "volumes": volume_links(job) if ready else [],
    }


def volume_links(job: DocumentJob) -> list[dict[str, str]]:
    """The print file's volumes as downloads, when it has more than one (one volume is
    the print file itself, at ``merged.pdf``)."""
    volumes = job.volumes
    if len(volumes) < 2:
        return []
    return [
        {
            "url": url_for(".volume_pdf", job_id=job.id, number=volume.number),
            "label": (
                _(
                    "Print file, volume %(number)d of %(count)d (members %(first)d–%(last)d)",
                    number=volume.number,
                    count=len(volumes),
                    first=volume.first,
                    last=volume.last,
                )
                if job.delegation_id is not None
                else _(
                    "Print file, volume %(number)d of %(count)d (certificates %(first)d–%(last)d)",
                    number=volume.number,
                    count=len(volumes),
                    first=volume.first,
                    last=volume.last,
                )
            ),
        }
        for volume in volumes
    ]


def subject(job: DocumentJob) -> dict[str, object]:
    """What the job makes documents of, for its page: the event, the delegation, or the
    results' scope."""
    if job.delegation is not None:
        return {
            "title": job.delegation.title,
            "url": url_for("delegations.manage_detail", delegation_id=job.delegation.id),
            "list_url": None,
            "delegation": True,
        }
    if job.event is not None:
        return {
            "title": job.event.title,
            "url": url_for("events.detail", event_id=job.event.id),
            "list_url": url_for("registrations.manage_list", event_id=job.event.id),
        }
    title = job.parameters.get("title", {})
    return {
        "title": pick(title.get("zh", ""), title.get("en", "")),
        "url": url_for("results.manage", **job.parameters.get("query", {})),
        "list_url": None,
    }


# The URL converters that take the registry's kinds, e.g. "any(certificates, badges)".
# The kinds with a ZIP of their own; a campaign-wide run has none (its events' jobs do).
ZIP_KINDS = [
    kind for kind in JOB_KINDS if kind not in tasks.WHOLE_JOBS and kind not in CAMPAIGN_RUNS
]
KIND_IN_URL = f"any({', '.join(ZIP_KINDS)})"
# The kinds an event's page starts (a delegation's start from its own page, campaign-wide
# runs from the campaigns page: ``campaign_views``).
EVENT_KINDS = [kind for kind in ZIP_KINDS if kind not in delegation_jobs.KINDS]
EVENT_KIND_IN_URL = f"any({', '.join(EVENT_KINDS)})"


@bp.post(f"/manage/events/<int:event_id>/jobs/<{EVENT_KIND_IN_URL}:kind>")
@organizer_required
def start(event_id: int, kind: str):
    event = get_or_404(Event, event_id)
    if not JobActionForm().validate_on_submit():
        abort(400)
    started = run_service(lambda: services.start_job(event, JobKind(kind), actor=_user()))
    if started is None:
        return redirect(url_for("registrations.manage_list", event_id=event.id))
    job_id = started.job.id
    if started.created:
        # Queued only after the commit: the worker must find the row.
        queue.enqueue(tasks.RUN_DOCUMENT_JOB, job_id)
    else:
        flash(str(JOB_KINDS[JobKind(kind)].already_running), "info")
    return redirect(url_for(".detail", job_id=job_id))


@bp.route("/manage/jobs/<int:job_id>")
@organizer_required
def detail(job_id: int):
    job = get_or_404(DocumentJob, job_id)
    if job.is_campaign_run:
        return campaign_views.run_page(job)
    state = job.effective_state()
    return render_template(
        "jobs/detail.html",
        job=job,
        state=state,
        subject=subject(job),
        progress=progress(job, state),
        form=JobActionForm(formdata=None),
        poll_seconds=POLL_SECONDS,
    )


@bp.route("/manage/jobs/<int:job_id>.json")
@organizer_required
def detail_json(job_id: int):
    job = get_or_404(DocumentJob, job_id)
    response = jsonify(
        campaign_views.run_progress(job)
        if job.is_campaign_run
        else progress(job, job.effective_state())
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/manage/jobs/<int:job_id>/cancel")
@organizer_required
def cancel(job_id: int):
    job = get_or_404(DocumentJob, job_id)
    if not JobActionForm().validate_on_submit():
        abort(400)
    if run_service(lambda: campaign_runs.request_cancel(job, actor=_user())) is not None:
        flash(_("The job stops after the documents in progress."), "info")
    return redirect(url_for(".detail", job_id=job_id))


def _download(job: DocumentJob, sha256: str | None, filename: str, mimetype: str) -> Response:
    if not sha256 or not job.results_ready:
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
    name = f"{kind}-{_subject_name(job)}.zip"
    return _download(job, job.zip_sha256, name, "application/zip")


@bp.route("/manage/jobs/<int:job_id>/merged.pdf")
@organizer_required
def merged_pdf(job_id: int):
    job = get_or_404(DocumentJob, job_id)
    return _download(job, job.merged_sha256, f"{_print_name(job)}.pdf", "application/pdf")


def _print_name(job: DocumentJob) -> str:
    return job.parameters.get("file_name") or f"{job.kind}-{_subject_name(job)}-print"


def _subject_name(job: DocumentJob) -> str:
    """``event-12`` or ``delegation-3``: whose documents a download holds."""
    if job.delegation_id is not None:
        return f"delegation-{job.delegation_id}"
    return f"event-{job.event_id}"


@bp.route("/manage/jobs/<int:job_id>/print-<int:number>.pdf")
@organizer_required
def volume_pdf(job_id: int, number: int):
    """One volume of a print file made in volumes, named by its number and their count."""
    job = get_or_404(DocumentJob, job_id)
    volumes = job.volumes
    if not 1 <= number <= len(volumes):
        abort(404)
    name = f"{_print_name(job)}-{number}-of-{len(volumes)}.pdf"
    return _download(job, volumes[number - 1].sha256, name, "application/pdf")


# A delegation's jobs are started from its page, campaign-wide runs from the campaigns
# page: their routes join ``bp``, which they import from here.
from expo.jobs import campaign_views, delegation_views  # noqa: E402, F401

"""Campaign-wide runs on the jobs pages: started from the campaigns page, watched with a
progress bar per event beside the run's own (``campaign_runs`` holds the rules).

The run's page and its JSON are served at the job's usual addresses (``views.detail``,
``views.detail_json``), which hand a run to the functions here.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for

from expo.accounts.access import organizer_required
from expo.events.models import Campaign
from expo.jobs import campaign_runs, queue, tasks
from expo.jobs.forms import JobActionForm
from expo.jobs.models import JOB_KINDS, DocumentJob, JobKind
from expo.jobs.views import POLL_SECONDS, _user, bp, progress, progress_figures
from expo.web import get_or_404, run_service


@bp.post("/manage/campaigns/<int:campaign_id>/jobs/certificates")
@organizer_required
def start_campaign_run(campaign_id: int):
    campaign = get_or_404(Campaign, campaign_id)
    if not JobActionForm().validate_on_submit():
        abort(400)
    started = run_service(lambda: campaign_runs.start_certificate_run(campaign, actor=_user()))
    if started is None:
        return redirect(url_for("events.manage_campaigns"))
    # Queued only after the commit: the workers must find the rows.
    for job_id in started.to_queue:
        queue.enqueue(tasks.RUN_DOCUMENT_JOB, job_id)
    if not started.created:
        flash(str(JOB_KINDS[JobKind.CAMPAIGN_CERTIFICATES].already_running), "info")
    return redirect(url_for(".detail", job_id=started.run.id))


def event_progress(row: campaign_runs.RunEvent) -> dict[str, object]:
    """One event's line of a run: its job's progress, or why it has none."""
    entry: dict[str, object] = {
        "event_id": row.event.id,
        "title": row.event.title,
        "event_url": url_for("registrations.manage_list", event_id=row.event.id),
    }
    if row.job is None:
        return entry | {
            "id": None,
            "job_url": None,
            "status": "nothing_to_issue",
            "status_label": row.nothing_to_issue_label,
            "active": False,
            "total": 0,
            "done": 0,
            "failed": 0,
            "processed": 0,
            "percent": 0,
            "text": "",
            "zip_url": None,
        }
    return (
        entry
        | progress(row.job, row.job.effective_state())
        | {"job_url": url_for(".detail", job_id=row.job.id)}
    )


def run_progress(
    run: DocumentJob, rows: list[campaign_runs.RunEvent] | None = None
) -> dict[str, object]:
    """What the run's page shows, also as JSON for its script: the run's figures (its
    event jobs' summed) and each event's."""
    rows = campaign_runs.run_events(run) if rows is None else rows
    summed = campaign_runs.figures(run, [row.job for row in rows if row.job is not None])
    return progress_figures(
        run, run.effective_state(), total=summed.total, done=summed.done, failed=summed.failed
    ) | {
        "zip_url": None,
        "merged_url": None,
        "volumes": [],
        "events": [event_progress(row) for row in rows],
    }


def run_page(run: DocumentJob) -> str:
    rows = campaign_runs.run_events(run)
    state = run.effective_state()
    return render_template(
        "jobs/campaign_detail.html",
        job=run,
        state=state,
        campaign=run.campaign,
        progress=run_progress(run, rows),
        form=JobActionForm(formdata=None),
        poll_seconds=POLL_SECONDS,
    )

"""Organizers start a delegation's jobs from its page: every member's invitation letter
or itinerary. The job's page, its progress and its downloads are the jobs' own
(``expo.jobs.views``); these routes join that blueprint.
"""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from expo.accounts.access import organizer_required
from expo.delegations.access import delegation_or_404
from expo.documents import letters
from expo.jobs import delegation_jobs, queue, tasks
from expo.jobs.forms import JobActionForm
from expo.jobs.models import JOB_KINDS, JobKind
from expo.jobs.views import bp
from expo.web import run_service

DELEGATION_KIND_IN_URL = f"any({', '.join(delegation_jobs.KINDS)})"


@bp.post(f"/manage/delegations/<int:delegation_id>/jobs/<{DELEGATION_KIND_IN_URL}:kind>")
@organizer_required
def start_for_delegation(delegation_id: int, kind: str) -> ResponseReturnValue:
    delegation = delegation_or_404(delegation_id)
    job_kind = JobKind(kind)
    if job_kind == JobKind.INVITATION_LETTERS and not letters.has_letters(delegation):
        abort(404)  # outbound: nobody is invited to China; the page offers no letters
    if not JobActionForm().validate_on_submit():
        abort(400)
    user = current_user._get_current_object()
    started = run_service(
        lambda: delegation_jobs.start_delegation_job(delegation, job_kind, actor=user)
    )
    if started is None:
        return redirect(
            url_for("delegations.manage_detail", delegation_id=delegation.id, _anchor="members")
        )
    if started.created:
        # Queued only after the commit: the worker must find the row.
        queue.enqueue(tasks.RUN_DOCUMENT_JOB, started.job.id)
    else:
        flash(str(JOB_KINDS[job_kind].already_running), "info")
    return redirect(url_for("jobs.detail", job_id=started.job.id))

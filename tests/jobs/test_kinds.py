"""The registry of job kinds: each kind has its page texts and its work."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from expo.jobs import tasks
from expo.jobs.models import CAMPAIGN_RUNS, JOB_KINDS, DocumentJob, JobKind, JobStatus
from tests.factories import make_event


def test_every_kind_has_its_texts_and_its_work():
    assert set(JOB_KINDS) == set(JobKind)
    assert set(tasks.BATCHES) | set(tasks.WHOLE_JOBS) | set(CAMPAIGN_RUNS) == set(JobKind)
    assert not set(tasks.BATCHES) & set(tasks.WHOLE_JOBS)
    # A campaign-wide run does no work itself: its event jobs do, of a kind with batches.
    assert not set(CAMPAIGN_RUNS) & (set(tasks.BATCHES) | set(tasks.WHOLE_JOBS))
    assert set(CAMPAIGN_RUNS.values()) <= set(tasks.BATCHES)


def test_the_stored_values_are_the_old_strings(app):
    job = DocumentJob(kind="badges", status="queued")
    assert job.kind == JobKind.BADGES and job.status == JobStatus.QUEUED
    with app.app_context(), force_locale("en"):
        assert job.kind_label == "Name badges"
        assert job.zip_label == "Download ZIP (one PDF of badges per enterprise)"


def test_a_value_outside_the_enum_is_refused_before_the_database(db):
    db.session.add(DocumentJob(kind="posters", event=make_event()))
    with pytest.raises(sa.exc.StatementError, match="posters"):
        db.session.flush()
    db.session.rollback()


def test_a_job_given_up_meanwhile_is_not_marked_done_by_its_old_worker(db):
    job = DocumentJob(kind="badges", event=make_event(), status="failed")
    db.session.add(job)
    db.session.commit()
    tasks._finish(job, JobStatus.DONE)
    db.session.expire_all()
    assert db.session.get(DocumentJob, job.id).status == JobStatus.FAILED

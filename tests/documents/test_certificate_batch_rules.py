"""A job's certificates are reserved and recorded a batch at a time, under the same rules
as one certificate issued from a page: the same refusals, the same serials, the same
locks, and a file recorded first is kept."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from expo.attendance.models import CheckIn
from expo.audit.models import AuditEntry
from expo.db import utcnow
from expo.documents import certificates
from expo.documents.models import Certificate
from expo.registrations.models import Application, ApplicationStatus
from tests.documents.conftest import approved_application, issued_serials, run_at_once
from tests.factories import check_in, held, make_enterprise, make_user, open_event


def held_event_with(db, count: int):
    """A held first-come event with ``count`` approved applications, each attended."""
    event = open_event(moderation="first_come", capacity=20)
    applications = [
        approved_application(event=event, enterprise=make_enterprise()) for _ in range(count)
    ]
    held(event)
    for application in applications:
        check_in(application)
    db.session.commit()
    return event, applications


def test_a_batch_refuses_what_one_at_a_time_refuses_and_numbers_the_rest(db, organizer):
    _, (fine, absent, closed, unverified, issued, also_fine) = held_event_with(db, 6)
    # Nobody of `absent` came after all: its check-in was undone.
    db.session.execute(
        sa.update(CheckIn).where(CheckIn.application_id == absent.id).values(undone_at=utcnow())
    )
    closed.status = ApplicationStatus.WITHDRAWN
    unverified.enterprise.verified = False
    before = certificates.issue_certificate(issued, actor=organizer)
    db.session.commit()

    batch = [fine, absent, closed, unverified, issued, also_fine]
    outcomes = certificates.reserve_certificates(batch, actor=organizer)
    db.session.commit()

    assert isinstance(outcomes[1], certificates.NotCheckedIn)
    assert isinstance(outcomes[2], certificates.NotApproved)
    assert isinstance(outcomes[3], certificates.EnterpriseNotVerified)
    assert outcomes[4].serial == before.serial and not outcomes[4].is_pending
    new = [outcomes[0], outcomes[5]]
    assert all(isinstance(certificate, Certificate) for certificate in new)
    assert [certificate.serial_number for certificate in new] == [2, 3]  # after `issued`'s 1
    assert all(certificate.is_pending for certificate in new)
    # The single path refuses the same applications with the same refusals.
    for application, outcome in zip(batch[1:4], outcomes[1:4], strict=True):
        with pytest.raises(type(outcome)):
            certificates.reserve_certificate(application, actor=organizer)


def test_a_batch_of_an_event_not_begun_is_refused_whole(db, organizer):
    event = open_event(moderation="first_come")
    applications = [
        approved_application(event=event, enterprise=make_enterprise()) for _ in range(2)
    ]
    db.session.commit()
    outcomes = certificates.reserve_certificates(applications, actor=organizer)
    assert all(isinstance(outcome, certificates.EventNotStarted) for outcome in outcomes)
    assert db.session.scalars(sa.select(Certificate)).all() == []


def test_finishing_a_batch_keeps_the_file_another_printer_recorded_first(db, organizer):
    _, applications = held_event_with(db, 2)
    first, second = certificates.reserve_certificates(applications, actor=organizer)
    db.session.commit()
    certificates.finish_certificate(first, certificates.Printed("a" * 64, 1), actor=organizer)
    db.session.commit()

    batch = {
        first.id: certificates.Printed("b" * 64, 2),
        second.id: certificates.Printed("c" * 64, 3),
    }
    finished = certificates.finish_certificates(batch, actor=organizer)
    db.session.commit()

    assert [(row.id, row.sha256, row.size_bytes) for row in finished] == [
        (first.id, "a" * 64, 1),
        (second.id, "c" * 64, 3),
    ]
    issues = db.session.scalars(
        sa.select(AuditEntry.subject_id).where(AuditEntry.action == "certificate.issue")
    ).all()
    assert sorted(issues) == sorted([first.id, second.id])  # one each, none twice


@pytest.mark.postgresql
def test_batches_and_single_issuers_at_once_share_one_run_of_serials(app, db):
    """Two overlapping batches and two single issuers, each on its own connection."""
    organizer_id = make_user("organizer").id
    _, applications = held_event_with(db, 6)
    ids = [application.id for application in applications]
    work = [("batch", ids[:4]), ("batch", ids[2:]), ("one", [ids[0]]), ("one", [ids[5]])]
    start = threading.Barrier(len(work))
    errors: list[Exception] = []

    def issue(how: str, application_ids: list[int]) -> None:
        from expo.accounts.models import User

        with app.app_context():
            try:
                actor = db.session.get(User, organizer_id)
                batch = [db.session.get_one(Application, number) for number in application_ids]
                start.wait()
                if how == "batch":
                    outcomes = certificates.reserve_certificates(batch, actor=actor)
                    assert all(isinstance(outcome, Certificate) for outcome in outcomes)
                else:
                    certificates.reserve_certificate(batch[0], actor=actor)
                db.session.commit()
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(error)

    threads = [threading.Thread(target=issue, args=item) for item in work]
    run_at_once(threads)
    assert errors == []
    serials = issued_serials(db)
    assert [number for number, _ in serials] == [1, 2, 3, 4, 5, 6]
    assert sorted(application for _, application in serials) == sorted(ids)

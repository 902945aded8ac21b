"""An event whose enterprises are in every state a message can be addressed to."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from expo.attendance.models import CheckIn
from expo.extensions import db as _db
from expo.messaging.services import MessageData
from expo.registrations.models import Application
from tests.factories import (
    make_application,
    make_enterprise,
    make_enterprise_user,
    make_outcome_report,
    open_event,
)


@dataclass
class Cast:
    event: object
    approved: Application  # a delegate checked in; its report is due
    present: Application  # approved, not checked in
    waitlisted: Application
    pending: Application
    rejected: Application


def message_data(**changes) -> MessageData:
    values = {
        "subject_zh": "行前说明会通知",
        "subject_en": "Pre-departure briefing",
        "body_zh": "请于3月1日参加行前说明会。",
        "body_en": "Please attend the briefing on 1 March.",
        "statuses": ["approved"],
        "attendance": "any",
        "report_due": False,
    }
    values.update(changes)
    return MessageData(**values)


def check_in(application: Application) -> None:
    delegate = application.delegates[0]
    _db.session.add(
        CheckIn(
            event_id=application.event_id, application_id=application.id, delegate_id=delegate.id
        )
    )
    _db.session.flush()


@pytest.fixture()
def cast(db) -> Cast:
    event = open_event()

    def application(status: str, *, contact: str = "", **user_fields) -> Application:
        enterprise = make_enterprise(contact_email=contact)
        make_enterprise_user(enterprise, **user_fields)
        return make_application(event, enterprise, status=status)

    approved = application("approved", contact="contact@example.com", locale="en")
    make_enterprise_user(approved.enterprise, locale="zh")
    make_enterprise_user(approved.enterprise, active=False)  # a former colleague: nobody
    present = application("approved")
    waitlisted = application("waitlisted", locale="en")
    pending = application("pending")
    rejected = application("rejected")
    check_in(approved)
    make_outcome_report(approved)
    make_outcome_report(present, status="confirmed")
    db.session.commit()
    return Cast(event, approved, present, waitlisted, pending, rejected)

"""The periodic round through the job queue: events just ended are asked for reports, and
reports due soon are reminded of once per deadline, in each reader's language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from expo.jobs import tasks
from expo.outcomes import services
from expo.outcomes.models import OutcomeReport, OutcomeSettings
from tests.factories import (
    make_application,
    make_enterprise_user,
    make_event,
    make_outcome_report,
    make_user,
)

STARTS = datetime(2027, 5, 10, 7, 0, tzinfo=UTC)
AFTER = datetime(2027, 5, 14, 9, 0, tzinfo=UTC)


@pytest.fixture()
def fair(db):
    return make_event(
        title_zh="布达佩斯国际博览会",
        title_en="Budapest International Fair",
        starts_at=STARTS,
        ends_at=STARTS + timedelta(days=3),
        registration_opens_at=STARTS - timedelta(days=90),
        registration_closes_at=STARTS - timedelta(days=14),
    )


def open_report(fair, *, due_in: timedelta, locale: str = "zh", **fields) -> OutcomeReport:
    application = make_application(fair)
    make_enterprise_user(
        application.enterprise, locale=locale, email=f"{locale}{application.id}@example.com"
    )
    return make_outcome_report(
        application, requested_at=AFTER - timedelta(days=10), due_at=AFTER + due_in, **fields
    )


def test_reports_due_soon_and_still_open_are_reminded_once(db, fair, smtp_server):
    soon = open_report(fair, due_in=timedelta(days=2))
    returned = open_report(fair, due_in=timedelta(days=1), locale="en", status="returned")
    later = open_report(fair, due_in=timedelta(days=10))
    overdue = open_report(fair, due_in=-timedelta(hours=1))
    sent = open_report(fair, due_in=timedelta(days=2), status="submitted")

    assert services.send_reminders(within_days=3, now=AFTER) == 2
    db.session.commit()
    recipients = sorted(message["To"] for message in smtp_server.messages)
    assert recipients == [
        f"en{returned.application_id}@example.com",
        f"zh{soon.application_id}@example.com",
    ]
    chinese = next(m for m in smtp_server.messages if m["To"].startswith("zh"))
    assert "成果报告即将到期" in chinese["Subject"]
    english = next(m for m in smtp_server.messages if m["To"].startswith("en"))
    assert english["Subject"].startswith("Reminder: your outcome report is due soon")
    assert f"/outcomes/{returned.id}/edit" in english.get_content()
    assert later.reminded_at is None and overdue.reminded_at is None and sent.reminded_at is None

    # Run again the next day: each deadline is reminded of once.
    smtp_server.messages.clear()
    assert services.send_reminders(within_days=3, now=AFTER + timedelta(hours=20)) == 0
    assert smtp_server.messages == []


def test_a_new_deadline_is_reminded_of_again(db, fair, smtp_server):
    organizer = make_user("organizer")
    report = open_report(fair, due_in=timedelta(days=1), status="submitted")
    services.return_report(report, "含税吗？", actor=organizer, now=AFTER)
    assert report.due_at == AFTER + timedelta(days=14)
    assert services.send_reminders(within_days=3, now=AFTER + timedelta(days=12)) == 1


def test_the_command_queues_the_round_which_asks_and_reminds(app, db, fair, smtp_server):
    asked = make_application(fair)
    make_enterprise_user(asked.enterprise, email="asked@example.com", locale="en")
    old = make_event(
        starts_at=STARTS - timedelta(days=60),
        ends_at=STARTS - timedelta(days=57),
        registration_opens_at=STARTS - timedelta(days=150),
        registration_closes_at=STARTS - timedelta(days=74),
    )
    make_application(old)  # ended long ago: left to the organizers
    db.session.commit()
    runner = app.test_cli_runner()
    with time_machine.travel(AFTER, tick=True):
        result = runner.invoke(args=["outcomes", "remind", "--within", "3"])
    assert result.exit_code == 0, result.output
    assert "queued" in result.output
    db.session.expire_all()
    reports = db.session.scalars(sa.select(OutcomeReport)).all()
    assert [(r.event_id, r.enterprise_id) for r in reports] == [(fair.id, asked.enterprise_id)]
    assert db.session.get(OutcomeSettings, fair.id).requested_at is not None
    assert [m["To"] for m in smtp_server.messages] == ["asked@example.com"]
    assert smtp_server.messages[0]["Subject"].startswith("Please report the outcome of the event")

    # The round is a task of the queue, under a name every worker knows.
    assert tasks.TASKS[tasks.OUTCOME_ROUND].__name__ == "run_round"
    smtp_server.messages.clear()
    with time_machine.travel(AFTER + timedelta(days=12), tick=True):
        result = runner.invoke(args=["outcomes", "remind"])
    assert result.exit_code == 0, result.output
    assert [m["To"] for m in smtp_server.messages] == ["asked@example.com"]  # due in 2 days

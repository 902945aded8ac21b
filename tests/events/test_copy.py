"""Copying an event to a new date: a draft with the same texts, questions, agenda and
settings, each time shifted on the event's wall clock; nothing of who took part."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
import time_machine

from expo.attendance.models import CheckIn
from expo.audit.models import AuditEntry
from expo.errors import InvalidInput
from expo.events import services
from expo.events.models import Event
from expo.i18n import utc_to_local
from expo.outcomes.models import OutcomeReport, OutcomeSettings
from expo.registrations.models import Application
from tests.factories import (
    make_application,
    make_event,
    make_outcome_report,
    make_question,
    make_session,
    make_user,
)
from tests.pages import field_error, page_text, sign_in

BERLIN = "Europe/Berlin"
BEFORE_SPRING = datetime(2027, 3, 1, 10, 0, tzinfo=UTC)  # "today" in these tests


def _berlin_event():
    """A fair in Berlin just before the clocks go forward (28 March 2027), CET = UTC+1."""
    event = make_event(
        timezone=BERLIN,
        country="DE",
        starts_at=datetime(2027, 3, 20, 8, 0, tzinfo=UTC),  # 09:00 in Berlin
        ends_at=datetime(2027, 3, 22, 16, 0, tzinfo=UTC),  # 17:00
        registration_opens_at=datetime(2027, 1, 10, 8, 0, tzinfo=UTC),  # 09:00
        registration_closes_at=datetime(2027, 3, 10, 17, 0, tzinfo=UTC),  # 18:00
        fee_note_zh="展位费由省厅承担",
        capacity=12,
        max_delegates=2,
        moderation="first_come",
        status="published",
    )
    make_session(
        event,
        starts_at=datetime(2027, 3, 20, 9, 30, tzinfo=UTC),  # 10:30
        ends_at=datetime(2027, 3, 20, 11, 0, tzinfo=UTC),  # 12:00
        title_en="Matchmaking",
    )
    make_question(event, kind="single_choice", choices=[{"value": "a", "zh": "甲", "en": "A"}])
    return event


@time_machine.travel(BEFORE_SPRING, tick=False)
def test_a_copy_across_the_spring_change_keeps_the_wall_clock_times(db, organizer):
    event = _berlin_event()
    copy = services.copy_event(event, date(2027, 3, 29), actor=organizer)

    def local(moment):
        return utc_to_local(moment, BERLIN)

    assert copy.status == "draft" and copy.id != event.id
    assert local(copy.starts_at) == datetime(2027, 3, 29, 9, 0)
    assert copy.starts_at == datetime(2027, 3, 29, 7, 0, tzinfo=UTC)  # CEST = UTC+2 now
    assert local(copy.ends_at) == datetime(2027, 3, 31, 17, 0)
    # The registration window moves by the same nine days; it stays in winter time.
    assert local(copy.registration_opens_at) == datetime(2027, 1, 19, 9, 0)
    assert local(copy.registration_closes_at) == datetime(2027, 3, 19, 18, 0)
    assert copy.registration_closes_at == datetime(2027, 3, 19, 17, 0, tzinfo=UTC)
    (session,) = copy.sessions
    assert (local(session.starts_at), local(session.ends_at)) == (
        datetime(2027, 3, 29, 10, 30),
        datetime(2027, 3, 29, 12, 0),
    )
    assert session.title_en == "Matchmaking"
    (question,) = copy.questions
    assert question.choices == [{"value": "a", "zh": "甲", "en": "A"}]
    assert question.id != event.questions[0].id
    for name in ("title_zh", "title_en", "fee_note_zh", "capacity", "max_delegates", "moderation"):
        assert getattr(copy, name) == getattr(event, name)
    assert copy.campaign_id == event.campaign_id


@time_machine.travel(BEFORE_SPRING, tick=False)
def test_nothing_of_the_participants_is_copied_and_the_copy_is_audited(db, organizer):
    event = _berlin_event()
    application = make_application(event)
    db.session.add(
        CheckIn(
            event_id=event.id,
            application_id=application.id,
            delegate_id=application.delegates[0].id,
        )
    )
    make_outcome_report(application)
    db.session.add(OutcomeSettings(event_id=event.id, report_days=30, requested_at=BEFORE_SPRING))
    copy = services.copy_event(event, date(2028, 3, 18), actor=organizer)
    db.session.commit()
    reporting = db.session.get(OutcomeSettings, copy.id)
    assert (reporting.report_days, reporting.requested_at) == (30, None)
    for model in (Application, CheckIn, OutcomeReport):
        assert not db.session.scalar(
            sa.select(sa.func.count()).select_from(model).where(model.event_id == copy.id)
        )
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "event.copied")
    ).one()
    assert (entry.subject_type, entry.subject_id, entry.actor_id) == (
        "events",
        copy.id,
        organizer.id,
    )
    assert entry.details["source_event_id"] == event.id


@time_machine.travel(BEFORE_SPRING, tick=False)
@pytest.mark.parametrize("starts_on", [date(2027, 2, 28), date(2027, 3, 1), date(1999, 1, 1)])
def test_a_date_in_the_past_is_refused_at_the_field(db, organizer, starts_on):
    event = _berlin_event()
    with pytest.raises(InvalidInput) as refused:
        services.copy_event(event, starts_on, actor=organizer)
    assert set(refused.value.errors) == {"starts_on"}


@time_machine.travel(BEFORE_SPRING, tick=False)
def test_a_time_the_clocks_skip_on_the_new_date_is_refused(db, organizer):
    event = _berlin_event()
    make_session(
        event,
        starts_at=datetime(2027, 3, 21, 1, 30, tzinfo=UTC),  # 02:30 on a Sunday
        ends_at=datetime(2027, 3, 21, 3, 0, tzinfo=UTC),
    )
    with pytest.raises(InvalidInput) as refused:
        services.copy_event(event, date(2027, 3, 27), actor=organizer)  # 02:30 on the 28th
    assert "starts_on" in refused.value.errors


@time_machine.travel(BEFORE_SPRING, tick=True)
def test_the_copy_page_makes_a_draft_and_refuses_the_past_at_the_field(app, db, organizer):
    event = _berlin_event()
    browser = sign_in(app, organizer)
    page = browser.get(f"/events/{event.id}?lang=en")
    assert f"/manage/events/{event.id}/copy" in page.get_data(as_text=True)

    form = browser.get(f"/manage/events/{event.id}/copy?lang=en")
    html = form.get_data(as_text=True)
    assert form.status_code == 200 and html.count("<h1") == 1 and 'for="starts_on"' in html

    refused = browser.post(
        f"/manage/events/{event.id}/copy?lang=en", data={"starts_on": "2027-02-01"}
    )
    assert refused.status_code == 422
    assert field_error(refused, "starts_on") == "Choose a start date after today."
    refused_zh = browser.post(
        f"/manage/events/{event.id}/copy?lang=zh", data={"starts_on": "2027-02-01"}
    )
    assert field_error(refused_zh, "starts_on") != "Choose a start date after today."
    assert db.session.scalar(sa.select(sa.func.count(Event.id))) == 1

    made = browser.post(f"/manage/events/{event.id}/copy?lang=en", data={"starts_on": "2027-04-12"})
    copy = db.session.scalars(sa.select(Event).where(Event.id != event.id)).one()
    assert made.status_code == 302
    assert made.headers["Location"].endswith(f"/manage/events/{copy.id}/edit")
    assert copy.status == "draft"
    assert "A draft copy has been made" in page_text(
        browser.get(f"/manage/events/{copy.id}/edit?lang=en")
    )


def test_enterprise_users_cannot_copy(app, db):
    event = make_event()
    browser = sign_in(app, make_user("enterprise"))
    assert (
        browser.post(
            f"/manage/events/{event.id}/copy", data={"starts_on": "2099-01-01"}
        ).status_code
        == 403
    )
    assert db.session.scalar(sa.select(sa.func.count(Event.id))) == 1

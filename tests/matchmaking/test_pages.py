"""The matchmaking pages end to end: a buyer registers in English, the organizer approves,
a Sichuan enterprise asks to meet them, the buyer accepts by their private link, the
organizer schedules and publishes, both download their calendar files."""

from __future__ import annotations

import re

import sqlalchemy as sa

from expo.mail import OutgoingMail
from expo.matchmaking.models import Counterpart, MatchRequest, Meeting
from tests.factories import DEFAULT_PASSWORD, make_enterprise_user, make_user


def signed_in(app, user):
    from expo.extensions import db

    db.session.commit()  # the request runs in its own session and must see the user
    client = app.test_client()
    response = client.post(
        "/account/login", data={"email": user.email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    return client


FORM = {
    "role": "buyer",
    "organization_en": "Danube Foods Kft.",
    "country": "HU",
    "contact_name_latin": "KOVACS Peter",
    "email": "peter@danube.example.com",
    "needs": "Sichuan pepper",
    "hs_chapters": "09",
    "languages": "en",
    "consent": "y",
}


def test_the_whole_round(app, db, fair):
    db.session.commit()
    event = fair.event
    visitor = app.test_client()
    page = visitor.get(f"/events/{event.id}/matchmaking/register?lang=en")
    assert page.status_code == 200 and "Register for the one-to-one meetings" in page.text

    refused = visitor.post(f"/events/{event.id}/matchmaking/register", data={"role": "buyer"})
    assert refused.status_code == 422
    assert "Say what you buy or what you sell." in refused.text
    assert db.session.scalar(sa.select(sa.func.count(Counterpart.id))) == 2  # the fair's two

    done = visitor.post(f"/events/{event.id}/matchmaking/register", data=FORM)
    assert done.status_code == 200 and "Registration received" in done.text
    counterpart = db.session.scalars(sa.select(Counterpart).order_by(Counterpart.id)).all()[-1]
    assert counterpart.status == "pending" and counterpart.language == "en"

    organizer = signed_in(app, make_user("organizer", email="chen@example.com"))
    db.session.commit()
    manage = f"/manage/events/{event.id}/matchmaking"
    assert "Danube Foods" in organizer.get(manage).text
    organizer.post(f"{manage}/counterparts/{counterpart.id}/review", data={"decision": "approve"})
    mail = db.session.scalars(sa.select(OutgoingMail).order_by(OutgoingMail.id)).all()[-1]
    assert mail.recipients == ["peter@danube.example.com"]
    assert "approved" in mail.subject
    token = re.search(r"/matchmaking/([A-Za-z0-9_-]+)", mail.text)[1]

    user = make_enterprise_user(fair.tea.enterprise, email="tea@example.com")
    db.session.commit()
    tea = signed_in(app, user)
    home = f"/applications/{fair.tea.id}/matchmaking"
    listing = tea.get(f"{home}?q=pepper&lang=zh")
    assert listing.status_code == 200 and "Danube Foods" in listing.text
    assert "peter@danube.example.com" not in listing.text  # nothing private across sides
    assert tea.post(f"{home}/ask/{counterpart.id}", data={"priority": "3"}).status_code == 302
    (request,) = db.session.scalars(
        sa.select(MatchRequest).where(MatchRequest.counterpart_id == counterpart.id)
    ).all()

    buyer = app.test_client()
    private = buyer.get(f"/matchmaking/{token}?lang=en")
    assert private.status_code == 200 and "Sichuan Tea Group" in private.text
    assert "13800000000" not in private.text  # the delegates' mobiles stay private
    answer = buyer.post(f"/matchmaking/{token}/requests/{request.id}/accept")
    assert answer.status_code == 303
    db.session.refresh(request)
    assert request.status == "accepted"

    scheduled = organizer.post(f"{manage}/schedule")
    assert scheduled.status_code == 200
    assert organizer.post(f"{manage}/publish").status_code == 302
    grid = organizer.get(f"{manage}/grid")
    assert "Danube Foods" in grid.text
    meeting = db.session.scalar(sa.select(Meeting).where(Meeting.request_id == request.id))
    assert meeting.published
    recorded = organizer.post(
        f"{manage}/meetings/{meeting.id}/outcome", data={"attendance": "held", "interest": "deal"}
    )
    assert recorded.status_code == 302
    db.session.refresh(meeting)
    assert (meeting.attendance, meeting.interest) == ("held", "deal")

    for pdf in (buyer.get(f"/matchmaking/{token}.pdf"), tea.get(f"{home}.pdf")):
        assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
        assert pdf.data.startswith(b"%PDF")
    assert organizer.get(f"{manage}/grid.pdf").mimetype == "application/pdf"
    assert organizer.get(f"{manage}/table-cards.pdf").mimetype == "application/pdf"

    theirs = buyer.get(f"/matchmaking/{token}.ics")
    ours = tea.get(f"{home}.ics")
    for calendar in (theirs, ours):
        assert calendar.status_code == 200
        assert calendar.mimetype == "text/calendar"
        assert "TZID=Europe/Budapest" in calendar.text
        assert (
            f"-{meeting.table_number}" in calendar.text
            or str(meeting.table_number) in calendar.text
        )


def test_a_bad_move_shows_its_message_and_changes_nothing(app, db, fair):
    from expo.matchmaking import services
    from expo.matchmaking.models import Side

    request = services.ask(fair.event, fair.tea, fair.buyer, side=Side.SICHUAN)
    services.respond(request, side=Side.COUNTERPART, accept=True)
    services.run_scheduler(fair.event, actor=fair.organizer, time_limit=5)
    meeting = request.meeting
    db.session.commit()
    was = (meeting.starts_at, meeting.table_number)
    organizer = signed_in(app, fair.organizer)
    page = organizer.post(
        f"/manage/events/{fair.event.id}/matchmaking/meetings/{meeting.id}/move?lang=en",
        data={"starts_at": meeting.starts_at.isoformat(), "table": "9"},
    )
    assert page.status_code == 422
    assert "Choose a table from 1 to 2." in page.text
    db.session.refresh(meeting)
    assert (meeting.starts_at, meeting.table_number) == was
    outside = organizer.post(
        f"/manage/events/{fair.event.id}/matchmaking/meetings/{meeting.id}/move?lang=en",
        data={"starts_at": "2001-01-01T00:00:00+00:00", "table": "1"},
    )
    assert outside.status_code == 422 and "Choose a slot of the meeting grid." in outside.text


def test_the_grid_form_refuses_a_window_outside_the_event(app, db, fair):
    db.session.commit()
    organizer = signed_in(app, fair.organizer)
    page = organizer.post(
        f"/manage/events/{fair.event.id}/matchmaking?lang=en",
        data={
            "slot_minutes": "20",
            "tables": "4",
            "windows": "2001-01-01 09:00-12:00",
            "max_requests": "5",
            "max_meetings": "5",
        },
    )
    assert page.status_code == 422
    assert "Every stretch of meetings must lie within the event." in page.text
    db.session.refresh(fair.grid)
    assert fair.grid.tables == 2


def test_the_enterprise_saves_its_profile_and_a_bad_one_changes_nothing(app, db, fair):
    from expo.matchmaking import services

    user = make_enterprise_user(fair.tea.enterprise, email="tea-clerk@example.com")
    tea = signed_in(app, user)
    url = f"/applications/{fair.tea.id}/matchmaking/profile?lang=en"
    refused = tea.post(url, data={"languages": "", "hs_chapters": "x"}, follow_redirects=True)
    assert "Give at least one language you speak." in refused.text
    assert services.profile_for(fair.tea) is None
    tea.post(url, data={"languages": "zh, en", "hs_chapters": "09", "summary_en": "Green tea"})
    assert services.sichuan_languages(fair.tea) == frozenset({"zh", "en"})


def test_an_enterprise_not_approved_sees_nothing_of_the_other_side(app, db, fair):
    user = make_enterprise_user(fair.tea.enterprise, email="tea-waiting@example.com")
    fair.tea.status = "pending"
    tea = signed_in(app, user)
    for path in ("", ".pdf", ".ics"):
        response = tea.get(f"/applications/{fair.tea.id}/matchmaking{path}?lang=en")
        assert response.status_code == 404, path
        assert "Danube Foods" not in response.text
    asked = tea.post(f"/applications/{fair.tea.id}/matchmaking/ask/{fair.buyer.id}?lang=en")
    assert asked.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(MatchRequest.id))) == 0
    fair.tea.status = "approved"
    db.session.commit()
    page = tea.get(f"/applications/{fair.tea.id}/matchmaking?lang=en")
    assert page.status_code == 200 and "Danube Foods" in page.text


def test_the_organizer_hands_a_new_private_link(app, db, fair):
    organizer = signed_in(app, make_user("organizer", email="links@example.com"))
    manage = f"/manage/events/{fair.event.id}/matchmaking"
    page = organizer.post(f"{manage}/counterparts/{fair.buyer.id}/link?lang=en")
    assert page.status_code == 200
    assert "no-store" in page.headers["Cache-Control"]
    assert "peter@danube.example.com" in page.text  # where it was mailed
    found = re.search(r'id="private-link">\S*/matchmaking/([\w-]+)<', page.text)
    assert found is not None
    assert found.group(1) not in str(page.headers)  # nor in a cookie
    buyer = app.test_client().get(f"/matchmaking/{found.group(1)}?lang=en")
    assert buyer.status_code == 200 and "Danube Foods" in buyer.text


def test_a_buyer_browses_by_industry_in_their_language(app, db, fair):
    from expo.matchmaking import services

    fair.tea.enterprise.industry = "food"
    fair.pepper.enterprise.industry = "machinery"
    token = services.send_link(fair.buyer)
    db.session.commit()
    buyer = app.test_client()
    page = buyer.get(f"/matchmaking/{token}?lang=en&industry=food")
    assert page.status_code == 200
    industry = re.search(r'<select[^>]*name="industry".*?</select>', page.text, re.S)
    assert industry is not None
    options = re.findall(r"<option([^>]*)>([^<]*)</option>", industry.group(0))
    assert [label for attributes, label in options if "selected" in attributes] == ["Food"]
    assert "Sichuan Tea Group" in page.text and "Hanyuan Pepper" not in page.text
    # A hand-edited industry shows everyone rather than an error.
    page = buyer.get(f"/matchmaking/{token}?lang=en&industry=%3Cscript%3E")
    assert page.status_code == 200 and "Hanyuan Pepper" in page.text


def test_both_sides_say_how_their_meeting_went_on_their_pages(app, db, fair):
    from expo.matchmaking import services
    from expo.matchmaking.models import Side

    request = services.ask(fair.event, fair.tea, fair.buyer, side=Side.SICHUAN)
    services.respond(request, side=Side.COUNTERPART, accept=True)
    services.run_scheduler(fair.event, actor=fair.organizer, time_limit=5)
    services.publish(fair.event, actor=fair.organizer)
    [meeting] = db.session.scalars(sa.select(Meeting)).all()
    token = services.send_link(fair.buyer)
    user = make_enterprise_user(fair.tea.enterprise, email="tea-outcome@example.com")
    tea = signed_in(app, user)
    home = f"/applications/{fair.tea.id}/matchmaking"
    # The event lies ahead: no form yet, and a post is refused with a message.
    assert 'name="interest"' not in tea.get(f"{home}?lang=en").text
    refused = tea.post(
        f"{home}/meetings/{meeting.id}/outcome?lang=en",
        data={"attendance": "held", "interest": "deal"},
        follow_redirects=True,
    )
    assert "once it has begun" in refused.text
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).attendance is None
    # The day has come (moved back in time rather than the clock forward).
    shift = meeting.starts_at - (meeting.starts_at.replace(year=2000))
    db.session.get(Meeting, meeting.id).starts_at -= shift
    db.session.commit()
    page = tea.get(f"{home}?lang=en").text
    assert 'name="interest"' in page
    tea.post(
        f"{home}/meetings/{meeting.id}/outcome", data={"attendance": "held", "interest": "deal"}
    )
    buyer = app.test_client()
    answered = buyer.post(
        f"/matchmaking/{token}/meetings/{meeting.id}/outcome",
        data={"attendance": "held", "interest": "intention"},
    )
    assert answered.status_code == 303
    db.session.expire_all()
    kept = db.session.get(Meeting, meeting.id)
    assert (kept.attendance, kept.interest) == ("held", "intention")  # the last word
    # Another's meeting, or a made-up one, is not theirs to tell.
    assert buyer.post(f"/matchmaking/{token}/meetings/999999/outcome").status_code == 404


def test_the_organizer_corrects_a_buyers_languages_and_a_bad_entry_changes_nothing(app, db, fair):
    organizer = signed_in(app, make_user("organizer", email="languages@example.com"))
    url = f"/manage/events/{fair.event.id}/matchmaking/counterparts/{fair.buyer.id}/languages"
    refused = organizer.post(f"{url}?lang=en", data={"languages": "zz"}, follow_redirects=True)
    assert "Give language codes such as zh, en, ru" in refused.text
    db.session.expire_all()
    assert db.session.get(Counterpart, fair.buyer.id).languages == "en,hu"
    saved = organizer.post(f"{url}?lang=en", data={"languages": "de, en"}, follow_redirects=True)
    assert "the next run of the scheduler uses them" in saved.text
    db.session.expire_all()
    assert db.session.get(Counterpart, fair.buyer.id).languages == "de,en"

"""Matchmaking meetings and what their participants marked afterwards feed the results:
the headline, each event, the filters, the spreadsheet and the page."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import sqlalchemy as sa
from openpyxl import load_workbook

from expo.extensions import db
from expo.matchmaking.models import Counterpart, MatchRequest, Meeting
from expo.registrations.models import Application
from expo.results import reports, services
from expo.results.services import Filters
from tests.factories import make_application, make_enterprise, make_user
from tests.results.conftest import MAY, NEW_YEAR

HELD = re.compile(r">Held</dt><dd[^>]*>(\d+)</dd>")


def application_at(event) -> list[Application]:
    return list(
        db.session.scalars(
            sa.select(Application)
            .where(Application.event_id == event.id, Application.status == "approved")
            .order_by(Application.id)
        )
    )


def meeting(application, country, slot, starts_at, attendance=None, interest=None) -> Meeting:
    counterpart = Counterpart(
        event_id=application.event_id,
        role="buyer",
        organization_en=f"Buyer {country} {slot}",
        country=country,
        email=f"buyer{slot}@{country.lower()}.example.com",
        status="approved",
    )
    db.session.add(counterpart)
    db.session.flush()
    request = MatchRequest(
        event_id=application.event_id,
        application_id=application.id,
        counterpart_id=counterpart.id,
        from_side="sichuan",
        status="accepted",
    )
    db.session.add(request)
    db.session.flush()
    start = starts_at + timedelta(minutes=20 * slot)
    held = Meeting(
        event_id=application.event_id,
        request_id=request.id,
        application_id=application.id,
        counterpart_id=counterpart.id,
        starts_at=start,
        ends_at=start + timedelta(minutes=20),
        table_number=1,
        published=True,
        attendance=attendance,
        interest=interest,
    )
    db.session.add(held)
    db.session.flush()
    return held


def meetings_world(world):
    budapest, jakarta = world["budapest"], world["jakarta"]
    chengdu_at_budapest = application_at(budapest)[0]  # the Chengdu tea enterprise
    mianyang_at_jakarta = application_at(jakarta)[0]
    meeting(chengdu_at_budapest, "HU", 0, MAY, "held", "deal")
    meeting(chengdu_at_budapest, "US", 1, MAY, "held", "follow_up")
    meeting(chengdu_at_budapest, "DE", 2, MAY, "no_show")
    meeting(chengdu_at_budapest, "HU", 3, MAY)  # nobody marked it yet
    meeting(mianyang_at_jakarta, "ID", 0, NEW_YEAR, "held", "intention")
    # Counted nowhere: a draft the organizer has not published; an interest marked for a
    # meeting nobody came to; a withdrawn application's meeting that never took place.
    meeting(mianyang_at_jakarta, "CN", 1, NEW_YEAR, "held", "deal").published = False
    meeting(mianyang_at_jakarta, "VN", 2, NEW_YEAR, "no_show", "deal")
    other = make_application(jakarta, make_enterprise(prefecture="510700"), status="withdrawn")
    meeting(other, "TH", 3, NEW_YEAR, None, "follow_up")
    # ... but one that took place counts, whatever became of the application since.
    meeting(
        make_application(jakarta, make_enterprise(), status="cancelled"), "MY", 4, NEW_YEAR, "held"
    )
    db.session.commit()


def test_meetings_count_in_the_headline_and_per_event(world):
    meetings_world(world)
    found = services.results(Filters(campaign_id=world["campaign"].id), language="en")
    head = found.headline.meetings
    assert (head.scheduled, head.held, head.no_show) == (7, 4, 2)
    assert (head.follow_up, head.intention, head.deal, head.interested) == (1, 1, 1, 3)
    by_event = {figures.event.id: figures.meetings for figures in found.events}
    assert (by_event[world["budapest"].id].scheduled, by_event[world["budapest"].id].held) == (4, 2)
    assert (by_event[world["jakarta"].id].held, by_event[world["jakarta"].id].intention) == (2, 1)


def test_the_filters_narrow_the_meetings(world):
    meetings_world(world)
    campaign = world["campaign"].id
    mianyang = services.results(Filters(campaign_id=campaign, prefecture="510700")).headline
    assert (mianyang.meetings.scheduled, mianyang.meetings.intention) == (2, 1)
    # The region is the foreign participant's country's.
    america = services.results(Filters(campaign_id=campaign, region="north_america")).headline
    assert (america.meetings.scheduled, america.meetings.follow_up) == (1, 1)
    europe = services.results(Filters(campaign_id=campaign, region="europe")).headline
    assert (europe.meetings.scheduled, europe.meetings.held, europe.meetings.deal) == (3, 1, 1)


def test_the_spreadsheet_and_the_page_show_the_meetings(client, world, login_as):
    meetings_world(world)
    campaign = world["campaign"].id
    workbook = reports.results_workbook(Filters(campaign_id=campaign), language="en")
    book = load_workbook(io.BytesIO(workbook))
    headline = {row[0]: row[1] for row in book["Headline"].iter_rows(values_only=True)}
    assert headline["Matchmaking meetings scheduled"] == 7
    assert headline["Meetings held"] == 4
    assert headline["Meetings: deals"] == 1
    events = list(book["Events"].iter_rows(values_only=True))
    held = events[0].index("Meetings held")
    assert {row[0]: row[held] for row in events[1:]}["Budapest Fair"] == 2

    login_as(make_user("organizer", locale="en"))

    def held_on_the_page() -> int:
        html = client.get(f"/manage/results?campaign={campaign}").get_data(as_text=True)
        assert "Matchmaking meetings" in html and "Deals at a meeting" in html
        return int(HELD.search(html).group(1))

    assert held_on_the_page() == 4
    # A meeting marked afterwards shows at once: the results' cache follows the meetings.
    unmarked = db.session.scalars(
        sa.select(Meeting).where(
            Meeting.event_id == world["budapest"].id, Meeting.attendance.is_(None)
        )
    ).one()
    unmarked.attendance = "held"
    db.session.commit()
    assert held_on_the_page() == 5

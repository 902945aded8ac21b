"""The itinerary as an iCalendar (RFC 5545) file, whole or for one member.

Each event keeps its item's two zones: DTSTART carries the start's TZID and DTEND the
end's, with a VTIMEZONE for every zone used, so a calendar app shows the flight leaving
at 21:00 in Tokyo and landing at 09:00 in Honolulu whatever zone the phone is in.
Texts are in the reader's language, like the pages.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import Response, current_app
from flask_babel import gettext as _
from icalendar import Calendar, Event

from expo.db import utcnow
from expo.delegations.itinerary import delegation_items, participants
from expo.delegations.models import Delegation, ItineraryItem, Member

PRODID = "-//Sichuan Provincial Department of Commerce//Expo//EN"


def _uid_host() -> str:
    return urlsplit(current_app.config["BASE_URL"]).hostname or "expo.localhost"


def _description(item: ItineraryItem, delegation: Delegation) -> str:
    lines = []
    if item.transport_number:
        lines.append(_("Flight or train number: %(number)s", number=item.transport_number))
    if item.host:
        lines.append(_("Host: %(host)s", host=item.host))
    if item.contact:
        lines.append(_("Contact: %(contact)s", contact=item.contact))
    if item.enterprises:
        names = ", ".join(enterprise.name for enterprise in item.enterprises)
        lines.append(_("With: %(names)s", names=names))
    if not item.everyone:
        names = ", ".join(member.display_name for member in participants(item, delegation))
        lines.append(_("Taking part: %(names)s", names=names))
    if item.notes:
        lines.extend(["", item.notes])
    return "\n".join(lines)


def _event(item: ItineraryItem, delegation: Delegation, host: str, stamp) -> Event:
    event = Event()
    event.add("uid", f"item-{item.id}@{host}")
    event.add("dtstamp", stamp)
    event.add("dtstart", item.starts_at.astimezone(ZoneInfo(item.start_timezone)))
    # RFC 5545 wants DTEND strictly after DTSTART; an event without one lasts no time,
    # which is what a zero-length item (a check-in at a moment) is.
    if item.ends_at > item.starts_at:
        event.add("dtend", item.ends_at.astimezone(ZoneInfo(item.end_timezone)))
    event.add("summary", item.title)
    event.add("categories", [item.kind_label])
    location = ", ".join(part for part in (item.place, item.address) if part)
    if location:
        event.add("location", location)
    description = _description(item, delegation)
    if description:
        event.add("description", description)
    return event


def calendar_ics(delegation: Delegation, member: Member | None = None) -> bytes:
    """The itinerary as iCalendar bytes; with ``member``, only that member's items."""
    items = [
        item for item in delegation_items(delegation) if member is None or item.involves(member)
    ]
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    name = delegation.title if member is None else f"{delegation.title} · {member.display_name}"
    calendar.add("x-wr-calname", name)

    host, stamp = _uid_host(), utcnow()
    for item in items:
        calendar.add_component(_event(item, delegation, host, stamp))
    if items:
        # Whole years around the trip, so each zone's rules show both its observances.
        first = min(item.starts_at for item in items).year - 1
        last = max(item.ends_at for item in items).year + 2
        calendar.add_missing_timezones(date(first, 1, 1), date(last, 1, 1))
    return calendar.to_ical()


ICS_MIMETYPE = "text/calendar; charset=utf-8"


def ics_response(body: bytes, filename: str, headers: dict[str, str] | None = None) -> Response:
    """A calendar file to download, with any extra headers (a share link's privacy)."""
    response = Response(body, content_type=ICS_MIMETYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers.update(headers or {})
    return response

"""A participant's meetings as an iCalendar file, in the event's zone (named, with its
VTIMEZONE), texts in the reader's language."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from icalendar import Calendar
from icalendar import Event as CalendarEvent

from expo.db import utcnow
from expo.delegations.calendar import PRODID, _uid_host
from expo.events.models import Event
from expo.matchmaking.models import Meeting


def meetings_ics(event: Event, meetings: list[Meeting], *, side: str, name: str) -> bytes:
    """``side`` is whose calendar it is: "sichuan" (the counterpart is the buyer) or not."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"{event.title} · {name}")
    zone = ZoneInfo(event.timezone)
    host, stamp = _uid_host(), utcnow()
    for meeting in meetings:
        other = (
            meeting.counterpart.organization_both
            if side == "sichuan"
            else meeting.application.enterprise.name
        )
        entry = CalendarEvent()
        entry.add("uid", f"meeting-{meeting.id}@{host}")
        entry.add("dtstamp", stamp)
        entry.add("dtstart", meeting.starts_at.astimezone(zone))
        entry.add("dtend", meeting.ends_at.astimezone(zone))
        entry.add(
            "summary",
            _("Meeting with %(other)s, table %(table)d", other=other, table=meeting.table_number),
        )
        location = ", ".join(part for part in (event.venue, event.city) if part)
        if location:
            entry.add("location", location)
        if meeting.interpreter_language:
            entry.add(
                "description",
                _(
                    "An interpreter (%(language)s) joins you.",
                    language=meeting.interpreter_language,
                ),
            )
        calendar.add_component(entry)
    first: datetime = min((m.starts_at for m in meetings), default=event.starts_at)
    calendar.add_missing_timezones(date(first.year - 1, 1, 1), date(first.year + 2, 1, 1))
    return calendar.to_ical()

"""The rules for campaigns, events and agendas: who sees what, and what may be saved.

Times come in as the wall-clock time of the event's zone (what an organizer reads off a
fair's website) and are stored in UTC; see :func:`expo.i18n.local_to_utc`.
"""

from __future__ import annotations

import calendar
import functools
from copy import deepcopy as copy_value
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import joinedload, selectinload

from expo.audit.actions import AuditAction
from expo.audit.services import record
from expo.db import utcnow
from expo.errors import DomainError, InvalidInput
from expo.events.models import (
    AgendaSession,
    Campaign,
    CampaignKind,
    Event,
    EventKind,
    Moderation,
    PublicationStatus,
    Question,
)
from expo.events.signals import capacity_changed
from expo.extensions import db
from expo.i18n import (
    NonexistentLocalTime,
    country_codes,
    is_timezone,
    local_to_utc,
    utc_to_local,
)
from expo.outcomes.models import OutcomeSettings
from expo.places import single_zone
from expo.validation import DATE_RANGE_MESSAGE, in_planning_range, month_start

if TYPE_CHECKING:
    from expo.accounts.models import User

DRAFT = PublicationStatus.DRAFT
PUBLISHED = PublicationStatus.PUBLISHED
ARCHIVED = PublicationStatus.ARCHIVED


class CampaignNotPublished(DomainError):
    message = _l("Publish the campaign before publishing its events.")


def _convert_times(
    values: dict[str, datetime | None], tz_name: str, errors: dict[str, object]
) -> dict[str, datetime]:
    converted = {}
    for name, local in values.items():
        if local is None:
            errors.setdefault(name, _l("Enter a date and time."))
            continue
        try:
            converted[name] = local_to_utc(local, tz_name)
        except NonexistentLocalTime:
            errors[name] = _l(
                "This time does not exist in %(zone)s: the clocks jump forward then.",
                zone=tz_name,
            )
    return converted


def _require_title(data: object, errors: dict[str, object], field: str = "title") -> None:
    if not (getattr(data, f"{field}_zh").strip() or getattr(data, f"{field}_en").strip()):
        errors[f"{field}_zh"] = _l("Enter a title in Chinese or English (or both).")


# --- campaigns -------------------------------------------------------------------------


@dataclass
class CampaignData:
    kind: str
    year: int
    title_zh: str = ""
    title_en: str = ""
    summary_zh: str = ""
    summary_en: str = ""


def _validate_campaign(data: CampaignData) -> None:
    errors: dict[str, object] = {}
    if data.kind not in {kind.value for kind in CampaignKind}:
        errors["kind"] = _l("Choose a kind of campaign.")
    if not 2000 <= (data.year or 0) <= 2100:
        errors["year"] = _l("Enter a year between 2000 and 2100.")
    _require_title(data, errors)
    if errors:
        raise InvalidInput(errors)


def _assign(target: object, data: Any) -> None:
    for field in fields(data):
        value = getattr(data, field.name)
        setattr(target, field.name, value.strip() if isinstance(value, str) else value)


def create_campaign(data: CampaignData) -> Campaign:
    _validate_campaign(data)
    campaign = Campaign(status=DRAFT)
    _assign(campaign, data)
    db.session.add(campaign)
    db.session.flush()
    return campaign


def update_campaign(campaign: Campaign, data: CampaignData) -> Campaign:
    _validate_campaign(data)
    _assign(campaign, data)
    db.session.flush()
    return campaign


def publish_campaign(campaign: Campaign) -> Campaign:
    campaign.status = PUBLISHED
    db.session.flush()
    return campaign


def archive_campaign(campaign: Campaign) -> Campaign:
    """Archived campaigns stay readable (last year's fairs) but leave the home page."""
    campaign.status = ARCHIVED
    db.session.flush()
    return campaign


def campaign_data_from(campaign: Campaign) -> CampaignData:
    return CampaignData(
        **{field.name: getattr(campaign, field.name) for field in fields(CampaignData)}
    )


# --- events ----------------------------------------------------------------------------

EVENT_TIMES = ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at")


@dataclass
class EventData:
    """An event as an organizer enters it; the four times are naive local wall-clock times."""

    campaign_id: int
    kind: str
    country: str
    timezone: str
    starts_at: datetime | None
    ends_at: datetime | None
    registration_opens_at: datetime | None
    registration_closes_at: datetime | None
    capacity: int
    max_delegates: int = 3
    moderation: str = Moderation.REVIEW.value
    title_zh: str = ""
    title_en: str = ""
    description_zh: str = ""
    description_en: str = ""
    city_zh: str = ""
    city_en: str = ""
    venue_zh: str = ""
    venue_en: str = ""
    fee_note_zh: str = ""
    fee_note_en: str = ""
    subsidy_note_zh: str = ""
    subsidy_note_en: str = ""


def _validated_event_values(data: EventData) -> dict[str, object]:
    """Check an event's input as a whole; the values to store, times in UTC."""
    errors: dict[str, object] = {}
    if db.session.get(Campaign, data.campaign_id) is None:
        errors["campaign_id"] = _l("Choose a campaign.")
    if data.kind not in {kind.value for kind in EventKind}:
        errors["kind"] = _l("Choose a kind of event.")
    if data.moderation not in {mode.value for mode in Moderation}:
        errors["moderation"] = _l("Choose how applications are accepted.")
    _require_title(data, errors)
    if not (data.city_zh.strip() or data.city_en.strip()):
        errors["city_zh"] = _l("Enter the city in Chinese or English (or both).")
    country = (data.country or "").upper()
    if country not in country_codes():
        errors["country"] = _l("Choose a country from the list.")
    if data.capacity is None or data.capacity < 1:
        errors["capacity"] = _l("Capacity must be at least 1.")
    if data.max_delegates is None or data.max_delegates < 1:
        errors["max_delegates"] = _l("Allow at least 1 delegate per enterprise.")

    times: dict[str, datetime] = {}
    # A country with one zone needs no choosing: China is Beijing time, Malaysia is not.
    zone = (data.timezone or "").strip() or single_zone(country) or ""
    if not zone:
        errors["timezone"] = _l("Choose the time zone of the event's city.")
    elif not is_timezone(zone):
        errors["timezone"] = _l("Choose a time zone from the list.")
    else:
        times = _convert_times({name: getattr(data, name) for name in EVENT_TIMES}, zone, errors)
    starts, ends = times.get("starts_at"), times.get("ends_at")
    opens, closes = times.get("registration_opens_at"), times.get("registration_closes_at")
    if starts and ends and ends <= starts:
        errors["ends_at"] = _l("The event must end after it starts.")
    if opens and closes and closes <= opens:
        errors["registration_closes_at"] = _l("Registration must close after it opens.")
    elif closes and ends and closes > ends:
        errors["registration_closes_at"] = _l("Registration must close before the event ends.")
    if errors:
        raise InvalidInput(errors)

    values = {field.name: getattr(data, field.name) for field in fields(EventData)}
    values.update(times, country=country, timezone=zone)
    return {
        name: value.strip() if isinstance(value, str) else value for name, value in values.items()
    }


def create_event(data: EventData) -> Event:
    event = Event(status=DRAFT, **_validated_event_values(data))
    db.session.add(event)
    db.session.flush()
    return event


def update_event(event: Event, data: EventData) -> Event:
    values = _validated_event_values(data)
    old_zone, new_zone = event.timezone, str(values["timezone"])
    old_capacity = event.capacity
    for name, value in values.items():
        setattr(event, name, value)
    if event.capacity != old_capacity:
        # Fewer booths than already approved is refused; more serve the waiting list.
        capacity_changed.send(event)
    if old_zone != new_zone:
        # A changed zone usually corrects a mistake: the agenda keeps its wall-clock times.
        for session in event.sessions:
            session.starts_at = local_to_utc(utc_to_local(session.starts_at, old_zone), new_zone)
            session.ends_at = local_to_utc(utc_to_local(session.ends_at, old_zone), new_zone)
    db.session.flush()
    return event


def publish_event(event: Event) -> Event:
    if event.campaign.status != PUBLISHED:
        raise CampaignNotPublished()
    event.status = PUBLISHED
    db.session.flush()
    return event


def archive_event(event: Event) -> Event:
    event.status = ARCHIVED
    db.session.flush()
    return event


def event_data_from(event: Event) -> EventData:
    values = {field.name: getattr(event, field.name) for field in fields(EventData)}
    for name in EVENT_TIMES:
        values[name] = utc_to_local(values[name], event.timezone)
    return EventData(**values)


# --- agenda ----------------------------------------------------------------------------


@dataclass
class SessionData:
    """An agenda session; times are naive wall-clock times in the event's zone."""

    starts_at: datetime | None
    ends_at: datetime | None
    title_zh: str = ""
    title_en: str = ""
    place_zh: str = ""
    place_en: str = ""
    host_zh: str = ""
    host_en: str = ""


def _validated_session_values(event: Event, data: SessionData) -> dict[str, object]:
    errors: dict[str, object] = {}
    _require_title(data, errors)
    times = _convert_times(
        {"starts_at": data.starts_at, "ends_at": data.ends_at}, event.timezone, errors
    )
    starts, ends = times.get("starts_at"), times.get("ends_at")
    if starts and ends and ends <= starts:
        errors["ends_at"] = _l("The session must end after it starts.")
    for name, moment in times.items():
        if name not in errors and not event.starts_at <= moment <= event.ends_at:
            errors[name] = _l("Sessions take place while the event runs.")
    if errors:
        raise InvalidInput(errors)
    values = {field.name: getattr(data, field.name) for field in fields(SessionData)}
    values.update(times)
    return {
        name: value.strip() if isinstance(value, str) else value for name, value in values.items()
    }


def add_session(event: Event, data: SessionData) -> AgendaSession:
    session = AgendaSession(**_validated_session_values(event, data))
    event.sessions.append(session)
    db.session.flush()
    return session


def update_session(session: AgendaSession, data: SessionData) -> AgendaSession:
    for name, value in _validated_session_values(session.event, data).items():
        setattr(session, name, value)
    db.session.flush()
    return session


def delete_session(session: AgendaSession) -> None:
    db.session.delete(session)
    db.session.flush()


def session_data_from(session: AgendaSession) -> SessionData:
    values = {field.name: getattr(session, field.name) for field in fields(SessionData)}
    tz_name = session.event.timezone
    values["starts_at"] = utc_to_local(values["starts_at"], tz_name)
    values["ends_at"] = utc_to_local(values["ends_at"], tz_name)
    return SessionData(**values)


def agenda_by_day(event: Event) -> list[tuple[datetime, list[AgendaSession]]]:
    """Sessions grouped by their local calendar day, for schedules on screen and paper."""
    days: dict[object, list[AgendaSession]] = {}
    for session in event.sessions:
        days.setdefault(utc_to_local(session.starts_at, event.timezone).date(), []).append(session)
    return [(sessions[0].starts_at, sessions) for _, sessions in sorted(days.items())]


# --- what people may see ---------------------------------------------------------------


def _visible(include_drafts: bool) -> sa.Select[Event]:
    query = sa.select(Event).join(Event.campaign)
    if not include_drafts:
        query = query.where(Event.status != DRAFT, Campaign.status != DRAFT)
    return query


def visible_event(
    event_id: int, *, include_drafts: bool, agenda: bool = True, questions: bool = False
) -> Event | None:
    """The event if the reader may see it, in one statement with its campaign, its
    ``agenda`` (unless a page does not show it) and its ``questions`` (for the
    application form)."""
    query = _visible_event_query(include_drafts, agenda, questions)
    return db.session.execute(query, {"event_id": event_id}).unique().scalar_one_or_none()


@functools.cache
def _visible_event_query(include_drafts: bool, agenda: bool, questions: bool) -> sa.Select[Event]:
    """:func:`visible_event`'s statement, built once for each kind of page that reads an
    event (the event is a parameter): an event's page and the application form read one
    on every request."""
    query = (
        _visible(include_drafts)
        .where(Event.id == sa.bindparam("event_id"))
        .options(joinedload(Event.campaign))
    )
    if agenda:
        query = query.options(joinedload(Event.sessions))
    if questions:
        # Joined beside the agenda, the two lists would multiply each other's rows.
        query = query.options((selectinload if agenda else joinedload)(Event.questions))
    return query


def visible_campaign(campaign_id: int, *, include_drafts: bool) -> Campaign | None:
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or (campaign.status == DRAFT and not include_drafts):
        return None
    return campaign


def open_campaigns() -> list[Campaign]:
    query = (
        sa.select(Campaign)
        .where(Campaign.status == PUBLISHED)
        .order_by(Campaign.year.desc(), Campaign.id)
    )
    return list(db.session.execute(query).scalars())


def upcoming_events(limit: int = 6, now: datetime | None = None) -> list[Event]:
    now = now or utcnow()
    query = (
        _visible(include_drafts=False)
        .where(Event.status == PUBLISHED, Event.ends_at >= now)
        .options(selectinload(Event.campaign))
        .order_by(Event.starts_at, Event.id)
        .limit(limit)
    )
    return list(db.session.execute(query).scalars())


WHEN_CHOICES = ("upcoming", "past", "all")


@dataclass
class EventFilters:
    campaign_id: int | None = None
    country: str | None = None
    kind: str | None = None
    month: str | None = None  # "YYYY-MM"
    open_only: bool = False
    when: str = "upcoming"
    status: str | None = None  # organizers only


def month_bounds(month: str) -> tuple[datetime, datetime] | None:
    """The UTC span of a calendar month, widened by the widest zone offsets.

    An event "in May" is one that runs at some point in May where it takes place; UTC
    plus fourteen hours either side covers every zone on Earth.
    """
    day = month_start(month)
    if day is None:
        return None
    first = datetime(day.year, day.month, 1, tzinfo=UTC)
    last_day = calendar.monthrange(day.year, day.month)[1]
    after = first + timedelta(days=last_day)
    return first - timedelta(hours=14), after + timedelta(hours=14)


def search_events(
    filters: EventFilters,
    *,
    include_drafts: bool,
    page: int = 1,
    per_page: int = 12,
    now: datetime | None = None,
) -> Pagination:
    """A page of events matching the filters (their campaigns are not loaded: the cards
    do not show them)."""
    now = now or utcnow()
    query = _visible(include_drafts)
    if filters.campaign_id:
        query = query.where(Event.campaign_id == filters.campaign_id)
    if filters.country:
        query = query.where(Event.country == filters.country.upper())
    if filters.kind:
        query = query.where(Event.kind == filters.kind)
    if include_drafts and filters.status:
        query = query.where(Event.status == filters.status)
    bounds = month_bounds(filters.month) if filters.month else None
    if bounds:
        query = query.where(Event.starts_at < bounds[1], Event.ends_at > bounds[0])
    elif filters.when == "upcoming":
        query = query.where(Event.ends_at >= now)
    elif filters.when == "past":
        query = query.where(Event.ends_at < now)
    if filters.open_only:
        query = query.where(
            Event.status == PUBLISHED,
            Event.registration_opens_at <= now,
            Event.registration_closes_at > now,
        )
    if filters.when == "past" and not bounds:
        query = query.order_by(Event.starts_at.desc(), Event.id.desc())
    else:
        query = query.order_by(Event.starts_at, Event.id)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


_NEWEST_CAMPAIGNS_FIRST = (Campaign.year.desc(), Campaign.id.desc())


def all_campaigns() -> list[Campaign]:
    query = sa.select(Campaign).order_by(*_NEWEST_CAMPAIGNS_FIRST)
    return list(db.session.execute(query).scalars())


def campaigns_page(page: int = 1, per_page: int = 20) -> Pagination:
    query = sa.select(Campaign).order_by(*_NEWEST_CAMPAIGNS_FIRST)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def campaign_events(campaign: Campaign, *, include_drafts: bool) -> list[Event]:
    query = sa.select(Event).where(Event.campaign_id == campaign.id)
    if not include_drafts:
        query = query.where(Event.status != DRAFT)
    return list(db.session.execute(query.order_by(Event.starts_at, Event.id)).scalars())


def countries_with_events(*, include_drafts: bool) -> list[str]:
    query = _visible(include_drafts).with_only_columns(Event.country).distinct()
    return sorted(db.session.execute(query).scalars())


# --- copying ---------------------------------------------------------------------------

COPY_IN_PAST = _l("Choose a start date after today.")
# The settings a copy takes over as they are; times are shifted, the rest is new.
COPIED_EVENT_FIELDS = (
    "campaign_id",
    "kind",
    "title_zh",
    "title_en",
    "description_zh",
    "description_en",
    "country",
    "city_zh",
    "city_en",
    "venue_zh",
    "venue_en",
    "timezone",
    "capacity",
    "max_delegates",
    "moderation",
    "fee_note_zh",
    "fee_note_en",
    "subsidy_note_zh",
    "subsidy_note_en",
)
COPIED_SESSION_FIELDS = ("title_zh", "title_en", "place_zh", "place_en", "host_zh", "host_en")
COPIED_QUESTION_FIELDS = (
    "position",
    "kind",
    "label_zh",
    "label_en",
    "help_zh",
    "help_en",
    "required",
    "choices",
)


def _shift(moment: datetime, days: int, zone: str) -> datetime:
    """``moment`` ``days`` later on the wall clock of ``zone``: 09:00 stays 09:00 across a
    daylight-saving change, so the UTC instant moves by an hour more or less."""
    return local_to_utc(utc_to_local(moment, zone) + timedelta(days=days), zone)


def copy_event(
    event: Event, starts_on: date | None, *, actor: User | None, now: datetime | None = None
) -> Event:
    """A draft of ``event`` starting on ``starts_on`` (the event's local date): the same
    texts, settings (its outcome reporting period too), custom questions and agenda, every
    time shifted by the same number of days on the event's wall clock, registration window
    included. Nothing of who applied, came, reported or was certified belongs to the copy."""
    zone = event.timezone
    if starts_on is None or not in_planning_range(starts_on):
        raise InvalidInput({"starts_on": DATE_RANGE_MESSAGE})
    days = (starts_on - utc_to_local(event.starts_at, zone).date()).days
    times = {}
    try:
        for name in EVENT_TIMES:
            times[name] = _shift(getattr(event, name), days, zone)
        sessions = [
            (_shift(session.starts_at, days, zone), _shift(session.ends_at, days, zone), session)
            for session in event.sessions
        ]
    except NonexistentLocalTime:
        raise InvalidInput(
            {
                "starts_on": _l(
                    "On this date a time of the event would fall in the hour the clocks skip "
                    "in %(zone)s: choose another date.",
                    zone=zone,
                )
            }
        ) from None
    if times["starts_at"] <= (now or utcnow()):
        raise InvalidInput({"starts_on": COPY_IN_PAST})

    copy = Event(
        status=DRAFT,
        **{name: getattr(event, name) for name in COPIED_EVENT_FIELDS},
        **times,
    )
    for starts, ends, session in sessions:
        copy.sessions.append(
            AgendaSession(
                starts_at=starts,
                ends_at=ends,
                **{name: getattr(session, name) for name in COPIED_SESSION_FIELDS},
            )
        )
    for question in event.questions:
        copy.questions.append(
            Question(
                **{name: copy_value(getattr(question, name)) for name in COPIED_QUESTION_FIELDS}
            )
        )
    db.session.add(copy)
    db.session.flush()
    reporting = db.session.get(OutcomeSettings, event.id)
    if reporting is not None:  # the reporting period; when enterprises were asked is not
        db.session.add(OutcomeSettings(event_id=copy.id, report_days=reporting.report_days))
    record(
        actor,
        AuditAction.EVENT_COPIED,
        copy,
        source_event_id=event.id,
        starts_on=starts_on.isoformat(),
        days=days,
    )
    db.session.flush()
    return copy

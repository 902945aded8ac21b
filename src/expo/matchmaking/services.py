"""Matchmaking rules: the grid, the two sides, requests, the schedule and its changes.

Services flush; the view commits once. Every refusal is an ``InvalidInput`` (a message
next to the field at fault) or a ``DomainError`` (a message for the page), raised before
anything is changed, so nothing is ever half-saved.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from expo.accounts.models import User
from expo.audit.actions import AuditAction
from expo.audit.services import record
from expo.db import like_pattern, utcnow
from expo.delegations.models import (
    Delegation,
    ItemKind,
    ItineraryItem,
    Member,
    delegation_events,
)
from expo.enterprises.models import Enterprise
from expo.errors import DomainError, InvalidInput
from expo.events.models import Event
from expo.extensions import db
from expo.i18n import NonexistentLocalTime, country_codes, local_to_utc, utc_to_local
from expo.mail import send_templated_email
from expo.matchmaking import scheduler
from expo.matchmaking.models import (
    Counterpart,
    CounterpartRole,
    CounterpartStatus,
    MatchGrid,
    MatchInterpreter,
    MatchRequest,
    MatchWindow,
    Meeting,
    Priority,
    RequestStatus,
    SichuanProfile,
    Side,
    split_codes,
)
from expo.registrations.models import Application, ApplicationStatus
from expo.registrations.signals import application_closed
from expo.urls import external_url
from expo.validation import InvalidValue, check_email, check_phone, check_text, is_id

# Itinerary items that do not keep anyone from a table: a hotel night spans the day.
NOT_BUSY = frozenset({ItemKind.HOTEL.value, ItemKind.FREE_TIME.value})
LANGUAGE_CODES = frozenset(
    {"zh", "en", "ru", "es", "fr", "de", "ar", "pt", "ja", "ko", "it", "tr", "vi", "th"}
    | {"id", "ms", "hi", "ur", "fa", "kk", "uz", "pl", "cs", "hu", "nl", "sv", "el", "he"}
)
_WINDOW = re.compile(r"\s*(\d{4}-\d{2}-\d{2})\s+(\d{1,2}:\d{2})\s*[-–~]\s*(\d{1,2}:\d{2})\s*")
_HS_CHAPTER = re.compile(r"\d{2}")


class MatchmakingClosed(DomainError):
    message = _l("Meeting requests are not open for this event.")


# --- small helpers -----------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _codes(
    raw: str,
    allowed: Iterable[str] | None,
    message: object,
    *,
    pattern: re.Pattern[str] | None = None,
) -> str:
    """A comma-separated list of codes, normalised; ``InvalidValue`` on an unknown one."""
    codes: list[str] = []
    for part in re.split(r"[,\s，、;；]+", raw.strip()):
        code = part.strip().lower()
        if not code:
            continue
        if (allowed is not None and code not in allowed) or (
            pattern is not None and not pattern.fullmatch(code)
        ):
            raise InvalidValue(message)
        if code not in codes:
            codes.append(code)
    return ",".join(codes)


def check_languages(raw: str) -> str:
    return _codes(
        raw, LANGUAGE_CODES, _l("Give language codes such as zh, en, ru, separated by commas.")
    )


def spoken_languages(raw: str) -> str:
    """:func:`check_languages`, at least one: who meets at a table speaks something."""
    languages = check_languages(raw)
    if not languages:
        raise InvalidValue(_l("Give at least one language you speak."))
    return languages


def check_hs_chapters(raw: str) -> str:
    value = _codes(
        raw,
        None,
        _l("Give two-digit HS chapters (01–97) separated by commas, e.g. 84, 85."),
        pattern=_HS_CHAPTER,
    )
    if any(not 1 <= int(code) <= 97 for code in split_codes(value)):
        raise InvalidValue(
            _l("Give two-digit HS chapters (01–97) separated by commas, e.g. 84, 85.")
        )
    return value


# --- the grid ----------------------------------------------------------------------------


@dataclass
class GridData:
    slot_minutes: int = 20
    tables: int = 10
    windows: str = ""
    interpreters: str = ""
    requests_open_at: datetime | None = None  # wall-clock time in the event's zone
    requests_close_at: datetime | None = None
    max_requests: int = 10
    max_meetings: int = 12


def grid_for(event: Event) -> MatchGrid | None:
    return db.session.scalar(sa.select(MatchGrid).where(MatchGrid.event_id == event.id))


def parse_windows(text: str, tz_name: str) -> list[tuple[datetime, datetime]]:
    """Lines ``2030-05-14 09:00-12:00`` (wall-clock time in ``tz_name``) → UTC pairs."""
    windows = []
    for line in text.splitlines():
        if not line.strip():
            continue
        match = _WINDOW.fullmatch(line)
        try:
            if match is None:
                raise ValueError(line)
            day = datetime.fromisoformat(match[1])
            start_h, start_m = (int(n) for n in match[2].split(":"))
            end_h, end_m = (int(n) for n in match[3].split(":"))
            start = day.replace(hour=start_h, minute=start_m)
            end = day.replace(hour=end_h, minute=end_m)
            windows.append((local_to_utc(start, tz_name), local_to_utc(end, tz_name)))
        except (ValueError, NonexistentLocalTime):
            raise InvalidInput(
                {
                    "windows": _l(
                        "Write one stretch of meetings a line, e.g. 2030-05-14 09:00-12:00."
                    )
                }
            ) from None
    return windows


def format_windows(grid: MatchGrid) -> str:
    tz_name = grid.event.timezone
    lines = []
    for window in grid.windows:
        start = utc_to_local(window.starts_at, tz_name)
        end = utc_to_local(window.ends_at, tz_name)
        lines.append(f"{start:%Y-%m-%d %H:%M}-{end:%H:%M}")
    return "\n".join(lines)


def parse_interpreters(text: str) -> dict[str, int]:
    """``ru=2, es=1`` → ``{"ru": 2, "es": 1}``."""
    found: dict[str, int] = {}
    message = _l("Write interpreters per language as ru=2, es=1.")
    for part in re.split(r"[,\n;，；]+", text):
        if not part.strip():
            continue
        language, equals, count = part.partition("=")
        language = language.strip().lower()
        if not equals or language not in LANGUAGE_CODES or not count.strip().isdigit():
            raise InvalidInput({"interpreters": message})
        if not 0 <= int(count) <= 100:
            raise InvalidInput({"interpreters": message})
        found[language] = int(count)
    return found


def grid_slots(grid: MatchGrid) -> list[scheduler.Slot]:
    """Every slot of the grid, in time order: each window cut in slots of ``slot_minutes``."""
    return _slots([(w.starts_at, w.ends_at) for w in grid.windows], grid.slot_minutes)


def _slots(windows: Sequence[tuple[datetime, datetime]], minutes: int) -> list[scheduler.Slot]:
    length = timedelta(minutes=minutes)
    slots = []
    for start, end in sorted(windows):
        moment = start
        while moment + length <= end:
            slots.append(scheduler.Slot(moment, moment + length))
            moment += length
    return slots


def save_grid(event: Event, data: GridData, *, actor: User | None) -> MatchGrid:
    errors: dict[str, object] = {}
    if not 5 <= data.slot_minutes <= 240:
        errors["slot_minutes"] = _l("A slot lasts between 5 and 240 minutes.")
    if not 1 <= data.tables <= 500:
        errors["tables"] = _l("Give between 1 and 500 tables.")
    if data.max_requests < 1:
        errors["max_requests"] = _l("Allow at least one request.")
    if data.max_meetings < 1:
        errors["max_meetings"] = _l("Allow at least one meeting.")
    windows: list[tuple[datetime, datetime]] = []
    interpreters: dict[str, int] = {}
    try:
        windows = parse_windows(data.windows, event.timezone)
    except InvalidInput as error:
        errors.update(error.errors)
    try:
        interpreters = parse_interpreters(data.interpreters)
    except InvalidInput as error:
        errors.update(error.errors)
    if not windows and "windows" not in errors:
        errors["windows"] = _l("Give at least one stretch of meetings.")
    for start, end in windows:
        if end <= start:
            errors["windows"] = _l("Each stretch must end after it starts.")
        elif start < event.starts_at or end > event.ends_at:
            errors["windows"] = _l("Every stretch of meetings must lie within the event.")
    ordered = sorted(windows)
    if any(a[1] > b[0] for a, b in zip(ordered, ordered[1:], strict=False)):
        errors.setdefault("windows", _l("The stretches of meetings overlap."))
    opens = closes = None
    try:
        if data.requests_open_at is not None:
            opens = local_to_utc(data.requests_open_at, event.timezone)
        if data.requests_close_at is not None:
            closes = local_to_utc(data.requests_close_at, event.timezone)
    except NonexistentLocalTime:
        errors["requests_open_at"] = _l("That time does not exist in the event's zone.")
    if opens and closes and closes <= opens:
        errors["requests_close_at"] = _l("Requests must close after they open.")
    if errors:
        raise InvalidInput(errors)
    grid = grid_for(event)
    if grid is not None and windows:
        starts = {slot.starts_at for slot in _slots(windows, data.slot_minutes)}
        for meeting in _meetings(event):
            if meeting.starts_at not in starts or meeting.table_number > data.tables:
                raise InvalidInput(
                    {
                        "windows": _l(
                            "Meetings are scheduled outside this grid: clear the schedule"
                            " first, or keep their slots and tables."
                        )
                    }
                )
    if grid is None:
        grid = MatchGrid(event=event)
        db.session.add(grid)
    grid.slot_minutes = data.slot_minutes
    grid.tables = data.tables
    grid.max_requests = data.max_requests
    grid.max_meetings = data.max_meetings
    grid.requests_open_at = opens
    grid.requests_close_at = closes
    # The old rows go first: the new ones may repeat a language (a unique pair).
    grid.windows.clear()
    grid.interpreters.clear()
    db.session.flush()
    grid.windows = [MatchWindow(starts_at=s, ends_at=e) for s, e in ordered]
    grid.interpreters = [
        MatchInterpreter(language=language, available=count)
        for language, count in sorted(interpreters.items())
    ]
    db.session.flush()
    record(actor, AuditAction.MATCHMAKING_GRID_SAVED, event, tables=grid.tables)
    return grid


def grid_data_from(grid: MatchGrid) -> GridData:
    tz_name = grid.event.timezone
    return GridData(
        slot_minutes=grid.slot_minutes,
        tables=grid.tables,
        windows=format_windows(grid),
        interpreters=", ".join(f"{i.language}={i.available}" for i in grid.interpreters),
        requests_open_at=utc_to_local(grid.requests_open_at, tz_name)
        if grid.requests_open_at
        else None,
        requests_close_at=utc_to_local(grid.requests_close_at, tz_name)
        if grid.requests_close_at
        else None,
        max_requests=grid.max_requests,
        max_meetings=grid.max_meetings,
    )


def requests_open(grid: MatchGrid | None, now: datetime | None = None) -> bool:
    if grid is None:
        return False
    now = now or utcnow()
    if grid.requests_open_at is not None and now < grid.requests_open_at:
        return False
    return not (grid.requests_close_at is not None and now >= grid.requests_close_at)


# --- the two sides -----------------------------------------------------------------------


def sichuan_side(event: Event) -> list[Application]:
    """The approved applications: the Sichuan enterprises at the tables."""
    return list(
        db.session.scalars(
            sa.select(Application)
            .where(
                Application.event_id == event.id,
                Application.status == ApplicationStatus.APPROVED,
            )
            .order_by(Application.id)
        )
    )


def profile_for(application: Application) -> SichuanProfile | None:
    return db.session.scalar(
        sa.select(SichuanProfile).where(SichuanProfile.application_id == application.id)
    )


def sichuan_languages(application: Application) -> frozenset[str]:
    profile = profile_for(application)
    return frozenset(split_codes(profile.languages) if profile else ["zh"]) or frozenset({"zh"})


@dataclass
class ProfileData:
    summary_zh: str = ""
    summary_en: str = ""
    hs_chapters: str = ""
    languages: str = "zh"


def save_profile(application: Application, data: ProfileData) -> SichuanProfile:
    """What the enterprise shows the other side, and the languages its delegates speak."""
    errors: dict[str, object] = {}
    clean = ProfileData()
    for name in ("summary_zh", "summary_en"):
        try:
            setattr(clean, name, check_text(getattr(data, name), max_length=1000, multiline=True))
        except InvalidValue as error:
            errors[name] = error.message
    try:
        clean.hs_chapters = check_hs_chapters(data.hs_chapters)
    except InvalidValue as error:
        errors["hs_chapters"] = error.message
    try:
        clean.languages = spoken_languages(data.languages)
    except InvalidValue as error:
        errors["languages"] = error.message
    if errors:
        raise InvalidInput(errors)
    profile = profile_for(application) or SichuanProfile(application=application)
    profile.summary_zh = clean.summary_zh
    profile.summary_en = clean.summary_en
    profile.hs_chapters = clean.hs_chapters
    profile.languages = clean.languages
    db.session.add(profile)
    db.session.flush()
    return profile


@dataclass
class CounterpartData:
    organization_zh: str = ""
    organization_en: str = ""
    country: str = ""
    role: str = CounterpartRole.BUYER.value
    contact_name_zh: str = ""
    contact_name_latin: str = ""
    email: str = ""
    mobile: str = ""
    offers: str = ""
    needs: str = ""
    hs_chapters: str = ""
    languages: str = ""
    consent: bool = False


def _validated_counterpart(data: CounterpartData) -> CounterpartData:
    errors: dict[str, object] = {}
    clean = CounterpartData(role=data.role, consent=data.consent)
    checks: dict[str, tuple[int, bool]] = {
        "organization_zh": (200, False),
        "organization_en": (200, False),
        "contact_name_zh": (100, False),
        "contact_name_latin": (100, False),
        "offers": (2000, True),
        "needs": (2000, True),
    }
    for name, (limit, multiline) in checks.items():
        try:
            setattr(
                clean, name, check_text(getattr(data, name), max_length=limit, multiline=multiline)
            )
        except InvalidValue as error:
            errors[name] = error.message
    if not (clean.organization_zh or clean.organization_en) and "organization_en" not in errors:
        errors["organization_en"] = _l("Give the organization's name in English or Chinese.")
    if (
        not (clean.contact_name_zh or clean.contact_name_latin)
        and "contact_name_latin" not in errors
    ):
        errors["contact_name_latin"] = _l("Give the contact person's name.")
    if not (clean.offers or clean.needs) and "needs" not in errors:
        errors["needs"] = _l("Say what you buy or what you sell.")
    country = (data.country or "").strip().upper()
    if country not in country_codes():
        errors["country"] = _l("Choose a country or region.")
    clean.country = country
    if data.role not in {role.value for role in CounterpartRole}:
        errors["role"] = _l("Choose buyer or supplier.")
    try:
        clean.email = check_email(data.email)
        if not clean.email:
            errors["email"] = _l("Give an email address: your private link is sent there.")
    except InvalidValue as error:
        errors["email"] = error.message
    try:
        clean.mobile = check_phone(data.mobile)
    except InvalidValue as error:
        errors["mobile"] = error.message
    try:
        clean.hs_chapters = check_hs_chapters(data.hs_chapters)
    except InvalidValue as error:
        errors["hs_chapters"] = error.message
    try:
        clean.languages = spoken_languages(data.languages)
    except InvalidValue as error:
        errors["languages"] = error.message
    if not data.consent:
        errors["consent"] = _l(
            "Please agree so that we may share your profile with the other side."
        )
    if errors:
        raise InvalidInput(errors)
    return clean


def matchmaking_event(event: Event) -> None:
    """Refuse an event that has no matchmaking grid."""
    if grid_for(event) is None:
        raise DomainError(_l("This event has no matchmaking."))


def register_counterpart(event: Event, data: CounterpartData, *, language: str) -> Counterpart:
    """A buyer or supplier registers for the event; organizers review them."""
    clean = _validated_counterpart(data)
    matchmaking_event(event)
    if event.ends_at <= utcnow():
        raise DomainError(_l("This event is over."))
    counterpart = Counterpart(
        event=event,
        role=CounterpartRole(clean.role),
        organization_zh=clean.organization_zh,
        organization_en=clean.organization_en,
        country=clean.country,
        contact_name_zh=clean.contact_name_zh,
        contact_name_latin=clean.contact_name_latin,
        email=clean.email,
        mobile=clean.mobile,
        offers=clean.offers,
        needs=clean.needs,
        hs_chapters=clean.hs_chapters,
        languages=clean.languages,
        language=language if language in ("zh", "en") else "en",
    )
    db.session.add(counterpart)
    db.session.flush()
    return counterpart


def add_member_as_counterpart(event: Event, member: Member, *, actor: User | None) -> Counterpart:
    """An inbound delegation's member joins the tables (approved: organizers chose them)."""
    if event not in member.delegation.events:
        raise DomainError(_l("This delegation is not linked to the event."))
    existing = db.session.scalar(
        sa.select(Counterpart).where(
            Counterpart.event_id == event.id, Counterpart.member_id == member.id
        )
    )
    if existing is not None:
        return existing
    counterpart = Counterpart(
        event=event,
        member=member,
        organization_en=member.organization_name,
        country=member.nationality or member.delegation.origin_country,
        contact_name_zh=member.name_zh,
        contact_name_latin=member.name_latin,
        email=member.email,  # none for some members: their link is handed over instead
        needs=member.needs,
        languages="en",
        status=CounterpartStatus.APPROVED,
        reviewed_at=utcnow(),
        reviewed_by_id=getattr(actor, "id", None),
    )
    db.session.add(counterpart)
    db.session.flush()
    record(actor, AuditAction.MATCHMAKING_COUNTERPART_APPROVED, event, counterpart=counterpart.id)
    send_link(counterpart)
    return counterpart


def send_link(counterpart: Counterpart) -> str:
    """A new private link for an approved counterpart (any earlier one stops working),
    mailed in their language when they have an address; returned, for the organizer to
    hand over to someone without one (a delegation member who gave none)."""
    if counterpart.status != CounterpartStatus.APPROVED:
        raise DomainError(_l("Only an approved buyer or supplier has a private page."))
    token = issue_link(counterpart)
    db.session.flush()
    if counterpart.email:
        send_templated_email(
            counterpart.email,
            "matchmaking_link",
            counterpart.language,
            counterpart=counterpart,
            event=counterpart.event,
            link=external_url("matchmaking.counterpart_home", token=token),
        )
    return token


def add_delegation_members(event: Event, *, actor: User | None) -> int:
    """Every member of the inbound delegations linked to the event joins the tables."""
    from expo.delegations.models import Direction, MemberRole

    matchmaking_event(event)
    added = 0
    delegations = [d for d in _linked_delegations(event) if d.direction == Direction.INBOUND]
    if not delegations:
        raise DomainError(_l("No inbound delegation is linked to this event."))
    for delegation in delegations:
        for member in delegation.members:
            if member.role not in (MemberRole.LEADER.value, MemberRole.MEMBER.value):
                continue
            existing = db.session.scalar(
                sa.select(Counterpart.id).where(
                    Counterpart.event_id == event.id, Counterpart.member_id == member.id
                )
            )
            if existing is None:
                add_member_as_counterpart(event, member, actor=actor)
                added += 1
    return added


def _linked_delegations(event: Event) -> list[Delegation]:
    return list(
        db.session.scalars(
            sa.select(Delegation)
            .join(delegation_events)
            .where(delegation_events.c.event_id == event.id)
            .order_by(Delegation.id)
        )
    )


def review_counterpart(
    counterpart: Counterpart, *, approve: bool, actor: User | None
) -> str | None:
    """Approve (a private link is mailed, in their language, and returned) or reject."""
    if counterpart.status != CounterpartStatus.PENDING:
        raise DomainError(_l("This registration has been reviewed already."))
    counterpart.reviewed_at = utcnow()
    counterpart.reviewed_by_id = getattr(actor, "id", None)
    token = None
    if approve:
        counterpart.status = CounterpartStatus.APPROVED
        token = issue_link(counterpart)
        action = AuditAction.MATCHMAKING_COUNTERPART_APPROVED
    else:
        counterpart.status = CounterpartStatus.REJECTED
        action = AuditAction.MATCHMAKING_COUNTERPART_REJECTED
    db.session.flush()
    record(actor, action, counterpart.event, counterpart=counterpart.id)
    send_templated_email(
        counterpart.email,
        "matchmaking_reviewed",
        counterpart.language,
        counterpart=counterpart,
        event=counterpart.event,
        link=external_url("matchmaking.counterpart_home", token=token) if token else None,
    )
    return token


def set_languages(counterpart: Counterpart, raw: str) -> Counterpart:
    """The languages a buyer or supplier speaks, as the organizers know them (a delegation
    member is taken to speak English until they say otherwise): they decide when an
    interpreter is booked at the next run of the scheduler."""
    try:
        counterpart.languages = spoken_languages(raw)
    except InvalidValue as error:
        raise InvalidInput({"languages": error.message}) from None
    db.session.flush()
    return counterpart


def issue_link(counterpart: Counterpart) -> str:
    """A new private link for the counterpart's page; any earlier one stops working."""
    token = secrets.token_urlsafe(32)
    counterpart.token_hash = _token_hash(token)
    return token


def counterpart_for_token(token: str | None) -> Counterpart | None:
    if not token or len(token) > 100:
        return None
    counterpart = db.session.scalar(
        sa.select(Counterpart).where(Counterpart.token_hash == _token_hash(token))
    )
    if counterpart is None or counterpart.status != CounterpartStatus.APPROVED:
        return None
    return counterpart


def counterparts(event: Event, status: CounterpartStatus | None = None) -> list[Counterpart]:
    statement = sa.select(Counterpart).where(Counterpart.event_id == event.id)
    if status is not None:
        statement = statement.where(Counterpart.status == status)
    return list(db.session.scalars(statement.order_by(Counterpart.id)))


@dataclass
class Search:
    text: str = ""
    hs_chapter: str = ""
    country: str = ""
    industry: str = ""  # the Sichuan side's, as the other side browses it

    def chapter(self) -> str:
        """The HS chapter as profiles keep it: two digits ("9" finds "09")."""
        chapter = self.hs_chapter.strip()
        return chapter.zfill(2) if chapter.isdigit() else chapter


def search_counterparts(event: Event, search: Search) -> list[Counterpart]:
    """The approved buyers and suppliers, as the Sichuan side browses them."""
    statement = sa.select(Counterpart).where(
        Counterpart.event_id == event.id, Counterpart.status == CounterpartStatus.APPROVED
    )
    if search.text:
        pattern = like_pattern(search.text)
        statement = statement.where(
            sa.or_(
                Counterpart.organization_zh.ilike(pattern, escape="\\"),
                Counterpart.organization_en.ilike(pattern, escape="\\"),
                Counterpart.offers.ilike(pattern, escape="\\"),
                Counterpart.needs.ilike(pattern, escape="\\"),
            )
        )
    if search.country:
        statement = statement.where(Counterpart.country == search.country.upper())
    found = list(db.session.scalars(statement.order_by(Counterpart.id)))
    if search.hs_chapter:
        found = [c for c in found if search.chapter() in c.hs_list]
    return found


def search_sichuan(event: Event, search: Search) -> list[Application]:
    """The approved Sichuan enterprises, as the other side browses them."""
    statement = (
        sa.select(Application)
        .join(Enterprise)
        .where(Application.event_id == event.id, Application.status == ApplicationStatus.APPROVED)
    )
    if search.text:
        pattern = like_pattern(search.text)
        statement = statement.where(
            sa.or_(
                Enterprise.name_zh.ilike(pattern, escape="\\"),
                Enterprise.name_en.ilike(pattern, escape="\\"),
                Enterprise.main_products_zh.ilike(pattern, escape="\\"),
                Enterprise.main_products_en.ilike(pattern, escape="\\"),
                Enterprise.industry.ilike(pattern, escape="\\"),
            )
        )
    if search.industry:
        statement = statement.where(Enterprise.industry == search.industry)
    found = list(db.session.scalars(statement.order_by(Application.id)))
    if search.hs_chapter:
        found = [
            a
            for a in found
            if (profile := profile_for(a)) and search.chapter() in split_codes(profile.hs_chapters)
        ]
    return found


# --- requests ----------------------------------------------------------------------------


def _check_pair(event: Event, application: Application, counterpart: Counterpart) -> None:
    if application.event_id != event.id or counterpart.event_id != event.id:
        raise DomainError(_l("Both sides must take part in this event."))
    if application.status != ApplicationStatus.APPROVED:
        raise DomainError(_l("Only approved enterprises take part in the meetings."))
    if counterpart.status != CounterpartStatus.APPROVED:
        raise DomainError(_l("This buyer or supplier has not been approved."))


def _existing(application: Application, counterpart: Counterpart) -> MatchRequest | None:
    return db.session.scalar(
        sa.select(MatchRequest).where(
            MatchRequest.application_id == application.id,
            MatchRequest.counterpart_id == counterpart.id,
        )
    )


def _sent_count(event: Event, side: Side, participant_id: int) -> int:
    column = MatchRequest.application_id if side == Side.SICHUAN else MatchRequest.counterpart_id
    return (
        db.session.scalar(
            sa.select(sa.func.count(MatchRequest.id)).where(
                MatchRequest.event_id == event.id,
                column == participant_id,
                MatchRequest.from_side == side,
                MatchRequest.added_by_organizer.is_(False),
                MatchRequest.status.in_([RequestStatus.REQUESTED, RequestStatus.ACCEPTED]),
            )
        )
        or 0
    )


def ask(
    event: Event,
    application: Application,
    counterpart: Counterpart,
    *,
    side: Side,
    priority: int = Priority.NORMAL.value,
    note: str = "",
    now: datetime | None = None,
) -> MatchRequest:
    """``side`` asks to meet the other; the other side accepts or declines."""
    if priority not in {p.value for p in Priority}:
        raise InvalidInput({"priority": _l("Choose a priority.")})
    try:
        note = check_text(note, max_length=500, multiline=True)
    except InvalidValue as error:
        raise InvalidInput({"note": error.message}) from None
    grid = grid_for(event)
    if not requests_open(grid, now):
        raise MatchmakingClosed()
    assert grid is not None
    _check_pair(event, application, counterpart)
    existing = _existing(application, counterpart)
    if existing is not None and existing.status in (
        RequestStatus.REQUESTED,
        RequestStatus.ACCEPTED,
    ):
        raise DomainError(_l("A request between you and them exists already."))
    if (
        existing is not None
        and existing.status == RequestStatus.DECLINED
        and existing.from_side == side
    ):
        # Asked again and again, a declined request would stay within every limit; only
        # the side that declined may change its mind and ask.
        raise DomainError(_l("They declined your request; it cannot be sent again."))
    sender = application.id if side == Side.SICHUAN else counterpart.id
    if _sent_count(event, side, sender) >= grid.max_requests:
        raise DomainError(
            _l("You have sent the most requests allowed (%(count)d).", count=grid.max_requests)
        )
    request = existing or MatchRequest(
        event_id=event.id, application=application, counterpart=counterpart
    )
    request.from_side = side
    request.priority = priority
    request.note = note
    request.status = RequestStatus.REQUESTED
    request.decided_at = None
    request.added_by_organizer = False
    db.session.add(request)
    db.session.flush()
    return request


def respond(request: MatchRequest, *, side: Side, accept: bool) -> MatchRequest:
    """The side that was asked accepts or declines."""
    if request.from_side == side:
        raise DomainError(_l("The other side answers this request."))
    if request.status != RequestStatus.REQUESTED:
        raise DomainError(_l("This request has been answered already."))
    request.status = RequestStatus.ACCEPTED if accept else RequestStatus.DECLINED
    request.decided_at = utcnow()
    db.session.flush()
    return request


def withdraw(request: MatchRequest, *, side: Side) -> MatchRequest:
    if request.from_side != side or request.added_by_organizer:
        raise DomainError(_l("Only who asked may withdraw a request."))
    if request.status != RequestStatus.REQUESTED:
        raise DomainError(_l("Only an unanswered request can be withdrawn."))
    request.status = RequestStatus.WITHDRAWN
    request.decided_at = utcnow()
    db.session.flush()
    return request


def add_match(
    event: Event, application_id: int | None, counterpart_id: int | None, *, actor: User | None
) -> MatchRequest:
    """An organizer matches two participants (accepted at once); audited."""
    application = db.session.get(Application, application_id) if is_id(application_id) else None
    counterpart = db.session.get(Counterpart, counterpart_id) if is_id(counterpart_id) else None
    errors: dict[str, object] = {}
    if application is None or application.event_id != event.id:
        errors["application_id"] = _l("Choose an enterprise of this event.")
    if counterpart is None or counterpart.event_id != event.id:
        errors["counterpart_id"] = _l("Choose a buyer or supplier of this event.")
    if errors:
        raise InvalidInput(errors)
    assert application is not None and counterpart is not None
    _check_pair(event, application, counterpart)
    request = _existing(application, counterpart)
    if request is not None and request.status == RequestStatus.ACCEPTED:
        raise DomainError(_l("These two are matched already."))
    if request is None:
        request = MatchRequest(
            event_id=event.id,
            application=application,
            counterpart=counterpart,
            from_side=Side.SICHUAN,
        )
        db.session.add(request)
    request.status = RequestStatus.ACCEPTED
    request.added_by_organizer = True
    request.decided_at = utcnow()
    db.session.flush()
    record(
        actor,
        AuditAction.MATCHMAKING_MATCH_ADDED,
        event,
        request=request.id,
        application=application.id,
        counterpart=counterpart.id,
    )
    return request


def remove_match(request: MatchRequest, *, actor: User | None) -> None:
    """An organizer undoes a match; its meeting goes, and if published both are told."""
    if request.status != RequestStatus.ACCEPTED:
        raise DomainError(_l("Only an accepted match can be removed."))
    _call_off(request)
    db.session.flush()
    record(actor, AuditAction.MATCHMAKING_MATCH_REMOVED, _event_of(request), request=request.id)


def _call_off(request: MatchRequest) -> None:
    """The request withdrawn; its meeting goes, and if published both sides are told."""
    meeting = request.meeting
    if meeting is not None:
        if meeting.published:
            _notify([meeting], cancelled=True)
        db.session.delete(meeting)
    request.status = RequestStatus.WITHDRAWN
    request.decided_at = utcnow()


@application_closed.connect
def leave_with_application(
    application: Application, *, actor: User | None = None, **_signal_data: object
) -> int:
    """A withdrawn or cancelled enterprise leaves the tables in the same transaction: its
    open and accepted requests are withdrawn and its meetings go, the other side of a
    published one told, so no buyer waits at a table for nobody.

    Run by ``registrations.services`` through ``registrations.signals.application_closed``.
    """
    requests = db.session.scalars(
        sa.select(MatchRequest).where(
            MatchRequest.application_id == application.id,
            MatchRequest.status.in_([RequestStatus.REQUESTED, RequestStatus.ACCEPTED]),
        )
    ).all()
    for request in requests:
        _call_off(request)
    db.session.flush()
    if requests:
        record(
            actor,
            AuditAction.MATCHMAKING_MATCH_REMOVED,
            application.event,
            requests=[request.id for request in requests],
            application=application.id,
        )
    return len(requests)


def _event_of(request: MatchRequest) -> Event:
    event = db.session.get(Event, request.event_id)
    assert event is not None
    return event


def requests_of(
    event: Event, *, application: Application | None = None, counterpart: Counterpart | None = None
) -> list[MatchRequest]:
    statement = sa.select(MatchRequest).where(MatchRequest.event_id == event.id)
    if application is not None:
        statement = statement.where(MatchRequest.application_id == application.id)
    if counterpart is not None:
        statement = statement.where(MatchRequest.counterpart_id == counterpart.id)
    return list(db.session.scalars(statement.order_by(MatchRequest.id)))


# --- scheduling --------------------------------------------------------------------------


def _meetings(event: Event) -> list[Meeting]:
    return list(
        db.session.scalars(
            sa.select(Meeting)
            .where(Meeting.event_id == event.id)
            .order_by(Meeting.starts_at, Meeting.table_number)
        )
    )


def meetings_of(
    event: Event,
    *,
    application: Application | None = None,
    counterpart: Counterpart | None = None,
    published_only: bool = False,
) -> list[Meeting]:
    statement = sa.select(Meeting).where(Meeting.event_id == event.id)
    if application is not None:
        statement = statement.where(Meeting.application_id == application.id)
    if counterpart is not None:
        statement = statement.where(Meeting.counterpart_id == counterpart.id)
    if published_only:
        statement = statement.where(Meeting.published.is_(True))
    return list(db.session.scalars(statement.order_by(Meeting.starts_at)))


def _busy_items(
    event: Event,
) -> tuple[dict[int, list[tuple[datetime, datetime]]], dict[int, list[tuple[datetime, datetime]]]]:
    """Itinerary items during the event, as busy times by application and by member."""
    by_application: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    by_member: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    items = db.session.scalars(
        sa.select(ItineraryItem).where(
            ItineraryItem.starts_at < event.ends_at,
            ItineraryItem.ends_at > event.starts_at,
            ItineraryItem.kind.not_in(NOT_BUSY),
        )
    ).all()
    applications = {a.enterprise_id: a for a in sichuan_side(event)}
    delegate_to_application = {
        delegate.id: application.id
        for application in applications.values()
        for delegate in application.delegates
    }
    for item in items:
        span = (item.starts_at, item.ends_at)
        members = item.delegation.members if item.everyone else item.members
        for member in members:
            by_member[member.id].append(span)
            if member.source_delegate_id in delegate_to_application:
                by_application[delegate_to_application[member.source_delegate_id]].append(span)
        for enterprise in item.enterprises:
            if enterprise.id in applications:
                by_application[applications[enterprise.id].id].append(span)
    return by_application, by_member


def _key(application_id: int | None = None, counterpart_id: int | None = None) -> str:
    return f"a{application_id}" if application_id is not None else f"c{counterpart_id}"


def _problem(
    event: Event,
    grid: MatchGrid,
    requests: list[MatchRequest],
    fixed: dict[int, tuple[int, int]],
    time_limit: float,
) -> scheduler.Problem:
    by_application, by_member = _busy_items(event)
    participants: dict[str, scheduler.Participant] = {}
    for request in requests:
        application, counterpart = request.application, request.counterpart
        key = _key(application_id=application.id)
        if key not in participants:
            participants[key] = scheduler.Participant(
                key,
                sichuan_languages(application),
                tuple(by_application.get(application.id, [])),
                grid.max_meetings,
            )
        key = _key(counterpart_id=counterpart.id)
        if key not in participants:
            busy = by_member.get(counterpart.member_id, []) if counterpart.member_id else []
            participants[key] = scheduler.Participant(
                key,
                frozenset(counterpart.language_list) or frozenset({"en"}),
                tuple(busy),
                grid.max_meetings,
            )
    return scheduler.Problem(
        slots=grid_slots(grid),
        tables=grid.tables,
        participants=participants,
        requests=[
            scheduler.Request(
                r.id,
                _key(application_id=r.application_id),
                _key(counterpart_id=r.counterpart_id),
                r.priority,
                fixed.get(r.id),
            )
            for r in requests
        ],
        interpreters={i.language: i.available for i in grid.interpreters},
        time_limit=time_limit,
    )


UNPLACED_REASONS = {
    scheduler.Reason.SAME_PARTICIPANT: _l("a participant cannot meet themselves"),
    scheduler.Reason.UNKNOWN_PARTICIPANT: _l("a participant is unknown"),
    scheduler.Reason.NO_COMMON_SLOT: _l("the two are never free at the same time"),
    scheduler.Reason.NO_INTERPRETER: _l("they share no language and no interpreter is available"),
    scheduler.Reason.PARTICIPANT_FULL: _l("a participant has the most meetings allowed"),
    scheduler.Reason.PARTICIPANTS_BUSY: _l(
        "every slot they are both free in is taken by their other meetings"
    ),
    scheduler.Reason.NO_TABLE: _l("every table is taken in the slots they are both free in"),
    scheduler.Reason.INTERPRETERS_BUSY: _l(
        "the interpreters are taken in the slots they are both free in"
    ),
}


@dataclass
class ScheduleReport:
    placed: int
    unplaced: list[tuple[MatchRequest, str]] = field(default_factory=list)
    optimal: bool = False
    seconds: float = 0.0


# Seconds the solver searches: on the benchmark's full day (300 participants, 1,500
# requests) 5 s place as many as 15 s did, and the organizer waits 7 s rather than 17 s.
SCHEDULER_SECONDS = 5.0


def run_scheduler(
    event: Event, *, actor: User | None, time_limit: float = SCHEDULER_SECONDS
) -> ScheduleReport:
    """Place every accepted request; published meetings stay where they are."""
    grid = grid_for(event)
    if grid is None or not grid.windows:
        raise DomainError(_l("Define the meeting grid first."))
    accepted = [r for r in requests_of(event) if r.status == RequestStatus.ACCEPTED]
    slots = grid_slots(grid)
    index_of = {slot.starts_at: n for n, slot in enumerate(slots)}
    kept = {m.request_id: m for m in _meetings(event) if m.published}
    fixed = {
        request_id: (index_of[m.starts_at], m.table_number)
        for request_id, m in kept.items()
        if m.starts_at in index_of
    }
    problem = _problem(event, grid, accepted, fixed, time_limit)
    try:
        result = scheduler.schedule(problem)
    except scheduler.ScheduleError:
        raise DomainError(
            _l("The published meetings conflict with each other: move them by hand first.")
        ) from None
    for meeting in _meetings(event):
        if not meeting.published:
            db.session.delete(meeting)
    db.session.flush()
    by_id = {r.id: r for r in accepted}
    for placement in result.placements:
        if placement.request in kept:
            continue
        request = by_id[placement.request]
        slot = slots[placement.slot]
        db.session.add(
            Meeting(
                event_id=event.id,
                request_id=request.id,
                application_id=request.application_id,
                counterpart_id=request.counterpart_id,
                starts_at=slot.starts_at,
                ends_at=slot.ends_at,
                table_number=placement.table,
                interpreter_language=placement.interpreter,
            )
        )
    grid.scheduled_at = utcnow()
    db.session.flush()
    report = ScheduleReport(
        placed=len(result.placements),
        unplaced=[(by_id[u.request], str(UNPLACED_REASONS[u.reason])) for u in result.unplaced],
        optimal=result.optimal,
        seconds=result.seconds,
    )
    record(
        actor,
        AuditAction.MATCHMAKING_SCHEDULED,
        event,
        placed=report.placed,
        unplaced=len(report.unplaced),
    )
    return report


def move_meeting(
    meeting: Meeting, *, starts_at: datetime | None, table: int | None, actor: User | None
) -> Meeting:
    """Move a meeting by hand. A conflict is refused with a message and nothing changes."""
    event = db.session.get(Event, meeting.event_id)
    assert event is not None
    grid = grid_for(event)
    assert grid is not None
    slots = {slot.starts_at: slot for slot in grid_slots(grid)}
    if starts_at is None or starts_at not in slots:
        raise InvalidInput({"starts_at": _l("Choose a slot of the meeting grid.")})
    if table is None or not 1 <= table <= grid.tables:
        raise InvalidInput({"table": _l("Choose a table from 1 to %(count)d.", count=grid.tables)})
    others = [m for m in _meetings(event) if m.id != meeting.id and m.starts_at == starts_at]
    if any(m.table_number == table for m in others):
        raise InvalidInput({"table": _l("Table %(table)d is taken at that time.", table=table)})
    for other in others:
        if other.application_id == meeting.application_id:
            raise InvalidInput(
                {
                    "starts_at": _l(
                        "%(name)s has another meeting at that time.",
                        name=meeting.application.enterprise.name,
                    )
                }
            )
        if other.counterpart_id == meeting.counterpart_id:
            raise InvalidInput(
                {
                    "starts_at": _l(
                        "%(name)s has another meeting at that time.",
                        name=meeting.counterpart.organization,
                    )
                }
            )
    slot = slots[starts_at]
    by_application, by_member = _busy_items(event)
    busy = list(by_application.get(meeting.application_id, []))
    if meeting.counterpart.member_id:
        busy += by_member.get(meeting.counterpart.member_id, [])
    if any(scheduler.overlaps(slot, start, end) for start, end in busy):
        raise InvalidInput(
            {"starts_at": _l("A participant is elsewhere at that time (their itinerary).")}
        )
    first = scheduler.Participant("a", sichuan_languages(meeting.application))
    second = scheduler.Participant("c", frozenset(meeting.counterpart.language_list))
    available = {i.language: i.available for i in grid.interpreters}
    language = ""
    if not first.languages & second.languages:
        used: dict[str, int] = defaultdict(int)
        for other in others:
            if other.interpreter_language:
                used[other.interpreter_language] += 1
        choices = [
            lang
            for lang in scheduler.interpreter_choices(first, second, available)
            if used[lang] < available[lang]
        ]
        if not choices:
            raise InvalidInput({"starts_at": _l("No interpreter is free at that time.")})
        language = choices[0]
    was = (meeting.starts_at, meeting.table_number)
    meeting.starts_at = slot.starts_at
    meeting.ends_at = slot.ends_at
    meeting.table_number = table
    meeting.interpreter_language = language
    db.session.flush()
    record(
        actor,
        AuditAction.MATCHMAKING_MEETING_MOVED,
        event,
        meeting=meeting.id,
        was=f"{was[0].isoformat()} #{was[1]}",
        now=f"{meeting.starts_at.isoformat()} #{meeting.table_number}",
    )
    if meeting.published:
        _notify([meeting])
    return meeting


def publish(event: Event, *, actor: User | None) -> int:
    """Every participant sees their meetings; later changes are mailed to those affected."""
    grid = grid_for(event)
    meetings = _meetings(event)
    if grid is None or not meetings:
        raise DomainError(_l("There is no schedule to publish: run the scheduler first."))
    fresh = [m for m in meetings if not m.published]
    for meeting in fresh:
        meeting.published = True
    grid.published_at = utcnow()
    db.session.flush()
    record(actor, AuditAction.MATCHMAKING_PUBLISHED, event, meetings=len(meetings))
    _announce(event, fresh)
    return len(fresh)


def _both_scripts(enterprise: Enterprise) -> str:
    """The enterprise's name in Chinese and in English, for a reader of either."""
    return " / ".join(dict.fromkeys(n for n in (enterprise.name_zh, enterprise.name_en) if n))


def _announce(event: Event, fresh: list[Meeting]) -> None:
    """Everyone with a meeting newly published gets one email, in their language, listing
    their meetings; a later publishing tells only those it gives a new meeting."""
    published = db.session.scalars(
        sa.select(Meeting)
        .where(Meeting.event_id == event.id, Meeting.published.is_(True))
        .order_by(Meeting.starts_at, Meeting.table_number)
        .options(
            selectinload(Meeting.counterpart),
            selectinload(Meeting.application)
            .selectinload(Application.enterprise)
            .selectinload(Enterprise.users),
        )
    ).all()
    by_application: dict[int, list[Meeting]] = defaultdict(list)
    by_counterpart: dict[int, list[Meeting]] = defaultdict(list)
    for meeting in published:
        by_application[meeting.application_id].append(meeting)
        by_counterpart[meeting.counterpart_id].append(meeting)
    for application_id in dict.fromkeys(m.application_id for m in fresh):
        mine = by_application[application_id]
        link = external_url("matchmaking.enterprise_home", application_id=application_id)
        for user in mine[0].application.enterprise.users:
            if user.active and user.email:
                send_templated_email(
                    user.email,
                    "matchmaking_published",
                    user.locale or "zh",
                    event=event,
                    meetings=[(m, m.counterpart.organization_both) for m in mine],
                    link=link,
                )
    for counterpart_id in dict.fromkeys(m.counterpart_id for m in fresh):
        mine = by_counterpart[counterpart_id]
        counterpart = mine[0].counterpart
        if not counterpart.email:  # a delegation member told by the organizers
            continue
        send_templated_email(
            counterpart.email,
            "matchmaking_published",
            counterpart.language,
            event=event,
            meetings=[(m, _both_scripts(m.application.enterprise)) for m in mine],
            link=None,  # their private link is theirs alone: it is not kept to be mailed
        )


def _notify(meetings: list[Meeting], *, cancelled: bool = False) -> None:
    """Tell both participants of each meeting, each in their language."""
    for meeting in meetings:
        event = db.session.get(Event, meeting.event_id)
        counterpart = meeting.counterpart
        if counterpart.email:  # a delegation member without one is told by the organizers
            send_templated_email(
                counterpart.email,
                "matchmaking_changed",
                counterpart.language,
                meeting=meeting,
                event=event,
                cancelled=cancelled,
                other=meeting.application.enterprise.name,
            )
        application = meeting.application
        recipients = [u for u in application.enterprise.users if u.email]
        for user in recipients:
            send_templated_email(
                user.email,
                "matchmaking_changed",
                getattr(user, "locale", None) or "zh",
                meeting=meeting,
                event=event,
                cancelled=cancelled,
                other=counterpart.organization_both,
            )


def record_outcome(
    meeting: Meeting,
    *,
    attendance: str | None,
    interest: str | None,
    participant: bool = False,
    now: datetime | None = None,
) -> Meeting:
    """How the meeting went, from the organizers or (``participant``) either of its two
    sides, once it has begun; one record per meeting, the last word kept."""
    from expo.matchmaking.models import Attendance, Interest

    if participant and not meeting.has_begun(now):
        raise DomainError(_l("How a meeting went can be told once it has begun."))
    errors: dict[str, object] = {}
    if attendance and attendance not in {a.value for a in Attendance}:
        errors["attendance"] = _l("Choose held or no-show.")
    if interest and interest not in {i.value for i in Interest}:
        errors["interest"] = _l("Choose a level of interest.")
    if errors:
        raise InvalidInput(errors)
    meeting.attendance = Attendance(attendance) if attendance else None
    meeting.interest = Interest(interest) if interest else None
    db.session.flush()
    return meeting

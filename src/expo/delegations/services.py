"""The rules for delegations: their details, members, share links and copies.

Members may have no account (foreign buyers, interpreters), so they are rows of their own,
not users. A member's itinerary can be opened without an account through a share link:
an unguessable token of which only a SHA-256 is stored, so a copy of the database holds no
working link, and renewing or revoking it is a matter of replacing or clearing that hash.

The itinerary items themselves are edited in ``itinerary``; copying a delegation copies
them here, keeping each item's wall-clock times in its own zones.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import selectinload

from expo.audit.actions import AuditAction
from expo.audit.services import record
from expo.db import utcnow
from expo.delegations.itinerary import delegation_items
from expo.delegations.models import (
    Delegation,
    DelegationStatus,
    Direction,
    EmergencyContact,
    ItineraryItem,
    Member,
    MemberRole,
)
from expo.enterprises.models import Enterprise
from expo.errors import DomainError, InvalidInput
from expo.events.models import Campaign, Event
from expo.extensions import db
from expo.i18n import NonexistentLocalTime, country_codes, local_to_utc, utc_to_local
from expo.registrations.models import Application, ApplicationStatus, Delegate
from expo.validation import (
    check_email,
    check_latin_name,
    check_passport,
    check_phone,
    checked,
    is_id,
    normalise_passport,
    text_check,
)

if TYPE_CHECKING:
    from expo.accounts.models import User

# Longest text each member field takes (the columns' sizes).
MEMBER_LENGTHS = {
    "name_zh": 100,
    "name_latin": 100,
    "organization": 200,
    "title": 100,
    "mobile": 32,
    "email": 254,
    "needs": 5000,
}
TITLE_LENGTH = 200
COPY_SUFFIX_ZH = "（副本）"
COPY_SUFFIX_EN = " (copy)"
# A delegation is copied for next year's trip at most; more is a typing mistake.
MAX_SHIFT_DAYS = 3660


class EventNotInDelegation(DomainError):
    message = _l("This event is not one of the delegation's events.")


def _too_long(limit: int) -> object:
    return _l("Use at most %(max)d characters.", max=limit)


# --- delegations -------------------------------------------------------------------------


@dataclass
class ContactData:
    """An emergency contact; a row left entirely blank is dropped."""

    name: str = ""
    role: str = ""
    phone: str = ""


@dataclass
class DelegationData:
    direction: str
    origin_country: str
    destination_country: str
    starts_on: date | None
    ends_on: date | None
    title_zh: str = ""
    title_en: str = ""
    campaign_id: int | None = None
    event_ids: list[int] = field(default_factory=list)
    origin_city_zh: str = ""
    origin_city_en: str = ""
    destination_city_zh: str = ""
    destination_city_en: str = ""
    notes_zh: str = ""
    notes_en: str = ""
    contacts: list[ContactData] = field(default_factory=list)


_TEXT_FIELDS = {
    "title_zh": TITLE_LENGTH,
    "title_en": TITLE_LENGTH,
    "origin_city_zh": 100,
    "origin_city_en": 100,
    "destination_city_zh": 100,
    "destination_city_en": 100,
    "notes_zh": 20000,
    "notes_en": 20000,
}


def _validated_contacts(
    contacts: list[ContactData], errors: dict[str, object]
) -> list[EmergencyContact]:
    kept: list[EmergencyContact] = []
    for index, contact in enumerate(contacts):
        name, role, phone = (
            (value or "").strip() for value in (contact.name, contact.role, contact.phone)
        )
        if not (name or role or phone):
            continue
        prefix = f"contacts-{index}-"
        if not name:
            errors[prefix + "name"] = _l("Enter the contact's name.")
        elif len(name) > 100:
            errors[prefix + "name"] = _too_long(100)
        if len(role) > 100:
            errors[prefix + "role"] = _too_long(100)
        if not phone:
            errors[prefix + "phone"] = _l("Enter a phone number that works while travelling.")
        phone = checked(errors, prefix + "phone", check_phone, phone)
        kept.append(EmergencyContact(position=len(kept), name=name, role=role, phone=phone))
    return kept


def _validated_delegation(
    data: DelegationData,
) -> tuple[dict[str, object], list[Event], list[EmergencyContact]]:
    """Check a delegation's input as a whole: its values, its events and its contacts."""
    errors: dict[str, object] = {}
    values: dict[str, object] = {}
    for name, limit in _TEXT_FIELDS.items():
        value = (getattr(data, name) or "").strip()
        if len(value) > limit:
            errors[name] = _too_long(limit)
        values[name] = value
    if not (values["title_zh"] or values["title_en"]):
        errors["title_zh"] = _l("Enter a title in Chinese or English (or both).")
    if data.direction not in {direction.value for direction in Direction}:
        errors["direction"] = _l("Choose whether the delegation goes abroad or comes to Sichuan.")
    values["direction"] = data.direction
    for name in ("origin_country", "destination_country"):
        code = (getattr(data, name) or "").strip().upper()
        if code not in country_codes():
            errors[name] = _l("Choose a country from the list.")
        values[name] = code
    if data.starts_on is None:
        errors["starts_on"] = _l("Enter the first day.")
    if data.ends_on is None:
        errors["ends_on"] = _l("Enter the last day.")
    elif data.starts_on is not None and data.ends_on < data.starts_on:
        errors["ends_on"] = _l("The last day cannot come before the first.")
    values.update(starts_on=data.starts_on, ends_on=data.ends_on)
    if data.campaign_id and db.session.get(Campaign, data.campaign_id) is None:
        errors["campaign_id"] = _l("Choose a campaign from the list.")
    values["campaign_id"] = data.campaign_id or None
    wanted = set(data.event_ids or ())
    events = []
    if wanted:
        events = list(
            db.session.execute(
                sa.select(Event).where(Event.id.in_(wanted)).order_by(Event.starts_at, Event.id)
            ).scalars()
        )
        if len(events) != len(wanted):
            errors["event_ids"] = _l("Choose the events from the list.")
    contacts = _validated_contacts(list(data.contacts or ()), errors)
    if errors:
        raise InvalidInput(errors)
    return values, events, contacts


def _fill_delegation(delegation: Delegation, data: DelegationData) -> None:
    values, events, contacts = _validated_delegation(data)
    for name, value in values.items():
        setattr(delegation, name, value)
    delegation.events = events
    delegation.contacts = contacts


def create_delegation(data: DelegationData, *, actor: User | None) -> Delegation:
    delegation = Delegation(status=DelegationStatus.PLANNING.value)
    _fill_delegation(delegation, data)
    db.session.add(delegation)
    db.session.flush()
    record(actor, AuditAction.DELEGATION_CREATE, delegation)
    return delegation


def update_delegation(
    delegation: Delegation, data: DelegationData, *, actor: User | None
) -> Delegation:
    _fill_delegation(delegation, data)
    db.session.flush()
    record(actor, AuditAction.DELEGATION_UPDATE, delegation)
    return delegation


def delegation_data_from(delegation: Delegation) -> DelegationData:
    values = {
        item.name: getattr(delegation, item.name)
        for item in fields(DelegationData)
        if item.name not in ("event_ids", "contacts")
    }
    return DelegationData(
        **values,
        event_ids=[event.id for event in delegation.events],
        contacts=[
            ContactData(name=contact.name, role=contact.role, phone=contact.phone)
            for contact in delegation.contacts
        ],
    )


def set_status(
    delegation: Delegation, status: DelegationStatus | str, *, actor: User | None
) -> Delegation:
    """Any status may follow any other: plans change, and a mistake must be undoable."""
    try:
        status = DelegationStatus(status)
    except ValueError:
        raise InvalidInput({"status": _l("Choose a status from the list.")}) from None
    previous = delegation.status
    if previous != status.value:
        delegation.status = status
        db.session.flush()
        record(
            actor, AuditAction.DELEGATION_STATUS, delegation, status=status.value, previous=previous
        )
    return delegation


# --- members -----------------------------------------------------------------------------


@dataclass
class MemberData:
    name_zh: str = ""
    name_latin: str = ""
    enterprise_id: int | None = None
    organization: str = ""
    title: str = ""
    nationality: str = ""
    passport_number: str = ""
    mobile: str = ""
    email: str = ""
    needs: str = ""
    role: str = MemberRole.MEMBER.value


def validate_member(
    delegation: Delegation, data: MemberData, *, member: Member | None = None
) -> dict[str, object]:
    """The values to store for a member, or every field's message at once."""
    errors: dict[str, object] = {}
    values: dict[str, object] = {}
    for name, limit in MEMBER_LENGTHS.items():
        values[name] = checked(
            errors,
            name,
            text_check(limit, multiline=name == "needs"),
            str(getattr(data, name) or ""),
        )
    if not (values["name_zh"] or values["name_latin"]):
        errors["name_zh"] = _l("Enter the name in Chinese or in Latin letters (or both).")

    # One of ours wins over free text: the enterprise's own name is always up to date.
    values["enterprise_id"] = data.enterprise_id or None
    if values["enterprise_id"] is not None:
        if not is_id(values["enterprise_id"]) or (
            db.session.get(Enterprise, values["enterprise_id"]) is None
        ):
            errors["enterprise_id"] = _l("Choose an enterprise from the list.")
        values["organization"] = ""

    nationality = str(data.nationality or "").strip().upper()
    if nationality and nationality not in country_codes():
        errors["nationality"] = _l("Choose a country from the list (an ISO code such as CN or HU).")
    values["nationality"] = nationality

    passport = checked(errors, "passport_number", check_passport, str(data.passport_number or ""))
    if passport and "passport_number" not in errors:
        if _passport_taken(delegation, passport, other_than=member):
            errors["passport_number"] = _l("A member of this delegation has this passport number.")
    values["passport_number"] = passport or None

    # The shapes an application's delegate follows too: a delegate becomes a member as is.
    for name, check in (
        ("name_latin", check_latin_name),
        ("mobile", check_phone),
        ("email", check_email),
    ):
        if name not in errors:
            values[name] = checked(errors, name, check, str(values[name]))

    role = str(data.role or "").strip() or MemberRole.MEMBER.value
    if role not in {item.value for item in MemberRole}:
        errors["role"] = _l("Choose a role from the list.")
    values["role"] = role
    if errors:
        raise InvalidInput(errors)
    return values


def _passport_taken(delegation: Delegation, passport: str, *, other_than: Member | None) -> bool:
    if delegation.id is None:
        return False
    query = sa.select(Member.id).where(
        Member.delegation_id == delegation.id, Member.passport_number == passport
    )
    if other_than is not None and other_than.id is not None:
        query = query.where(Member.id != other_than.id)
    return db.session.execute(query.limit(1)).first() is not None


def _next_position(delegation: Delegation) -> int:
    highest = db.session.scalar(
        sa.select(sa.func.max(Member.position)).where(Member.delegation_id == delegation.id)
    )
    return 0 if highest is None else highest + 1


def add_member(delegation: Delegation, data: MemberData, *, actor: User | None = None) -> Member:
    """Validate first, write after: a refused member leaves nothing behind."""
    values = validate_member(delegation, data)
    member = Member(delegation=delegation, position=_next_position(delegation), **values)
    db.session.add(member)
    db.session.flush()
    return member


def update_member(member: Member, data: MemberData, *, actor: User | None = None) -> Member:
    for name, value in validate_member(member.delegation, data, member=member).items():
        setattr(member, name, value)
    db.session.flush()
    return member


def remove_member(member: Member, *, actor: User | None) -> None:
    delegation = member.delegation
    record(actor, AuditAction.DELEGATION_REMOVE_MEMBER, delegation, member=member.display_name)
    delegation.members.remove(member)
    db.session.delete(member)
    db.session.flush()


def member_data_from(member: Member) -> MemberData:
    values = {item.name: getattr(member, item.name) for item in fields(MemberData)}
    values["passport_number"] = values["passport_number"] or ""
    return MemberData(**values)


def add_approved_delegates(
    delegation: Delegation, event: Event, *, actor: User | None
) -> list[Member]:
    """Every delegate of the event's approved applications who is not a member yet.

    A delegate becomes a member once, wherever: the member keeps the delegate's id, so
    clicking again (or for another delegation) adds only those approved since. A delegate
    whose passport number a member of this delegation already has is that member, added
    by hand or imported earlier: the member is linked to the delegate, not doubled.
    """
    if event not in delegation.events:
        raise EventNotInDelegation()
    already = sa.select(Member.source_delegate_id).where(Member.source_delegate_id.is_not(None))
    rows = db.session.execute(
        sa.select(Delegate, Application.enterprise_id)
        .join(Delegate.application)
        .where(
            Application.event_id == event.id,
            Application.status == ApplicationStatus.APPROVED.value,
            Delegate.id.not_in(already),
        )
        .order_by(Application.id, Delegate.position, Delegate.id)
    ).all()
    position = _next_position(delegation)
    by_passport = {
        member.passport_number: member for member in delegation.members if member.passport_number
    }
    added = []
    for delegate, enterprise_id in rows:
        passport = normalise_passport(delegate.passport_number) or None
        same = by_passport.get(passport) if passport else None
        if same is not None:
            if same.source_delegate_id is None:
                same.source_delegate_id = delegate.id
            continue
        member = Member(
            delegation=delegation,
            position=position,
            name_zh=delegate.name_zh,
            name_latin=delegate.name_latin,
            enterprise_id=enterprise_id,
            title=delegate.title,
            mobile=delegate.mobile,
            email=delegate.email,
            passport_number=passport,
            role=MemberRole.MEMBER.value,
            source_delegate_id=delegate.id,
        )
        db.session.add(member)
        added.append(member)
        if passport:
            by_passport[passport] = member
        position += 1
    db.session.flush()
    if added:
        record(
            actor,
            AuditAction.DELEGATION_ADD_DELEGATES,
            delegation,
            event_id=event.id,
            members=len(added),
        )
    return added


# --- share links -------------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_share_link(member: Member, *, actor: User | None = None) -> str:
    """A new token for the member's read-only itinerary; any earlier link stops working.

    The token is returned once and never stored: show it to the organizer now.
    """
    token = secrets.token_urlsafe(32)
    renewed = member.share_token_hash is not None
    member.share_token_hash = _token_hash(token)
    member.share_created_at = utcnow()
    db.session.flush()
    record(
        actor,
        AuditAction.DELEGATION_SHARE_LINK,
        member.delegation,
        member=member.display_name,
        renewed=renewed,
    )
    return token


def revoke_share_link(member: Member, *, actor: User | None = None) -> None:
    if member.share_token_hash is None:
        return
    member.share_token_hash = None
    member.share_created_at = None
    db.session.flush()
    record(
        actor,
        AuditAction.DELEGATION_REVOKE_SHARE_LINK,
        member.delegation,
        member=member.display_name,
    )


def member_for_share_token(token: str | None) -> Member | None:
    """The member a link was made for, or None for an unknown or revoked one.

    The lookup is by the token's hash, so the database compares digests of which an
    attacker controls none of the bits: response times tell nothing about the token.
    """
    if not token or len(token) > 128:
        return None
    return db.session.execute(
        sa.select(Member)
        .where(Member.share_token_hash == _token_hash(token))
        .options(selectinload(Member.delegation))
    ).scalar_one_or_none()


# --- copies ------------------------------------------------------------------------------


def shift_wall_clock(moment: datetime, tz_name: str, days: int) -> datetime:
    """``moment`` moved by ``days`` calendar days as the clocks in ``tz_name`` read.

    09:00 stays 09:00 across a daylight-saving change. A time the clocks skip on the new
    day (02:30 on a spring night) becomes the time just after the jump, as a clock would
    show it had nobody moved it.
    """
    local = utc_to_local(moment, tz_name) + timedelta(days=days)
    try:
        return local_to_utc(local, tz_name)
    except NonexistentLocalTime:
        return local.replace(tzinfo=ZoneInfo(tz_name), fold=0).astimezone(UTC)


def _copy_title(text: str, suffix: str) -> str:
    return f"{text[: TITLE_LENGTH - len(suffix)]}{suffix}" if text else ""


def duplicate_delegation(
    delegation: Delegation, shift_days: int, *, actor: User | None
) -> Delegation:
    """A planning copy to start the next trip from: every date moved by ``shift_days``.

    Members come without their share links (links belong to a person's trip) and without
    their source delegates (a delegate becomes a member once). Items keep their
    wall-clock times in their own zones and their subsets of members, mapped to the
    copies. The campaign and events are kept; the organizer changes them if the next
    trip serves others.
    """
    if shift_days is None or abs(shift_days) > MAX_SHIFT_DAYS:
        raise InvalidInput(
            {"shift_days": _l("Shift by at most %(max)d days either way.", max=MAX_SHIFT_DAYS)}
        )
    shift = timedelta(days=shift_days)
    copy = Delegation(
        title_zh=_copy_title(delegation.title_zh, COPY_SUFFIX_ZH),
        title_en=_copy_title(delegation.title_en, COPY_SUFFIX_EN),
        direction=delegation.direction,
        campaign_id=delegation.campaign_id,
        events=list(delegation.events),
        origin_country=delegation.origin_country,
        origin_city_zh=delegation.origin_city_zh,
        origin_city_en=delegation.origin_city_en,
        destination_country=delegation.destination_country,
        destination_city_zh=delegation.destination_city_zh,
        destination_city_en=delegation.destination_city_en,
        starts_on=delegation.starts_on + shift,
        ends_on=delegation.ends_on + shift,
        status=DelegationStatus.PLANNING.value,
        notes_zh=delegation.notes_zh,
        notes_en=delegation.notes_en,
        contacts=[
            EmergencyContact(
                position=contact.position, name=contact.name, role=contact.role, phone=contact.phone
            )
            for contact in delegation.contacts
        ],
    )
    copies: dict[int, Member] = {}
    for member in delegation.members:
        copies[member.id] = Member(
            position=member.position,
            **{name: getattr(member, name) for name in _MEMBER_COPIED},
        )
    copy.members = list(copies.values())
    # Members and enterprises of every item in two queries, not one per item.
    for item in delegation_items(delegation):
        starts = shift_wall_clock(item.starts_at, item.start_timezone, shift_days)
        ends = shift_wall_clock(item.ends_at, item.end_timezone, shift_days)
        copy.items.append(
            ItineraryItem(
                **{name: getattr(item, name) for name in _ITEM_COPIED},
                starts_at=starts,
                # A short hop across zones whose clocks changed on different days
                # could otherwise end before it starts.
                ends_at=max(ends, starts),
                members=[copies[member.id] for member in item.members if member.id in copies],
                enterprises=list(item.enterprises),
            )
        )
    db.session.add(copy)
    db.session.flush()
    record(
        actor, AuditAction.DELEGATION_DUPLICATE, copy, source=delegation.id, shift_days=shift_days
    )
    return copy


_MEMBER_COPIED = (
    "name_zh",
    "name_latin",
    "enterprise_id",
    "organization",
    "title",
    "nationality",
    "passport_number",
    "mobile",
    "email",
    "needs",
    "role",
)
_ITEM_COPIED = (
    "kind",
    "title_zh",
    "title_en",
    "place_zh",
    "place_en",
    "address",
    "start_timezone",
    "end_timezone",
    "transport_number",
    "host",
    "contact",
    "notes_zh",
    "notes_en",
    "everyone",
)


# --- what people see ---------------------------------------------------------------------


@dataclass
class DelegationFilters:
    direction: str | None = None
    status: str | None = None
    q: str | None = None


def search_delegations(
    filters: DelegationFilters, *, page: int = 1, per_page: int = 20
) -> Pagination:
    """A page of delegations for organizers, the next to leave first, then the latest."""
    query = sa.select(Delegation)
    if filters.direction:
        query = query.where(Delegation.direction == filters.direction)
    if filters.status:
        query = query.where(Delegation.status == filters.status)
    if filters.q:
        pattern = f"%{filters.q.strip()}%"
        query = query.where(
            sa.or_(Delegation.title_zh.ilike(pattern), Delegation.title_en.ilike(pattern))
        )
    query = query.order_by(Delegation.starts_on.desc(), Delegation.id.desc())
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def member_counts(delegations: Iterable[Delegation]) -> dict[int, int]:
    """How many members each delegation has, in one statement for a whole page."""
    ids = [delegation.id for delegation in delegations]
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(Member.delegation_id, sa.func.count(Member.id))
        .where(Member.delegation_id.in_(ids))
        .group_by(Member.delegation_id)
    ).all()
    return {delegation_id: count for delegation_id, count in rows}


def members_page(delegation: Delegation, *, page: int = 1, per_page: int = 50) -> Pagination:
    query = (
        sa.select(Member)
        .where(Member.delegation_id == delegation.id)
        .options(selectinload(Member.enterprise))
        .order_by(Member.position, Member.id)
    )
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def _of_enterprise(enterprise: Enterprise) -> sa.Exists:
    return sa.exists().where(
        Member.delegation_id == Delegation.id, Member.enterprise_id == enterprise.id
    )


def delegations_for_enterprise(enterprise: Enterprise) -> list[Delegation]:
    """The delegations any of the enterprise's people belong to, the latest first."""
    query = (
        sa.select(Delegation)
        .where(_of_enterprise(enterprise))
        .order_by(Delegation.starts_on.desc(), Delegation.id.desc())
    )
    return list(db.session.execute(query).scalars())


def enterprise_delegation(enterprise: Enterprise, delegation_id: int) -> Delegation | None:
    """The delegation if the enterprise has people in it; None otherwise (or unknown)."""
    return db.session.execute(
        sa.select(Delegation)
        .where(Delegation.id == delegation_id, _of_enterprise(enterprise))
        .options(
            selectinload(Delegation.members).selectinload(Member.enterprise),
            selectinload(Delegation.contacts),
        )
    ).scalar_one_or_none()


def load_delegation(delegation_id: int) -> Delegation | None:
    """A delegation with what its overview shows, in a bounded number of statements."""
    return db.session.execute(
        sa.select(Delegation)
        .where(Delegation.id == delegation_id)
        .options(
            selectinload(Delegation.members).selectinload(Member.enterprise),
            selectinload(Delegation.contacts),
            selectinload(Delegation.events),
            selectinload(Delegation.campaign),
        )
    ).scalar_one_or_none()


def all_enterprises() -> list[Enterprise]:
    return list(
        db.session.execute(
            sa.select(Enterprise).order_by(Enterprise.name_zh, Enterprise.name_en, Enterprise.id)
        ).scalars()
    )


def event_choices() -> list[Event]:
    """Events a delegation may serve, the latest first."""
    return list(
        db.session.execute(
            sa.select(Event).order_by(Event.starts_at.desc(), Event.id.desc())
        ).scalars()
    )

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from expo.db import enum_column, one_of, utcnow
from expo.extensions import Model, db
from expo.i18n import Bilingual, country_name
from expo.privacy import mask_passport

if TYPE_CHECKING:
    from expo.enterprises.models import Enterprise
    from expo.events.models import Campaign, Event


class Direction(enum.StrEnum):
    OUTBOUND = "outbound"  # Sichuan enterprises going abroad
    INBOUND = "inbound"  # foreign buyers coming to Sichuan (import expansion)


class DelegationStatus(enum.StrEnum):
    PLANNING = "planning"
    CONFIRMED = "confirmed"
    TRAVELLING = "travelling"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class MemberRole(enum.StrEnum):
    LEADER = "leader"
    MEMBER = "member"
    INTERPRETER = "interpreter"
    STAFF = "staff"


class ItemKind(enum.StrEnum):
    FLIGHT = "flight"
    TRAIN = "train"
    TRANSFER = "transfer"
    MEETING = "meeting"
    SITE_VISIT = "site_visit"
    FAIR = "fair"
    MEAL = "meal"
    HOTEL = "hotel"
    FREE_TIME = "free_time"
    OTHER = "other"


DIRECTION_LABELS = {
    Direction.OUTBOUND: _l("Outbound delegation"),
    Direction.INBOUND: _l("Inbound buyers' delegation"),
}
DELEGATION_STATUS_LABELS = {
    DelegationStatus.PLANNING: _l("Planning"),
    DelegationStatus.CONFIRMED: _l("Confirmed"),
    DelegationStatus.TRAVELLING: _l("Travelling"),
    DelegationStatus.COMPLETED: _l("Completed"),
    DelegationStatus.CANCELLED: _l("Cancelled"),
}
MEMBER_ROLE_LABELS = {
    MemberRole.LEADER: _l("Leader"),
    MemberRole.MEMBER: _l("Member"),
    MemberRole.INTERPRETER: _l("Interpreter"),
    MemberRole.STAFF: _l("Staff"),
}
ITEM_KIND_LABELS = {
    ItemKind.FLIGHT: _l("Flight"),
    ItemKind.TRAIN: _l("Train"),
    ItemKind.TRANSFER: _l("Transfer"),
    ItemKind.MEETING: _l("Meeting"),
    ItemKind.SITE_VISIT: _l("Site visit"),
    ItemKind.FAIR: _l("Fair"),
    ItemKind.MEAL: _l("Meal"),
    ItemKind.HOTEL: _l("Hotel"),
    ItemKind.FREE_TIME: _l("Free time"),
    ItemKind.OTHER: _l("Other"),
}


delegation_events = sa.Table(
    "delegation_events",
    db.metadata,
    sa.Column(
        "delegation_id", sa.ForeignKey("delegations.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("event_id", sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
)

item_members = sa.Table(
    "itinerary_item_members",
    db.metadata,
    sa.Column("item_id", sa.ForeignKey("itinerary_items.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "member_id", sa.ForeignKey("delegation_members.id", ondelete="CASCADE"), primary_key=True
    ),
)

item_enterprises = sa.Table(
    "itinerary_item_enterprises",
    db.metadata,
    sa.Column("item_id", sa.ForeignKey("itinerary_items.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "enterprise_id", sa.ForeignKey("enterprises.id", ondelete="CASCADE"), primary_key=True
    ),
)


class Delegation(Model):
    __tablename__ = "delegations"
    __table_args__ = (
        sa.CheckConstraint(one_of("direction", Direction), name="direction"),
        sa.CheckConstraint(one_of("status", DelegationStatus), name="status"),
        sa.CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title_zh: Mapped[str] = mapped_column(sa.String(200), default="")
    title_en: Mapped[str] = mapped_column(sa.String(200), default="")
    direction: Mapped[str] = mapped_column(sa.String(16))
    campaign_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("campaigns.id", ondelete="SET NULL"), index=True
    )
    origin_country: Mapped[str] = mapped_column(sa.String(2))
    origin_city_zh: Mapped[str] = mapped_column(sa.String(100), default="")
    origin_city_en: Mapped[str] = mapped_column(sa.String(100), default="")
    destination_country: Mapped[str] = mapped_column(sa.String(2))
    destination_city_zh: Mapped[str] = mapped_column(sa.String(100), default="")
    destination_city_en: Mapped[str] = mapped_column(sa.String(100), default="")
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    status: Mapped[DelegationStatus] = mapped_column(
        enum_column(DelegationStatus, 16), default=DelegationStatus.PLANNING
    )
    notes_zh: Mapped[str] = mapped_column(sa.Text, default="")
    notes_en: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    campaign: Mapped[Campaign | None] = relationship()
    events: Mapped[list[Event]] = relationship(secondary=delegation_events)
    members: Mapped[list[Member]] = relationship(
        back_populates="delegation",
        order_by="(Member.position, Member.id)",
        cascade="all, delete-orphan",
    )
    contacts: Mapped[list[EmergencyContact]] = relationship(
        back_populates="delegation",
        order_by="EmergencyContact.position",
        cascade="all, delete-orphan",
    )
    items: Mapped[list[ItineraryItem]] = relationship(
        back_populates="delegation",
        order_by="(ItineraryItem.starts_at, ItineraryItem.id)",
        cascade="all, delete-orphan",
    )

    title = Bilingual()
    origin_city = Bilingual()
    destination_city = Bilingual()
    notes = Bilingual()

    @property
    def direction_label(self) -> str:
        return str(DIRECTION_LABELS[Direction(self.direction)])

    @property
    def status_label(self) -> str:
        return str(DELEGATION_STATUS_LABELS[DelegationStatus(self.status)])

    @property
    def origin_country_name(self) -> str:
        return country_name(self.origin_country)

    @property
    def destination_country_name(self) -> str:
        return country_name(self.destination_country)


class EmergencyContact(Model):
    __tablename__ = "emergency_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    delegation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("delegations.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(sa.String(100))
    role: Mapped[str] = mapped_column(sa.String(100), default="")
    phone: Mapped[str] = mapped_column(sa.String(32))

    delegation: Mapped[Delegation] = relationship(back_populates="contacts")


class Member(Model):
    """Someone travelling with the delegation; a foreign buyer may have no account."""

    __tablename__ = "delegation_members"
    __table_args__ = (sa.CheckConstraint(one_of("role", MemberRole), name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    delegation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("delegations.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    name_zh: Mapped[str] = mapped_column(sa.String(100), default="")
    name_latin: Mapped[str] = mapped_column(sa.String(100), default="")
    # One of ours, or free text for a foreign buyer's company.
    enterprise_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("enterprises.id", ondelete="SET NULL"), index=True
    )
    organization: Mapped[str] = mapped_column(sa.String(200), default="")
    title: Mapped[str] = mapped_column(sa.String(100), default="")
    nationality: Mapped[str] = mapped_column(sa.String(2), default="")
    passport_number: Mapped[str | None] = mapped_column(sa.String(20))
    mobile: Mapped[str] = mapped_column(sa.String(32), default="")
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    needs: Mapped[str] = mapped_column(sa.Text, default="")
    role: Mapped[str] = mapped_column(sa.String(16), default=MemberRole.MEMBER.value)
    # The delegate this member was added from, so the same person is not added twice.
    source_delegate_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("delegates.id", ondelete="SET NULL"), unique=True
    )
    # Unguessable, revocable: opens this member's itinerary without an account. Only a
    # SHA-256 of it is stored, so a database leak does not leak working links.
    share_token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    share_created_at: Mapped[datetime | None]

    delegation: Mapped[Delegation] = relationship(back_populates="members")
    enterprise: Mapped[Enterprise | None] = relationship()

    @property
    def display_name(self) -> str:
        both = [part for part in (self.name_zh, self.name_latin) if part]
        return " / ".join(both)

    @property
    def organization_name(self) -> str:
        return self.enterprise.name if self.enterprise else self.organization

    @property
    def role_label(self) -> str:
        return str(MEMBER_ROLE_LABELS[MemberRole(self.role)])

    @property
    def masked_passport(self) -> str:
        return mask_passport(self.passport_number)


class ItineraryItem(Model):
    """One thing on the programme; its start and end each keep their own zone."""

    __tablename__ = "itinerary_items"
    __table_args__ = (
        sa.CheckConstraint(one_of("kind", ItemKind), name="kind"),
        sa.CheckConstraint("ends_at >= starts_at", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    delegation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("delegations.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(16))
    title_zh: Mapped[str] = mapped_column(sa.String(200), default="")
    title_en: Mapped[str] = mapped_column(sa.String(200), default="")
    place_zh: Mapped[str] = mapped_column(sa.String(200), default="")
    place_en: Mapped[str] = mapped_column(sa.String(200), default="")
    address: Mapped[str] = mapped_column(sa.String(300), default="")
    starts_at: Mapped[datetime]
    start_timezone: Mapped[str] = mapped_column(sa.String(64))
    ends_at: Mapped[datetime]
    end_timezone: Mapped[str] = mapped_column(sa.String(64))
    transport_number: Mapped[str] = mapped_column(sa.String(32), default="")
    host: Mapped[str] = mapped_column(sa.String(200), default="")
    contact: Mapped[str] = mapped_column(sa.String(200), default="")
    notes_zh: Mapped[str] = mapped_column(sa.Text, default="")
    notes_en: Mapped[str] = mapped_column(sa.Text, default="")
    # True: the whole delegation takes part; False: only ``members``.
    everyone: Mapped[bool] = mapped_column(default=True)

    delegation: Mapped[Delegation] = relationship(back_populates="items")
    members: Mapped[list[Member]] = relationship(secondary=item_members)
    enterprises: Mapped[list[Enterprise]] = relationship(secondary=item_enterprises)

    title = Bilingual()
    place = Bilingual()
    notes = Bilingual()

    @property
    def kind_label(self) -> str:
        return str(ITEM_KIND_LABELS[ItemKind(self.kind)])

    def involves(self, member: Member) -> bool:
        return self.everyone or member in self.members

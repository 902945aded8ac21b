"""What came of an event: each approved enterprise's outcome report, its deal lines, and
the exchange rates the organizers set per event to compare amounts in USD and CNY."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from expo.db import enum_column, one_of, utcnow
from expo.extensions import Model
from expo.i18n import country_name

if TYPE_CHECKING:
    from expo.accounts.models import User
    from expo.enterprises.models import Enterprise
    from expo.events.models import Event
    from expo.registrations.models import Application

DEFAULT_REPORT_DAYS = 14
# Amounts as entered and as converted: to the cent, up to a trillion before conversion.
AMOUNT = sa.Numeric(18, 2)
# A rate such as 0.0000393 (VND → USD) keeps its digits; at most 10,000 per unit.
RATE = sa.Numeric(18, 10)


class ReportStatus(enum.StrEnum):
    REQUESTED = "requested"  # asked for, nothing sent yet
    SUBMITTED = "submitted"  # sent by the enterprise (or entered by an organizer)
    RETURNED = "returned"  # sent back with an organizer's question
    CONFIRMED = "confirmed"  # checked by an organizer; locked


OPEN_STATUSES = (ReportStatus.REQUESTED, ReportStatus.RETURNED)

STATUS_LABELS = {
    ReportStatus.REQUESTED: _l("Awaiting report"),
    ReportStatus.SUBMITTED: _l("Sent to the organizers"),
    ReportStatus.RETURNED: _l("Returned with a question"),
    ReportStatus.CONFIRMED: _l("Confirmed"),
}


class TradeDirection(enum.StrEnum):
    """What the deal lines record: sales abroad, or purchases for import expansion."""

    SALES = "sales"
    PURCHASES = "purchases"


class DealKind(enum.StrEnum):
    SIGNED_ON_SITE = "signed_on_site"
    SIGNED_AFTER = "signed_after"
    INTENTION = "intention"


SIGNED_KINDS = (DealKind.SIGNED_ON_SITE, DealKind.SIGNED_AFTER)

DEAL_KIND_LABELS = {
    DealKind.SIGNED_ON_SITE: _l("Signed on site"),
    DealKind.SIGNED_AFTER: _l("Signed after the event"),
    DealKind.INTENTION: _l("Intention"),
}


class OutcomeSettings(Model):
    """An event's outcome reporting: how long enterprises have, and when they were asked."""

    __tablename__ = "outcome_settings"
    __table_args__ = (sa.CheckConstraint("report_days BETWEEN 1 AND 365", name="report_days"),)

    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    report_days: Mapped[int] = mapped_column(default=DEFAULT_REPORT_DAYS)
    # When the event's enterprises were first asked; None until then.
    requested_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    event: Mapped[Event] = relationship()


class ExchangeRate(Model):
    """What one unit of ``currency`` was worth in USD and in CNY, set for one event."""

    __tablename__ = "outcome_exchange_rates"
    __table_args__ = (
        sa.UniqueConstraint("event_id", "currency"),
        sa.CheckConstraint("rate_to_usd > 0", name="rate_to_usd_positive"),
        sa.CheckConstraint("rate_to_cny > 0", name="rate_to_cny_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    currency: Mapped[str] = mapped_column(sa.String(3))
    rate_to_usd: Mapped[Decimal] = mapped_column(RATE)
    rate_to_cny: Mapped[Decimal] = mapped_column(RATE)
    taken_on: Mapped[date]
    set_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def usd_text(self) -> str:
        """The rate as entered, without trailing zeros or an exponent: "0.00275"."""
        return f"{self.rate_to_usd.normalize():f}"

    @property
    def cny_text(self) -> str:
        return f"{self.rate_to_cny.normalize():f}"


class OutcomeReport(Model):
    """One approved enterprise's report of what came of one event."""

    __tablename__ = "outcome_reports"
    __table_args__ = (
        sa.UniqueConstraint("event_id", "enterprise_id"),
        sa.CheckConstraint(one_of("status", ReportStatus), name="status"),
        sa.CheckConstraint(one_of("direction", TradeDirection), name="direction"),
        sa.CheckConstraint("buyers_met >= 0", name="buyers_met"),
        sa.CheckConstraint("new_customers >= 0", name="new_customers"),
        sa.CheckConstraint("samples_sent >= 0", name="samples_sent"),
        sa.Index("ix_outcome_reports_status_due_at", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="RESTRICT"))
    enterprise_id: Mapped[int] = mapped_column(
        sa.ForeignKey("enterprises.id", ondelete="RESTRICT"), index=True
    )
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("applications.id", ondelete="RESTRICT"), unique=True
    )
    status: Mapped[ReportStatus] = mapped_column(
        enum_column(ReportStatus, 16), default=ReportStatus.REQUESTED
    )
    direction: Mapped[TradeDirection] = mapped_column(
        enum_column(TradeDirection, 16), default=TradeDirection.SALES
    )
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_at: Mapped[datetime]
    reminded_at: Mapped[datetime | None]
    buyers_met: Mapped[int] = mapped_column(default=0)
    new_customers: Mapped[int] = mapped_column(default=0)
    samples_sent: Mapped[int] = mapped_column(default=0)
    remarks: Mapped[str] = mapped_column(sa.Text, default="")
    # The organizer's question when the report was returned; kept until it is answered.
    question: Mapped[str] = mapped_column(sa.Text, default="")
    # Whether the figures on file were last entered by an organizer for the enterprise.
    entered_by_organizer: Mapped[bool] = mapped_column(default=False)
    submitted_at: Mapped[datetime | None]
    submitted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    confirmed_at: Mapped[datetime | None]
    confirmed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    event: Mapped[Event] = relationship()
    enterprise: Mapped[Enterprise] = relationship()
    application: Mapped[Application] = relationship()
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    confirmed_by: Mapped[User | None] = relationship(foreign_keys=[confirmed_by_id])
    deals: Mapped[list[Deal]] = relationship(
        back_populates="report",
        order_by="(Deal.position, Deal.id)",
        cascade="all, delete-orphan",
    )

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[ReportStatus(self.status)])

    @property
    def is_locked(self) -> bool:
        return self.status == ReportStatus.CONFIRMED

    @property
    def is_open(self) -> bool:
        """Waiting for the enterprise: asked for, or returned with a question."""
        return self.status in OPEN_STATUSES

    @property
    def is_purchases(self) -> bool:
        return self.direction == TradeDirection.PURCHASES

    def is_overdue(self, now: datetime | None = None) -> bool:
        return self.is_open and self.due_at < (now or utcnow())

    def __repr__(self) -> str:
        return f"<OutcomeReport {self.id} event={self.event_id} {self.status}>"


class Deal(Model):
    """A deal line: a sale (or, for import expansion, a purchase) signed or intended."""

    __tablename__ = "outcome_deals"
    __table_args__ = (
        sa.CheckConstraint(one_of("kind", DealKind), name="kind"),
        sa.CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        sa.ForeignKey("outcome_reports.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    # The buyer (sales) or the supplier (purchases), and its country.
    counterparty_name: Mapped[str] = mapped_column(sa.String(200))
    counterparty_country: Mapped[str] = mapped_column(sa.String(2))
    product: Mapped[str] = mapped_column(sa.String(200))  # a product or an HS code
    kind: Mapped[DealKind] = mapped_column(enum_column(DealKind, 16))
    amount: Mapped[Decimal] = mapped_column(AMOUNT)
    currency: Mapped[str] = mapped_column(sa.String(3))
    # Converted at the event's rate; None while the organizers have set no rate for it.
    amount_usd: Mapped[Decimal | None] = mapped_column(AMOUNT)
    amount_cny: Mapped[Decimal | None] = mapped_column(AMOUNT)
    signed_on: Mapped[date]

    report: Mapped[OutcomeReport] = relationship(back_populates="deals")

    @property
    def kind_label(self) -> str:
        return str(DEAL_KIND_LABELS[DealKind(self.kind)])

    @property
    def is_signed(self) -> bool:
        return self.kind in SIGNED_KINDS

    @property
    def country_name(self) -> str:
        return country_name(self.counterparty_country)

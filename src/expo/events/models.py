from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from expo.db import enum_column, one_of, utcnow
from expo.extensions import Model
from expo.i18n import Bilingual, country_name, pick


class CampaignKind(enum.StrEnum):
    GOING_GLOBAL = "going_global"
    IMPORT_EXPANSION = "import_expansion"


class PublicationStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class EventKind(enum.StrEnum):
    TRADE_FAIR = "trade_fair"
    B2B_MATCHMAKING = "b2b_matchmaking"
    ROADSHOW = "roadshow"
    CONFERENCE = "conference"
    INVESTMENT_PROMOTION = "investment_promotion"
    OTHER = "other"


class Moderation(enum.StrEnum):
    REVIEW = "review"
    FIRST_COME = "first_come"


CAMPAIGN_KIND_LABELS = {
    CampaignKind.GOING_GLOBAL: _l("Sichuan Going Global"),
    CampaignKind.IMPORT_EXPANSION: _l("Import expansion"),
}
STATUS_LABELS = {
    PublicationStatus.DRAFT: _l("Draft"),
    PublicationStatus.PUBLISHED: _l("Published"),
    PublicationStatus.ARCHIVED: _l("Archived"),
}
EVENT_KIND_LABELS = {
    EventKind.TRADE_FAIR: _l("Trade fair"),
    EventKind.B2B_MATCHMAKING: _l("B2B matchmaking"),
    EventKind.ROADSHOW: _l("Roadshow"),
    EventKind.CONFERENCE: _l("Conference"),
    EventKind.INVESTMENT_PROMOTION: _l("Investment promotion"),
    EventKind.OTHER: _l("Other"),
}
MODERATION_LABELS = {
    Moderation.REVIEW: _l("Reviewed by organizers"),
    Moderation.FIRST_COME: _l("First come, first served"),
}


class Campaign(Model):
    __tablename__ = "campaigns"
    __table_args__ = (
        sa.CheckConstraint(one_of("kind", CampaignKind), name="kind"),
        sa.CheckConstraint(one_of("status", PublicationStatus), name="status"),
        sa.CheckConstraint("year BETWEEN 2000 AND 2100", name="year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(24))
    year: Mapped[int]
    title_zh: Mapped[str] = mapped_column(sa.String(200), default="")
    title_en: Mapped[str] = mapped_column(sa.String(200), default="")
    summary_zh: Mapped[str] = mapped_column(sa.Text, default="")
    summary_en: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[PublicationStatus] = mapped_column(
        enum_column(PublicationStatus, 16), default=PublicationStatus.DRAFT
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    events: Mapped[list[Event]] = relationship(
        back_populates="campaign", order_by="Event.starts_at"
    )

    title = Bilingual()
    summary = Bilingual()

    @property
    def kind_label(self) -> str:
        return str(CAMPAIGN_KIND_LABELS[CampaignKind(self.kind)])

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[PublicationStatus(self.status)])

    @property
    def is_public(self) -> bool:
        return self.status != PublicationStatus.DRAFT

    def __repr__(self) -> str:
        return f"<Campaign {self.year} {self.kind} {self.title_zh or self.title_en}>"


class Event(Model):
    __tablename__ = "events"
    __table_args__ = (
        sa.CheckConstraint(one_of("kind", EventKind), name="kind"),
        sa.CheckConstraint(one_of("status", PublicationStatus), name="status"),
        sa.CheckConstraint(one_of("moderation", Moderation), name="moderation"),
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.CheckConstraint(
            "registration_closes_at > registration_opens_at", name="registration_window"
        ),
        sa.CheckConstraint("registration_closes_at <= ends_at", name="registration_closes"),
        sa.CheckConstraint("capacity >= 1", name="capacity"),
        sa.CheckConstraint("max_delegates >= 1", name="max_delegates"),
        sa.Index("ix_events_status_starts_at", "status", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        sa.ForeignKey("campaigns.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(24))
    title_zh: Mapped[str] = mapped_column(sa.String(200), default="")
    title_en: Mapped[str] = mapped_column(sa.String(200), default="")
    description_zh: Mapped[str] = mapped_column(sa.Text, default="")
    description_en: Mapped[str] = mapped_column(sa.Text, default="")
    country: Mapped[str] = mapped_column(sa.String(2), index=True)
    city_zh: Mapped[str] = mapped_column(sa.String(100), default="")
    city_en: Mapped[str] = mapped_column(sa.String(100), default="")
    venue_zh: Mapped[str] = mapped_column(sa.String(200), default="")
    venue_en: Mapped[str] = mapped_column(sa.String(200), default="")
    timezone: Mapped[str] = mapped_column(sa.String(64))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    registration_opens_at: Mapped[datetime]
    registration_closes_at: Mapped[datetime]
    capacity: Mapped[int]
    max_delegates: Mapped[int] = mapped_column(default=3)
    moderation: Mapped[str] = mapped_column(sa.String(16), default=Moderation.REVIEW.value)
    fee_note_zh: Mapped[str] = mapped_column(sa.Text, default="")
    fee_note_en: Mapped[str] = mapped_column(sa.Text, default="")
    subsidy_note_zh: Mapped[str] = mapped_column(sa.Text, default="")
    subsidy_note_en: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[PublicationStatus] = mapped_column(
        enum_column(PublicationStatus, 16), default=PublicationStatus.DRAFT
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    campaign: Mapped[Campaign] = relationship(back_populates="events")
    sessions: Mapped[list[AgendaSession]] = relationship(
        back_populates="event",
        order_by="(AgendaSession.starts_at, AgendaSession.id)",
        cascade="all, delete-orphan",
    )

    questions: Mapped[list[Question]] = relationship(
        back_populates="event",
        order_by="(Question.position, Question.id)",
        cascade="all, delete-orphan",
    )

    title = Bilingual()
    description = Bilingual()
    city = Bilingual()
    venue = Bilingual()
    fee_note = Bilingual()
    subsidy_note = Bilingual()

    @property
    def country_name(self) -> str:
        return country_name(self.country)

    @property
    def is_abroad(self) -> bool:
        """Held outside the Chinese mainland: delegates travel with passports, and badges,
        visa letters and hosts need their names in Latin letters."""
        return self.country != "CN"

    @property
    def kind_label(self) -> str:
        return str(EVENT_KIND_LABELS[EventKind(self.kind)])

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[PublicationStatus(self.status)])

    @property
    def moderation_label(self) -> str:
        return str(MODERATION_LABELS[Moderation(self.moderation)])

    @property
    def is_public(self) -> bool:
        return self.status != PublicationStatus.DRAFT and self.campaign.is_public

    def registration_opens_later(self, now: datetime | None = None) -> bool:
        return (now or utcnow()) < self.registration_opens_at

    def registration_has_closed(self, now: datetime | None = None) -> bool:
        return (now or utcnow()) >= self.registration_closes_at

    def has_ended(self, now: datetime | None = None) -> bool:
        return (now or utcnow()) >= self.ends_at

    def registration_is_open(self, now: datetime | None = None) -> bool:
        now = now or utcnow()
        return (
            self.status == PublicationStatus.PUBLISHED
            and self.registration_opens_at <= now < self.registration_closes_at
        )

    def __repr__(self) -> str:
        return f"<Event {self.id} {self.title_zh or self.title_en}>"


class AgendaSession(Model):
    __tablename__ = "agenda_sessions"
    __table_args__ = (sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    title_zh: Mapped[str] = mapped_column(sa.String(200), default="")
    title_en: Mapped[str] = mapped_column(sa.String(200), default="")
    place_zh: Mapped[str] = mapped_column(sa.String(200), default="")
    place_en: Mapped[str] = mapped_column(sa.String(200), default="")
    host_zh: Mapped[str] = mapped_column(sa.String(200), default="")
    host_en: Mapped[str] = mapped_column(sa.String(200), default="")

    event: Mapped[Event] = relationship(back_populates="sessions")

    title = Bilingual()
    place = Bilingual()
    host = Bilingual()


class QuestionKind(enum.StrEnum):
    SHORT_TEXT = "short_text"
    LONG_TEXT = "long_text"
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    NUMBER = "number"
    YES_NO = "yes_no"
    DATE = "date"


QUESTION_KIND_LABELS = {
    QuestionKind.SHORT_TEXT: _l("Short text"),
    QuestionKind.LONG_TEXT: _l("Long text"),
    QuestionKind.SINGLE_CHOICE: _l("One choice"),
    QuestionKind.MULTIPLE_CHOICE: _l("Several choices"),
    QuestionKind.NUMBER: _l("Number"),
    QuestionKind.YES_NO: _l("Yes or no"),
    QuestionKind.DATE: _l("Date"),
}
CHOICE_KINDS = (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE)


class Question(Model):
    """A custom question an event asks every applicant, e.g. "Products to exhibit"."""

    __tablename__ = "questions"
    __table_args__ = (sa.CheckConstraint(one_of("kind", QuestionKind), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(sa.String(24))
    label_zh: Mapped[str] = mapped_column(sa.String(300), default="")
    label_en: Mapped[str] = mapped_column(sa.String(300), default="")
    help_zh: Mapped[str] = mapped_column(sa.String(500), default="")
    help_en: Mapped[str] = mapped_column(sa.String(500), default="")
    required: Mapped[bool] = mapped_column(default=False)
    # For choice kinds: [{"value": "food", "zh": "食品", "en": "Food"}, …] in display order.
    choices: Mapped[list[dict[str, str]]] = mapped_column(sa.JSON, default=list)

    event: Mapped[Event] = relationship(back_populates="questions")

    label = Bilingual()
    help = Bilingual()

    @property
    def kind_label(self) -> str:
        return str(QUESTION_KIND_LABELS[QuestionKind(self.kind)])

    def choice_label(self, value: str) -> str:
        for choice in self.choices:
            if choice["value"] == value:
                return pick(choice.get("zh"), choice.get("en"))
        return value

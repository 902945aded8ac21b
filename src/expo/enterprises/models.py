from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from expo.db import enum_column, one_of, utcnow
from expo.enterprises.prefectures import BY_CODE
from expo.extensions import Model
from expo.i18n import Bilingual, pick

if TYPE_CHECKING:
    from expo.accounts.models import User


class Enterprise(Model):
    __tablename__ = "enterprises"
    __table_args__ = (
        sa.CheckConstraint("export_value_usd >= 0", name="export_value_not_negative"),
        sa.CheckConstraint("import_value_usd >= 0", name="import_value_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name_zh: Mapped[str] = mapped_column(sa.String(200), default="")
    name_en: Mapped[str] = mapped_column(sa.String(200), default="")
    # 统一社会信用代码: 18 characters, validated with python-stdnum before it gets here.
    credit_code: Mapped[str] = mapped_column(sa.String(18), unique=True)
    prefecture: Mapped[str] = mapped_column(sa.String(6), index=True)
    industry: Mapped[str] = mapped_column(sa.String(100), default="")
    main_products_zh: Mapped[str] = mapped_column(sa.Text, default="")
    main_products_en: Mapped[str] = mapped_column(sa.Text, default="")
    export_value_usd: Mapped[Decimal] = mapped_column(sa.Numeric(16, 2), default=Decimal(0))
    import_value_usd: Mapped[Decimal] = mapped_column(sa.Numeric(16, 2), default=Decimal(0))
    target_markets: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    website: Mapped[str] = mapped_column(sa.String(255), default="")
    contact_name: Mapped[str] = mapped_column(sa.String(100), default="")
    contact_phone: Mapped[str] = mapped_column(sa.String(32), default="")
    contact_email: Mapped[str] = mapped_column(sa.String(254), default="")
    verified: Mapped[bool] = mapped_column(default=False)
    key_enterprise: Mapped[bool] = mapped_column(default=False)
    # Made from the department's key-enterprise list, with nobody signed up for it yet:
    # the first sign-up with its credit code takes it over.
    unclaimed: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    users: Mapped[list[User]] = relationship(back_populates="enterprise")

    name = Bilingual()
    main_products = Bilingual()

    @property
    def prefecture_name(self) -> str:
        prefecture = BY_CODE.get(self.prefecture)
        return pick(prefecture.name_zh, prefecture.name_en) if prefecture else self.prefecture

    def __repr__(self) -> str:
        return f"<Enterprise {self.credit_code} {self.name_zh or self.name_en}>"


class ClaimStatus(enum.StrEnum):
    PENDING = "pending"
    GRANTED = "granted"
    REJECTED = "rejected"


class ClaimDecision(enum.StrEnum):
    """What the organizers did with a claim."""

    # The people who registered the code lose it; the claimant is invited to take over.
    HAND_OVER = "hand_over"
    # A colleague had registered it: the claimant is invited to join them.
    ADD_COLLEAGUE = "add_colleague"
    REJECT = "reject"


CLAIM_STATUS_LABELS = {
    ClaimStatus.PENDING: _l("Open"),
    ClaimStatus.GRANTED: _l("Granted"),
    ClaimStatus.REJECTED: _l("Declined"),
}
CLAIM_DECISION_LABELS = {
    ClaimDecision.HAND_OVER: _l("Handed over to the claimant"),
    ClaimDecision.ADD_COLLEAGUE: _l("Claimant added as a colleague"),
    ClaimDecision.REJECT: _l("Declined"),
}


class EnterpriseClaim(Model):
    """ "This is our company": a company whose credit code someone else registered asks the
    organizers for its enterprise. Filed through a link mailed to the address that tried to
    sign up with the code, so the address is the claimant's own."""

    __tablename__ = "enterprise_claims"
    __table_args__ = (
        sa.CheckConstraint(one_of("status", ClaimStatus), name="status"),
        sa.CheckConstraint(
            f"decision IS NULL OR {one_of('decision', ClaimDecision)}", name="decision"
        ),
        # One open claim per address and enterprise: asking again changes nothing.
        sa.Index(
            "uq_enterprise_claims_pending",
            "enterprise_id",
            "email",
            unique=True,
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        sa.ForeignKey("enterprises.id", ondelete="CASCADE"), index=True
    )
    credit_code: Mapped[str] = mapped_column(sa.String(18))
    company_name: Mapped[str] = mapped_column(sa.String(200))
    contact_name: Mapped[str] = mapped_column(sa.String(100))
    email: Mapped[str] = mapped_column(sa.String(254))
    mobile: Mapped[str] = mapped_column(sa.String(32), default="")
    statement: Mapped[str] = mapped_column(sa.Text, default="")
    locale: Mapped[str] = mapped_column(sa.String(8), default="zh")
    status: Mapped[ClaimStatus] = mapped_column(
        enum_column(ClaimStatus, 16), default=ClaimStatus.PENDING, index=True
    )
    decision: Mapped[ClaimDecision | None] = mapped_column(enum_column(ClaimDecision, 16))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column()
    resolved_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    enterprise: Mapped[Enterprise] = relationship()
    resolved_by: Mapped[User | None] = relationship()

    @property
    def status_label(self) -> str:
        return str(CLAIM_STATUS_LABELS[self.status])

    @property
    def decision_label(self) -> str:
        return str(CLAIM_DECISION_LABELS[self.decision]) if self.decision else ""

    def __repr__(self) -> str:
        return f"<EnterpriseClaim {self.credit_code} {self.email} {self.status}>"


class KeyEnterpriseImport(Model):
    """One upload of the department's key-enterprise list (千户重点外贸企业) for a year."""

    __tablename__ = "key_enterprise_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(index=True)
    filename: Mapped[str] = mapped_column(sa.String(255), default="")
    matched: Mapped[int] = mapped_column(default=0)
    created: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    actor: Mapped[User | None] = relationship()


class KeyEnterpriseMembership(Model):
    """An enterprise on the key-enterprise list of a year."""

    __tablename__ = "key_enterprise_memberships"
    __table_args__ = (
        sa.UniqueConstraint("enterprise_id", "year", name="one_per_year"),
        sa.CheckConstraint("year BETWEEN 2000 AND 2100", name="year_in_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        sa.ForeignKey("enterprises.id", ondelete="CASCADE"), index=True
    )
    year: Mapped[int] = mapped_column(index=True)
    # The year the enterprise first joined the programme, as the department's list says.
    included_since: Mapped[int | None] = mapped_column()
    import_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("key_enterprise_imports.id", ondelete="SET NULL")
    )

    enterprise: Mapped[Enterprise] = relationship()

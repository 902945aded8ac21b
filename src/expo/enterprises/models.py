from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from expo.db import utcnow
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

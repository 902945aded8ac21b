"""Who came: the questions other areas ask about attendance."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from expo.attendance.models import CheckIn
from expo.extensions import db


def attended_application_ids(application_ids: Iterable[int]) -> set[int]:
    """Those of ``application_ids`` with at least one delegate checked in (and not undone)."""
    ids = list(application_ids)
    if not ids:
        return set()
    query = (
        sa.select(CheckIn.application_id)
        .where(CheckIn.application_id.in_(ids), CheckIn.undone_at.is_(None))
        .distinct()
    )
    return set(db.session.execute(query).scalars())


def has_attended(application_id: int) -> bool:
    """Whether at least one of the application's delegates has been checked in."""
    return bool(attended_application_ids([application_id]))

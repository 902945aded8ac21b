"""The figures of the organizers' pages, each page in a bounded number of queries.

Applications are counted per event in one grouped query, whatever the number of events,
and the events table sorts on those counts in the database, so a page of it costs the
same at twenty events and at two thousand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import selectinload

from expo.accounts.models import User
from expo.db import utcnow
from expo.enterprises.models import ClaimStatus, Enterprise, EnterpriseClaim
from expo.events.models import Event
from expo.extensions import db
from expo.jobs.models import ACTIVE_STATUSES as ACTIVE_JOBS
from expo.jobs.models import DocumentJob
from expo.outcomes.models import OPEN_STATUSES, OutcomeReport, ReportStatus
from expo.registrations.models import Application, ApplicationStatus


@dataclass(frozen=True)
class EventCounts:
    """An event's applications by status, and its approved booths against its capacity."""

    pending: int = 0
    waitlisted: int = 0
    approved: int = 0
    booths_approved: int = 0
    capacity: int = 0

    @property
    def booths_left(self) -> int:
        return max(self.capacity - self.booths_approved, 0)

    @property
    def fill(self) -> float:
        return min(self.booths_approved / self.capacity, 1.0) if self.capacity else 1.0


def _counts_subquery() -> sa.Subquery:
    def applications(status: ApplicationStatus) -> sa.ColumnElement[int]:
        return sa.func.coalesce(sa.func.sum(sa.case((Application.status == status, 1), else_=0)), 0)

    approved = Application.status == ApplicationStatus.APPROVED
    return (
        sa.select(
            Application.event_id.label("event_id"),
            applications(ApplicationStatus.PENDING).label("pending"),
            applications(ApplicationStatus.WAITLISTED).label("waitlisted"),
            applications(ApplicationStatus.APPROVED).label("approved"),
            sa.func.coalesce(
                sa.func.sum(sa.case((approved, Application.booths_requested), else_=0)),
                0,
            ).label("booths_approved"),
        )
        .group_by(Application.event_id)
        .subquery("counts")
    )


def event_counts(events: list[Event]) -> dict[int, EventCounts]:
    """Each event's :class:`EventCounts`, in one query."""
    if not events:
        return {}
    counts = _counts_subquery()
    rows = db.session.execute(
        sa.select(counts).where(counts.c.event_id.in_([event.id for event in events]))
    ).all()
    found = {row.event_id: row for row in rows}
    result = {}
    for event in events:
        row = found.get(event.id)
        result[event.id] = EventCounts(
            pending=int(row.pending) if row else 0,
            waitlisted=int(row.waitlisted) if row else 0,
            approved=int(row.approved) if row else 0,
            booths_approved=int(row.booths_approved) if row else 0,
            capacity=event.capacity,
        )
    return result


# --- the organizers' events table ------------------------------------------------------

SORTS = ("starts", "closes", "title", "pending", "fill")


def events_table(
    *,
    sort: str,
    descending: bool,
    language: str,
    page: int,
    per_page: int,
    now: datetime | None = None,
) -> tuple[Pagination, dict[int, EventCounts]]:
    """Every event, drafts included, sorted; ``starts`` puts the coming ones first (soonest
    first) and the past ones after them (latest first)."""
    now = now or utcnow()
    counts = _counts_subquery()
    pending = sa.func.coalesce(counts.c.pending, 0)
    fill = sa.func.coalesce(counts.c.booths_approved, 0) * 1.0 / sa.func.nullif(Event.capacity, 0)
    title = Event.title_zh if language == "zh" else Event.title_en
    keys: dict[str, list[Any]] = {
        "closes": [Event.registration_closes_at],
        "title": [sa.func.coalesce(sa.func.nullif(title, ""), Event.title_zh, Event.title_en)],
        "pending": [pending],
        "fill": [sa.func.coalesce(fill, 0)],
    }
    query = sa.select(Event).outerjoin(counts, counts.c.event_id == Event.id)
    order: list[Any]
    if sort in keys:
        order = [key.desc() if descending else key.asc() for key in keys[sort]]
    else:
        past = Event.ends_at < now
        coming = sa.case((Event.ends_at >= now, Event.starts_at))
        order = [past, coming.desc() if descending else coming.asc(), Event.starts_at.desc()]
    query = query.order_by(*order, Event.id).options(selectinload(Event.campaign))
    result = db.paginate(query, page=page, per_page=per_page, error_out=False)
    return result, event_counts(list(result.items))


# --- the organizers' home --------------------------------------------------------------


@dataclass(frozen=True)
class ReportCounts:
    """An event's outcome reports that need someone: to confirm, and overdue."""

    to_confirm: int = 0
    overdue: int = 0


@dataclass
class OrganizerHome:
    to_review: list[tuple[Event, EventCounts]] = field(default_factory=list)
    reports: list[tuple[Event, ReportCounts]] = field(default_factory=list)
    upcoming: list[tuple[Event, EventCounts]] = field(default_factory=list)
    jobs: list[DocumentJob] = field(default_factory=list)
    open_claims: int = 0
    unverified: int = 0


UPCOMING_SHOWN = 8


def organizer_home(now: datetime | None = None) -> OrganizerHome:
    """The work waiting for organizers and the coming events: six queries."""
    now = now or utcnow()
    to_confirm = sa.func.sum(sa.case((OutcomeReport.status == ReportStatus.SUBMITTED, 1), else_=0))
    overdue = sa.func.sum(
        sa.case(
            (sa.and_(OutcomeReport.status.in_(OPEN_STATUSES), OutcomeReport.due_at < now), 1),
            else_=0,
        )
    )
    report_rows = db.session.execute(
        sa.select(Event, to_confirm.label("to_confirm"), overdue.label("overdue"))
        .join(OutcomeReport, OutcomeReport.event_id == Event.id)
        .group_by(Event.id)
        .having(sa.or_(to_confirm > 0, overdue > 0))
        .order_by(Event.ends_at.desc(), Event.id)
    ).all()
    counts = _counts_subquery()
    waiting = list(
        db.session.scalars(
            sa.select(Event)
            .join(counts, counts.c.event_id == Event.id)
            .where(counts.c.pending > 0, Event.ends_at >= now)
            .order_by(Event.registration_closes_at, Event.id)
        )
    )
    upcoming = list(
        db.session.scalars(
            sa.select(Event)
            .where(Event.ends_at >= now)
            .order_by(Event.starts_at, Event.id)
            .limit(UPCOMING_SHOWN)
        )
    )
    found = event_counts(list({event.id: event for event in [*waiting, *upcoming]}.values()))
    jobs = list(
        db.session.scalars(
            sa.select(DocumentJob)
            .where(DocumentJob.status.in_(ACTIVE_JOBS))
            .options(
                selectinload(DocumentJob.event),
                selectinload(DocumentJob.delegation),
                selectinload(DocumentJob.campaign),
            )
            .order_by(DocumentJob.created_at)
        )
    )
    open_claims, unverified = db.session.execute(
        sa.select(
            sa.select(sa.func.count())
            .select_from(EnterpriseClaim)
            .where(EnterpriseClaim.status == ClaimStatus.PENDING)
            .scalar_subquery(),
            # Signed up with a confirmed address and waiting for an organizer's check.
            sa.select(sa.func.count())
            .select_from(Enterprise)
            .where(
                Enterprise.verified.is_(False),
                sa.exists().where(
                    User.enterprise_id == Enterprise.id, User.email_verified_at.is_not(None)
                ),
            )
            .scalar_subquery(),
        )
    ).one()
    return OrganizerHome(
        to_review=[(event, found[event.id]) for event in waiting],
        reports=[
            (row.Event, ReportCounts(int(row.to_confirm), int(row.overdue))) for row in report_rows
        ],
        upcoming=[(event, found[event.id]) for event in upcoming],
        jobs=jobs,
        open_claims=int(open_claims),
        unverified=int(unverified),
    )

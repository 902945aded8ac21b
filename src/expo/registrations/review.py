"""What organizers read while reviewing: the filtered, sorted and paginated applications.

The status changes themselves are in :mod:`expo.registrations.services`; this module only
reads. Every listing costs a fixed number of statements whatever the number of rows. The
review list reads a page as application ids (the page's rows are usually kept rendered)
and loads the applications, their enterprises and delegates only to render them; an
export reads the applications with their enterprise in one statement (a join the filters
need anyway), delegates and answers in one extra statement each.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import contains_eager, selectinload

from expo.db import like_pattern
from expo.enterprises.models import Enterprise
from expo.events.models import Event
from expo.extensions import db
from expo.i18n import current_language
from expo.registrations.models import Application, ApplicationStatus
from expo.registrations.services import CapacityCount, capacity_of

DEFAULT_SORT = "submitted"
SORT_KEYS = ("submitted", "enterprise", "booths", "status")
# "submitted" is oldest first, so the queue reads in the order enterprises applied;
# a leading "-" reverses any key.
SORTS = frozenset(SORT_KEYS) | {f"-{key}" for key in SORT_KEYS}

# The order of the "status" sort: what needs a decision first, closed cases last.
STATUS_ORDER = (
    ApplicationStatus.PENDING,
    ApplicationStatus.WAITLISTED,
    ApplicationStatus.APPROVED,
    ApplicationStatus.REJECTED,
    ApplicationStatus.CANCELLED,
    ApplicationStatus.WITHDRAWN,
)


@dataclass
class ApplicationFilters:
    """What the organizer narrowed the list to; empty values filter nothing."""

    status: str | None = None
    prefecture: str | None = None
    industry: str | None = None
    key_only: bool = False
    # A name in either language or (part of) a credit code, case-insensitive.
    q: str = ""
    sort: str = DEFAULT_SORT

    @property
    def sort_key(self) -> str:
        return self.sort.removeprefix("-")

    @property
    def descending(self) -> bool:
        return self.sort.startswith("-")


def _search(text: str):
    text = unicodedata.normalize("NFKC", text).strip()  # full-width letters and digits too
    pattern = like_pattern(text)
    code = like_pattern("".join(text.split()).upper())
    return sa.or_(
        Enterprise.name_zh.ilike(pattern, escape="\\"),
        Enterprise.name_en.ilike(pattern, escape="\\"),
        Enterprise.credit_code.like(code, escape="\\"),
    )


def _order(filters: ApplicationFilters, language: str) -> list:
    key = filters.sort_key if filters.sort in SORTS else DEFAULT_SORT
    descending = filters.descending and filters.sort in SORTS
    if key == "enterprise":
        # The name the reader sees: their language's, or the other when it is empty.
        first, second = (
            (Enterprise.name_en, Enterprise.name_zh)
            if language == "en"
            else (Enterprise.name_zh, Enterprise.name_en)
        )
        columns: list[Any] = [sa.func.coalesce(sa.func.nullif(first, ""), second)]
    elif key == "booths":
        columns = [Application.booths_requested]
    elif key == "status":
        columns = [
            sa.case(
                {status.value: rank for rank, status in enumerate(STATUS_ORDER)},
                value=Application.status,
                else_=len(STATUS_ORDER),
            )
        ]
    else:
        columns = [Application.created_at, Application.id]
    if descending:
        columns = [column.desc() for column in columns]
    if key != "submitted":
        # Ties within a name, a number of booths or a status: oldest first.
        columns += [Application.created_at, Application.id]
    return columns


def applications_query(
    event: Event, filters: ApplicationFilters, *, language: str | None = None
) -> sa.Select:
    """The event's applications matching ``filters``, in their order, enterprise loaded."""
    return _matching(sa.select(Application), event, filters, language).options(
        contains_eager(Application.enterprise)
    )


def _matching(
    statement: sa.Select, event: Event, filters: ApplicationFilters, language: str | None
) -> sa.Select:
    statement = statement.join(Application.enterprise).where(Application.event_id == event.id)
    if filters.status:
        statement = statement.where(Application.status == filters.status)
    if filters.prefecture:
        statement = statement.where(Enterprise.prefecture == filters.prefecture)
    if filters.industry:
        statement = statement.where(Enterprise.industry == filters.industry)
    if filters.key_only:
        statement = statement.where(Enterprise.key_enterprise.is_(True))
    if (filters.q or "").strip():
        statement = statement.where(_search(filters.q))
    return statement.order_by(*_order(filters, language or current_language()))


def list_applications(
    event: Event,
    filters: ApplicationFilters,
    page: int = 1,
    per_page: int = 50,
    *,
    language: str | None = None,
    total: int | None = None,
):
    """One page of the review list, as application ids: the rows are kept rendered, so a
    page usually needs no more (:func:`page_applications` loads the rest). ``total``, when
    the caller knows it (the list unfiltered: the sum of the status counts), spares the
    count over every application of the event."""
    statement = _matching(sa.select(Application.id), event, filters, language)
    pagination = db.paginate(
        statement, page=page, per_page=per_page, error_out=False, count=total is None
    )
    if total is not None:
        pagination.total = total
    return pagination


class KeptPage(Pagination):
    """A page whose ids and total were read before (and kept): nothing to query."""

    def _query_items(self) -> list[Any]:
        return list(self._query_args["items"])

    def _query_count(self) -> int:
        return int(self._query_args["total"])


def kept_page(application_ids: list[int], total: int, page: int, per_page: int) -> KeptPage:
    return KeptPage(
        page=page,
        per_page=per_page,
        max_per_page=None,  # as db.paginate, which read the ids
        error_out=False,
        items=application_ids,
        total=total,
    )


def page_applications(application_ids: list[int]) -> list[Application]:
    """The applications of a page, in its order, enterprise and delegates loaded: three
    statements."""
    if not application_ids:
        return []
    loaded = db.session.scalars(
        sa.select(Application)
        .where(Application.id.in_(application_ids))
        .options(selectinload(Application.enterprise), selectinload(Application.delegates))
    ).all()
    by_id = {application.id: application for application in loaded}
    return [by_id[number] for number in application_ids if number in by_id]


def unfiltered(filters: ApplicationFilters) -> bool:
    """No filter narrows the list (the order does not count)."""
    return not (
        filters.status
        or filters.prefecture
        or filters.industry
        or filters.key_only
        or (filters.q or "").strip()
    )


def status_tally(event: Event) -> tuple[dict[str, int], CapacityCount]:
    """The applications by status (zeros included) and the event's booths, in one pass."""
    rows = db.session.execute(
        sa.select(
            Application.status,
            sa.func.count(Application.id),
            sa.func.sum(Application.booths_requested),
        )
        .where(Application.event_id == event.id)
        .group_by(Application.status)
    ).all()
    counts = {status.value: 0 for status in STATUS_ORDER}
    counts.update({status: number for status, number, _ in rows})
    booths = {str(status): int(total or 0) for status, _, total in rows}
    return counts, capacity_of(event, booths)


def export_applications(event: Event, filters: ApplicationFilters) -> list[Application]:
    """Every application matching ``filters`` with what an export shows, in four statements."""
    statement = applications_query(event, filters).options(
        selectinload(Application.delegates), selectinload(Application.answers)
    )
    return list(db.session.execute(statement).unique().scalars())


def event_application(event: Event, application_id: int) -> Application | None:
    """The application if it belongs to ``event``: ids of other events are not found."""
    application = db.session.get(Application, application_id)
    if application is None or application.event_id != event.id:
        return None
    return application


def selected_applications(event: Event, application_ids) -> list[Application]:
    """The event's applications among ``application_ids``, oldest first.

    Oldest first, so when the booths run out during a bulk approval they go to those
    who applied first. Ids of other events are left out.
    """
    ids = {int(application_id) for application_id in application_ids}
    if not ids:
        return []
    return list(
        db.session.execute(
            sa.select(Application)
            .where(Application.event_id == event.id, Application.id.in_(ids))
            # The enterprise's users too: each decision emails them.
            .options(selectinload(Application.enterprise).selectinload(Enterprise.users))
            .order_by(Application.created_at, Application.id)
        ).scalars()
    )

"""The campaign's results: what its events brought, for a campaign or a year.

The scope is a campaign, a year on the department's clock (China time, by the day an
event starts), or both; it narrows further by event, the enterprise's prefecture and
industry, whether the enterprise is on the key-enterprise list of the scope's year, and
the market region of the deal's counterparty (the region narrows the deal figures and,
by the foreign participant's country, the matchmaking meetings).

**Only confirmed reports count.** A submitted report may still be returned with a
question and corrected; a confirmed one has been checked by an organizer and is locked,
so the figures published never move backwards. The submitted ones awaiting a check are
counted apart, so the page can say how many are still to come.

Participation (enterprises, delegates, events) counts approved applications. Amounts are
the converted USD and CNY of each deal line, summed to the cent; a line the organizers
have set no rate for yet is counted apart as unconverted.

Every figure comes from a fixed number of grouped queries, whatever the number of events,
applications or deal lines (``tests/results`` counts them).
"""

from __future__ import annotations

import dataclasses
import operator
import tomllib
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute, selectinload

from expo.enterprises.industries import BY_KEY as INDUSTRIES
from expo.enterprises.industries import INDUSTRIES as INDUSTRY_LIST
from expo.enterprises.key_enterprises import CoverageRow, coverage
from expo.enterprises.models import Enterprise, KeyEnterpriseMembership
from expo.enterprises.prefectures import BY_CODE as PREFECTURES
from expo.enterprises.prefectures import PREFECTURES as PREFECTURE_LIST
from expo.events.models import Campaign, Event
from expo.extensions import db
from expo.i18n import STAFF_TIMEZONE, pick
from expo.matchmaking.models import Attendance, Counterpart, Interest, Meeting
from expo.outcomes.models import Deal, DealKind, OutcomeReport, ReportStatus
from expo.places import country_name
from expo.registrations.models import Application, ApplicationStatus, Delegate

ZERO = Decimal("0.00")
COUNTED_STATUSES = (ReportStatus.CONFIRMED,)
KEY_CHOICES = ("", "key", "other")


# --- market regions ------------------------------------------------------------------


class Region(NamedTuple):
    key: str
    name_zh: str
    name_en: str
    countries: frozenset[str]


@cache
def regions() -> tuple[Region, ...]:
    """The market regions of ``regions.toml``, in its order; the last one is "other"."""
    with resources.files(__package__).joinpath("regions.toml").open("rb") as file:
        data = tomllib.load(file)
    return tuple(
        Region(row["key"], row["zh"], row["en"], frozenset(row["countries"]))
        for row in data["region"]
    )


OTHER_REGION = "other"


@cache
def _region_of() -> dict[str, str]:
    return {code: region.key for region in regions() for code in region.countries}


def region_of(country: str) -> str:
    return _region_of().get(country, OTHER_REGION)


def region_label(key: str, language: str | None = None) -> str:
    for region in regions():
        if region.key == key:
            return pick(region.name_zh, region.name_en, language)
    return key


def region_countries(key: str) -> frozenset[str] | None:
    """The countries of a region; None for "other" (every country listed nowhere)."""
    for region in regions():
        if region.key == key:
            return region.countries if key != OTHER_REGION else None
    return frozenset()


# --- the scope ------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    campaign_id: int | None = None
    year: int | None = None
    event_id: int | None = None
    prefecture: str = ""
    industry: str = ""
    region: str = ""
    key: str = ""  # "", "key" (on the year's list) or "other" (not on it)

    def as_parameters(self) -> dict[str, Any]:
        """The filters as JSON, for a job that prints their report later."""
        return dataclasses.asdict(self)

    @classmethod
    def from_parameters(cls, parameters: Mapping[str, Any]) -> Filters:
        """The filters :meth:`as_parameters` stored (names it does not know are ignored)."""
        names = {item.name for item in dataclasses.fields(cls)}
        return cls(**{name: value for name, value in parameters.items() if name in names})

    def previous(self, campaign_id: int | None) -> Filters:
        """The same filters a year earlier (the campaign of the year before, if any)."""
        return Filters(
            campaign_id=campaign_id,
            year=self.year - 1 if self.year else None,
            event_id=None,
            prefecture=self.prefecture,
            industry=self.industry,
            region=self.region,
            key=self.key,
        )


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """The year on the department's clock (China time), in UTC."""
    zone = ZoneInfo(STAFF_TIMEZONE)
    return (
        datetime(year, 1, 1, tzinfo=zone).astimezone(UTC),
        datetime(year + 1, 1, 1, tzinfo=zone).astimezone(UTC),
    )


def _list_year(filters: Filters, campaign: Campaign | None) -> int | None:
    """The year whose key-enterprise list the key-enterprise filter reads."""
    if filters.year:
        return filters.year
    return campaign.year if campaign else None


def scope_conditions(
    filters: Filters, list_year: int | None, *, deals: bool = False
) -> list[sa.ColumnElement[bool]]:
    """What the scope asks of an Event, an Enterprise (and a Deal, when ``deals``)."""
    where: list[sa.ColumnElement[bool]] = []
    if filters.campaign_id is not None:
        where.append(Event.campaign_id == filters.campaign_id)
    if filters.year is not None:
        start, end = year_bounds(filters.year)
        where += [Event.starts_at >= start, Event.starts_at < end]
    if filters.event_id is not None:
        where.append(Event.id == filters.event_id)
    if filters.prefecture:
        where.append(Enterprise.prefecture == filters.prefecture)
    if filters.industry:
        where.append(Enterprise.industry == filters.industry)
    if filters.key and list_year is not None:
        member = (
            sa.select(KeyEnterpriseMembership.id)
            .where(
                KeyEnterpriseMembership.enterprise_id == Enterprise.id,
                KeyEnterpriseMembership.year == list_year,
            )
            .exists()
        )
        where.append(member if filters.key == "key" else ~member)
    if deals and filters.region:
        where.append(_in_region(Deal.counterparty_country, filters.region))
    return where


def _in_region(country: InstrumentedAttribute[str], region: str) -> sa.ColumnElement[bool]:
    countries = region_countries(region)
    if countries is None:  # the countries of no listed region
        return country.not_in(sorted(_region_of()))
    return country.in_(sorted(countries))


# --- the figures -----------------------------------------------------------------------


@dataclass
class Amounts:
    """Signed (on site and after) and intended amounts in USD and CNY, and the lines."""

    on_site_usd: Decimal = ZERO
    on_site_cny: Decimal = ZERO
    after_usd: Decimal = ZERO
    after_cny: Decimal = ZERO
    intended_usd: Decimal = ZERO
    intended_cny: Decimal = ZERO
    lines: int = 0
    unconverted: int = 0

    @property
    def signed_usd(self) -> Decimal:
        return self.on_site_usd + self.after_usd

    @property
    def signed_cny(self) -> Decimal:
        return self.on_site_cny + self.after_cny

    def add(self, kind: str, usd: Decimal | None, cny: Decimal | None, lines: int) -> None:
        usd, cny = usd or ZERO, cny or ZERO
        if kind == DealKind.SIGNED_ON_SITE:
            self.on_site_usd += usd
            self.on_site_cny += cny
        elif kind == DealKind.SIGNED_AFTER:
            self.after_usd += usd
            self.after_cny += cny
        else:
            self.intended_usd += usd
            self.intended_cny += cny
        self.lines += lines

    def merge(self, other: Amounts) -> None:
        for name in MONEY_FIELDS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.lines += other.lines
        self.unconverted += other.unconverted


MONEY_FIELDS = (
    "on_site_usd",
    "on_site_cny",
    "after_usd",
    "after_cny",
    "intended_usd",
    "intended_cny",
)


@dataclass
class Row:
    """One line of a breakdown: a market, a prefecture, an industry, a region."""

    key: str
    label: str
    amounts: Amounts = field(default_factory=Amounts)


@dataclass
class MeetingFigures:
    """The one-to-one meetings of matchmaking sessions and what their participants marked
    afterwards (a meeting's outcome is one, whichever side marked it)."""

    scheduled: int = 0
    held: int = 0
    no_show: int = 0
    follow_up: int = 0
    intention: int = 0
    deal: int = 0

    @property
    def interested(self) -> int:
        """Meetings that led somewhere: a follow-up, an intention or a deal."""
        return self.follow_up + self.intention + self.deal

    def merge(self, other: MeetingFigures) -> None:
        for name in ("scheduled", "held", "no_show", "follow_up", "intention", "deal"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def count(self, attendance: str | None, interest: str | None, number: int) -> None:
        self.scheduled += number
        if attendance == Attendance.HELD:
            self.held += number
        elif attendance == Attendance.NO_SHOW:
            self.no_show += number
            return  # an interest marked for a meeting nobody came to is not counted
        if interest == Interest.FOLLOW_UP:
            self.follow_up += number
        elif interest == Interest.INTENTION:
            self.intention += number
        elif interest == Interest.DEAL:
            self.deal += number


@dataclass
class Headline:
    enterprises: int = 0
    delegates: int = 0
    events: int = 0
    host_countries: int = 0
    markets: int = 0
    buyers_met: int = 0
    new_customers: int = 0
    reports_confirmed: int = 0
    reports_awaiting: int = 0
    amounts: Amounts = field(default_factory=Amounts)
    meetings: MeetingFigures = field(default_factory=MeetingFigures)


@dataclass
class EventFigures:
    event: Event
    enterprises: int = 0
    delegates: int = 0
    reports_confirmed: int = 0
    buyers_met: int = 0
    amounts: Amounts = field(default_factory=Amounts)
    by_market: list[Row] = field(default_factory=list)
    meetings: MeetingFigures = field(default_factory=MeetingFigures)


@dataclass
class Results:
    filters: Filters
    campaign: Campaign | None
    list_year: int | None
    headline: Headline
    previous: Headline | None
    previous_label: str
    by_market: list[Row]
    by_region: list[Row]
    by_prefecture: list[Row]
    by_industry: list[Row]
    events: list[EventFigures]
    coverage: list[CoverageRow]
    coverage_total: CoverageRow | None


class DealRow(NamedTuple):
    """Deal lines of confirmed reports grouped by market, prefecture, industry, kind and
    event, their sums to the cent."""

    country: str
    prefecture: str
    industry: str
    kind: str
    usd: Decimal | None
    cny: Decimal | None
    lines: int
    unconverted: int
    event_id: int


# The dimensions the breakdowns group deal rows by.
MARKET = operator.attrgetter("country")
PREFECTURE = operator.attrgetter("prefecture")
INDUSTRY = operator.attrgetter("industry")


@dataclass
class Gathered:
    """What the scope's three grouped queries return, shared by the headline, the
    breakdowns and the events."""

    headline: Headline
    deal_rows: list[DealRow]
    # event id → (enterprises, delegates), and → (confirmed reports, buyers met)
    participation: dict[int, tuple[int, int]]
    reports: dict[int, tuple[int, int]]
    meetings: dict[int, MeetingFigures]


def _gather(filters: Filters, list_year: int | None, *, meetings: bool = True) -> Gathered:
    """The headline figures and the grouped rows behind the breakdowns and the events:
    4 queries (3 without the ``meetings``), each grouped by event so the headline and the
    events share them."""
    base = scope_conditions(filters, list_year)
    approved = Application.status == ApplicationStatus.APPROVED
    # One row per enterprise and event: distinct enterprises, events and countries are
    # counted from them, and each event's share.
    participants = db.session.execute(
        sa.select(
            Application.event_id,
            Application.enterprise_id,
            Event.country,
            sa.func.count(Delegate.id),
        )
        .select_from(Application)
        .join(Event, Event.id == Application.event_id)
        .join(Enterprise, Enterprise.id == Application.enterprise_id)
        .outerjoin(Delegate, Delegate.application_id == Application.id)
        .where(approved, *base)
        .group_by(Application.event_id, Application.enterprise_id, Event.country)
    ).all()
    headline = Headline()
    enterprises: set[int] = set()
    countries: set[str] = set()
    participation: dict[int, tuple[int, int]] = {}
    for event_id, enterprise_id, country, delegates in participants:
        enterprises.add(enterprise_id)
        countries.add(country)
        count, people = participation.get(event_id, (0, 0))
        participation[event_id] = (count + 1, people + int(delegates))
        headline.delegates += int(delegates)
    headline.enterprises = len(enterprises)
    headline.events = len(participation)
    headline.host_countries = len(countries)

    reports: dict[int, tuple[int, int]] = {}
    for event_id, status, count, buyers, new_customers in db.session.execute(
        sa.select(
            OutcomeReport.event_id,
            OutcomeReport.status,
            sa.func.count(OutcomeReport.id),
            sa.func.coalesce(sa.func.sum(OutcomeReport.buyers_met), 0),
            sa.func.coalesce(sa.func.sum(OutcomeReport.new_customers), 0),
        )
        .join(Event, Event.id == OutcomeReport.event_id)
        .join(Enterprise, Enterprise.id == OutcomeReport.enterprise_id)
        .where(*base)
        .group_by(OutcomeReport.event_id, OutcomeReport.status)
    ):
        if status in COUNTED_STATUSES:
            headline.reports_confirmed += int(count)
            headline.buyers_met += int(buyers)
            headline.new_customers += int(new_customers)
            confirmed, met = reports.get(event_id, (0, 0))
            reports[event_id] = (confirmed + int(count), met + int(buyers))
        elif status == ReportStatus.SUBMITTED:
            headline.reports_awaiting += int(count)

    deal_rows = [
        DealRow(
            country or "",
            prefecture or "",
            industry or "",
            kind,
            to_cents(usd),
            to_cents(cny),
            int(lines),
            int(unconverted),
            event_id,
        )
        for country, prefecture, industry, kind, usd, cny, lines, unconverted, event_id in (
            db.session.execute(
                sa.select(
                    Deal.counterparty_country,
                    Enterprise.prefecture,
                    Enterprise.industry,
                    Deal.kind,
                    sa.func.sum(Deal.amount_usd),
                    sa.func.sum(Deal.amount_cny),
                    sa.func.count(Deal.id),
                    sa.func.count(Deal.id) - sa.func.count(Deal.amount_usd),
                    OutcomeReport.event_id,
                )
                .join(OutcomeReport, OutcomeReport.id == Deal.report_id)
                .join(Event, Event.id == OutcomeReport.event_id)
                .join(Enterprise, Enterprise.id == OutcomeReport.enterprise_id)
                .where(
                    OutcomeReport.status.in_(COUNTED_STATUSES),
                    *scope_conditions(filters, list_year, deals=True),
                )
                .group_by(
                    Deal.counterparty_country,
                    Enterprise.prefecture,
                    Enterprise.industry,
                    Deal.kind,
                    OutcomeReport.event_id,
                )
            )
        )
    ]
    markets = set()
    for row in deal_rows:
        headline.amounts.add(row.kind, row.usd, row.cny, row.lines)
        headline.amounts.unconverted += row.unconverted
        markets.add(row.country)
    headline.markets = len(markets)
    by_event = _meetings(filters, list_year) if meetings else {}
    for figures in by_event.values():
        headline.meetings.merge(figures)
    return Gathered(headline, deal_rows, participation, reports, by_event)


def _meetings(filters: Filters, list_year: int | None) -> dict[int, MeetingFigures]:
    """The scope's matchmaking meetings by event (the region filter reads the foreign
    participant's country): 1 query. Only published schedules count (a draft changes with
    every run of the scheduler), and only meetings of approved applications, or held ones:
    a meeting that took place counts even if its application was later withdrawn."""
    where = scope_conditions(filters, list_year)
    where += [
        Meeting.published.is_(True),
        sa.or_(
            Application.status == ApplicationStatus.APPROVED,
            Meeting.attendance == Attendance.HELD,
        ),
    ]
    if filters.region:
        where.append(_in_region(Counterpart.country, filters.region))
    figures: dict[int, MeetingFigures] = defaultdict(MeetingFigures)
    for event_id, attendance, interest, number in db.session.execute(
        sa.select(Meeting.event_id, Meeting.attendance, Meeting.interest, sa.func.count())
        .join(Event, Event.id == Meeting.event_id)
        .join(Application, Application.id == Meeting.application_id)
        .join(Enterprise, Enterprise.id == Application.enterprise_id)
        .join(Counterpart, Counterpart.id == Meeting.counterpart_id)
        .where(*where)
        .group_by(Meeting.event_id, Meeting.attendance, Meeting.interest)
    ):
        figures[event_id].count(attendance, interest, int(number))
    return dict(figures)


def to_cents(value: object) -> Decimal | None:
    """A sum as a Decimal to the cent (SQLite may hand back a float or an int)."""
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.01"))


def _breakdown(
    deal_rows: list[DealRow],
    dimension: Callable[[DealRow], str],
    label: Callable[[str], str],
    order: list[str] | None = None,
) -> list[Row]:
    rows: dict[str, Row] = {}
    for values in deal_rows:
        key = dimension(values)
        row = rows.get(key)
        if row is None:
            row = rows[key] = Row(key, label(key))
        row.amounts.add(values.kind, values.usd, values.cny, values.lines)
        row.amounts.unconverted += values.unconverted
    if order is not None:
        position = {key: number for number, key in enumerate(order)}
        return sorted(rows.values(), key=lambda row: (position.get(row.key, len(order)), row.key))
    return sorted(rows.values(), key=lambda row: (-row.amounts.signed_usd, row.label))


def _event_figures(filters: Filters, gathered: Gathered) -> list[EventFigures]:
    """Each event of the scope with its own figures, from what :func:`_gather` grouped by
    event, and every event of the campaign or year, also those no enterprise of the
    filters went to: 1 query."""
    scope = scope_conditions(
        Filters(campaign_id=filters.campaign_id, year=filters.year, event_id=filters.event_id),
        None,
    )
    events = list(db.session.scalars(sa.select(Event).where(*scope).order_by(Event.starts_at)))
    figures = {event.id: EventFigures(event) for event in events}
    for event_id, (enterprises, delegates) in gathered.participation.items():
        if event_id in figures:
            figures[event_id].enterprises = enterprises
            figures[event_id].delegates = delegates
    for event_id, (confirmed, buyers) in gathered.reports.items():
        if event_id in figures:
            figures[event_id].reports_confirmed = confirmed
            figures[event_id].buyers_met = buyers
    for event_id, meetings in gathered.meetings.items():
        if event_id in figures:
            figures[event_id].meetings = meetings
    rows_of: dict[int, list[DealRow]] = {event.id: [] for event in events}
    for row in gathered.deal_rows:
        event_figures = figures.get(row.event_id)
        if event_figures is not None:
            event_figures.amounts.add(row.kind, row.usd, row.cny, row.lines)
            event_figures.amounts.unconverted += row.unconverted
            rows_of[row.event_id].append(row)
    for event_id, rows in rows_of.items():
        figures[event_id].by_market = _breakdown(rows, MARKET, lambda code: code)
    return list(figures.values())


def _previous_campaign(campaign: Campaign | None) -> Campaign | None:
    if campaign is None:
        return None
    return db.session.scalars(
        sa.select(Campaign)
        .where(Campaign.kind == campaign.kind, Campaign.year == campaign.year - 1)
        .order_by(Campaign.id)
        .limit(1)
    ).first()


def results(filters: Filters, *, language: str | None = None) -> Results:
    """Every figure of the results page and report for ``filters``."""
    campaign = db.session.get(Campaign, filters.campaign_id) if filters.campaign_id else None
    list_year = _list_year(filters, campaign)
    gathered = _gather(filters, list_year)
    deal_rows = gathered.deal_rows

    previous: Headline | None = None
    previous_label = ""
    if filters.year or campaign:
        before = _previous_campaign(campaign)
        if campaign is None or before is not None:
            earlier = filters.previous(before.id if before else None)
            # The comparison with the year before shows no meetings: not read.
            previous = _gather(
                earlier, list_year - 1 if list_year else None, meetings=False
            ).headline
            previous_label = (
                pick(before.title_zh, before.title_en, language)
                if before
                else str(earlier.year or "")
            )

    def prefecture_label(code: str) -> str:
        prefecture = PREFECTURES.get(code)
        return pick(prefecture.name_zh, prefecture.name_en, language) if prefecture else code

    def industry_label(key: str) -> str:
        industry = INDUSTRIES.get(key)
        return pick(industry.name_zh, industry.name_en, language) if industry else key

    by_market = _breakdown(deal_rows, MARKET, lambda code: country_name(code, language or "zh"))
    regions_seen: dict[str, Row] = {}
    for row in by_market:
        key = region_of(row.key)
        target = regions_seen.setdefault(key, Row(key, region_label(key, language)))
        target.amounts.merge(row.amounts)
    region_order = [region.key for region in regions()]
    by_region = sorted(regions_seen.values(), key=lambda row: region_order.index(row.key))

    coverage_rows: list[CoverageRow] = []
    coverage_total: CoverageRow | None = None
    if list_year is not None:
        found = coverage(list_year)
        coverage_rows = [
            line
            for line in found.by_prefecture
            if not filters.prefecture or line.key == filters.prefecture
        ]
        for line in coverage_rows:
            line.label = prefecture_label(line.key)
        coverage_total = found.total
    return Results(
        filters=filters,
        campaign=campaign,
        list_year=list_year,
        headline=gathered.headline,
        previous=previous,
        previous_label=previous_label,
        by_market=by_market,
        by_region=by_region,
        by_prefecture=_breakdown(
            deal_rows, PREFECTURE, prefecture_label, [p.code for p in PREFECTURE_LIST]
        ),
        by_industry=_breakdown(deal_rows, INDUSTRY, industry_label, [i.key for i in INDUSTRY_LIST]),
        events=_event_figures(filters, gathered),
        coverage=coverage_rows,
        coverage_total=coverage_total,
    )


# --- choices for the filters ----------------------------------------------------------


def campaigns() -> list[Campaign]:
    return list(db.session.scalars(sa.select(Campaign).order_by(Campaign.year.desc(), Campaign.id)))


def events_in(filters: Filters) -> list[Event]:
    """The events the event filter offers: those of the campaign or year chosen."""
    scope = scope_conditions(Filters(campaign_id=filters.campaign_id, year=filters.year), None)
    return list(db.session.scalars(sa.select(Event).where(*scope).order_by(Event.starts_at)))


# --- an enterprise's own results --------------------------------------------------------


@dataclass
class YearTotals:
    year: int
    events: int = 0
    reports_confirmed: int = 0
    buyers_met: int = 0
    amounts: Amounts = field(default_factory=Amounts)


@dataclass
class EnterpriseResults:
    applications: list[tuple[Application, OutcomeReport | None, Amounts]]
    years: list[YearTotals]


def china_year(moment: datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(STAFF_TIMEZONE)).year


def enterprise_results(enterprise: Enterprise) -> EnterpriseResults:
    """The enterprise's approved applications with their reports and amounts (every
    report it sent, marked with its status), and its totals per year from its confirmed
    reports: 3 queries."""
    applications = list(
        db.session.scalars(
            sa.select(Application)
            .join(Event, Event.id == Application.event_id)
            .where(
                Application.enterprise_id == enterprise.id,
                Application.status == ApplicationStatus.APPROVED,
            )
            .options(selectinload(Application.event))
            .order_by(Event.starts_at.desc(), Application.id)
        )
    )
    reports = {
        report.application_id: report
        for report in db.session.scalars(
            sa.select(OutcomeReport).where(OutcomeReport.enterprise_id == enterprise.id)
        )
    }
    amounts: dict[int, Amounts] = defaultdict(Amounts)
    for report_id, kind, usd, cny, lines in db.session.execute(
        sa.select(
            Deal.report_id,
            Deal.kind,
            sa.func.sum(Deal.amount_usd),
            sa.func.sum(Deal.amount_cny),
            sa.func.count(Deal.id),
        )
        .join(OutcomeReport, OutcomeReport.id == Deal.report_id)
        .where(OutcomeReport.enterprise_id == enterprise.id)
        .group_by(Deal.report_id, Deal.kind)
    ):
        amounts[report_id].add(kind, to_cents(usd), to_cents(cny), int(lines))
    listed = []
    years: dict[int, YearTotals] = {}
    for application in applications:
        report = reports.get(application.id)
        figures = amounts[report.id] if report else Amounts()
        listed.append((application, report, figures))
        year = china_year(application.event.starts_at)
        totals = years.setdefault(year, YearTotals(year))
        totals.events += 1
        if report is not None and report.status in COUNTED_STATUSES:
            totals.reports_confirmed += 1
            totals.buyers_met += report.buyers_met
            totals.amounts.merge(figures)
    return EnterpriseResults(listed, sorted(years.values(), key=lambda t: -t.year))

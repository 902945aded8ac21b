"""The results on paper and in a workbook: a bilingual PDF (cover, headline figures, the
charts of the page, the tables and the events) and an Excel workbook with the same tables
one sheet each, plus the department's layout of one row per enterprise and event.

The PDF goes through :mod:`expo.documents.render`, so it has the print faces (embedded
Simplified Chinese), the page numbers and the safe fetcher of every other document. Each
heading is printed in Chinese with the English beneath it; figures are the same in both.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from expo.db import utcnow
from expo.documents.render import render_html, write_pdf
from expo.enterprises.industries import BY_KEY as INDUSTRIES
from expo.enterprises.models import Enterprise, KeyEnterpriseMembership
from expo.enterprises.prefectures import BY_CODE as PREFECTURES
from expo.events.models import Event
from expo.extensions import db
from expo.i18n import STAFF_TIMEZONE, pick, to_local
from expo.outcomes.models import STATUS_LABELS, Deal, OutcomeReport, ReportStatus
from expo.places import country_name
from expo.registrations.models import Application, ApplicationStatus, Delegate
from expo.results import charts as charts_module
from expo.results import services
from expo.results.services import Amounts, Filters, Results, Row

TEMPLATE = "documents/results_report.html"
STYLESHEETS = ("base", "results_report")
LANGUAGES = ("zh", "en")


def this_year() -> int:
    """This year on the department's clock."""
    return utcnow().astimezone(ZoneInfo(STAFF_TIMEZONE)).year


def year_choices() -> list[int]:
    """The years the year filter offers: the campaigns' and this one, newest first."""
    from expo.events.models import Campaign

    years = set(db.session.scalars(sa.select(Campaign.year).distinct()))
    years.add(this_year())
    return sorted(years, reverse=True)


def file_name(filters: Filters) -> str:
    parts = ["results"]
    if filters.campaign_id:
        parts.append(f"campaign-{filters.campaign_id}")
    if filters.year:
        parts.append(str(filters.year))
    return "-".join(parts)


# --- labels in both languages --------------------------------------------------------


def _in_both(make: Callable[[], str]) -> dict[str, str]:
    """What ``make`` says in Chinese and in English."""
    said = {}
    for language in LANGUAGES:
        with force_locale(language):
            said[language] = make()
    return said


def _both(text: object) -> dict[str, str]:
    """A lazy string in Chinese and in English."""
    return _in_both(lambda: str(text))


def _row_label(kind: str, key: str, language: str) -> str:
    if kind == "market":
        return country_name(key, language)
    if kind == "region":
        return services.region_label(key, language)
    if kind == "prefecture":
        prefecture = PREFECTURES.get(key)
        return pick(prefecture.name_zh, prefecture.name_en, language) if prefecture else key
    industry = INDUSTRIES.get(key)
    return pick(industry.name_zh, industry.name_en, language) if industry else key


def _labelled(kind: str, rows: Sequence[Row]) -> list[tuple[Row, str, str]]:
    return [(row, _row_label(kind, row.key, "zh"), _row_label(kind, row.key, "en")) for row in rows]


def scope_title(found: Results, language: str) -> str:
    if found.campaign is not None:
        title = pick(found.campaign.title_zh, found.campaign.title_en, language)
        return f"{title} · {found.filters.year}" if found.filters.year else title
    year = found.filters.year
    return f"{year}年" if language == "zh" else str(year)


def report_title(found: Results, language: str) -> str:
    with force_locale(language):
        return str(_("%(scope)s · Results", scope=scope_title(found, language)))


# --- the PDF ---------------------------------------------------------------------------

LABELS = {
    "note": _l(
        "Figures count confirmed outcome reports only; amounts are converted at each event's rates."
    ),
    "headline": _l("Headline figures"),
    "enterprises": _l("Enterprises"),
    "delegates": _l("Delegates"),
    "events": _l("Events"),
    "event": _l("Event"),
    "host_countries": _l("Host countries"),
    "markets": _l("Markets with deals"),
    "buyers": _l("Buyers met"),
    "meetings_scheduled": _l("Matchmaking meetings scheduled"),
    "meetings_held": _l("Meetings held"),
    "meetings_interested": _l("Meetings that led to a follow-up, an intention or a deal"),
    "on_site_usd": _l("Signed on site (USD)"),
    "on_site_cny": _l("Signed on site (CNY)"),
    "after_usd": _l("Signed after (USD)"),
    "after_cny": _l("Signed after (CNY)"),
    "signed_usd": _l("Signed (USD)"),
    "signed_cny": _l("Signed (CNY)"),
    "intended_usd": _l("Intended (USD)"),
    "intended_cny": _l("Intended (CNY)"),
    "by_market": _l("Amounts by market"),
    "by_region": _l("Amounts by market region"),
    "by_prefecture": _l("Amounts by prefecture"),
    "by_industry": _l("Amounts by industry"),
    "market": _l("Market"),
    "region": _l("Market region"),
    "prefecture": _l("Prefecture"),
    "industry": _l("Industry"),
    "coverage": _l("Key-enterprise coverage by prefecture"),
    "key": _l("Key enterprises"),
    "applied": _l("Applied"),
    "took_part": _l("Took part"),
    "confirmed": _l("Confirmed reports"),
    "enterprise": _l("Enterprise"),
    "report": _l("Outcome report"),
    "key_mark": _l("Key enterprise"),
}


# A function the printing calls after each step (the figures, the charts, each event's
# page, the layout of the whole): a job counts its progress with it, and stops the printing
# by answering False (the job was cancelled).
Step = Callable[[], bool]


class ReportStopped(Exception):
    """The printing was stopped between two steps."""


def report_steps(event_count: int) -> int:
    """How many steps printing a report over ``event_count`` events takes."""
    return event_count + 3


def _advance(step: Step | None) -> None:
    if step is not None and not step():
        raise ReportStopped


def _place(event: Event, language: str) -> str:
    city = pick(event.city_zh, event.city_en, language)
    country = country_name(event.country, language)
    return f"{city}, {country}" if city else country


def _event_page(figures: services.EventFigures, lines: Sequence[EnterpriseEventLine]) -> str:
    """One event's page of the report, as HTML to place after the scope's tables."""
    event = figures.event
    starts = to_local(event.starts_at, event.timezone).date()
    ends = to_local(event.ends_at, event.timezone).date()
    dates = starts.isoformat() if starts == ends else f"{starts.isoformat()} – {ends.isoformat()}"

    def prefecture(code: str) -> dict[str, str]:
        return {language: _row_label("prefecture", code, language) for language in LANGUAGES}

    with force_locale("zh"):
        return render_template(
            "documents/_results_event.html",
            figures=figures,
            place={language: _place(event, language) for language in LANGUAGES},
            dates=dates,
            markets=_labelled("market", figures.by_market),
            lines=[
                {
                    "name": {
                        language: pick(line.enterprise.name_zh, line.enterprise.name_en, language)
                        for language in LANGUAGES
                    },
                    "prefecture": prefecture(line.enterprise.prefecture),
                    "is_key": line.is_key,
                    "delegates": line.delegates,
                    "report": _both(STATUS_LABELS[ReportStatus(line.report.status)])
                    if line.report
                    else None,
                    "buyers_met": line.buyers_met,
                    "amounts": line.amounts,
                }
                for line in lines
            ],
            labels=LABELS,
            both=_both,
        )


def results_html(filters: Filters, *, step: Step | None = None) -> str:
    found = services.results(filters, language="zh")
    lines: dict[int, list[EnterpriseEventLine]] = defaultdict(list)
    for line in enterprise_event_lines(filters, found.list_year):
        lines[line.event.id].append(line)
    _advance(step)
    with force_locale("zh"):
        drawn = charts_module.charts(found)
    _advance(step)
    event_pages = []
    for figures in found.events:
        event_pages.append(Markup(_event_page(figures, lines[figures.event.id])))
        _advance(step)
    titles = {language: report_title(found, language) for language in LANGUAGES}
    return render_html(
        TEMPLATE,
        language="zh",
        title=f"{titles['zh']} / {titles['en']}",
        found=found,
        titles=titles,
        charts=drawn,
        chart_titles={chart.key: _both(CHART_TITLES[chart.key]) for chart in drawn},
        tables={
            "market": _labelled("market", found.by_market),
            "region": _labelled("region", found.by_region),
            "prefecture": _labelled("prefecture", found.by_prefecture),
            "industry": _labelled("industry", found.by_industry),
        },
        coverage=[
            (row, _row_label("prefecture", row.key, "zh"), _row_label("prefecture", row.key, "en"))
            for row in found.coverage
        ],
        event_pages=event_pages,
        labels=LABELS,
        both=_both,
        printed_on=utcnow().astimezone(ZoneInfo(STAFF_TIMEZONE)).date(),
    )


CHART_TITLES = {
    "market": LABELS["by_market"],
    "prefecture": LABELS["by_prefecture"],
    "industry": LABELS["by_industry"],
    "years": _l("This year against the year before"),
    "coverage": LABELS["coverage"],
}


def results_pdf(filters: Filters, *, step: Step | None = None) -> bytes:
    """The bilingual report; ``step`` is told of each step done (see :data:`Step`)."""
    pdf = write_pdf(results_html(filters, step=step), stylesheets=STYLESHEETS)
    _advance(step)
    return pdf


# --- the workbook -------------------------------------------------------------------------


AMOUNT_HEADINGS = (
    _l("Signed on site (USD)"),
    _l("Signed on site (CNY)"),
    _l("Signed after (USD)"),
    _l("Signed after (CNY)"),
    _l("Intended (USD)"),
    _l("Intended (CNY)"),
)


def _amount_cells(amounts: Amounts) -> list[object]:
    return [
        amounts.on_site_usd,
        amounts.on_site_cny,
        amounts.after_usd,
        amounts.after_cny,
        amounts.intended_usd,
        amounts.intended_cny,
    ]


def _sheet(workbook: Workbook, title: str, rows: Sequence[Sequence[object]]) -> None:
    """A sheet with a bold, frozen header; every text cell kept as text, never a formula."""
    sheet = workbook.create_sheet("".join(ch for ch in title if ch not in "[]:*?/\\")[:31])
    bold = Font(bold=True)
    for number, row in enumerate(rows, start=1):
        for column, value in enumerate(row, start=1):
            cell = sheet.cell(row=number, column=column, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
            if isinstance(value, Decimal):
                cell.number_format = "#,##0.00"
            if number == 1:
                cell.font = bold
    sheet.freeze_panes = "A2"
    for column in range(1, max((len(row) for row in rows), default=0) + 1):
        sheet.column_dimensions[get_column_letter(column)].width = 18 if column > 1 else 36


def _breakdown_rows(heading: str, rows: Sequence[Row]) -> list[list[object]]:
    table: list[list[object]] = [[heading, *[str(text) for text in AMOUNT_HEADINGS], _("Lines")]]
    for row in rows:
        table.append([row.label, *_amount_cells(row.amounts), row.amounts.lines])
    return table


@dataclass
class EnterpriseEventLine:
    """An enterprise at an event of the scope (an approved application) with its figures."""

    enterprise: Enterprise
    event: Event
    is_key: bool
    delegates: int
    report: OutcomeReport | None
    amounts: Amounts

    @property
    def counted(self) -> bool:
        """Whether its report is confirmed: only then do its figures count."""
        return self.report is not None and self.report.status in services.COUNTED_STATUSES

    @property
    def buyers_met(self) -> int:
        return self.report.buyers_met if self.report is not None and self.counted else 0

    def report_label(self) -> str:
        return str(STATUS_LABELS[ReportStatus(self.report.status)]) if self.report else ""


def enterprise_event_lines(filters: Filters, list_year: int | None) -> list[EnterpriseEventLine]:
    """Each enterprise at each event of the scope (approved applications), in the order of
    the events, then of the enterprises' names: 3 queries."""
    where = services.scope_conditions(filters, list_year)
    key_member = (
        sa.select(KeyEnterpriseMembership.id)
        .where(
            KeyEnterpriseMembership.enterprise_id == Enterprise.id,
            KeyEnterpriseMembership.year == (list_year or 0),
        )
        .exists()
    )
    found = db.session.execute(
        sa.select(Application.id, Event, Enterprise, OutcomeReport, key_member)
        .join(Event, Event.id == Application.event_id)
        .join(Enterprise, Enterprise.id == Application.enterprise_id)
        .outerjoin(OutcomeReport, OutcomeReport.application_id == Application.id)
        .where(Application.status == ApplicationStatus.APPROVED, *where)
        .order_by(Event.starts_at, Event.id, Enterprise.name_zh, Enterprise.id)
    ).all()
    delegates: dict[int, int] = {
        application_id: int(count)
        for application_id, count in db.session.execute(
            sa.select(Delegate.application_id, sa.func.count(Delegate.id))
            .join(Application, Application.id == Delegate.application_id)
            .join(Event, Event.id == Application.event_id)
            .join(Enterprise, Enterprise.id == Application.enterprise_id)
            .where(Application.status == ApplicationStatus.APPROVED, *where)
            .group_by(Delegate.application_id)
        )
    }
    amounts: dict[int, Amounts] = defaultdict(Amounts)
    for report_id, kind, usd, cny, count in db.session.execute(
        sa.select(
            Deal.report_id,
            Deal.kind,
            sa.func.sum(Deal.amount_usd),
            sa.func.sum(Deal.amount_cny),
            sa.func.count(Deal.id),
        )
        .join(OutcomeReport, OutcomeReport.id == Deal.report_id)
        .join(Event, Event.id == OutcomeReport.event_id)
        .join(Enterprise, Enterprise.id == OutcomeReport.enterprise_id)
        .where(
            OutcomeReport.status.in_(services.COUNTED_STATUSES),
            *services.scope_conditions(filters, list_year, deals=True),
        )
        .group_by(Deal.report_id, Deal.kind)
    ):
        amounts[report_id].add(kind, services.to_cents(usd), services.to_cents(cny), int(count))
    lines: list[EnterpriseEventLine] = []
    for application_id, event, enterprise, report, is_key in found:
        line = EnterpriseEventLine(
            enterprise=enterprise,
            event=event,
            is_key=bool(is_key),
            delegates=delegates.get(application_id, 0),
            report=report,
            amounts=Amounts(),
        )
        if line.counted and report is not None:
            line.amounts = amounts[report.id]
        lines.append(line)
    return lines


def enterprise_event_rows(filters: Filters, list_year: int | None) -> list[list[object]]:
    """The department's statistics layout: one row per enterprise and event."""
    rows: list[list[object]] = [
        [
            _("Enterprise"),
            _("Unified social credit code"),
            _("Prefecture"),
            _("Industry"),
            _("Key enterprise"),
            _("Event"),
            _("Starts"),
            _("Delegates"),
            _("Outcome report"),
            _("Buyers met"),
            *[str(text) for text in AMOUNT_HEADINGS],
        ]
    ]
    for line in enterprise_event_lines(filters, list_year):
        enterprise, event = line.enterprise, line.event
        prefecture = PREFECTURES.get(enterprise.prefecture)
        industry = INDUSTRIES.get(enterprise.industry)
        rows.append(
            [
                pick(enterprise.name_zh, enterprise.name_en),
                enterprise.credit_code or "",
                pick(prefecture.name_zh, prefecture.name_en) if prefecture else "",
                pick(industry.name_zh, industry.name_en) if industry else "",
                _("Yes") if line.is_key else _("No"),
                pick(event.title_zh, event.title_en),
                to_local(event.starts_at, STAFF_TIMEZONE).date(),
                line.delegates,
                line.report_label(),
                line.buyers_met,
                *_amount_cells(line.amounts),
            ]
        )
    return rows


def results_workbook(filters: Filters, *, language: str) -> bytes:
    """The workbook in ``language``: headline, markets, regions, prefectures, industries,
    events, and one row per enterprise and event."""
    with force_locale(language):
        found = services.results(filters, language=language)
        head = found.headline
        workbook = Workbook()
        assert workbook.active is not None
        workbook.remove(workbook.active)
        _sheet(
            workbook,
            _("Headline"),
            [
                [_("Figure"), _("Value")],
                [_("Enterprises"), head.enterprises],
                [_("Delegates"), head.delegates],
                [_("Events"), head.events],
                [_("Host countries"), head.host_countries],
                [_("Markets"), head.markets],
                [_("Buyers met"), head.buyers_met],
                [_("Confirmed reports"), head.reports_confirmed],
                [_("Reports awaiting confirmation"), head.reports_awaiting],
                [_("Matchmaking meetings scheduled"), head.meetings.scheduled],
                [_("Meetings held"), head.meetings.held],
                [_("Meetings: no-shows"), head.meetings.no_show],
                [_("Meetings: follow-ups"), head.meetings.follow_up],
                [_("Meetings: intentions"), head.meetings.intention],
                [_("Meetings: deals"), head.meetings.deal],
                *[
                    [str(text), value]
                    for text, value in zip(
                        AMOUNT_HEADINGS, _amount_cells(head.amounts), strict=True
                    )
                ],
                [_("Signed (USD)"), head.amounts.signed_usd],
                [_("Signed (CNY)"), head.amounts.signed_cny],
            ],
        )
        _sheet(workbook, _("Markets"), _breakdown_rows(_("Market"), found.by_market))
        _sheet(workbook, _("Regions"), _breakdown_rows(_("Region"), found.by_region))
        _sheet(workbook, _("Prefectures"), _breakdown_rows(_("Prefecture"), found.by_prefecture))
        _sheet(workbook, _("Industries"), _breakdown_rows(_("Industry"), found.by_industry))
        events: list[list[object]] = [
            [
                _("Event"),
                _("Enterprises"),
                _("Delegates"),
                _("Confirmed reports"),
                _("Buyers met"),
                _("Meetings held"),
                _("Meetings that led to a follow-up, an intention or a deal"),
                *[str(text) for text in AMOUNT_HEADINGS],
            ]
        ]
        for figures in found.events:
            events.append(
                [
                    pick(figures.event.title_zh, figures.event.title_en),
                    figures.enterprises,
                    figures.delegates,
                    figures.reports_confirmed,
                    figures.buyers_met,
                    figures.meetings.held,
                    figures.meetings.interested,
                    *_amount_cells(figures.amounts),
                ]
            )
        _sheet(workbook, _("Events"), events)
        _sheet(
            workbook,
            _("Enterprises and events"),
            enterprise_event_rows(filters, found.list_year),
        )
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()

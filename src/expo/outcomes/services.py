"""The rules of outcome reports: asking for them, filling them in, returning, confirming.

A report moves ``requested → submitted → confirmed``; an organizer may send a submitted
report back with a question (``returned``), which the enterprise answers by submitting
again. An organizer may also enter or correct the figures for the enterprise (audited,
and shown as entered by the organizer). A confirmed report is locked: every change is
refused.

Each deal line keeps the amount and currency as entered, and the amount converted to USD
and to CNY at the rate the organizers set for the event (rounded to the cent, half up).
Changing a rate converts that currency's lines again. Like every service these validate
everything before they change anything, flush and never commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from expo.audit.actions import AuditAction
from expo.audit.services import record
from expo.db import utcnow
from expo.enterprises.models import Enterprise
from expo.errors import DomainError, InvalidInput, InvalidTransition
from expo.events.models import CampaignKind, Event, PublicationStatus
from expo.extensions import db
from expo.i18n import country_codes, to_local
from expo.outcomes import money
from expo.outcomes.models import (
    DEFAULT_REPORT_DAYS,
    OPEN_STATUSES,
    SIGNED_KINDS,
    Deal,
    DealKind,
    ExchangeRate,
    OutcomeReport,
    OutcomeSettings,
    ReportStatus,
    TradeDirection,
)
from expo.outcomes.notifications import notify_report
from expo.registrations.models import Application, ApplicationStatus
from expo.validation import (
    LARGEST_INTEGER,
    InvalidValue,
    checked,
    in_planning_range,
    text_check,
)

if TYPE_CHECKING:
    from expo.accounts.models import User

MAX_DEALS = 50
REMARKS_LENGTH = 5000
QUESTION_LENGTH = 2000
NAME_LENGTH = 200
PRODUCT_LENGTH = 200
LONGEST_REPORT_DAYS = 365
# Events that ended this recently are asked for reports by the periodic round (the
# organizers may ask for older ones by hand).
AUTOMATIC_REQUEST_WINDOW = timedelta(days=7)


class EventNotOver(DomainError):
    message = _l("Outcome reports can be asked for once the event has ended.")


class ReportLocked(DomainError):
    message = _l("This report has been confirmed and can no longer be changed.")
    status_code = 409


# --- input --------------------------------------------------------------------------------


@dataclass
class DealData:
    """A deal line as typed; a line left wholly blank is skipped."""

    counterparty_name: str = ""
    counterparty_country: str = ""
    product: str = ""
    kind: str = ""
    amount: object = ""
    currency: str = ""
    signed_on: date | None = None

    def is_blank(self) -> bool:
        return not any(
            str(value or "").strip()
            for value in (
                self.counterparty_name,
                self.counterparty_country,
                self.product,
                self.kind,
                self.amount,
                self.currency,
                self.signed_on,
            )
        )


@dataclass
class ReportData:
    deals: list[DealData] = field(default_factory=list)
    buyers_met: int | None = None
    new_customers: int | None = None
    samples_sent: int | None = None
    remarks: str = ""


@dataclass(frozen=True)
class CheckedDeal:
    counterparty_name: str
    counterparty_country: str
    product: str
    kind: DealKind
    amount: Decimal
    currency: str
    signed_on: date


# --- looking up ---------------------------------------------------------------------------


def event_start_day(event: Event) -> date:
    """The day the event starts on its own clocks: no deal is dated before it."""
    return to_local(event.starts_at, event.timezone).date()


def event_currencies(event: Event) -> tuple[str, ...]:
    return money.currencies_for(event.country, event_start_day(event))


def direction_of(event: Event) -> TradeDirection:
    """Import-expansion events record purchases; every other event sales."""
    if event.campaign.kind == CampaignKind.IMPORT_EXPANSION:
        return TradeDirection.PURCHASES
    return TradeDirection.SALES


def settings_for(event: Event) -> OutcomeSettings:
    """The event's settings, or unsaved defaults (reading writes nothing)."""
    settings = db.session.get(OutcomeSettings, event.id)
    return settings or OutcomeSettings(event_id=event.id, report_days=DEFAULT_REPORT_DAYS)


def _saved_settings(event: Event) -> OutcomeSettings:
    """The event's settings row, made if there is none (once, whoever asks at once)."""
    settings = db.session.get(OutcomeSettings, event.id)
    if settings is not None:
        return settings
    settings = OutcomeSettings(event_id=event.id, report_days=DEFAULT_REPORT_DAYS)
    try:
        with db.session.begin_nested():
            db.session.add(settings)
            db.session.flush()
    except IntegrityError:
        return db.session.get_one(OutcomeSettings, event.id, populate_existing=True)
    return settings


def exchange_rates(event: Event) -> dict[str, ExchangeRate]:
    rows = db.session.scalars(
        sa.select(ExchangeRate)
        .where(ExchangeRate.event_id == event.id)
        .order_by(ExchangeRate.currency)
    )
    return {rate.currency: rate for rate in rows}


def rates_of(event: Event) -> dict[str, tuple[Decimal | None, Decimal | None]]:
    """currency → (rate to USD, rate to CNY); a currency is worth exactly 1 of itself."""
    rates: dict[str, tuple[Decimal | None, Decimal | None]] = {
        "USD": (Decimal(1), None),
        "CNY": (None, Decimal(1)),
    }
    for code, rate in exchange_rates(event).items():
        rates[code] = _effective(code, rate.rate_to_usd, rate.rate_to_cny)
    return rates


def _effective(code: str, to_usd: Decimal, to_cny: Decimal) -> tuple[Decimal, Decimal]:
    return (
        Decimal(1) if code == "USD" else to_usd,
        Decimal(1) if code == "CNY" else to_cny,
    )


def event_reports(event: Event) -> list[OutcomeReport]:
    """The event's reports with their lines and enterprises, by enterprise name."""
    return list(
        db.session.scalars(
            sa.select(OutcomeReport)
            .join(OutcomeReport.enterprise)
            .where(OutcomeReport.event_id == event.id)
            .options(selectinload(OutcomeReport.deals), selectinload(OutcomeReport.enterprise))
            .order_by(Enterprise.name_zh, OutcomeReport.id)
        )
    )


def unrequested_applications(event: Event) -> list[Application]:
    """Approved applications of the event that have no report yet."""
    return list(
        db.session.scalars(
            sa.select(Application)
            .where(
                Application.event_id == event.id,
                Application.status == ApplicationStatus.APPROVED.value,
                ~sa.exists().where(
                    OutcomeReport.event_id == event.id,
                    OutcomeReport.enterprise_id == Application.enterprise_id,
                ),
            )
            .options(selectinload(Application.enterprise))
            .order_by(Application.id)
        )
    )


def enterprise_reports(enterprise: Enterprise) -> list[OutcomeReport]:
    """An enterprise's reports, the newest event first."""
    return list(
        db.session.scalars(
            sa.select(OutcomeReport)
            .join(OutcomeReport.event)
            .where(OutcomeReport.enterprise_id == enterprise.id)
            .options(selectinload(OutcomeReport.event), selectinload(OutcomeReport.deals))
            .order_by(Event.starts_at.desc(), OutcomeReport.id.desc())
        )
    )


def open_reports(enterprise: Enterprise) -> list[OutcomeReport]:
    """The reports waiting for the enterprise (its home page's tasks), soonest due first."""
    return list(
        db.session.scalars(
            sa.select(OutcomeReport)
            .where(
                OutcomeReport.enterprise_id == enterprise.id,
                OutcomeReport.status.in_([status.value for status in OPEN_STATUSES]),
            )
            .options(selectinload(OutcomeReport.event))
            .order_by(OutcomeReport.due_at, OutcomeReport.id)
        )
    )


@dataclass(frozen=True)
class Totals:
    """Sums of a set of deal lines in USD and CNY: signed and intended apart.

    ``unconverted`` counts the lines whose currency has no rate yet (left out of the sums).
    """

    signed_usd: Decimal
    signed_cny: Decimal
    intended_usd: Decimal
    intended_cny: Decimal
    deals: int
    unconverted: int


def totals(deals: Iterable[Deal]) -> Totals:
    sums = {key: Decimal("0.00") for key in ("su", "sc", "iu", "ic")}
    count = unconverted = 0
    for deal in deals:
        count += 1
        signed = deal.kind in SIGNED_KINDS
        if deal.amount_usd is None or deal.amount_cny is None:
            unconverted += 1
        if deal.amount_usd is not None:
            sums["su" if signed else "iu"] += deal.amount_usd
        if deal.amount_cny is not None:
            sums["sc" if signed else "ic"] += deal.amount_cny
    return Totals(sums["su"], sums["sc"], sums["iu"], sums["ic"], count, unconverted)


# --- validating ---------------------------------------------------------------------------


def _count(errors: dict[str, object], name: str, value: int | None) -> int:
    if value is None:
        errors[name] = _l("Enter a number (0 if none).")
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        errors[name] = _l("Enter a whole number, 0 or more.")
        return 0
    if value > LARGEST_INTEGER:
        errors[name] = _l("This number is too large.")
        return 0
    return value


def _check_deal(
    errors: dict[str, object],
    prefix: str,
    deal: DealData,
    *,
    currencies: tuple[str, ...],
    earliest: date,
) -> CheckedDeal | None:
    before = len(errors)
    name = checked(
        errors, prefix + "counterparty_name", text_check(NAME_LENGTH), deal.counterparty_name
    )
    if not name and prefix + "counterparty_name" not in errors:
        errors[prefix + "counterparty_name"] = _l("Enter the name of the buyer or supplier.")
    country = (deal.counterparty_country or "").strip().upper()
    if country not in country_codes():
        errors[prefix + "counterparty_country"] = _l("Choose a country.")
    product = checked(errors, prefix + "product", text_check(PRODUCT_LENGTH), deal.product)
    if not product and prefix + "product" not in errors:
        errors[prefix + "product"] = _l("Enter the product or its HS code.")
    try:
        kind = DealKind((deal.kind or "").strip())
    except ValueError:
        errors[prefix + "kind"] = _l("Choose whether it was signed or is an intention.")
        kind = DealKind.INTENTION
    try:
        amount = money.check_amount(deal.amount)
    except InvalidValue as invalid:
        errors[prefix + "amount"] = invalid.message
        amount = Decimal(0)
    currency = (deal.currency or "").strip().upper()
    if currency not in currencies:
        errors[prefix + "currency"] = _l(
            "Choose one of the currencies offered: %(codes)s.", codes=", ".join(currencies)
        )
    signed_on = deal.signed_on
    if signed_on is None:
        errors[prefix + "signed_on"] = _l("Enter the date.")
    elif not in_planning_range(signed_on):
        errors[prefix + "signed_on"] = _l("Enter a date between 2000 and 2100.")
    elif signed_on < earliest:
        errors[prefix + "signed_on"] = _l(
            "The date cannot be before the event started (%(day)s).", day=earliest.isoformat()
        )
    if len(errors) > before or signed_on is None:
        return None
    return CheckedDeal(name, country, product, kind, amount, currency, signed_on)


def validate_report(event: Event, data: ReportData) -> tuple[list[CheckedDeal], dict[str, object]]:
    """Every mistake at once, keyed by the form's field names (``deals-2-amount``).

    Raises ``InvalidInput``; returns the checked lines and the other values to store.
    """
    errors: dict[str, object] = {}
    currencies = event_currencies(event)
    earliest = event_start_day(event)
    numbered = [(index, deal) for index, deal in enumerate(data.deals) if not deal.is_blank()]
    if len(numbered) > MAX_DEALS:
        errors["deals"] = _l("A report holds at most %(num)d lines.", num=MAX_DEALS)
    deals = []
    for index, deal in numbered[:MAX_DEALS]:
        line = _check_deal(
            errors, f"deals-{index}-", deal, currencies=currencies, earliest=earliest
        )
        if line is not None:
            deals.append(line)
    values = {
        "buyers_met": _count(errors, "buyers_met", data.buyers_met),
        "new_customers": _count(errors, "new_customers", data.new_customers),
        "samples_sent": _count(errors, "samples_sent", data.samples_sent),
        "remarks": checked(
            errors, "remarks", text_check(REMARKS_LENGTH, multiline=True), data.remarks
        ),
    }
    if errors:
        raise InvalidInput(errors)
    return deals, values


# --- asking for reports -------------------------------------------------------------------


def _due(settings: OutcomeSettings, now: datetime) -> datetime:
    return now + timedelta(days=settings.report_days)


def request_reports(
    event: Event, *, actor: User | None, now: datetime | None = None
) -> list[OutcomeReport]:
    """Ask each approved enterprise of the event that has no report yet for one.

    Each is told by email in its users' languages; the report is due in the event's
    reporting period. Asking again asks only those approved since.
    """
    now = now or utcnow()
    if event.ends_at > now:
        raise EventNotOver()
    settings = _saved_settings(event)
    direction = direction_of(event)
    created = []
    for application in unrequested_applications(event):
        report = OutcomeReport(
            event_id=event.id,
            enterprise_id=application.enterprise_id,
            application_id=application.id,
            status=ReportStatus.REQUESTED,
            direction=direction,
            requested_at=now,
            due_at=_due(settings, now),
        )
        try:
            with db.session.begin_nested():
                db.session.add(report)
                db.session.flush()
        except IntegrityError:
            # Asked at the same moment by another organizer (or the daily round): the
            # report is theirs, and so is the email.
            continue
        report.event = event
        report.enterprise = application.enterprise
        report.application = application
        created.append(report)
    if settings.requested_at is None:
        settings.requested_at = now
    db.session.flush()
    for report in created:
        notify_report(report, "requested")
    record(actor, AuditAction.EVENT_OUTCOMES_REQUESTED, event, reports=len(created))
    db.session.flush()
    return created


def set_report_period(
    event: Event, days: int | None, *, actor: User | None, now: datetime | None = None
) -> OutcomeSettings:
    """How many days enterprises have to report; open reports get the new deadline."""
    if days is None or isinstance(days, bool) or not 1 <= days <= LONGEST_REPORT_DAYS:
        raise InvalidInput(
            {
                "report_days": _l(
                    "Enter a number of days from 1 to %(num)d.", num=LONGEST_REPORT_DAYS
                )
            }
        )
    settings = _saved_settings(event)
    settings.report_days = days
    for report in db.session.scalars(
        sa.select(OutcomeReport).where(
            OutcomeReport.event_id == event.id,
            OutcomeReport.status == ReportStatus.REQUESTED.value,
        )
    ):
        report.due_at = report.requested_at + timedelta(days=days)
        report.reminded_at = None
    record(actor, AuditAction.EVENT_OUTCOME_PERIOD, event, days=days)
    db.session.flush()
    return settings


def request_ended_events(*, now: datetime | None = None) -> int:
    """The periodic round's first step: ask for reports of events that ended lately and
    were never asked. Returns how many reports were asked for."""
    now = now or utcnow()
    asked = sa.select(OutcomeSettings.event_id).where(OutcomeSettings.requested_at.is_not(None))
    events = db.session.scalars(
        sa.select(Event).where(
            Event.ends_at <= now,
            Event.ends_at > now - AUTOMATIC_REQUEST_WINDOW,
            Event.status != PublicationStatus.DRAFT.value,
            Event.id.not_in(asked),
        )
    ).all()
    return sum(len(request_reports(event, actor=None, now=now)) for event in events)


def send_reminders(*, within_days: int, now: datetime | None = None) -> int:
    """Remind each enterprise whose open report falls due within ``within_days`` days.

    Once per deadline: a report reminded is not reminded again until it gets a new one
    (returned with a question, or a new reporting period). Returns how many were sent.
    """
    now = now or utcnow()
    reports = db.session.scalars(
        sa.select(OutcomeReport)
        .where(
            OutcomeReport.status.in_([status.value for status in OPEN_STATUSES]),
            OutcomeReport.due_at > now,
            OutcomeReport.due_at <= now + timedelta(days=within_days),
            OutcomeReport.reminded_at.is_(None),
        )
        .options(selectinload(OutcomeReport.event), selectinload(OutcomeReport.enterprise))
        .order_by(OutcomeReport.id)
    ).all()
    for report in reports:
        report.reminded_at = now
        notify_report(report, "reminder")
    db.session.flush()
    return len(reports)


# --- filling in, returning, confirming ------------------------------------------------------


def _ensure_editable(report: OutcomeReport) -> None:
    if report.is_locked:
        raise ReportLocked()


def _store(report: OutcomeReport, deals: list[CheckedDeal], values: dict[str, object]) -> None:
    rates = rates_of(report.event)
    report.deals.clear()
    db.session.flush()  # the old lines go before the new ones are numbered
    for position, line in enumerate(deals):
        to_usd, to_cny = rates.get(line.currency, (None, None))
        report.deals.append(
            Deal(
                position=position,
                counterparty_name=line.counterparty_name,
                counterparty_country=line.counterparty_country,
                product=line.product,
                kind=line.kind,
                amount=line.amount,
                currency=line.currency,
                amount_usd=money.convert(line.amount, to_usd),
                amount_cny=money.convert(line.amount, to_cny),
                signed_on=line.signed_on,
            )
        )
    for name, value in values.items():
        setattr(report, name, value)


def submit_report(
    report: OutcomeReport, data: ReportData, *, actor: User, now: datetime | None = None
) -> OutcomeReport:
    """The enterprise sends its report (again, to answer a question or correct it)."""
    _ensure_editable(report)
    deals, values = validate_report(report.event, data)
    _store(report, deals, values)
    report.status = ReportStatus.SUBMITTED
    report.entered_by_organizer = False
    report.submitted_at = now or utcnow()
    report.submitted_by_id = actor.id
    db.session.flush()
    return report


def enter_report(
    report: OutcomeReport, data: ReportData, *, actor: User, now: datetime | None = None
) -> OutcomeReport:
    """An organizer enters or corrects the report for the enterprise (put on record)."""
    _ensure_editable(report)
    deals, values = validate_report(report.event, data)
    before = report.status
    _store(report, deals, values)
    report.status = ReportStatus.SUBMITTED
    report.entered_by_organizer = True
    report.submitted_at = now or utcnow()
    report.submitted_by_id = actor.id
    record(
        actor,
        AuditAction.OUTCOME_ENTERED,
        report,
        event_id=report.event_id,
        enterprise_id=report.enterprise_id,
        previous_status=str(before),
        deals=len(deals),
    )
    db.session.flush()
    return report


def return_report(
    report: OutcomeReport, question: str, *, actor: User, now: datetime | None = None
) -> OutcomeReport:
    """Send a submitted report back with a question; the enterprise answers by correcting it."""
    _ensure_editable(report)
    if report.status != ReportStatus.SUBMITTED:
        raise InvalidTransition()
    errors: dict[str, object] = {}
    text = checked(errors, "question", text_check(QUESTION_LENGTH, multiline=True), question)
    if not text and not errors:
        errors["question"] = _l("Write the question the enterprise should answer.")
    if errors:
        raise InvalidInput(errors)
    now = now or utcnow()
    report.status = ReportStatus.RETURNED
    report.question = text
    report.due_at = max(report.due_at, _due(settings_for(report.event), now))
    report.reminded_at = None
    record(actor, AuditAction.OUTCOME_RETURNED, report, question=text)
    db.session.flush()
    notify_report(report, "returned")
    return report


def confirm_report(
    report: OutcomeReport, *, actor: User, now: datetime | None = None
) -> OutcomeReport:
    """The organizers accept the report; from now on it is locked."""
    _ensure_editable(report)
    if report.status != ReportStatus.SUBMITTED:
        raise InvalidTransition()
    report.status = ReportStatus.CONFIRMED
    report.confirmed_at = now or utcnow()
    report.confirmed_by_id = actor.id
    report.question = ""
    record(actor, AuditAction.OUTCOME_CONFIRMED, report, deals=len(report.deals))
    db.session.flush()
    return report


# --- exchange rates ---------------------------------------------------------------------


def set_exchange_rate(
    event: Event,
    currency: str,
    rate_to_usd: object,
    rate_to_cny: object,
    taken_on: date | None,
    *,
    actor: User | None,
) -> ExchangeRate:
    """Set (or change) what one unit of ``currency`` is worth for the event's reports.

    Every line of the event in that currency is converted again, confirmed reports
    included: the amounts they hold as entered do not change, only their worth in USD
    and CNY, which follows the rate the organizers chose.
    """
    errors: dict[str, object] = {}
    code = (currency or "").strip().upper()
    if code not in event_currencies(event):
        errors["currency"] = _l("Choose one of the currencies offered.")
    values: dict[str, Decimal] = {}
    for name, raw in (("rate_to_usd", rate_to_usd), ("rate_to_cny", rate_to_cny)):
        fixed = (code == "USD" and name == "rate_to_usd") or (
            code == "CNY" and name == "rate_to_cny"
        )
        if fixed:
            values[name] = Decimal(1)
            continue
        try:
            values[name] = money.check_rate(raw)
        except InvalidValue as invalid:
            errors[name] = invalid.message
    if taken_on is None:
        errors["taken_on"] = _l("Enter the date the rate was taken.")
    elif not in_planning_range(taken_on):
        errors["taken_on"] = _l("Enter a date between 2000 and 2100.")
    if errors:
        raise InvalidInput(errors)
    assert taken_on is not None
    rate = _rate_row(event, code, values, taken_on)
    rate.rate_to_usd = values["rate_to_usd"]
    rate.rate_to_cny = values["rate_to_cny"]
    rate.taken_on = taken_on
    rate.set_by_id = getattr(actor, "id", None)
    converted = reconvert(event, code, *_effective(code, rate.rate_to_usd, rate.rate_to_cny))
    record(
        actor,
        AuditAction.EVENT_EXCHANGE_RATE,
        event,
        currency=code,
        rate_to_usd=str(rate.rate_to_usd),
        rate_to_cny=str(rate.rate_to_cny),
        taken_on=taken_on.isoformat(),
        lines_converted=converted,
    )
    db.session.flush()
    return rate


def _rate_row(event: Event, code: str, values: dict[str, Decimal], taken_on: date) -> ExchangeRate:
    """The event's row for the currency, made if there is none (once, however many
    organizers set it at the same moment)."""
    statement = sa.select(ExchangeRate).where(
        ExchangeRate.event_id == event.id, ExchangeRate.currency == code
    )
    rate = db.session.scalar(statement)
    if rate is not None:
        return rate
    rate = ExchangeRate(event_id=event.id, currency=code, taken_on=taken_on, **values)
    try:
        with db.session.begin_nested():
            db.session.add(rate)
            db.session.flush()
    except IntegrityError:
        return db.session.scalars(statement).one()
    return rate


def reconvert(event: Event, currency: str, to_usd: Decimal, to_cny: Decimal) -> int:
    """Convert the event's lines in ``currency`` at these rates; how many there were."""
    deals = db.session.scalars(
        sa.select(Deal)
        .join(Deal.report)
        .where(OutcomeReport.event_id == event.id, Deal.currency == currency)
    ).all()
    for deal in deals:
        deal.amount_usd = money.convert(deal.amount, to_usd)
        deal.amount_cny = money.convert(deal.amount, to_cny)
    return len(deals)


def form_values(report: OutcomeReport) -> dict[str, object]:
    """The report as its form shows it."""
    return {
        "deals": [
            {
                "counterparty_name": deal.counterparty_name,
                "counterparty_country": deal.counterparty_country,
                "product": deal.product,
                "kind": deal.kind,
                "amount": str(deal.amount),
                "currency": deal.currency,
                "signed_on": deal.signed_on,
            }
            for deal in report.deals
        ],
        # Never sent yet: the counts are left for the enterprise to fill in, not shown as 0.
        "buyers_met": report.buyers_met if report.submitted_at else None,
        "new_customers": report.new_customers if report.submitted_at else None,
        "samples_sent": report.samples_sent if report.submitted_at else None,
        "remarks": report.remarks,
    }

"""The rules of outcome reports: conversions to the cent, the status machine, the lock,
messages at the fields, and nothing half-saved. Every moment is passed in (``now``)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from expo.audit.models import AuditEntry
from expo.errors import InvalidInput, InvalidTransition
from expo.extensions import db
from expo.outcomes import money, services
from expo.outcomes.models import Deal, OutcomeReport, ReportStatus
from expo.outcomes.services import DealData, ReportData
from tests.factories import (
    make_application,
    make_campaign,
    make_enterprise,
    make_enterprise_user,
    make_event,
    make_outcome_report,
    make_user,
)

# A fair in Budapest, 10–13 May 2027 (Budapest time), and a day after it ended.
STARTS = datetime(2027, 5, 10, 7, 0, tzinfo=UTC)
AFTER = datetime(2027, 5, 14, 9, 0, tzinfo=UTC)


@pytest.fixture()
def event(db):
    return make_event(
        starts_at=STARTS,
        ends_at=STARTS + timedelta(days=3),
        registration_opens_at=STARTS - timedelta(days=90),
        registration_closes_at=STARTS - timedelta(days=14),
    )


@pytest.fixture()
def organizer(db):
    return make_user("organizer")


@pytest.fixture()
def report(event, organizer):
    application = make_application(event)
    make_enterprise_user(application.enterprise, locale="zh")
    (report,) = services.request_reports(event, actor=organizer, now=AFTER)
    return report


def deal(**fields) -> DealData:
    values = {
        "counterparty_name": "Budapest Tea Import Kft.",
        "counterparty_country": "HU",
        "product": "0902.10 绿茶",
        "kind": "signed_on_site",
        "amount": "12500.50",
        "currency": "EUR",
        "signed_on": date(2027, 5, 11),
    }
    values.update(fields)
    return DealData(**values)


def report_data(*deals: DealData, **fields) -> ReportData:
    values = {
        "deals": list(deals),
        "buyers_met": 12,
        "new_customers": 3,
        "samples_sent": 5,
        "remarks": "",
    }
    values.update(fields)
    return ReportData(**values)


def enterprise_user(report: OutcomeReport):
    return report.enterprise.users[0]


# --- money -----------------------------------------------------------------------------


class TestConversion:
    def test_rounds_to_the_cent_half_up(self):
        assert money.convert(Decimal("0.50"), Decimal("0.01")) == Decimal("0.01")  # 0.005
        assert money.convert(Decimal("0.50"), Decimal("0.009")) == Decimal("0.00")  # 0.0045
        assert money.convert(Decimal("100.05"), Decimal("1.085")) == Decimal("108.55")  # .55425
        assert money.convert(Decimal("2.50"), Decimal("0.5")) == Decimal("1.25")
        assert money.convert(Decimal("1.00"), None) is None

    def test_lines_are_converted_at_the_events_rates_and_summed_to_the_cent(
        self, event, organizer, report
    ):
        services.set_exchange_rate(
            event, "EUR", "1.0850", "7.8512", date(2027, 5, 13), actor=organizer
        )
        services.set_exchange_rate(event, "USD", "", "7.2345", date(2027, 5, 13), actor=organizer)
        services.set_exchange_rate(
            event, "HUF", "0.00275", "0.0199", date(2027, 5, 13), actor=organizer
        )
        data = report_data(
            deal(amount="12500.50", currency="EUR"),  # 13563.04250 USD, 98143.9256 CNY
            deal(amount="100.05", currency="EUR", kind="intention"),  # 108.55425, 785.51256
            deal(amount="1,234,567", currency="HUF", kind="signed_after"),  # 3395.05925, 24567.8833
            deal(amount="0.50", currency="USD"),  # 0.50 USD, 3.61725 CNY
        )
        services.submit_report(report, data, actor=enterprise_user(report), now=AFTER)

        lines = [(d.amount, d.currency, d.amount_usd, d.amount_cny) for d in report.deals]
        assert lines == [
            (Decimal("12500.50"), "EUR", Decimal("13563.04"), Decimal("98143.93")),
            (Decimal("100.05"), "EUR", Decimal("108.55"), Decimal("785.51")),
            (Decimal("1234567.00"), "HUF", Decimal("3395.06"), Decimal("24567.88")),
            (Decimal("0.50"), "USD", Decimal("0.50"), Decimal("3.62")),
        ]
        totals = services.totals(report.deals)
        assert totals.signed_usd == Decimal("16958.60")  # 13563.04 + 3395.06 + 0.50
        assert totals.signed_cny == Decimal("122715.43")  # 98143.93 + 24567.88 + 3.62
        assert totals.intended_usd == Decimal("108.55")
        assert totals.intended_cny == Decimal("785.51")
        assert totals.unconverted == 0

        # Stored as decimals to the cent, read back the same.
        db.session.expire_all()
        stored = db.session.scalars(
            sa.select(Deal.amount_cny).where(Deal.report_id == report.id).order_by(Deal.position)
        ).all()
        assert stored == [line[3] for line in lines]

    def test_a_line_without_a_rate_waits_for_one_and_a_new_rate_converts_again(
        self, event, organizer, report
    ):
        services.submit_report(
            report,
            report_data(deal(amount="1000.00", currency="GBP"), deal(amount="10", currency="CNY")),
            actor=enterprise_user(report),
            now=AFTER,
        )
        gbp, cny = report.deals
        assert (gbp.amount_usd, gbp.amount_cny) == (None, None)
        assert (cny.amount_usd, cny.amount_cny) == (None, Decimal("10.00"))
        assert services.totals(report.deals).unconverted == 2

        services.set_exchange_rate(event, "GBP", "1.27", "9.18", date(2027, 5, 13), actor=organizer)
        assert (gbp.amount_usd, gbp.amount_cny) == (Decimal("1270.00"), Decimal("9180.00"))
        services.set_exchange_rate(
            event, "GBP", "1.2655", "9.1549", date(2027, 5, 20), actor=organizer
        )
        assert (gbp.amount_usd, gbp.amount_cny) == (Decimal("1265.50"), Decimal("9154.90"))
        services.set_exchange_rate(event, "CNY", "0.13815", "", date(2027, 5, 20), actor=organizer)
        assert (cny.amount_usd, cny.amount_cny) == (Decimal("1.38"), Decimal("10.00"))
        rate = services.exchange_rates(event)["CNY"]
        assert rate.rate_to_cny == 1  # a currency is worth one of itself, whatever was typed
        actions = db.session.scalars(
            sa.select(AuditEntry.action).where(AuditEntry.subject_id == event.id)
        ).all()
        assert actions.count("event.exchange_rate") == 3

    def test_a_rate_is_checked_at_its_fields(self, event, organizer):
        with pytest.raises(InvalidInput) as refused:
            services.set_exchange_rate(event, "XYZ", "-1", "abc", None, actor=organizer)
        assert set(refused.value.errors) == {"currency", "rate_to_usd", "rate_to_cny", "taken_on"}
        with pytest.raises(InvalidInput) as refused:
            services.set_exchange_rate(
                event, "EUR", "0.00000000001", "1e9", date(2027, 5, 1), actor=organizer
            )
        assert set(refused.value.errors) == {"rate_to_usd", "rate_to_cny"}
        assert services.exchange_rates(event) == {}


class TestCurrencies:
    def test_the_fixed_list_and_the_event_countrys_own(self, event):
        assert services.event_currencies(event) == ("CNY", "USD", "EUR", "HKD", "JPY", "GBP", "HUF")

    def test_a_euro_country_adds_nothing(self, db):
        fair = make_event(country="DE", timezone="Europe/Berlin")
        assert services.event_currencies(fair) == money.BASE_CURRENCIES


# --- asking ----------------------------------------------------------------------------


class TestRequesting:
    def test_not_before_the_event_has_ended(self, event, organizer):
        make_application(event)
        with pytest.raises(services.EventNotOver):
            services.request_reports(event, actor=organizer, now=STARTS + timedelta(days=1))

    def test_each_approved_enterprise_once_with_the_events_period(self, event, organizer):
        approved = make_application(event)
        make_application(event, status="rejected")
        services.set_report_period(event, 21, actor=organizer)
        (report,) = services.request_reports(event, actor=organizer, now=AFTER)
        assert (report.enterprise_id, report.status) == (approved.enterprise_id, "requested")
        assert report.due_at == AFTER + timedelta(days=21)
        assert services.request_reports(event, actor=organizer, now=AFTER) == []
        late = make_application(event)
        (second,) = services.request_reports(event, actor=organizer, now=AFTER + timedelta(days=1))
        assert second.enterprise_id == late.enterprise_id

    def test_the_default_period_is_fourteen_days_and_a_new_one_moves_open_deadlines(
        self, event, organizer, report
    ):
        assert report.due_at == AFTER + timedelta(days=14)
        services.set_report_period(event, 30, actor=organizer)
        assert report.due_at == AFTER + timedelta(days=30)
        with pytest.raises(InvalidInput) as refused:
            services.set_report_period(event, 0, actor=organizer)
        assert set(refused.value.errors) == {"report_days"}

    def test_import_expansion_events_record_purchases(self, db, organizer):
        campaign = make_campaign(kind="import_expansion")
        expo = make_event(
            campaign,
            country="CN",
            timezone="Asia/Shanghai",
            starts_at=STARTS,
            ends_at=STARTS + timedelta(days=3),
            registration_opens_at=STARTS - timedelta(days=90),
            registration_closes_at=STARTS - timedelta(days=14),
        )
        make_application(expo)
        (report,) = services.request_reports(expo, actor=organizer, now=AFTER)
        assert report.is_purchases
        assert services.event_currencies(expo) == money.BASE_CURRENCIES  # CNY is already there
        services.submit_report(
            report,
            report_data(deal(counterparty_name="Hungarian Wine Zrt.", currency="USD")),
            actor=make_enterprise_user(report.enterprise),
            now=AFTER,
        )
        assert report.deals[0].counterparty_country == "HU"


# --- filling in, and the status machine ----------------------------------------------------


class TestValidation:
    def test_every_mistake_at_its_field_and_nothing_half_saved(self, event, report):
        services.submit_report(
            report, report_data(deal()), actor=enterprise_user(report), now=AFTER
        )
        before = [(d.id, d.amount, d.currency) for d in report.deals]
        bad = report_data(
            deal(counterparty_name="Good line", amount="500"),
            deal(amount="-100"),
            deal(amount="abc", currency="XYZ"),
            deal(signed_on=date(2027, 5, 9), counterparty_country="ZZ", kind="maybe"),
            deal(amount="10.005", product=""),
            DealData(),  # a blank spare row is skipped
            deal(counterparty_name="", amount="0"),
            buyers_met=-1,
            new_customers=None,
            samples_sent=2**40,
        )
        with pytest.raises(InvalidInput) as refused:
            services.submit_report(report, bad, actor=enterprise_user(report), now=AFTER)
        errors = {name: str(message) for name, message in refused.value.errors.items()}
        assert set(errors) == {
            "deals-1-amount",
            "deals-2-amount",
            "deals-2-currency",
            "deals-3-signed_on",
            "deals-3-counterparty_country",
            "deals-3-kind",
            "deals-4-amount",
            "deals-4-product",
            "deals-6-counterparty_name",
            "deals-6-amount",
            "buyers_met",
            "new_customers",
            "samples_sent",
        }
        assert errors["deals-1-amount"] == str(money.AMOUNT_POSITIVE_MESSAGE)
        assert "2027-05-10" in errors["deals-3-signed_on"]
        assert "HUF" in errors["deals-2-currency"]
        # The report on file is as it was: its line, its figures, its status.
        assert [(d.id, d.amount, d.currency) for d in report.deals] == before
        assert (report.buyers_met, report.status) == (12, "submitted")

    def test_the_first_day_of_the_event_on_its_own_clocks_is_allowed(self, db, organizer):
        # 23:30 UTC on 9 May is 01:30 on 10 May in Budapest: a deal dated the 10th is fine.
        starts = datetime(2027, 5, 9, 23, 30, tzinfo=UTC)
        fair = make_event(
            starts_at=starts,
            ends_at=starts + timedelta(days=2),
            registration_opens_at=starts - timedelta(days=90),
            registration_closes_at=starts - timedelta(days=14),
        )
        make_application(fair)
        (report,) = services.request_reports(fair, actor=organizer, now=AFTER)
        user = make_enterprise_user(report.enterprise)
        services.submit_report(
            report, report_data(deal(signed_on=date(2027, 5, 10))), actor=user, now=AFTER
        )
        with pytest.raises(InvalidInput):
            services.submit_report(
                report, report_data(deal(signed_on=date(2027, 5, 9))), actor=user, now=AFTER
            )

    def test_amounts_as_people_type_them(self):
        assert money.check_amount("１２,５００.５") == Decimal("12500.50")
        assert money.check_amount(" 3 000 ") == Decimal("3000.00")
        for raw in ("NaN", "1e309", "-0.01", "0", "1e12", "", "12.345"):
            with pytest.raises(money.InvalidValue):
                money.check_amount(raw)


class TestStatusMachine:
    def test_submit_return_correct_confirm_then_locked(self, event, organizer, report):
        user = enterprise_user(report)
        services.submit_report(report, report_data(deal()), actor=user, now=AFTER)
        assert (report.status, report.entered_by_organizer) == ("submitted", False)

        later = AFTER + timedelta(days=13)
        services.return_report(report, "合同金额是否含税？", actor=organizer, now=later)
        assert report.status == "returned"
        assert report.question == "合同金额是否含税？"
        assert report.due_at == later + timedelta(days=14)  # time to answer

        services.submit_report(report, report_data(deal(amount="11000")), actor=user, now=later)
        assert report.status == "submitted"
        services.confirm_report(report, actor=organizer, now=later)
        assert (report.status, report.confirmed_by_id, report.question) == (
            "confirmed",
            organizer.id,
            "",
        )

        for attempt in (
            lambda: services.submit_report(report, report_data(), actor=user),
            lambda: services.enter_report(report, report_data(), actor=organizer),
            lambda: services.return_report(report, "?", actor=organizer),
            lambda: services.confirm_report(report, actor=organizer),
        ):
            with pytest.raises(services.ReportLocked):
                attempt()
        assert [d.amount for d in report.deals] == [Decimal("11000.00")]

        audited = db.session.scalars(
            sa.select(AuditEntry.action)
            .where(AuditEntry.subject_type == "outcome_reports", AuditEntry.subject_id == report.id)
            .order_by(AuditEntry.id)
        ).all()
        assert audited == ["outcome.returned", "outcome.confirmed"]

    def test_only_a_submitted_report_is_returned_or_confirmed(self, organizer, report):
        with pytest.raises(InvalidTransition):
            services.return_report(report, "Where is it?", actor=organizer)
        with pytest.raises(InvalidTransition):
            services.confirm_report(report, actor=organizer)
        assert report.status == ReportStatus.REQUESTED

    def test_a_question_is_required(self, organizer, report):
        services.submit_report(
            report, report_data(deal()), actor=enterprise_user(report), now=AFTER
        )
        with pytest.raises(InvalidInput) as refused:
            services.return_report(report, "   ", actor=organizer)
        assert set(refused.value.errors) == {"question"}
        assert report.status == "submitted"

    def test_an_organizer_enters_it_for_the_enterprise_on_record(self, organizer, report):
        services.enter_report(report, report_data(deal()), actor=organizer, now=AFTER)
        assert (report.status, report.entered_by_organizer, report.submitted_by_id) == (
            "submitted",
            True,
            organizer.id,
        )
        entry = db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "outcome.entered")
        ).one()
        assert (entry.actor_id, entry.subject_id, entry.details["previous_status"]) == (
            organizer.id,
            report.id,
            "requested",
        )
        # The enterprise's own correction is its own again.
        services.submit_report(report, report_data(deal()), actor=enterprise_user(report))
        assert report.entered_by_organizer is False

    def test_the_tasks_of_an_enterprise(self, event, organizer, report):
        other = make_enterprise()
        assert services.open_reports(report.enterprise) == [report]
        assert services.open_reports(other) == []
        services.submit_report(report, report_data(), actor=enterprise_user(report), now=AFTER)
        assert services.open_reports(report.enterprise) == []
        services.return_report(report, "Any deals?", actor=organizer, now=AFTER)
        assert services.open_reports(report.enterprise) == [report]
        assert report.is_overdue(AFTER + timedelta(days=30))
        assert not report.is_overdue(AFTER + timedelta(days=1))


def test_the_factory_report_is_valid(db, event):
    report = make_outcome_report(make_application(event), deals=2)
    assert [d.amount_usd for d in report.deals] == [Decimal("1000.00")] * 2


@pytest.mark.postgresql
def test_two_organizers_asking_at_once_make_one_report_each(app, db, event, organizer):
    """Both click "ask" at the same moment, each on its own connection."""
    import threading

    from expo.events.models import Event

    for _ in range(3):
        make_application(event)
    db.session.commit()
    event_id = event.id
    start = threading.Barrier(2)
    errors: list[Exception] = []

    def ask() -> None:
        with app.app_context():
            try:
                start.wait()
                services.request_reports(db.session.get_one(Event, event_id), actor=None, now=AFTER)
                db.session.commit()
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(error)

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    db.session.expire_all()
    count = db.session.scalar(
        sa.select(sa.func.count(OutcomeReport.id)).where(OutcomeReport.event_id == event_id)
    )
    assert count == 3

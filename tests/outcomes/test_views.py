"""Outcome reports through the pages: an enterprise reports in Chinese, an organizer
returns it with a question, the enterprise corrects it, the organizer confirms it; and
no enterprise reaches another's report."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
import time_machine

from expo.audit.models import AuditEntry
from expo.outcomes.models import Deal, OutcomeReport
from expo.outcomes.money import format_money
from tests.factories import (
    make_application,
    make_enterprise_user,
    make_event,
    make_outcome_report,
    make_user,
)
from tests.pages import error_at, page_text, sign_in

STARTS = datetime(2027, 5, 10, 7, 0, tzinfo=UTC)
AFTER = datetime(2027, 5, 14, 9, 0, tzinfo=UTC)


@pytest.fixture()
def after_the_fair():
    with time_machine.travel(AFTER, tick=True):
        yield


@pytest.fixture()
def fair(db, after_the_fair):
    return make_event(
        title_zh="布达佩斯国际博览会",
        title_en="Budapest International Fair",
        starts_at=STARTS,
        ends_at=STARTS + timedelta(days=3),
        registration_opens_at=STARTS - timedelta(days=90),
        registration_closes_at=STARTS - timedelta(days=14),
    )


def report_form(lines=(), **overrides) -> dict:
    data = {"buyers_met": "12", "new_customers": "3", "samples_sent": "5", "remarks": ""}
    for index, line in enumerate(lines):
        for name, value in line.items():
            data[f"deals-{index}-{name}"] = value
    data.update(overrides)
    return data


def line(**fields) -> dict:
    values = {
        "counterparty_name": "Budapest Tea Import Kft.",
        "counterparty_country": "HU",
        "product": "0902.10 四川绿茶",
        "kind": "signed_on_site",
        "amount": "12,500.50",
        "currency": "EUR",
        "signed_on": "2027-05-11",
    }
    values.update(fields)
    return values


def stored_deals(db) -> list[tuple]:
    db.session.expire_all()
    return list(db.session.execute(sa.select(Deal.amount, Deal.currency).order_by(Deal.id)))


def test_report_in_chinese_returned_corrected_and_confirmed(app, db, fair, smtp_server):
    application = make_application(fair)
    user = make_enterprise_user(application.enterprise, locale="zh", email="boss@example.com")
    organizer = make_user("organizer", locale="zh")
    staff = sign_in(app, organizer)
    company = sign_in(app, user)

    # The organizer sets the rates and asks; the enterprise is told in Chinese.
    response = staff.post(
        f"/manage/events/{fair.id}/outcomes/rates",
        data={
            "currency": "EUR",
            "rate_to_usd": "1.085",
            "rate_to_cny": "7.85",
            "taken_on": "2027-05-13",
        },
    )
    assert response.status_code == 302
    response = staff.post(f"/manage/events/{fair.id}/outcomes/request")
    assert response.status_code == 302
    report = db.session.scalars(sa.select(OutcomeReport)).one()
    (mail,) = [m for m in smtp_server.messages if m["To"] == "boss@example.com"]
    assert "请填报活动成果" in mail["Subject"] and "布达佩斯国际博览会" in mail["Subject"]
    assert f"/outcomes/{report.id}/edit" in mail.get_content()

    # Its home page shows the task; the form speaks Chinese.
    home = page_text(company.get("/"))
    assert "待办事项" in home and f"/outcomes/{report.id}/edit" in home
    form_page = page_text(company.get(f"/outcomes/{report.id}/edit"))
    assert "采购商" in form_page and "现场签约" in form_page and "HUF" in form_page

    # Mistakes are shown at their fields, in Chinese, and nothing is kept.
    bad = report_form(
        [
            line(amount="-5"),
            line(currency="XYZ"),
            line(signed_on="2027-05-01"),
        ],
        buyers_met="-1",
    )
    response = company.post(f"/outcomes/{report.id}/edit", data=bad)
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert "大于零" in error_at(page, "deals-0-amount")
    assert "币种" in error_at(page, "deals-1-currency")
    assert "2027-05-10" in error_at(page, "deals-2-signed_on")
    assert "buyers_met-error" in page
    assert 'value="Budapest Tea Import Kft."' in page  # what was typed is kept
    assert stored_deals(db) == []
    db.session.refresh(report)
    assert report.status == "requested"

    # A good report, with a blank spare row.
    response = company.post(
        f"/outcomes/{report.id}/edit",
        data=report_form(
            [
                line(),
                line(
                    amount="",
                    counterparty_name="",
                    product="",
                    kind="",
                    currency="",
                    counterparty_country="",
                    signed_on="",
                ),
            ],
            remarks="另有两家意向客户",
        ),
    )
    assert response.status_code == 302
    assert stored_deals(db) == [(Decimal("12500.50"), "EUR")]
    detail = page_text(company.get(f"/outcomes/{report.id}"))
    assert "已提交主办方" in detail
    assert format_money(Decimal("13563.04"), "USD", "zh") in detail  # 12,500.50 × 1.085
    assert format_money(Decimal("98128.93"), "CNY", "zh") in detail  # 12,500.50 × 7.85

    # The organizer returns it with a question; the enterprise reads it and is told.
    smtp_server.messages.clear()
    response = staff.post(
        f"/manage/outcomes/{report.id}/return", data={"question": "金额是否含税？"}
    )
    assert response.status_code == 302
    (mail,) = smtp_server.messages
    assert "金额是否含税？" in mail.get_content()
    detail = page_text(company.get(f"/outcomes/{report.id}"))
    assert "主办方的问题" in detail and "金额是否含税？" in detail
    assert "待办事项" in page_text(company.get("/"))

    # The enterprise corrects it.
    response = company.post(
        f"/outcomes/{report.id}/edit",
        data=report_form([line(amount="11363.64", kind="signed_after")], remarks="不含税"),
    )
    assert response.status_code == 302
    assert stored_deals(db) == [(Decimal("11363.64"), "EUR")]

    # The organizer confirms it: locked for both sides.
    assert staff.post(f"/manage/outcomes/{report.id}/confirm").status_code == 302
    db.session.refresh(report)
    assert report.status == "confirmed"
    response = company.get(f"/outcomes/{report.id}/edit")
    assert response.status_code == 302
    response = company.post(f"/outcomes/{report.id}/edit", data=report_form([line()]))
    assert response.status_code == 302
    response = staff.post(f"/manage/outcomes/{report.id}/edit", data=report_form([line()]))
    assert response.status_code == 302
    assert stored_deals(db) == [(Decimal("11363.64"), "EUR")]
    assert "主办方已确认" in page_text(company.get(f"/outcomes/{report.id}"))
    assert "待办事项" not in page_text(company.get("/"))

    actions = db.session.scalars(
        sa.select(AuditEntry.action)
        .where(AuditEntry.actor_id == organizer.id)
        .order_by(AuditEntry.id)
    ).all()
    assert actions == [
        "event.exchange_rate",
        "event.outcomes_requested",
        "outcome.returned",
        "outcome.confirmed",
    ]


def test_an_organizer_enters_the_report_for_an_enterprise(app, db, fair):
    application = make_application(fair)
    user = make_enterprise_user(application.enterprise, locale="en")
    report = make_outcome_report(application, requested_at=AFTER, due_at=AFTER + timedelta(days=14))
    organizer = make_user("organizer", locale="en")
    staff = sign_in(app, organizer)

    page = page_text(staff.get(f"/manage/outcomes/{report.id}/edit?lang=en"))
    assert "Enter the report for the enterprise" in page
    response = staff.post(
        f"/manage/outcomes/{report.id}/edit?lang=en",
        data=report_form([line(currency="HUF", amount="4000000")]),
    )
    assert response.status_code == 302
    db.session.refresh(report)
    assert (report.status, report.entered_by_organizer) == ("submitted", True)
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "outcome.entered")
    ).one()
    assert (entry.actor_id, entry.subject_id) == (organizer.id, report.id)
    assert "Entered by the organizers" in page_text(
        staff.get(f"/manage/outcomes/{report.id}?lang=en")
    )
    company = sign_in(app, user)
    assert "entered by the organizers" in page_text(company.get(f"/outcomes/{report.id}?lang=en"))
    overview = page_text(staff.get(f"/manage/events/{fair.id}/outcomes?lang=en"))
    assert application.enterprise.name_en in overview or application.enterprise.name_zh in overview
    assert "not converted yet" in overview  # no HUF rate set


def test_a_question_is_required_at_its_field(app, db, fair):
    report = make_outcome_report(
        make_application(fair), deals=1, status="submitted", submitted_at=AFTER
    )
    staff = sign_in(app, make_user("organizer", locale="en"))
    response = staff.post(f"/manage/outcomes/{report.id}/return?lang=en", data={"question": " "})
    assert response.status_code == 422
    assert "question" in error_at(page_text(response), "question")
    db.session.refresh(report)
    assert report.status == "submitted"


def test_rates_and_period_refused_at_their_fields(app, db, fair):
    staff = sign_in(app, make_user("organizer", locale="en"))
    response = staff.post(
        f"/manage/events/{fair.id}/outcomes/rates?lang=en",
        data={"currency": "XYZ", "rate_to_usd": "-1", "rate_to_cny": "", "taken_on": "2027-05-13"},
    )
    assert response.status_code == 422
    page = page_text(response)
    for name in ("currency", "rate_to_usd", "rate_to_cny"):
        error_at(page, name)
    response = staff.post(
        f"/manage/events/{fair.id}/outcomes/period?lang=en", data={"report_days": "0"}
    )
    assert response.status_code == 422
    assert "1 to 365" in error_at(page_text(response), "report_days")


class TestAccess:
    def test_an_enterprise_sees_only_its_own_reports(self, app, db, fair):
        ours = make_outcome_report(make_application(fair), deals=1, status="submitted")
        theirs = make_outcome_report(make_application(fair), deals=1, status="submitted")
        owner = make_enterprise_user(ours.enterprise)
        other = make_enterprise_user(theirs.enterprise)
        browser = sign_in(app, other)
        assert browser.get(f"/outcomes/{ours.id}").status_code == 404
        assert browser.get(f"/outcomes/{ours.id}/edit").status_code == 404
        assert browser.post(f"/outcomes/{ours.id}/edit", data=report_form()).status_code == 404
        listing = page_text(browser.get("/outcomes?lang=en"))
        assert f"/outcomes/{theirs.id}" in listing and f"/outcomes/{ours.id}" not in listing
        assert sign_in(app, owner).get(f"/outcomes/{ours.id}").status_code == 200

    def test_enterprises_never_reach_the_organizers_pages(self, app, db, fair):
        report = make_outcome_report(make_application(fair), deals=1, status="submitted")
        browser = sign_in(app, make_enterprise_user(report.enterprise))
        for path in (
            f"/manage/outcomes/{report.id}",
            f"/manage/outcomes/{report.id}/edit",
            f"/manage/events/{fair.id}/outcomes",
        ):
            assert browser.get(path).status_code == 403
        assert browser.post(f"/manage/outcomes/{report.id}/confirm").status_code == 403
        db.session.refresh(report)
        assert report.status == "submitted"

    def test_asking_before_the_event_ends_is_refused(self, app, db):
        event = make_event()  # two months ahead
        make_application(event)
        staff = sign_in(app, make_user("organizer", locale="en"))
        response = staff.post(f"/manage/events/{event.id}/outcomes/request?lang=en")
        assert response.status_code == 302
        assert db.session.scalar(sa.select(sa.func.count(OutcomeReport.id))) == 0
        page = page_text(staff.get(response.headers["Location"] + "?lang=en"))
        assert "once the event has ended" in page


def test_an_import_expansion_report_records_purchases(app, db, after_the_fair):
    from tests.factories import make_campaign

    expo = make_event(
        make_campaign(kind="import_expansion"),
        country="CN",
        timezone="Asia/Shanghai",
        starts_at=STARTS,
        ends_at=STARTS + timedelta(days=3),
        registration_opens_at=STARTS - timedelta(days=90),
        registration_closes_at=STARTS - timedelta(days=14),
    )
    application = make_application(expo)
    report = make_outcome_report(
        application, direction="purchases", requested_at=AFTER, due_at=AFTER + timedelta(days=14)
    )
    company = sign_in(app, make_enterprise_user(application.enterprise, locale="zh"))
    page = page_text(company.get(f"/outcomes/{report.id}/edit"))
    assert "供应商" in page and "洽谈供应商数" in page and "采购商" not in page
    response = company.post(
        f"/outcomes/{report.id}/edit",
        data=report_form(
            [line(counterparty_name="Tokaj Wine Zrt.", currency="USD", amount="8800")]
        ),
    )
    assert response.status_code == 302
    assert stored_deals(db) == [(Decimal("8800.00"), "USD")]
    assert "采购" in page_text(company.get(f"/outcomes/{report.id}"))

"""The demo's outcome reports (``data/outcomes.toml``): last season's fairs, reported on.

Each report's enterprise applies to the event first, through the registration services,
answering the event's questions while its registration was open, and the review approves
it. Then everything goes through the outcomes services, as for an organizer: the reporting
period, the rates, the request the day after the event ended, the reports, the questions
and the confirmations. Nobody is emailed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from expo.accounts.models import User
from expo.demo.seasons import local_moment
from expo.enterprises.models import Enterprise
from expo.events.models import Event, Question
from expo.extensions import db
from expo.i18n import STAFF_TIMEZONE
from expo.mail import discard_pending_email
from expo.outcomes import services
from expo.registrations import services as registrations
from expo.registrations.models import ApplicationStatus

_DEAL_FIELDS = (
    "counterparty_name",
    "counterparty_country",
    "product",
    "kind",
    "amount",
    "currency",
)


def seed_outcomes(
    data: dict[str, Any],
    events: dict[str, Event],
    enterprises: dict[str, Enterprise],
    users: list[User],
    organizer: User,
    today: date,
) -> None:
    accounts = {user.enterprise_id: user for user in users if user.enterprise_id}
    # The questions still open were asked this morning, so their answers are due ahead.
    this_morning = datetime.combine(today, time(0), ZoneInfo(STAFF_TIMEZONE)).astimezone(UTC)
    for block in data["events"]:
        event = events[block["event"]]
        year = event.campaign.year
        for position, question in enumerate(data["questions"]):
            event.questions.append(Question(position=position, **question))
        db.session.flush()
        for number, row in enumerate(block["reports"]):
            enterprise = enterprises[row["enterprise"]]
            _apply(event, enterprise, row, number, accounts.get(enterprise.id), organizer)
        asked = event.ends_at + timedelta(days=1)
        services.set_report_period(event, block["report_days"], actor=organizer, now=asked)
        for rate in block["rates"]:
            services.set_exchange_rate(
                event,
                rate["currency"],
                rate["rate_to_usd"],
                rate["rate_to_cny"],
                local_moment(rate["taken_on"], year).date(),
                actor=organizer,
            )
        reports = {
            report.enterprise_id: report
            for report in services.request_reports(event, actor=organizer, now=asked)
        }
        for number, row in enumerate(block["reports"]):
            if row["status"] == "requested":
                continue
            report = reports[enterprises[row["enterprise"]].id]
            sent = asked + timedelta(days=3 + number)
            report_data = services.ReportData(
                deals=[
                    services.DealData(
                        **{name: deal[name] for name in _DEAL_FIELDS},
                        signed_on=local_moment(deal["signed_on"], year).date(),
                    )
                    for deal in row.get("deals", ())
                ],
                buyers_met=row["buyers_met"],
                new_customers=row["new_customers"],
                samples_sent=row["samples_sent"],
                remarks=row["remarks"],
            )
            user = accounts.get(report.enterprise_id)
            if user is not None:
                services.submit_report(report, report_data, actor=user, now=sent)
            else:
                services.enter_report(report, report_data, actor=organizer, now=sent)
            if row["status"] == "returned":
                services.return_report(report, row["question"], actor=organizer, now=this_morning)
            elif row["status"] == "confirmed":
                services.confirm_report(report, actor=organizer, now=sent + timedelta(days=2))
    # The demo tells nobody: these applications and reports were never really made.
    discard_pending_email()


def _apply(
    event: Event,
    enterprise: Enterprise,
    row: dict[str, Any],
    number: int,
    user: User | None,
    organizer: User,
) -> None:
    """The enterprise's application to ``event``, approved, with the questions answered."""
    answers: dict[str, object] = {}
    for question in event.questions:
        if question.kind == "yes_no":
            answers[f"answer_{question.id}"] = "yes" if number % 3 else "no"
        else:
            answers[f"answer_{question.id}"] = question.choices[number % 4 == 3]["value"]
    delegate = registrations.DelegateData(
        name_zh=row["delegate_zh"],
        name_latin=row["delegate_latin"],
        title="总经理 / General Manager",
        mobile=f"+86 139 0000 {event.id % 100:02d}{number:02d}",
        email=f"delegate{event.id}-{number}@expo.example",
        passport_number=f"E{80000000 + event.id * 100 + number}",
    )
    when = event.registration_opens_at + timedelta(days=2, hours=5 * number)
    application = registrations.submit_application(
        event,
        enterprise,
        registrations.ApplicationData(
            delegates=[delegate],
            booths_requested=1,
            exhibits=enterprise.main_products_zh,
            consent=True,
            answers=answers,
        ),
        actor=user or organizer,
        now=when,
    )
    if application.status != ApplicationStatus.APPROVED:
        registrations.review(application, "approved", actor=organizer, now=when + timedelta(days=4))

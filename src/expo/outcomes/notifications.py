"""Telling an enterprise about its outcome report, in each of its users' languages.

Queued on the database session (``expo.mail``): they leave once the change is committed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from expo.i18n import STAFF_TIMEZONE
from expo.mail import send_templated_email
from expo.registrations.notifications import recipients
from expo.urls import external_url

if TYPE_CHECKING:
    from expo.outcomes.models import OutcomeReport

NOTICES = frozenset({"requested", "reminder", "returned"})


def notify_report(report: OutcomeReport, notice: str) -> None:
    if notice not in NOTICES:
        raise ValueError(f"no such notice: {notice}")
    link = external_url("outcomes.edit", report_id=report.id)
    for user in recipients(report.application):
        send_templated_email(
            user.email,
            f"outcome_{notice}",
            user.locale,
            report=report,
            event=report.event,
            enterprise=report.enterprise,
            link=link,
            user=user,
            timezone=STAFF_TIMEZONE,
        )

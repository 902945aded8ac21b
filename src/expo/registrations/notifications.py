"""Telling an enterprise what happened to its application, in each reader's language.

The messages are queued on the database session (expo.mail) and leave only once the
change that caused them is committed.
"""

from __future__ import annotations

from expo.enterprises.models import Enterprise
from expo.mail import send_templated_email
from expo.registrations.models import Application
from expo.urls import external_url


def enterprise_users(enterprise: Enterprise) -> list:
    """The enterprise's users, read once for the session: reading them before a lock is
    taken keeps that statement out of the time the lock is held (the notice reads them
    again from the session)."""
    return list(enterprise.users)


NOTICES = frozenset(
    {"submitted", "approved", "waitlisted", "rejected", "cancelled", "withdrawn", "promoted"}
)


def recipients(application: Application) -> list:
    """The enterprise's active users; the submitter first."""
    users = [user for user in enterprise_users(application.enterprise) if user.active]
    users.sort(key=lambda user: user.id != application.submitted_by_id)
    return users


def notify_status(application: Application, notice: str, reason: str = "") -> None:
    if notice not in NOTICES:
        return
    link = external_url("registrations.application", application_id=application.id)
    for user in recipients(application):
        send_templated_email(
            user.email,
            f"application_{notice}",
            user.locale,
            application=application,
            event=application.event,
            reason=reason,
            link=link,
            user=user,
        )

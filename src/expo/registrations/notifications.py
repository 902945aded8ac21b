"""Telling an enterprise what happened to its application, in each reader's language.

The messages are queued on the database session (expo.mail) and leave only once the
change that caused them is committed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from expo.accounts.models import User
from expo.extensions import db
from expo.mail import Email, compose_templated_email, write_emails
from expo.registrations.models import Application
from expo.urls import external_url

# What a notice needs of each of the enterprise's active users, as plain rows: a statement
# built once, and no instances built as loading the relationship would.
READERS = (
    sa.select(User.id, User.email, User.name, User.locale)
    .where(User.enterprise_id == sa.bindparam("enterprise_id"), User.active.is_(True))
    .order_by(User.id)
)


def enterprise_users(enterprise_id: int) -> list[Any]:
    """The enterprise's active users (id, email, name, locale). A submission reads them
    before it takes the event's lock, keeping that statement out of the time the lock is
    held, and hands them to :func:`notify_status`."""
    return list(db.session.execute(READERS, {"enterprise_id": enterprise_id}))


NOTICES = frozenset(
    {"submitted", "approved", "waitlisted", "rejected", "cancelled", "withdrawn", "promoted"}
)


def recipients(application: Application, readers: Sequence[Any] | None = None) -> list:
    """The enterprise's active users (``readers`` if read already); the submitter first."""
    users = list(enterprise_users(application.enterprise_id) if readers is None else readers)
    users.sort(key=lambda user: user.id != application.submitted_by_id)
    return users


def notify_status(
    application: Application,
    notice: str,
    reason: str = "",
    *,
    readers: Sequence[Any] | None = None,
) -> None:
    write_emails(compose_status(application, notice, reason, readers=readers))


def compose_status(
    application: Application,
    notice: str,
    reason: str = "",
    *,
    readers: Sequence[Any] | None = None,
) -> list[Email]:
    """The messages :func:`notify_status` writes, rendered but not written: a first-come
    submission renders the notice it expects before it takes the event's lock."""
    if notice not in NOTICES:
        return []
    link = external_url("registrations.application", application_id=application.id)
    return [
        compose_templated_email(
            user.email,
            f"application_{notice}",
            user.locale,
            application=application,
            event=application.event,
            reason=reason,
            link=link,
            user=user,
        )
        for user in recipients(application, readers)
    ]

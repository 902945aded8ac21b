"""Recording organizer actions. The entry is part of the same transaction as the action."""

from __future__ import annotations

from typing import Any

from expo.audit.models import AuditEntry
from expo.extensions import db


def record(actor, action: str, subject, **details: Any) -> AuditEntry:
    """``record(organizer, "application.approve", application, reason="…")``."""
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        action=action,
        subject_type=subject.__tablename__,
        subject_id=subject.id,
        details=details,
    )
    db.session.add(entry)
    return entry

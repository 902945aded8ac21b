"""Recording organizer actions. The entry is part of the same transaction as the action."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from expo.audit.actions import AuditAction
from expo.audit.models import AuditEntry
from expo.extensions import db

if TYPE_CHECKING:
    from expo.accounts.models import User


class Subject(Protocol):
    """What an audit entry is about: a row of a table the registry knows."""

    __tablename__: str
    id: Any


def record(
    actor: User | None, action: AuditAction | str, subject: Subject, **details: Any
) -> AuditEntry:
    """``record(organizer, AuditAction.APPLICATION_APPROVED, application, reason="…")``.

    An action missing from the registry, or a subject of another kind than the action's,
    is a programming mistake and fails here rather than in the audit log's reader.
    """
    action = AuditAction(action)  # type: ignore[call-arg]  # a lookup by value
    if subject.__tablename__ != action.subject:
        raise ValueError(f"{action} is about {action.subject}, not {subject.__tablename__}")
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        action=action.value,
        subject_type=subject.__tablename__,
        subject_id=subject.id,
        details=details,
    )
    db.session.add(entry)
    return entry

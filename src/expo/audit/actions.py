"""The registry of audited actions: each one's stored name, its subject and its label.

A service records ``record(actor, AuditAction.DELEGATION_CREATE, delegation)``; the name
stored is the member's value (``"delegation.create"``, as it always was), and ``record``
refuses a subject of another kind than the action names. The audit log reads its labels
and filters from here, so a new action is one line in this file.
"""

from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l


class AuditSubject(enum.StrEnum):
    """What an entry is about: the subject's table, stored in ``subject_type``."""

    APPLICATIONS = "applications"
    ENTERPRISES = "enterprises"
    EVENTS = "events"
    DELEGATIONS = "delegations"
    CERTIFICATES = "certificates"
    DOCUMENT_JOBS = "document_jobs"
    KEY_ENTERPRISE_IMPORTS = "key_enterprise_imports"
    OUTCOME_REPORTS = "outcome_reports"
    MESSAGES = "messages"


# The subjects the audit log offers as a filter.
SUBJECT_LABELS = {
    AuditSubject.APPLICATIONS: _l("Applications received"),
    AuditSubject.ENTERPRISES: _l("Enterprises"),
    AuditSubject.EVENTS: _l("Events"),
    AuditSubject.DELEGATIONS: _l("Delegations"),
    AuditSubject.CERTIFICATES: _l("Certificates"),
    AuditSubject.KEY_ENTERPRISE_IMPORTS: _l("Key-enterprise lists"),
    AuditSubject.OUTCOME_REPORTS: _l("Outcome reports"),
    AuditSubject.MESSAGES: _l("Messages to participants"),
}


class AuditAction(enum.StrEnum):
    """An action with its ``subject`` and ``label`` (and a ``short_label`` on its subject's
    own page, where "Enterprise" goes without saying)."""

    subject: AuditSubject
    label: str
    short_label: str

    def __new__(cls, value: str, subject: AuditSubject, label, short_label=None) -> AuditAction:
        member = str.__new__(cls, value)
        member._value_ = value
        member.subject = subject
        member.label = label
        member.short_label = short_label if short_label is not None else label
        return member

    APPLICATION_APPROVED = (
        "application.approved",
        AuditSubject.APPLICATIONS,
        _l("Application approved"),
    )
    APPLICATION_WAITLISTED = (
        "application.waitlisted",
        AuditSubject.APPLICATIONS,
        _l("Application put on the waiting list"),
    )
    APPLICATION_PENDING = (
        "application.pending",
        AuditSubject.APPLICATIONS,
        _l("Application returned to review"),
    )
    APPLICATION_REJECTED = (
        "application.rejected",
        AuditSubject.APPLICATIONS,
        _l("Application rejected"),
    )
    APPLICATION_CANCELLED = (
        "application.cancelled",
        AuditSubject.APPLICATIONS,
        _l("Application cancelled"),
    )
    EVENT_EXPORT_APPLICATIONS = (
        "event.export_applications",
        AuditSubject.EVENTS,
        _l("Applications exported"),
    )
    ENTERPRISE_FLAGS = (
        "enterprise.flags",
        AuditSubject.ENTERPRISES,
        _l("Enterprise flags set"),
        _l("Flags set"),
    )
    ENTERPRISE_UPDATE = (
        "enterprise.update",
        AuditSubject.ENTERPRISES,
        _l("Enterprise profile edited"),
        _l("Profile edited"),
    )
    ENTERPRISE_UNVERIFIED = (
        "enterprise.unverified",
        AuditSubject.ENTERPRISES,
        _l("Enterprise no longer verified: its name, credit code or prefecture changed"),
        _l("No longer verified: name, credit code or prefecture changed"),
    )
    ENTERPRISE_SIGN_UP_EXPIRED = (
        "enterprise.sign_up_expired",
        AuditSubject.ENTERPRISES,
        _l("Unconfirmed sign-up removed: its credit code was registered by another"),
        _l("Unconfirmed sign-up removed"),
    )
    ENTERPRISE_CLAIM_FILED = (
        "enterprise.claim_filed",
        AuditSubject.ENTERPRISES,
        _l("Enterprise claimed by another company"),
        _l("Claimed by another company"),
    )
    ENTERPRISE_CLAIM_GRANTED = (
        "enterprise.claim_granted",
        AuditSubject.ENTERPRISES,
        _l("Claim to an enterprise granted"),
        _l("Claim granted"),
    )
    ENTERPRISE_CLAIM_REJECTED = (
        "enterprise.claim_rejected",
        AuditSubject.ENTERPRISES,
        _l("Claim to an enterprise declined"),
        _l("Claim declined"),
    )
    ENTERPRISE_TAKEN_OVER = (
        "enterprise.taken_over",
        AuditSubject.ENTERPRISES,
        _l("Enterprise from the key-enterprise list taken over at sign-up"),
        _l("Taken over at sign-up"),
    )
    KEY_ENTERPRISES_IMPORTED = (
        "key_enterprises.imported",
        AuditSubject.KEY_ENTERPRISE_IMPORTS,
        _l("Key-enterprise list imported"),
    )
    KEY_ENTERPRISES_INVITED = (
        "key_enterprises.invited",
        AuditSubject.EVENTS,
        _l("Key enterprises not yet reached invited to an event"),
    )
    ENTERPRISE_INVITE = (
        "enterprise.invite",
        AuditSubject.ENTERPRISES,
        _l("Colleague invited to an enterprise"),
        _l("Colleague invited"),
    )
    DELEGATION_CREATE = ("delegation.create", AuditSubject.DELEGATIONS, _l("Delegation created"))
    DELEGATION_UPDATE = ("delegation.update", AuditSubject.DELEGATIONS, _l("Delegation edited"))
    DELEGATION_STATUS = (
        "delegation.status",
        AuditSubject.DELEGATIONS,
        _l("Delegation status changed"),
    )
    DELEGATION_REMOVE_MEMBER = (
        "delegation.remove_member",
        AuditSubject.DELEGATIONS,
        _l("Member removed from a delegation"),
    )
    DELEGATION_ADD_DELEGATES = (
        "delegation.add_delegates",
        AuditSubject.DELEGATIONS,
        _l("Approved delegates added to a delegation"),
    )
    DELEGATION_IMPORT_MEMBERS = (
        "delegation.import_members",
        AuditSubject.DELEGATIONS,
        _l("Members imported into a delegation"),
    )
    DELEGATION_SHARE_LINK = (
        "delegation.share_link",
        AuditSubject.DELEGATIONS,
        _l("Itinerary share link made"),
    )
    DELEGATION_REVOKE_SHARE_LINK = (
        "delegation.revoke_share_link",
        AuditSubject.DELEGATIONS,
        _l("Itinerary share link revoked"),
    )
    DELEGATION_DUPLICATE = (
        "delegation.duplicate",
        AuditSubject.DELEGATIONS,
        _l("Delegation duplicated"),
    )
    CERTIFICATE_ISSUE = ("certificate.issue", AuditSubject.CERTIFICATES, _l("Certificate issued"))
    CERTIFICATE_REVOKE = (
        "certificate.revoke",
        AuditSubject.CERTIFICATES,
        _l("Certificate revoked"),
    )
    CERTIFICATE_REISSUE = (
        "certificate.reissue",
        AuditSubject.CERTIFICATES,
        _l("Certificate reissued"),
    )
    APPLICATION_ATTENDANCE_WAIVED = (
        "application.attendance_waived",
        AuditSubject.APPLICATIONS,
        _l("Certificate allowed without a check-in"),
    )
    JOBS_START = ("jobs.start", AuditSubject.DOCUMENT_JOBS, _l("Bulk certificate issue started"))
    JOBS_CANCEL = (
        "jobs.cancel",
        AuditSubject.DOCUMENT_JOBS,
        _l("Bulk certificate issue cancelled"),
    )

    EVENT_OUTCOMES_REQUESTED = (
        "event.outcomes_requested",
        AuditSubject.EVENTS,
        _l("Outcome reports asked for"),
    )
    EVENT_OUTCOME_PERIOD = (
        "event.outcome_period",
        AuditSubject.EVENTS,
        _l("Outcome reporting period set"),
    )
    EVENT_EXCHANGE_RATE = (
        "event.exchange_rate",
        AuditSubject.EVENTS,
        _l("Exchange rate for outcome reports set"),
    )
    OUTCOME_ENTERED = (
        "outcome.entered",
        AuditSubject.OUTCOME_REPORTS,
        _l("Outcome report entered or corrected by an organizer"),
    )
    OUTCOME_RETURNED = (
        "outcome.returned",
        AuditSubject.OUTCOME_REPORTS,
        _l("Outcome report returned with a question"),
    )
    OUTCOME_CONFIRMED = (
        "outcome.confirmed",
        AuditSubject.OUTCOME_REPORTS,
        _l("Outcome report confirmed"),
    )
    MESSAGE_SENT = (
        "message.sent",
        AuditSubject.MESSAGES,
        _l("Message sent to an event's enterprises"),
    )
    MESSAGE_RESUMED = (
        "message.resumed",
        AuditSubject.MESSAGES,
        _l("Stalled message handed to the workers again"),
    )
    EVENT_COPIED = (
        "event.copied",
        AuditSubject.EVENTS,
        _l("Event copied to a new draft"),
    )
    CHECK_IN_RECORDED = (
        "check_in.recorded",
        AuditSubject.EVENTS,
        _l("Delegate checked in at the door"),
    )
    CHECK_IN_UNDONE = (
        "check_in.undone",
        AuditSubject.EVENTS,
        _l("Check-in undone"),
    )
    CHECK_IN_DESK_GRANTED = (
        "check_in.desk_granted",
        AuditSubject.EVENTS,
        _l("Check-in desk access granted"),
    )
    CHECK_IN_DESK_REVOKED = (
        "check_in.desk_revoked",
        AuditSubject.EVENTS,
        _l("Check-in desk access revoked"),
    )

    MATCHMAKING_GRID_SAVED = (
        "matchmaking.grid_saved",
        AuditSubject.EVENTS,
        _l("Matchmaking grid saved"),
    )
    MATCHMAKING_COUNTERPART_APPROVED = (
        "matchmaking.counterpart_approved",
        AuditSubject.EVENTS,
        _l("Matchmaking buyer or supplier approved"),
    )
    MATCHMAKING_COUNTERPART_REJECTED = (
        "matchmaking.counterpart_rejected",
        AuditSubject.EVENTS,
        _l("Matchmaking buyer or supplier rejected"),
    )
    MATCHMAKING_MATCH_ADDED = (
        "matchmaking.match_added",
        AuditSubject.EVENTS,
        _l("Matchmaking: match added by an organizer"),
    )
    MATCHMAKING_MATCH_REMOVED = (
        "matchmaking.match_removed",
        AuditSubject.EVENTS,
        _l("Matchmaking: match removed by an organizer"),
    )
    MATCHMAKING_SCHEDULED = (
        "matchmaking.scheduled",
        AuditSubject.EVENTS,
        _l("Matchmaking schedule computed"),
    )
    MATCHMAKING_MEETING_MOVED = (
        "matchmaking.meeting_moved",
        AuditSubject.EVENTS,
        _l("Matchmaking meeting moved by hand"),
    )
    MATCHMAKING_PUBLISHED = (
        "matchmaking.published",
        AuditSubject.EVENTS,
        _l("Matchmaking schedule published"),
    )

    @classmethod
    def for_application_status(cls, status: str) -> AuditAction:
        """The action of an organizer's move of an application to ``status``."""
        return cls(f"application.{status}")  # type: ignore[call-arg]  # a lookup by value


def action_label(name: str) -> str:
    """An action's label in the reader's language; an action no longer known as stored."""
    try:
        return str(AuditAction(name).label)  # type: ignore[call-arg]  # a lookup by value
    except ValueError:
        return name

"""Every model, imported in one place so the metadata (and Alembic) sees all tables."""

from expo.accounts.models import Role, User
from expo.attendance.models import CheckIn, CheckInDesk
from expo.audit.models import AuditEntry
from expo.delegations.models import Delegation, EmergencyContact, ItineraryItem, Member
from expo.documents.models import AttendanceWaiver, Certificate
from expo.enterprises.models import Enterprise
from expo.events.models import AgendaSession, Campaign, Event, Question
from expo.jobs.models import DocumentJob, DocumentJobFile
from expo.mail import OutgoingMail
from expo.matchmaking.models import (
    Counterpart,
    MatchGrid,
    MatchInterpreter,
    MatchRequest,
    MatchWindow,
    Meeting,
    SichuanProfile,
)
from expo.messaging.models import Message, MessageDelivery
from expo.outcomes.models import Deal, ExchangeRate, OutcomeReport, OutcomeSettings
from expo.ratelimit import RateLimitCounter
from expo.registrations.models import Answer, Application, Delegate, Transition

__all__ = [
    "AgendaSession",
    "Answer",
    "Application",
    "AttendanceWaiver",
    "AuditEntry",
    "Campaign",
    "Certificate",
    "CheckIn",
    "CheckInDesk",
    "Counterpart",
    "Deal",
    "Delegate",
    "Delegation",
    "DocumentJob",
    "DocumentJobFile",
    "EmergencyContact",
    "Enterprise",
    "Event",
    "ExchangeRate",
    "ItineraryItem",
    "MatchGrid",
    "MatchInterpreter",
    "MatchRequest",
    "MatchWindow",
    "Meeting",
    "Member",
    "Message",
    "MessageDelivery",
    "OutcomeReport",
    "OutcomeSettings",
    "OutgoingMail",
    "Question",
    "RateLimitCounter",
    "Role",
    "SichuanProfile",
    "Transition",
    "User",
]

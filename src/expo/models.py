"""Every model, imported in one place so the metadata (and Alembic) sees all tables."""

from expo.accounts.models import Role, User
from expo.enterprises.models import Enterprise
from expo.events.models import AgendaSession, Campaign, Event

__all__ = ["AgendaSession", "Campaign", "Enterprise", "Event", "Role", "User"]

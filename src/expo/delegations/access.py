"""Looking up a delegation and one of its members for a view: 404 for anything else."""

from __future__ import annotations

from flask import abort

from expo.delegations import services
from expo.delegations.models import Delegation, Member
from expo.extensions import db


def delegation_or_404(delegation_id: int) -> Delegation:
    delegation = services.load_delegation(delegation_id)
    if delegation is None:
        abort(404)
    return delegation


def member_or_404(delegation: Delegation, member_id: int) -> Member:
    """The member, only if it belongs to ``delegation`` (ids of other trips are 404)."""
    member = db.session.get(Member, member_id)
    if member is None or member.delegation_id != delegation.id:
        abort(404)
    return member

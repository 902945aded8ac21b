"""Contested credit codes: "this is our company", resolved by the organizers.

A credit code is public, so someone can register a company before the company does. When
the company then signs up, it is told by mail that the code is taken, with a link to
claim it. The link is signed over the address and the code, so a claim always comes from
an address that tried to sign up with that code: nobody can file claims in another's name
or learn from the form which codes are registered.

An organizer looks at the claim beside the enterprise as it stands (who registered it,
when, with which addresses) and decides:

- **hand over**: the accounts that registered the code lose the enterprise (and their
  sessions end); the claimant is invited to take it over; the enterprise is no longer
  verified, since its profile was typed by the others;
- **add as colleague**: the enterprise was registered by the claimant's own colleague;
  the claimant is invited to join;
- **reject**, with a note the claimant receives.

Every step is in the audit log, and each party is told by mail in their language.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination

from expo.accounts import services as accounts_services
from expo.accounts.models import Role, User
from expo.accounts.services import find_user_by_email
from expo.audit.actions import AuditAction
from expo.audit.services import record
from expo.db import utcnow
from expo.enterprises import services
from expo.enterprises.claim_links import ClaimLink
from expo.enterprises.models import ClaimDecision, ClaimStatus, Enterprise, EnterpriseClaim
from expo.errors import DomainError, InvalidInput, PermissionDenied
from expo.extensions import db
from expo.mail import send_templated_email
from expo.urls import external_url
from expo.validation import check_phone, checked, text_check

STATEMENT_MAX_LENGTH = 2000


class ClaimLinkInvalid(DomainError):
    message = _l(
        "This link no longer works: it has expired or was copied incompletely. "
        "Sign up again with your credit code to receive a new one."
    )
    status_code = 400


class ClaimAlreadyFiled(DomainError):
    message = _l(
        "Your request for this enterprise is already with the organizers. "
        "They will answer by email."
    )
    status_code = 409


class ClaimAlreadyResolved(DomainError):
    message = _l("This request has already been decided.")
    status_code = 409


# --- filing --------------------------------------------------------------------------


@dataclass
class ClaimData:
    company_name: str = ""
    contact_name: str = ""
    mobile: str = ""
    statement: str = ""


# What each field of a claim says when left empty (the form shows the same).
MISSING = {
    "company_name": _l("Enter your company's name as on its business licence."),
    "contact_name": _l("Enter your name."),
    "mobile": _l("Enter a mobile number the organizers can call."),
    "statement": _l("Tell the organizers how they can check that you speak for the company."),
}


def _checked_claim(data: ClaimData) -> ClaimData:
    errors: dict[str, object] = {}
    values = ClaimData(
        company_name=checked(errors, "company_name", text_check(200), data.company_name),
        contact_name=checked(errors, "contact_name", text_check(100), data.contact_name),
        mobile=checked(errors, "mobile", check_phone, data.mobile),
        statement=checked(
            errors,
            "statement",
            text_check(STATEMENT_MAX_LENGTH, multiline=True),
            data.statement,
        ),
    )
    for name, message in MISSING.items():
        if name not in errors and not getattr(values, name):
            errors[name] = message
    if errors:
        raise InvalidInput(errors)
    return values


def enterprise_claimed(link: ClaimLink) -> Enterprise | None:
    """The enterprise holding the code now (None when the code is free again)."""
    return services.find_enterprise_by_credit_code(link.credit_code)


def file_claim(link: ClaimLink, data: ClaimData, *, locale: str) -> EnterpriseClaim:
    """Record the claim and tell the organizers (by mail, after the commit)."""
    enterprise = enterprise_claimed(link)
    if enterprise is None:
        raise ClaimLinkInvalid()
    values = _checked_claim(data)
    pending = db.session.scalar(
        sa.select(EnterpriseClaim.id).where(
            EnterpriseClaim.enterprise_id == enterprise.id,
            EnterpriseClaim.email == link.email,
            EnterpriseClaim.status == ClaimStatus.PENDING,
        )
    )
    if pending is not None:
        raise ClaimAlreadyFiled()
    claim = EnterpriseClaim(
        enterprise=enterprise,
        credit_code=enterprise.credit_code,
        email=link.email,
        locale=locale,
        company_name=values.company_name,
        contact_name=values.contact_name,
        mobile=values.mobile,
        statement=values.statement,
    )
    db.session.add(claim)
    db.session.flush()
    record(None, AuditAction.ENTERPRISE_CLAIM_FILED, enterprise, claim=claim.id, email=link.email)
    review_url = external_url("enterprises.manage_claim", claim_id=claim.id)
    for organizer in services.active_organizers():
        send_templated_email(
            organizer.email,
            "enterprise_claim_filed",
            organizer.locale,
            claim=claim,
            enterprise=enterprise,
            review_url=review_url,
        )
    db.session.flush()
    return claim


# --- deciding ------------------------------------------------------------------------


def claims_page(*, pending_only: bool, page: int, per_page: int) -> Pagination:
    """Open claims first (oldest first: they have waited longest), then decided ones."""
    statement = sa.select(EnterpriseClaim).options(sa.orm.selectinload(EnterpriseClaim.enterprise))
    if pending_only:
        statement = statement.where(EnterpriseClaim.status == ClaimStatus.PENDING)
    statement = statement.order_by(
        (EnterpriseClaim.status != ClaimStatus.PENDING),
        sa.case(
            (EnterpriseClaim.status == ClaimStatus.PENDING, EnterpriseClaim.id),
            else_=-EnterpriseClaim.id,
        ),
    )
    return db.paginate(statement, page=page, per_page=per_page, error_out=False)


def count_pending_claims() -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(EnterpriseClaim)
            .where(EnterpriseClaim.status == ClaimStatus.PENDING)
        )
        or 0
    )


def resolve_claim(
    claim: EnterpriseClaim,
    *,
    decision: ClaimDecision | str,
    note: str,
    actor: User,
    accept_url: Callable[[str], str],
) -> EnterpriseClaim:
    """Decide a claim (see the module's docstring); ``note`` goes to the claimant."""
    if not actor.is_organizer:
        raise PermissionDenied()
    if claim.status != ClaimStatus.PENDING:
        raise ClaimAlreadyResolved()
    errors: dict[str, object] = {}
    try:
        decision = ClaimDecision(decision)
    except ValueError:
        errors["decision"] = _l("Choose what to do with this request.")
    note = checked(errors, "note", text_check(STATEMENT_MAX_LENGTH, multiline=True), note)
    if decision == ClaimDecision.REJECT and not note and "note" not in errors:
        errors["note"] = _l("Tell the company why its request is declined.")
    account = find_user_by_email(claim.email)
    if decision != ClaimDecision.REJECT and account is not None and "decision" not in errors:
        errors["decision"] = _l(
            "%(email)s has an Expo account by now: it cannot be invited. "
            "Ask the company for another address, or decline with a note.",
            email=claim.email,
        )
    if errors:
        raise InvalidInput(errors)
    decision = ClaimDecision(decision)
    enterprise = claim.enterprise
    removed: list[str] = []
    if decision == ClaimDecision.HAND_OVER:
        removed = _withdraw_enterprise_from_its_users(enterprise)
        enterprise.verified = False
    if decision == ClaimDecision.REJECT:
        send_templated_email(
            claim.email, "enterprise_claim_rejected", claim.locale, claim=claim, note=note
        )
    else:
        token = services.make_invitation_token(enterprise, claim.email)
        send_templated_email(
            claim.email,
            "enterprise_claim_granted",
            claim.locale,
            claim=claim,
            enterprise=enterprise,
            note=note,
            accept_url=accept_url(token),
            valid_for=timedelta(seconds=services.invitation_max_age()),
        )
    claim.status = ClaimStatus.REJECTED if decision == ClaimDecision.REJECT else ClaimStatus.GRANTED
    claim.decision, claim.note = decision, note
    claim.resolved_at, claim.resolved_by = utcnow(), actor
    record(
        actor,
        AuditAction.ENTERPRISE_CLAIM_REJECTED
        if decision == ClaimDecision.REJECT
        else AuditAction.ENTERPRISE_CLAIM_GRANTED,
        enterprise,
        claim=claim.id,
        email=claim.email,
        decision=decision.value,
        **({"accounts_removed": removed} if removed else {}),
    )
    db.session.flush()
    return claim


def _withdraw_enterprise_from_its_users(enterprise: Enterprise) -> list[str]:
    """Detach the enterprise's accounts, end their sessions and tell them; their addresses."""
    removed = []
    for user in services.colleagues(enterprise):
        if user.role != Role.ENTERPRISE:  # pragma: no cover - only enterprise users have one
            continue
        user.enterprise = None
        accounts_services.end_all_sessions(user)
        send_templated_email(
            user.email, "enterprise_access_withdrawn", user.locale, user=user, enterprise=enterprise
        )
        removed.append(user.email)
    return removed

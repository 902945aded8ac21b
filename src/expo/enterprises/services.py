"""Enterprises: profiles, unified social credit codes, sign-up, colleagues and flags.

Plain functions shared by the views and the CLI. They flush and never commit, so the
caller's single commit decides whether a change (and any email it queued) happens. A
refused input raises :class:`InvalidInput` with a message for each field at fault.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import selectinload
from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength

from expo.accounts import services as accounts_services
from expo.accounts.models import Role, User
from expo.accounts.services import EmailAlreadyRegistered, create_user, find_user_by_email
from expo.audit.actions import AuditAction
from expo.audit.models import AuditEntry
from expo.audit.services import record
from expo.db import like_pattern, utcnow
from expo.delegations.models import Member, item_enterprises
from expo.enterprises.claim_links import claim_link_max_age, claim_url
from expo.enterprises.industries import BY_KEY as INDUSTRIES_BY_KEY
from expo.enterprises.models import Enterprise
from expo.enterprises.prefectures import BY_CODE as PREFECTURES_BY_CODE
from expo.errors import DomainError, InvalidInput, PermissionDenied
from expo.extensions import db
from expo.i18n import country_codes
from expo.mail import send_templated_email
from expo.registrations.models import Application
from expo.security import signing_keys
from expo.urls import external_url
from expo.validation import (
    check_email,
    check_phone,
    checked,
    has_control_characters,
    normalise_email,
    text_check,
)

CREDIT_CODE_LENGTH = 18
# The letters a credit code never uses, as they are easily mistaken for digits.
UNUSED_LETTERS = "IOZSV"
INVITATION_SALT = "enterprise-invitation"
DEFAULT_INVITATION_MAX_AGE = 7 * 24 * 3600
# Numeric(16, 2): fourteen digits before the decimal point.
MAX_AMOUNT = Decimal("99999999999999.99")

ALREADY_REGISTERED = _l(
    "This enterprise is already registered. "
    "Ask a colleague who uses Expo to send you an invitation."
)

CODE_OF_ANOTHER_ENTERPRISE = _l("Another enterprise on Expo is registered with this code.")


class InvitationInvalid(DomainError):
    message = _l(
        "This invitation link no longer works: it has expired, has been used already, "
        "or was copied incompletely. Ask your colleague to send a new one."
    )
    status_code = 400


# --- unified social credit code --------------------------------------------------------


def compact_credit_code(raw: str | None) -> str:
    """Capitals and digits only: what a code typed with full-width characters, spaces or
    hyphens, or in lower case, stands for (checked or not)."""
    return str(uscc.compact(unicodedata.normalize("NFKC", raw or "")))


def validate_credit_code(raw: str | None) -> str:
    """The code in its stored form (18 capitals and digits), or a message saying what is wrong.

    Full-width characters typed with a Chinese input method, spaces and hyphens are
    accepted and removed; lower-case letters are capitalised.
    """
    number = compact_credit_code(raw)
    if not number:
        raise InvalidInput({"credit_code": _l("Enter the unified social credit code.")})
    try:
        return uscc.validate(number)
    except InvalidLength:
        message = _l(
            "A unified social credit code must be %(length)d characters, you entered %(count)d.",
            length=CREDIT_CODE_LENGTH,
            count=len(number),
        )
    except InvalidFormat:
        message = _bad_character_message(number)
    except InvalidChecksum:
        message = _l(
            "The last character should be %(expected)s: check the code for a typing mistake.",
            expected=uscc.calc_check_digit(number[:-1]),
        )
    raise InvalidInput({"credit_code": message})


def _bad_character_message(number: str) -> object:
    for position, character in enumerate(number, start=1):
        if position <= 8 and not character.isdigit():
            return _l(
                "The first 8 characters of a credit code are digits, but character "
                "%(position)d is “%(character)s”.",
                position=position,
                character=character,
            )
        if character in UNUSED_LETTERS:
            return _l(
                "Character %(position)d is “%(character)s”, a letter credit codes never use "
                "(I, O, Z, S and V are not used). Is it the digit 1, 0, 2, 5 or a U?",
                position=position,
                character=character,
            )
        if not ("0" <= character <= "9" or "A" <= character <= "Z"):
            return _l(
                "Character %(position)d is “%(character)s”: a credit code has only digits "
                "and capital letters.",
                position=position,
                character=character,
            )
    return _l("A credit code has only digits and capital letters, without I, O, Z, S and V.")


# --- profile ---------------------------------------------------------------------------


@dataclass
class EnterpriseData:
    """An enterprise's profile as entered; the services check and normalise it."""

    credit_code: str = ""
    prefecture: str = ""
    industry: str = ""
    name_zh: str = ""
    name_en: str = ""
    main_products_zh: str = ""
    main_products_en: str = ""
    export_value_usd: Decimal | None = None
    import_value_usd: Decimal | None = None
    target_markets: list[str] = field(default_factory=list)
    website: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""


# The longest text each column takes (the models' column sizes).
_TEXT_LIMITS = {
    "name_zh": 200,
    "name_en": 200,
    "main_products_zh": 2000,
    "main_products_en": 2000,
    "contact_name": 100,
}
_LONG_TEXTS = frozenset({"main_products_zh", "main_products_en"})


def _check_amount(value: object, field_name: str, errors: dict[str, object]) -> Decimal | None:
    if value is None or value == "":
        errors[field_name] = _l("Enter an amount in US dollars; enter 0 if there was none.")
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        errors[field_name] = _l("Enter an amount in US dollars, such as 1250000.")
        return None
    if not amount.is_finite():
        errors[field_name] = _l("Enter an amount in US dollars, such as 1250000.")
        return None
    if amount < 0:
        errors[field_name] = _l("The amount cannot be negative; enter 0 if there was none.")
        return None
    if amount > MAX_AMOUNT:
        errors[field_name] = _l("This amount is too large; enter it in US dollars, not cents.")
        return None
    return amount.quantize(Decimal("0.01"))


def _check_website(raw: str, errors: dict[str, object]) -> str:
    website = raw.strip()
    if not website:
        return ""
    if "://" not in website:
        # People type what the browser's address bar shows: www.example.com.
        website = f"https://{website}"
    try:
        parts = urlsplit(website)
    except ValueError:  # e.g. an unclosed "[" where an IPv6 address would be
        errors["website"] = _l("Enter a web address such as https://www.example.com.")
        return website
    if parts.scheme.lower() not in ("http", "https"):
        errors["website"] = _l("Enter a web address that starts with http:// or https://.")
    elif (
        not parts.hostname
        or "." not in parts.hostname
        or any(character.isspace() for character in website)
        or has_control_characters(website)
    ):
        errors["website"] = _l("Enter a web address such as https://www.example.com.")
    elif len(website) > 255:
        errors["website"] = _l("Use at most %(max)d characters.", max=255)
    return website


def validated_profile(data: EnterpriseData) -> dict[str, object]:
    """Check a whole profile; the values to store, or every field's message at once."""
    errors: dict[str, object] = {}
    text = {
        name: checked(
            errors, name, text_check(limit, multiline=name in _LONG_TEXTS), getattr(data, name)
        )
        for name, limit in _TEXT_LIMITS.items()
    }
    if not (text["name_zh"] or text["name_en"]):
        errors["name_zh"] = _l("Enter the enterprise's name in Chinese or English (or both).")

    credit_code = ""
    try:
        credit_code = validate_credit_code(data.credit_code)
    except InvalidInput as error:
        errors.update(error.errors)
    if data.prefecture not in PREFECTURES_BY_CODE:
        errors["prefecture"] = _l("Choose a prefecture or autonomous prefecture of Sichuan.")
    if data.industry not in INDUSTRIES_BY_KEY:
        errors["industry"] = _l("Choose an industry from the list.")

    export_value = _check_amount(data.export_value_usd, "export_value_usd", errors)
    import_value = _check_amount(data.import_value_usd, "import_value_usd", errors)

    markets: list[str] = []
    for code in data.target_markets or ():
        code = (code or "").strip().upper()
        if code not in country_codes():
            errors["target_markets"] = _l("Choose the target markets from the list of countries.")
        elif code not in markets:
            markets.append(code)

    website = _check_website(data.website or "", errors)
    contact_phone = checked(errors, "contact_phone", check_phone, data.contact_phone)
    contact_email = checked(errors, "contact_email", check_email, data.contact_email)

    if errors:
        raise InvalidInput(errors)
    return {
        **text,
        "credit_code": credit_code,
        "prefecture": data.prefecture,
        "industry": data.industry,
        "export_value_usd": export_value,
        "import_value_usd": import_value,
        "target_markets": markets,
        "website": website,
        "contact_phone": contact_phone,
        "contact_email": contact_email,
    }


def find_enterprise_by_credit_code(credit_code: str) -> Enterprise | None:
    return db.session.execute(
        sa.select(Enterprise).where(Enterprise.credit_code == credit_code)
    ).scalar_one_or_none()


def _code_taken(credit_code: str, *, other_than: Enterprise | None = None) -> bool:
    """Whether another enterprise holds the code.

    A sign-up whose address was never verified does not hold it for ever: once its link
    has expired unused, it is removed (see :func:`_is_abandoned_sign_up`) and the code is
    free for the company that comes next.
    """
    existing = find_enterprise_by_credit_code(credit_code)
    if existing is None or existing is other_than:
        return False
    if _is_abandoned_sign_up(existing):
        _remove_abandoned_sign_up(existing)
        return False
    return True


def _is_abandoned_sign_up(enterprise: Enterprise) -> bool:
    """Signed up, never confirmed by mail, and nothing else has come of it.

    Every account of the enterprise is unverified and older than the verification link's
    lifetime, so no link that could still confirm one is out there; the organizers have
    neither verified the enterprise nor put it on their lists; and it has no application
    (an unverified account cannot apply) and no place in a delegation.
    """
    if enterprise.verified or enterprise.key_enterprise or not enterprise.users:
        return False
    horizon = utcnow() - timedelta(seconds=accounts_services.email_verification_max_age())
    if any(user.email_verified or user.created_at > horizon for user in enterprise.users):
        return False
    if enterprise.created_at > horizon:
        return False
    used = sa.union_all(
        sa.select(Application.id).where(Application.enterprise_id == enterprise.id),
        sa.select(Member.id).where(Member.enterprise_id == enterprise.id),
        sa.select(item_enterprises.c.item_id).where(
            item_enterprises.c.enterprise_id == enterprise.id
        ),
    )
    return db.session.execute(sa.select(used.subquery()).limit(1)).first() is None


def _remove_abandoned_sign_up(enterprise: Enterprise) -> None:
    record(
        None,
        AuditAction.ENTERPRISE_SIGN_UP_EXPIRED,
        enterprise,
        credit_code=enterprise.credit_code,
        name_zh=enterprise.name_zh,
        name_en=enterprise.name_en,
    )
    for user in list(enterprise.users):
        db.session.delete(user)
    db.session.delete(enterprise)
    db.session.flush()


def _insert(values: dict[str, object]) -> Enterprise:
    """Add the enterprise; a code registered meanwhile by someone else is refused.

    No savepoint here on purpose: on SQLite a savepoint that opens the transaction
    commits when released, which would keep the enterprise even if the caller rolls
    back. After a refusal the caller rolls back, as it does for any ``InvalidInput``.
    """
    enterprise = Enterprise(**values)
    db.session.add(enterprise)
    try:
        db.session.flush()
    except sa.exc.IntegrityError as error:
        raise InvalidInput({"credit_code": ALREADY_REGISTERED}) from error
    return enterprise


def register_enterprise(
    *,
    email: str,
    password: str,
    name: str,
    mobile: str = "",
    locale: str = "zh",
    enterprise: EnterpriseData,
    email_verified: bool = True,
) -> tuple[User, Enterprise]:
    """Sign-up: a new enterprise and its first user, both or neither.

    The enterprise's mistakes and a registered email address are reported together,
    before anything is written. A code that is already registered means a colleague is
    on Expo: the message says to ask them for an invitation rather than creating a
    second profile. On ``InvalidInput`` the caller rolls back.
    """
    errors: dict[str, object] = {}
    values: dict[str, object] = {}
    try:
        values = validated_profile(enterprise)
    except InvalidInput as error:
        errors.update(error.errors)
    if "credit_code" not in errors and _code_taken(validate_credit_code(enterprise.credit_code)):
        errors["credit_code"] = ALREADY_REGISTERED
    if find_user_by_email(email) is not None:
        errors["email"] = EmailAlreadyRegistered.message
    if errors:
        raise InvalidInput(errors)
    # The enterprise first: its plain INSERT opens the transaction, so the savepoint
    # create_user uses is nested in it and the caller's rollback undoes both rows.
    organisation = _insert(values)
    user = create_user(
        email=email,
        password=password,
        name=name,
        mobile=mobile,
        role=Role.ENTERPRISE,
        locale=locale,
        email_verified=email_verified,
    )
    user.enterprise = organisation
    db.session.flush()
    return user, organisation


def sign_up(
    *,
    email: str,
    password: str,
    name: str,
    mobile: str = "",
    locale: str = "zh",
    enterprise: EnterpriseData,
) -> User | None:
    """Sign-up as the public form does it: nobody learns from it who is registered.

    Mistakes in what was typed are reported at the fields. Otherwise the answer is the
    same whatever happened, and the news goes by email to the address typed, which only
    its owner reads: a new account gets the link that verifies its address; an address
    that has an account gets a note (sign in, or reset the password); a credit code that
    is registered gets a note to ask for an invitation. Returns the new user, or None
    when nothing was made.
    """
    values = validated_profile(enterprise)
    owner = find_user_by_email(email)
    if owner is not None:
        accounts_services.spend_password_hashing_time(password)
        accounts_services.tell_owner_of_signup_attempt(
            owner,
            sign_in_url=external_url("accounts.login"),
            reset_url=external_url("accounts.request_password_reset"),
        )
        return None
    holder = find_enterprise_by_credit_code(str(values["credit_code"]))
    if holder is not None and holder.unclaimed:
        user = _take_over(
            holder, values, email=email, password=password, name=name, mobile=mobile, locale=locale
        )
    elif _code_taken(str(values["credit_code"])):
        accounts_services.spend_password_hashing_time(password)
        address = normalise_email(email)
        send_templated_email(
            address,
            "signup_enterprise_taken",
            locale,
            name=name,
            credit_code=values["credit_code"],
            claim_url=claim_url(address, str(values["credit_code"])),
            valid_for=timedelta(seconds=claim_link_max_age()),
        )
        return None
    else:
        user, _organisation = register_enterprise(
            email=email,
            password=password,
            name=name,
            mobile=mobile,
            locale=locale,
            enterprise=enterprise,
            email_verified=False,
        )
    accounts_services.send_email_verification(
        user, verify_url=lambda token: external_url("accounts.verify_email", token=token)
    )
    return user


def _take_over(
    enterprise: Enterprise,
    values: dict[str, object],
    *,
    email: str,
    password: str,
    name: str,
    mobile: str,
    locale: str,
) -> User:
    """The first sign-up with the code of an enterprise from the key-enterprise list.

    The company's own profile replaces the few facts the department's list gave; the
    enterprise stays on the list, and is not verified until an organizer checks it.
    """
    user = create_user(
        email=email,
        password=password,
        name=name,
        mobile=mobile,
        role=Role.ENTERPRISE,
        locale=locale,
        email_verified=False,
    )
    for key, value in values.items():
        setattr(enterprise, key, value)
    enterprise.unclaimed = False
    user.enterprise = enterprise
    db.session.flush()
    record(user, AuditAction.ENTERPRISE_TAKEN_OVER, enterprise, email=user.email)
    return user


def create_enterprise_for(user: User, data: EnterpriseData) -> Enterprise:
    """The enterprise of an enterprise user who has none (accounts made before sign-up
    asked for the enterprise, or by the command line)."""
    if user.role != Role.ENTERPRISE or user.enterprise_id is not None:
        raise PermissionDenied()
    values = validated_profile(data)
    if _code_taken(str(values["credit_code"])):
        raise InvalidInput({"credit_code": ALREADY_REGISTERED})
    enterprise = _insert(values)
    user.enterprise = enterprise
    db.session.flush()
    return enterprise


# What organizers check when they verify an enterprise, and what a certificate prints: an
# enterprise that changes any of these itself is no longer verified until they check again.
IDENTITY_FIELDS = frozenset({"name_zh", "name_en", "credit_code", "prefecture"})


def update_profile(enterprise: Enterprise, data: EnterpriseData, *, actor: User) -> Enterprise:
    """Save a profile edited by one of the enterprise's users or by an organizer.

    A verified enterprise that changes its own name (in either language), credit code or
    prefecture is no longer verified: the organizers checked the old ones, and otherwise
    a verified enterprise could take another's name and be certified in it. The organizers
    are told by email, and confirm the enterprise again on its page.
    """
    if not (actor.is_organizer or actor.enterprise_id == enterprise.id):
        raise PermissionDenied()
    values = validated_profile(data)
    if _code_taken(str(values["credit_code"]), other_than=enterprise):
        raise InvalidInput({"credit_code": CODE_OF_ANOTHER_ENTERPRISE})
    changed = sorted(name for name, value in values.items() if getattr(enterprise, name) != value)
    if not changed:
        return enterprise
    for name in changed:
        setattr(enterprise, name, values[name])
    details: dict[str, object] = {"fields": changed}
    identity_changed = sorted(IDENTITY_FIELDS.intersection(changed))
    unverified = bool(identity_changed) and enterprise.verified and not actor.is_organizer
    if unverified:
        enterprise.verified = False
        details["verified"] = False
    try:
        db.session.flush()
    except sa.exc.IntegrityError as error:
        raise InvalidInput({"credit_code": CODE_OF_ANOTHER_ENTERPRISE}) from error
    record(actor, AuditAction.ENTERPRISE_UPDATE, enterprise, **details)
    if unverified:
        record(actor, AuditAction.ENTERPRISE_UNVERIFIED, enterprise, fields=identity_changed)
        _tell_organizers_unverified(enterprise, actor=actor)
    db.session.flush()
    return enterprise


def active_organizers() -> list[User]:
    """Who is told when an enterprise needs an organizer's look: organizers and admins."""
    return list(
        db.session.scalars(
            db.select(User)
            .where(User.role.in_([Role.ORGANIZER.value, Role.ADMIN.value]), User.active.is_(True))
            .order_by(User.id)
        )
    )


def _tell_organizers_unverified(enterprise: Enterprise, *, actor: User) -> None:
    """Mail every active organizer (after the commit) that an enterprise needs checking."""
    review_url = external_url("enterprises.manage_detail", enterprise_id=enterprise.id)
    for organizer in active_organizers():
        send_templated_email(
            organizer.email,
            "enterprise_unverified",
            organizer.locale,
            enterprise=enterprise,
            editor=actor,
            review_url=review_url,
        )


def enterprise_data_from(enterprise: Enterprise) -> EnterpriseData:
    return EnterpriseData(
        **{item.name: getattr(enterprise, item.name) for item in fields(EnterpriseData)}
    )


def set_flags(
    enterprise: Enterprise, *, verified: bool, key_enterprise: bool, actor: User
) -> Enterprise:
    """Organizers mark an enterprise as verified and as a key enterprise (千户重点)."""
    if not actor.is_organizer:
        raise PermissionDenied()
    verified, key_enterprise = bool(verified), bool(key_enterprise)
    if (enterprise.verified, enterprise.key_enterprise) == (verified, key_enterprise):
        return enterprise
    enterprise.verified, enterprise.key_enterprise = verified, key_enterprise
    record(
        actor,
        AuditAction.ENTERPRISE_FLAGS,
        enterprise,
        verified=verified,
        key_enterprise=key_enterprise,
    )
    db.session.flush()
    return enterprise


# --- colleagues and invitations --------------------------------------------------------


@dataclass(frozen=True)
class Invitation:
    enterprise: Enterprise
    email: str


def _invitation_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(signing_keys(), salt=INVITATION_SALT)


def invitation_max_age() -> int:
    return int(current_app.config.get("ENTERPRISE_INVITATION_MAX_AGE", DEFAULT_INVITATION_MAX_AGE))


def make_invitation_token(enterprise: Enterprise, email: str) -> str:
    return _invitation_serializer().dumps({"enterprise": enterprise.id, "email": email})


def invite_colleague(
    enterprise: Enterprise, email: str, *, actor: User, accept_url: Callable[[str], str]
) -> str:
    """Email a colleague a link to join the enterprise; returns the link's token (empty
    when the address has an account with another enterprise: its owner is told instead).

    ``accept_url`` turns the token into the absolute link (the caller knows the site's
    address). The email is in the inviter's language: they know the colleague's.
    """
    if not (actor.is_organizer or actor.enterprise_id == enterprise.id):
        raise PermissionDenied()
    errors: dict[str, object] = {}
    email = checked(errors, "email", check_email, email)
    if not email and not errors:
        errors["email"] = _l("Enter your colleague's email address.")
    if errors:
        raise InvalidInput(errors)
    existing = find_user_by_email(email)
    if existing is not None and existing.enterprise_id == enterprise.id:
        # The inviter sees their colleagues on the enterprise's page: this tells them nothing.
        raise InvalidInput(
            {"email": _l("%(email)s already uses Expo for your enterprise.", email=email)}
        )
    if existing is not None:
        # An account elsewhere cannot join; its owner is told, and the inviter sees what any
        # invitation shows, so inviting does not reveal which addresses have accounts.
        send_templated_email(
            existing.email,
            "invitation_address_taken",
            existing.locale,
            inviter=actor,
            enterprise=enterprise,
        )
        record(actor, AuditAction.ENTERPRISE_INVITE, enterprise, email=email, has_account=True)
        db.session.flush()
        return ""
    token = make_invitation_token(enterprise, email)
    send_templated_email(
        email,
        "enterprise_invitation",
        actor.locale,
        inviter=actor,
        enterprise=enterprise,
        accept_url=accept_url(token),
        valid_for=timedelta(seconds=invitation_max_age()),
    )
    record(actor, AuditAction.ENTERPRISE_INVITE, enterprise, email=email)
    db.session.flush()
    return token


def invitation_from_token(token: str) -> Invitation | None:
    """The invitation a valid, unexpired and unused token stands for, else None."""
    try:
        payload = _invitation_serializer().loads(token, max_age=invitation_max_age())
    except BadSignature:  # also SignatureExpired
        return None
    if not isinstance(payload, dict):
        return None
    enterprise_id, email = payload.get("enterprise"), payload.get("email")
    if not isinstance(enterprise_id, int) or not isinstance(email, str):
        return None
    enterprise = db.session.get(Enterprise, enterprise_id)
    # Once the address has an account the link has done its work: it cannot be used again.
    if enterprise is None or find_user_by_email(email) is not None:
        return None
    return Invitation(enterprise, email)


def accept_invitation(
    token: str, *, name: str, password: str, mobile: str = "", locale: str = "zh"
) -> User:
    """The colleague's account, linked to the inviting enterprise, with the invited address."""
    invitation = invitation_from_token(token)
    if invitation is None:
        raise InvitationInvalid()
    user = create_user(
        email=invitation.email,
        password=password,
        name=name,
        mobile=mobile,
        role=Role.ENTERPRISE,
        locale=locale,
    )
    user.enterprise = invitation.enterprise
    db.session.flush()
    return user


def colleagues(enterprise: Enterprise) -> list[User]:
    query = sa.select(User).where(User.enterprise_id == enterprise.id).order_by(User.name, User.id)
    return list(db.session.execute(query).scalars())


# --- organizers --------------------------------------------------------------------------


def search_enterprises(
    query: str | None = None,
    prefecture: str | None = None,
    industry: str | None = None,
    key_only: bool = False,
    page: int = 1,
    per_page: int = 20,
) -> Pagination:
    """A page of enterprises by name (either language) or credit code, newest first.

    Two statements whatever the number of rows: the count and the page.
    """
    statement = sa.select(Enterprise)
    text = (query or "").strip()
    if text:
        pattern = like_pattern(text)
        conditions = [
            Enterprise.name_zh.ilike(pattern, escape="\\"),
            Enterprise.name_en.ilike(pattern, escape="\\"),
        ]
        code = uscc.compact(unicodedata.normalize("NFKC", text))
        if code:
            conditions.append(Enterprise.credit_code.like(like_pattern(code), escape="\\"))
        statement = statement.where(sa.or_(*conditions))
    if prefecture:
        statement = statement.where(Enterprise.prefecture == prefecture)
    if industry:
        statement = statement.where(Enterprise.industry == industry)
    if key_only:
        statement = statement.where(Enterprise.key_enterprise.is_(True))
    statement = statement.order_by(Enterprise.created_at.desc(), Enterprise.id.desc())
    return db.paginate(statement, page=page, per_page=per_page, error_out=False)


def audit_entries(enterprise: Enterprise, limit: int = 50) -> list[AuditEntry]:
    """The latest recorded actions on an enterprise, with who did them."""
    query = (
        sa.select(AuditEntry)
        .where(
            AuditEntry.subject_type == Enterprise.__tablename__,
            AuditEntry.subject_id == enterprise.id,
        )
        .options(selectinload(AuditEntry.actor))
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .limit(limit)
    )
    return list(db.session.execute(query).scalars())

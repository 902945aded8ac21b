"""Visa invitation letters for the members of an inbound (import-expansion) delegation.

One letter per member, from the Sichuan Provincial Department of Commerce to the visa
office of a Chinese embassy or consulate: the member's name in Latin letters as in the
passport, nationality, passport number (whole: it is for the visa office), organization,
the purpose of the visit, the dates of stay, who covers the costs and whom to contact.
The Chinese letter and its English version are printed on consecutive pages, each a
whole letter. Only inbound delegations come to China, so only they have letters.

A letter is rendered on request (the member's details may be corrected until the visa
application leaves), never stored. A small delegation's letters come in one file at once;
a larger one's are printed by a job (``expo.jobs.delegation_jobs``), a file per member.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

from expo.delegations.models import Delegation, Direction, Member
from expo.documents.render import AUTHORS, ISSUER_TIMEZONE, render_pdf
from expo.errors import DomainError
from expo.i18n import city_and_country, country_name, document_date, document_date_range, pick

if TYPE_CHECKING:
    from expo.accounts.models import User

TEMPLATE = "documents/invitation_letter.html"
PROGRAMME = {
    "zh": "四川省扩大进口专项行动",
    "en": "the Sichuan special action to expand imports",
}
# Who pays: the usual wording for buyers' delegations; change it here if the department
# hosts a delegation at its own expense.
COSTS = {
    "zh": "受邀人往返国际旅费及在华期间的食宿、交通等费用由受邀人或其所在单位承担。",
    "en": (
        "The international travel of the invitee and the costs of accommodation, meals "
        "and transport during the stay in China are borne by the invitee or their organization."
    ),
}


# The most letters printed in one request; a larger delegation's are printed by a job.
LETTERS_AT_ONCE = 10


class NotInbound(DomainError):
    message = _l("Invitation letters are for inbound delegations only.")
    status_code = 404


def has_letters(delegation: Delegation) -> bool:
    return delegation.direction == Direction.INBOUND.value


def _place(delegation: Delegation, language: str) -> str:
    city = pick(delegation.destination_city_zh, delegation.destination_city_en, language)
    country = country_name(delegation.destination_country, language)
    return city_and_country(city, country, language)


def _purpose(delegation: Delegation, language: str) -> dict[str, object]:
    events = [pick(event.title_zh, event.title_en, language) for event in delegation.events]
    campaign = delegation.campaign
    programme = (
        pick(campaign.title_zh, campaign.title_en, language) if campaign else PROGRAMME[language]
    )
    return {"programme": programme, "events": events}


def _member_texts(member: Member, language: str) -> dict[str, str]:
    return {
        "name": (member.name_latin or member.name_zh or "").strip(),
        "name_zh": (member.name_zh or "").strip(),
        "nationality": country_name(member.nationality, language) if member.nationality else "",
        "passport": member.passport_number or "",
        "organization": (
            pick(member.enterprise.name_zh, member.enterprise.name_en, language)
            if member.enterprise
            else member.organization
        ),
        "position": member.title,
    }


def letter_context(
    delegation: Delegation,
    members: Sequence[Member],
    *,
    contact: User | None = None,
    today: date | None = None,
) -> dict[str, object]:
    """What the letters print, in Chinese and English, for each of ``members``.

    ``contact`` is the organizer the visa office may call (their name, email and mobile);
    the delegation's emergency contacts are printed too.
    """
    if not has_letters(delegation):
        raise NotInbound()
    today = today or datetime.now(ZoneInfo(ISSUER_TIMEZONE)).date()
    texts = {}
    for language in ("zh", "en"):
        texts[language] = {
            "issuer": AUTHORS[language],
            "date": document_date(today, language),
            "delegation": pick(delegation.title_zh, delegation.title_en, language),
            "stay": document_date_range(delegation.starts_on, delegation.ends_on, language),
            "place": _place(delegation, language),
            "costs": COSTS[language],
            **_purpose(delegation, language),
        }
    organizer = None
    if contact is not None:
        organizer = {
            "name": getattr(contact, "name", "") or "",
            "email": getattr(contact, "email", "") or "",
            "mobile": getattr(contact, "mobile", "") or "",
        }
    return {
        "delegation": delegation,
        "zh": texts["zh"],
        "en": texts["en"],
        "letters": [
            {
                "reference": f"EXPO-D{delegation.id}-M{member.id}",
                "zh": _member_texts(member, "zh"),
                "en": _member_texts(member, "en"),
            }
            for member in members
        ],
        "organizer": organizer,
        "contacts": list(delegation.contacts),
    }


def letters_title(delegation: Delegation, members: Sequence[Member]) -> str:
    if len(members) == 1:
        name = (members[0].name_latin or members[0].name_zh).strip()
        return f"邀请函 · Invitation letter · {name}"
    title = pick(delegation.title_zh, delegation.title_en, "zh")
    return f"邀请函 · Invitation letters · {title}"


def render_invitation_letters(
    delegation: Delegation, members: Sequence[Member], *, contact: User | None = None
) -> bytes:
    """One PDF with a letter (Chinese page, then English page) for each of ``members``."""
    context = letter_context(delegation, members, contact=contact)
    return render_pdf(TEMPLATE, language="zh", title=letters_title(delegation, members), **context)

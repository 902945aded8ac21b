"""A delegation's itinerary on paper: whole, or one member's, day by day.

Each item is printed in its own local time with the zone named (a flight leaves in one
zone and lands in another), as on the itinerary pages; the emergency contacts and a QR
code to the online itinerary come first, so the sheet a traveller carries tells them
whom to call and where to find the latest version.

Where the QR code leads:

- the whole itinerary: ``/delegations/<id>``, which shows an enterprise user the
  delegation and sends an organizer on to its management page;
- a member's itinerary printed through their share link: the share link itself, the page
  the traveller already reads. Only a hash of the token is stored, so this PDF can be
  made only where the token is known: in the request that carries it;
- a member's itinerary printed by an organizer: the organizer's page of that member's
  itinerary (a share link cannot be recovered, and making one would revoke the old).

Itineraries change until the trip ends, so they are rendered on request, never stored.
"""

from __future__ import annotations

from expo.delegations import itinerary
from expo.delegations.models import Delegation, Member
from expo.documents.render import qr_data_uri, render_pdf
from expo.i18n import pick
from expo.urls import external_url

TEMPLATE = "documents/itinerary.html"
TITLES = {"zh": "行程", "en": "Itinerary"}


def itinerary_title(delegation: Delegation, language: str, member: Member | None = None) -> str:
    title = pick(delegation.title_zh, delegation.title_en, language)
    parts = [title, TITLES.get(language, TITLES["en"])]
    if member is not None:
        parts.append(member.display_name)
    return " · ".join(part for part in parts if part)


def online_itinerary_url(delegation: Delegation, member: Member | None = None) -> str:
    """Where the QR code of an itinerary printed from Expo's own pages leads."""
    if member is None:
        return external_url("delegations.detail", delegation_id=delegation.id)
    return external_url(
        "delegations.member_itinerary", delegation_id=delegation.id, member_id=member.id
    )


def render_itinerary(
    delegation: Delegation,
    *,
    language: str,
    member: Member | None = None,
    online_url: str | None = None,
) -> bytes:
    """The itinerary's PDF in ``language``: A4 portrait, numbered pages.

    ``member`` limits it to that member's items; ``online_url`` is what the QR code
    holds (by default :func:`online_itinerary_url`).
    """
    url = online_url or online_itinerary_url(delegation, member)
    return render_pdf(
        TEMPLATE,
        language=language,
        title=itinerary_title(delegation, language, member),
        delegation=delegation,
        member=member,
        days=itinerary.timeline(delegation, member),
        online_url=url,
        qr_code=qr_data_uri(url),
    )

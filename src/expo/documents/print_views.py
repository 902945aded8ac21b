"""Printed documents of delegations and events: itineraries, name badges, visa letters.
The routes join the documents area's blueprint, ``documents.views.bp``.

Who gets what:

- a delegation's whole itinerary: organizers, and enterprise users whose people travel
  with it (the rule of the delegation's page; 404 for others, so an id reveals nothing);
- one member's itinerary: organizers, and whoever holds the member's share link
  (``/itinerary/<token>.pdf``, no account, dead once the link is revoked);
- an event's name badges and an inbound delegation's invitation letters: organizers.

Anonymous visitors get the sign-in page, except on the share link.
"""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from expo.accounts.access import check_in_desk_required, login_required, organizer_required
from expo.attendance.forms import DeskForm
from expo.attendance.services import standing_check_in
from expo.delegations import services as delegation_services
from expo.delegations.access import delegation_or_404, member_or_404
from expo.delegations.models import Delegation, Member
from expo.documents import badges, itineraries, letters
from expo.documents.views import bp
from expo.events.models import Event
from expo.i18n import current_language, html_lang
from expo.urls import external_url
from expo.web import PRIVATE_LINK_HEADERS, get_or_404


def _pdf(body: bytes, filename: str, headers: dict[str, str] | None = None) -> Response:
    response = Response(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers.update(headers or {})
    return response


def _language_headers(language: str) -> dict[str, str]:
    return {"Content-Language": html_lang(language)}


@bp.get("/delegations/<int:delegation_id>/itinerary.pdf")
@login_required
def itinerary(delegation_id: int) -> ResponseReturnValue:
    delegation: Delegation | None
    if current_user.is_organizer:
        delegation = delegation_or_404(delegation_id)
    else:
        enterprise = current_user.enterprise
        delegation = (
            delegation_services.enterprise_delegation(enterprise, delegation_id)
            if enterprise
            else None
        )
    if delegation is None:
        abort(404)
    language = current_language()
    pdf = itineraries.render_itinerary(delegation, language=language)
    return _pdf(pdf, f"itinerary-{delegation.id}-{language}.pdf", _language_headers(language))


@bp.get("/manage/delegations/<int:delegation_id>/members/<int:member_id>/itinerary.pdf")
@organizer_required
def member_itinerary(delegation_id: int, member_id: int) -> ResponseReturnValue:
    delegation = delegation_or_404(delegation_id)
    member = member_or_404(delegation, member_id)
    language = current_language()
    pdf = itineraries.render_itinerary(delegation, language=language, member=member)
    filename = f"itinerary-{delegation.id}-member-{member.id}-{language}.pdf"
    return _pdf(pdf, filename, _language_headers(language))


@bp.get("/itinerary/<token>.pdf")
def shared_itinerary(token: str) -> ResponseReturnValue:
    member = delegation_services.member_for_share_token(token)
    if member is None:
        abort(404)
    language = current_language()
    pdf = itineraries.render_itinerary(
        member.delegation,
        language=language,
        member=member,
        # The QR code leads back to the link this reader holds.
        online_url=external_url("delegations.shared", token=token),
    )
    headers = {**PRIVATE_LINK_HEADERS, **_language_headers(language)}
    return _pdf(pdf, f"itinerary-{language}.pdf", headers)


# --- name badges --------------------------------------------------------------------------


@bp.get("/manage/events/<int:event_id>/badges.pdf")
@organizer_required
def event_badges(event_id: int) -> ResponseReturnValue:
    event = get_or_404(Event, event_id)
    delegates = badges.approved_delegates(event)
    if not delegates:
        flash(_("No approved application has delegates yet: there are no badges to print."), "info")
        return redirect(url_for("registrations.manage_list", event_id=event.id))
    return _pdf(badges.render_badge_sheet(event, delegates), f"badges-{event.id}.pdf")


@bp.get("/manage/events/<int:event_id>/check-in/<token>")
@check_in_desk_required
def check_in(event_id: int, token: str) -> ResponseReturnValue:
    """What a badge's QR code opens: whose badge it is, whether it is still good, and a
    button that checks the delegate in (a POST: opening the address changes nothing)."""
    event = get_or_404(Event, event_id)
    delegate = badges.delegate_for_check_in(event, token)
    body = render_template(
        "documents/_badge_check_in.html",
        event=event,
        delegate=delegate,
        standing=standing_check_in(delegate.id) if delegate else None,
        form=DeskForm(formdata=None),
    )
    return body, 200 if delegate else 404, {"Cache-Control": "no-store"}


# --- visa invitation letters -------------------------------------------------------------


def _letters(delegation: Delegation, members: list[Member], filename: str) -> Response:
    if not letters.has_letters(delegation):
        abort(404)  # outbound: nobody is invited to China; the pages offer no letters
    user = current_user._get_current_object()
    pdf = letters.render_invitation_letters(delegation, members, contact=user)
    return _pdf(pdf, filename)


@bp.get("/manage/delegations/<int:delegation_id>/members/<int:member_id>/invitation.pdf")
@organizer_required
def invitation(delegation_id: int, member_id: int) -> ResponseReturnValue:
    delegation = delegation_or_404(delegation_id)
    member = member_or_404(delegation, member_id)
    return _letters(delegation, [member], f"invitation-{delegation.id}-member-{member.id}.pdf")


@bp.get("/manage/delegations/<int:delegation_id>/invitations.pdf")
@organizer_required
def invitations(delegation_id: int) -> ResponseReturnValue:
    delegation = delegation_or_404(delegation_id)
    if letters.has_letters(delegation) and not delegation.members:
        flash(_("The delegation has no members yet: there are no letters to print."), "info")
        return redirect(url_for("delegations.manage_detail", delegation_id=delegation.id))
    if letters.has_letters(delegation) and len(delegation.members) > letters.LETTERS_AT_ONCE:
        # Minutes of printing in one request: a job prints them, a file per member.
        flash(
            _("Print this delegation's letters with “Print every member's invitation letter”."),
            "info",
        )
        return redirect(
            url_for("delegations.manage_detail", delegation_id=delegation.id, _anchor="members")
        )
    return _letters(delegation, list(delegation.members), f"invitations-{delegation.id}.pdf")

"""Organizer pages for a delegation's itinerary, on the delegations area's blueprint.

Thin: the rules are in ``itinerary``.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from expo.accounts.access import organizer_required
from expo.delegations import itinerary
from expo.delegations.access import delegation_or_404, member_or_404
from expo.delegations.calendar import calendar_ics, ics_response
from expo.delegations.itinerary_forms import ItineraryItemForm
from expo.delegations.models import Delegation, ItineraryItem
from expo.delegations.views import bp
from expo.enterprises.models import Enterprise
from expo.places import single_zone
from expo.web import form_to, get_or_404, render_form, run_action, save_form

ITINERARY = "/manage/delegations/<int:delegation_id>/itinerary"


def _item_of(delegation: Delegation, item_id: int) -> ItineraryItem:
    item = get_or_404(ItineraryItem, item_id)
    if item.delegation_id != delegation.id:
        abort(404)
    return item


def _enterprise_choices(delegation: Delegation, item: ItineraryItem | None) -> list[Enterprise]:
    """The members' enterprises, and any the item already names."""
    found = {
        member.enterprise.id: member.enterprise
        for member in delegation.members
        if member.enterprise
    }
    if item is not None:
        found.update((enterprise.id, enterprise) for enterprise in item.enterprises)
    return list(found.values())


def _default_zone(delegation: Delegation) -> str:
    """Where the next item most likely starts: where the last one ended, or, for the
    first item (usually the flight out), the zone of the country the delegation leaves."""
    if delegation.items:
        return delegation.items[-1].end_timezone
    # China has one zone (Beijing time) however many the tz database lists.
    return single_zone(delegation.origin_country) or ""


def _flash_conflicts(conflicts: list[itinerary.Conflict]) -> None:
    for other, members in itinerary.group_conflicts(conflicts):
        flash(
            ngettext(
                "%(names)s is also in “%(title)s” at that time.",
                "%(names)s are also in “%(title)s” at that time.",
                len(members),
                names=", ".join(member.display_name for member in members),
                title=other.title,
            ),
            "warning",
        )


@bp.route(ITINERARY, methods=["GET", "POST"])
@bp.route(f"{ITINERARY}/<int:item_id>", methods=["GET", "POST"])
@organizer_required
def manage_itinerary(delegation_id: int, item_id: int | None = None):
    delegation = delegation_or_404(delegation_id)  # members with their enterprises
    item = _item_of(delegation, item_id) if item_id else None
    form = ItineraryItemForm(
        obj=itinerary.item_data_from(item) if item else None,
        data=None if item else {"start_timezone": _default_zone(delegation)},
        members=delegation.members,
        enterprises=_enterprise_choices(delegation, item),
        countries=(delegation.destination_country, delegation.origin_country),
    )

    def save() -> itinerary.SavedItem:
        data = form_to(itinerary.ItemData, form)
        if item:
            return itinerary.update_item(item, data)
        return itinerary.add_item(delegation, data)

    saved = save_form(form, save)
    if saved is not None:
        flash(_("Itinerary saved."), "success")
        _flash_conflicts(saved.conflicts)
        return redirect(url_for(".manage_itinerary", delegation_id=delegation.id))
    return render_form(
        "delegations/manage/itinerary.html",
        form,
        delegation=delegation,
        editing=item,
        days=itinerary.timeline(delegation),
    )


@bp.post(f"{ITINERARY}/<int:item_id>/delete")
@organizer_required
def delete_itinerary_item(delegation_id: int, item_id: int):
    delegation = get_or_404(Delegation, delegation_id)
    item = _item_of(delegation, item_id)
    if run_action(lambda: itinerary.delete_item(item)):
        flash(_("Item removed from the itinerary."), "success")
    return redirect(url_for(".manage_itinerary", delegation_id=delegation.id))


@bp.get(f"{ITINERARY}/members/<int:member_id>")
@organizer_required
def member_itinerary(delegation_id: int, member_id: int):
    delegation = get_or_404(Delegation, delegation_id)
    member = member_or_404(delegation, member_id)
    return render_template(
        "delegations/manage/itinerary_member.html",
        delegation=delegation,
        member=member,
        days=itinerary.timeline(delegation, member),
    )


@bp.get(f"{ITINERARY}/calendar.ics")
@organizer_required
def itinerary_calendar(delegation_id: int):
    delegation = get_or_404(Delegation, delegation_id)
    return ics_response(calendar_ics(delegation), f"itinerary-{delegation.id}.ics")


@bp.get(f"{ITINERARY}/members/<int:member_id>/calendar.ics")
@organizer_required
def member_itinerary_calendar(delegation_id: int, member_id: int):
    delegation = get_or_404(Delegation, delegation_id)
    member = member_or_404(delegation, member_id)
    return ics_response(
        calendar_ics(delegation, member),
        f"itinerary-{delegation.id}-member-{member.id}.ics",
    )

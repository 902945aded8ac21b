"""The events area's blueprint and its public pages: the catalogue, an event with its
agenda, a campaign.

The organizer pages join the same blueprint from ``manage_views`` (campaigns, events,
agendas) and ``question_views`` (an event's questions), imported at the end of this module.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request
from flask_login import current_user

from expo.events import services
from expo.events.forms import EventFilterForm
from expo.fields import filter_value
from expo.registrations.services import active_application, booths_left
from expo.web import page_number

bp = Blueprint("events", __name__)


def _organizer() -> bool:
    return current_user.is_authenticated and current_user.is_organizer


@bp.route("/events")
def catalogue():
    organizer = _organizer()
    form = EventFilterForm(
        request.args,
        campaigns=services.all_campaigns() if organizer else services.open_campaigns(),
        countries=services.countries_with_events(include_drafts=organizer),
    )
    form.validate()
    campaign = filter_value(form.campaign)  # one of the listed campaigns' ids, or None
    filters = services.EventFilters(
        campaign_id=int(campaign) if campaign else None,
        country=filter_value(form.country),
        kind=filter_value(form.kind),
        month=filter_value(form.month),
        open_only=bool(form.open.data),
        when=form.when.data if form.when.data in services.WHEN_CHOICES else "upcoming",
        status=filter_value(form.status),
    )
    page = services.search_events(
        filters,
        include_drafts=organizer,
        page=page_number(),
        per_page=current_app.config["EVENTS_PER_PAGE"],
    )
    return render_template(
        "events/catalogue.html",
        form=form,
        page=page,
        organizer=organizer,
        booths_left=booths_left(page.items),
    )


@bp.route("/events/<int:event_id>")
def detail(event_id: int):
    event = services.visible_event(event_id, include_drafts=_organizer())
    if event is None:
        abort(404)
    enterprise = current_user.enterprise if current_user.is_authenticated else None
    return render_template(
        "events/detail.html",
        event=event,
        days=services.agenda_by_day(event),
        own_application=active_application(event, enterprise) if enterprise else None,
    )


@bp.route("/campaigns/<int:campaign_id>")
def campaign(campaign_id: int):
    organizer = _organizer()
    campaign = services.visible_campaign(campaign_id, include_drafts=organizer)
    if campaign is None:
        abort(404)
    events = services.campaign_events(campaign, include_drafts=organizer)
    return render_template(
        "events/campaign.html", campaign=campaign, events=events, booths_left=booths_left(events)
    )


# The organizer pages add their routes to ``bp``; they import it from here.
from expo.events import manage_views, question_views  # noqa: E402, F401

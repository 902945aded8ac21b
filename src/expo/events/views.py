"""The events area's blueprint and its public pages: the catalogue, an event with its
agenda, a campaign.

The organizer pages join the same blueprint from ``manage_views`` (campaigns, events,
agendas) and ``question_views`` (an event's questions), imported at the end of this module.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request
from flask_login import current_user
from markupsafe import Markup

from expo import caching
from expo.db import utcnow
from expo.events import services
from expo.events.forms import EventFilterForm, filter_choices
from expo.fields import filter_value
from expo.i18n import current_language
from expo.registrations.services import active_application, kept_booths_left
from expo.web import page_number

bp = Blueprint("events", __name__)


def _organizer() -> bool:
    return current_user.is_authenticated and current_user.is_organizer


def _filter_choices(organizer: bool):
    """The campaigns and countries the filters offer, kept until an event or a campaign
    changes; per language (their names) and per organizer or not (drafts)."""
    return caching.remember(
        "events",
        ("filter-choices", current_language(), organizer),
        lambda: filter_choices(
            services.all_campaigns() if organizer else services.open_campaigns(),
            services.countries_with_events(include_drafts=organizer),
        ),
    )


def _filters_html(form: EventFilterForm, organizer: bool) -> Markup:
    """The filter form as the page shows it. Its long lists of options cost more to render
    than the rest of the page: kept per language, organizer or not, and the values chosen,
    until an event or a campaign changes. A form with errors is rendered each time."""

    def render() -> str:
        return render_template("events/_filters.html", form=form, organizer=organizer)

    if form.errors:
        return Markup(render())
    chosen = tuple(repr(field.data) for field in form)
    key = ("filters", current_language(), organizer, *chosen)
    return Markup(caching.remember("events", key, render))


def _cards_html(events: list, booths_left: dict[int, int]) -> Markup:
    """The events' cards. Kept until an event or a campaign changes, per language, per
    set of events and what their cards say that changes without them: the booths left and
    where registration stands (not yet open, open, closed, the event over)."""
    now = utcnow()
    shown = tuple(
        (
            event.id,
            booths_left.get(event.id),
            event.registration_opens_later(now),
            event.registration_is_open(now),
            event.registration_has_closed(now),
            event.has_ended(now),
        )
        for event in events
    )
    key = ("cards", current_language(), *shown)
    return Markup(
        caching.remember(
            "events",
            key,
            lambda: render_template("events/_cards.html", events=events, booths_left=booths_left),
        )
    )


@bp.route("/events")
def catalogue():
    organizer = _organizer()
    campaigns, countries = _filter_choices(organizer)
    form = EventFilterForm(request.args, campaigns=campaigns, countries=countries)
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
        filters=_filters_html(form, organizer),
        page=page,
        organizer=organizer,
        cards=_cards_html(page.items, kept_booths_left(page.items)),
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
        "events/campaign.html",
        campaign=campaign,
        events=events,
        booths_left=kept_booths_left(events),
    )


# The organizer pages add their routes to ``bp``; they import it from here.
from expo.events import manage_views, question_views  # noqa: E402, F401

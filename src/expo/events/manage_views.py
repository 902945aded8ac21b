"""Organizer pages of the events area (``/manage/...``): campaigns, events and agendas.

Their routes join the area's blueprint, ``events.views.bp``. Thin: the rules are in services.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from expo.accounts.access import organizer_required
from expo.dashboards import services as dashboards
from expo.db import utcnow
from expo.events import services
from expo.events.forms import CampaignForm, EventCopyForm, EventForm, SessionForm
from expo.events.models import AgendaSession, Campaign, Event
from expo.events.views import bp
from expo.i18n import current_language
from expo.jobs import campaign_runs
from expo.web import form_to, get_or_404, page_number, query_id, render_form, run_service, save_form

MANAGED_EVENTS_PER_PAGE = 50

# --- campaigns -------------------------------------------------------------------------


@bp.route("/manage/campaigns")
@organizer_required
def manage_campaigns():
    page = services.campaigns_page(page_number())
    # Each row links its campaign's newest certificate run: one query for the whole page.
    runs = campaign_runs.latest_runs([campaign.id for campaign in page.items])
    return render_template("events/manage/campaigns.html", page=page, latest_runs=runs)


@bp.route("/manage/campaigns/new", methods=["GET", "POST"])
@bp.route("/manage/campaigns/<int:campaign_id>/edit", methods=["GET", "POST"])
@organizer_required
def campaign_form(campaign_id: int | None = None):
    campaign = get_or_404(Campaign, campaign_id) if campaign_id else None
    form = CampaignForm(
        obj=services.campaign_data_from(campaign) if campaign else None,
        data=None if campaign else {"year": utcnow().year},
    )

    def save() -> Campaign:
        data = form_to(services.CampaignData, form)
        if campaign:
            return services.update_campaign(campaign, data)
        return services.create_campaign(data)

    if save_form(form, save) is not None:
        flash(_("Campaign saved."), "success")
        return redirect(url_for(".manage_campaigns"))
    return render_form("events/manage/campaign_form.html", form, campaign=campaign)


@bp.post("/manage/campaigns/<int:campaign_id>/<any(publish, archive):action>")
@organizer_required
def campaign_status(campaign_id: int, action: str):
    campaign = get_or_404(Campaign, campaign_id)
    change = services.publish_campaign if action == "publish" else services.archive_campaign
    if run_service(lambda: change(campaign)) is not None:
        flash(
            _(
                "Campaign “%(title)s” is now %(status)s.",
                title=campaign.title,
                status=campaign.status_label,
            ),
            "success",
        )
    return redirect(url_for(".manage_campaigns"))


# --- events ----------------------------------------------------------------------------


@bp.route("/manage/events")
@organizer_required
def manage_events():
    """Every event as a table, coming ones first, sortable by its columns' counts."""
    sort = request.args.get("sort", "starts")
    sort = sort if sort in dashboards.SORTS else "starts"
    descending = request.args.get("order") == "desc"
    page, counts = dashboards.events_table(
        sort=sort,
        descending=descending,
        language=current_language(),
        page=page_number(),
        per_page=MANAGED_EVENTS_PER_PAGE,
    )
    return render_template(
        "events/manage/events.html", page=page, counts=counts, sort=sort, descending=descending
    )


@bp.route("/manage/events/new", methods=["GET", "POST"])
@bp.route("/manage/events/<int:event_id>/edit", methods=["GET", "POST"])
@organizer_required
def event_form(event_id: int | None = None):
    event = get_or_404(Event, event_id) if event_id else None
    defaults = None
    if event is None:
        defaults = {"campaign_id": query_id("campaign"), "max_delegates": 3}
    form = EventForm(
        obj=services.event_data_from(event) if event else None,
        data=defaults,
        campaigns=services.all_campaigns(),
    )

    def save() -> Event:
        data = form_to(services.EventData, form)
        return services.update_event(event, data) if event else services.create_event(data)

    saved = save_form(form, save)
    if saved is not None:
        flash(_("Event saved."), "success")
        return redirect(url_for("events.detail", event_id=saved.id))
    return render_form("events/manage/event_form.html", form, event=event)


@bp.post("/manage/events/<int:event_id>/<any(publish, archive):action>")
@organizer_required
def event_status(event_id: int, action: str):
    event = get_or_404(Event, event_id)
    change = services.publish_event if action == "publish" else services.archive_event
    if run_service(lambda: change(event), category="danger") is not None:
        flash(
            _("Event “%(title)s” is now %(status)s.", title=event.title, status=event.status_label),
            "success",
        )
    return redirect(url_for("events.detail", event_id=event.id))


@bp.route("/manage/events/<int:event_id>/copy", methods=["GET", "POST"])
@organizer_required
def copy_event(event_id: int):
    """A draft like this event on a new date, for next year's edition of a fair."""
    event = get_or_404(Event, event_id)
    form = EventCopyForm()
    actor = current_user._get_current_object()
    copy = save_form(form, lambda: services.copy_event(event, form.starts_on.data, actor=actor))
    if copy is not None:
        flash(_("A draft copy has been made. Check it, then publish it."), "success")
        return redirect(url_for(".event_form", event_id=copy.id))
    return render_form("events/manage/copy.html", form, event=event)


# --- agenda ----------------------------------------------------------------------------


@bp.route("/manage/events/<int:event_id>/sessions", methods=["GET", "POST"])
@bp.route("/manage/events/<int:event_id>/sessions/<int:session_id>", methods=["GET", "POST"])
@organizer_required
def sessions(event_id: int, session_id: int | None = None):
    event = get_or_404(Event, event_id)
    session = get_or_404(AgendaSession, session_id) if session_id else None
    if session is not None and session.event_id != event.id:
        abort(404)
    form = SessionForm(obj=services.session_data_from(session) if session else None)

    def save() -> AgendaSession:
        data = form_to(services.SessionData, form)
        if session:
            return services.update_session(session, data)
        return services.add_session(event, data)

    if save_form(form, save) is not None:
        flash(_("Agenda saved."), "success")
        return redirect(url_for(".sessions", event_id=event.id))
    return render_form(
        "events/manage/sessions.html",
        form,
        event=event,
        editing=session,
        days=services.agenda_by_day(event),
    )


@bp.post("/manage/events/<int:event_id>/sessions/<int:session_id>/delete")
@organizer_required
def delete_session(event_id: int, session_id: int):
    session = get_or_404(AgendaSession, session_id)
    if session.event_id != event_id:
        abort(404)
    run_service(lambda: services.delete_session(session))
    flash(_("Session removed from the agenda."), "success")
    return redirect(url_for(".sessions", event_id=event_id))

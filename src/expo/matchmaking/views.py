"""Matchmaking pages: the organizers' grid, review, matches, schedule and grid view; the
buyers' public registration and private page; the Sichuan enterprise's page.

A buyer or supplier has no account: once approved they are mailed a private link
(``/matchmaking/<token>``), like a delegation member's itinerary link.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from expo.accounts.access import enterprise_user_required, organizer_required
from expo.delegations.calendar import ics_response
from expo.events.models import Event
from expo.extensions import db
from expo.fields import filter_value
from expo.i18n import current_language, format_local_datetime
from expo.matchmaking import documents, services
from expo.matchmaking.calendar import meetings_ics
from expo.matchmaking.forms import (
    AskForm,
    CounterpartForm,
    GridForm,
    MatchForm,
    MoveForm,
    OutcomeForm,
    ProfileForm,
    SearchForm,
)
from expo.matchmaking.models import (
    ATTENDANCE_LABELS,
    INTEREST_LABELS,
    Counterpart,
    CounterpartStatus,
    MatchRequest,
    Meeting,
    Side,
)
from expo.registrations.models import Application, ApplicationStatus
from expo.urls import external_url
from expo.web import (
    PRIVATE_LINK_HEADERS,
    form_to,
    get_or_404,
    no_store,
    render_form,
    run_action,
    run_service,
    save_form,
)

bp = Blueprint("matchmaking", __name__)

MANAGE = "/manage/events/<int:event_id>/matchmaking"


def _user():
    return current_user._get_current_object()


def _event(event_id: int) -> Event:
    return get_or_404(Event, event_id)


def _of_event(model, ident: int, event: Event):
    row = db.session.get(model, ident)
    if row is None or row.event_id != event.id:
        abort(404)
    return row


# --- organizers --------------------------------------------------------------------------


@bp.route(MANAGE, methods=["GET", "POST"])
@organizer_required
def manage(event_id: int):
    event = _event(event_id)
    grid = services.grid_for(event)
    form = GridForm(obj=services.grid_data_from(grid) if grid else None)
    saved = save_form(
        form, lambda: services.save_grid(event, form_to(services.GridData, form), actor=_user())
    )
    if saved is not None:
        flash(_("The meeting grid is saved."), "success")
        return redirect(url_for("matchmaking.manage", event_id=event.id))
    match_form = MatchForm()
    _match_choices(match_form, event)
    return render_form(
        "matchmaking/manage.html",
        form,
        event=event,
        grid=grid,
        slots=services.grid_slots(grid) if grid else [],
        counterparts=services.counterparts(event),
        requests=services.requests_of(event),
        meetings=services.meetings_of(event),
        match_form=match_form,
        requests_open=services.requests_open(grid),
    )


def _match_choices(form: MatchForm, event: Event) -> None:
    form.application_id.choices = [(a.id, a.enterprise.name) for a in services.sichuan_side(event)]
    form.counterpart_id.choices = [
        (c.id, c.organization_both)
        for c in services.counterparts(event, CounterpartStatus.APPROVED)
    ]


@bp.post(f"{MANAGE}/counterparts/<int:counterpart_id>/review")
@organizer_required
def review(event_id: int, counterpart_id: int):
    event = _event(event_id)
    counterpart = _of_event(Counterpart, counterpart_id, event)
    decision = request.form.get("decision")
    if decision not in ("approve", "reject"):
        flash(_("Choose to approve or to reject."), "warning")
    elif run_action(
        lambda: services.review_counterpart(
            counterpart, approve=decision == "approve", actor=_user()
        )
    ):
        flash(_("The registration has been reviewed and they have been told."), "success")
    return redirect(url_for("matchmaking.manage", event_id=event.id))


@bp.post(f"{MANAGE}/counterparts/<int:counterpart_id>/link")
@organizer_required
def new_link(event_id: int, counterpart_id: int):
    """A new private link (the old one stops working): mailed when they have an address,
    and shown once on the page this answers with (not in a flash, which the session
    cookie would carry), for the organizers to hand over or print."""
    event = _event(event_id)
    counterpart = _of_event(Counterpart, counterpart_id, event)
    token = run_service(lambda: services.send_link(counterpart))
    if token is None:
        return redirect(url_for("matchmaking.manage", event_id=event.id))
    body = render_template(
        "matchmaking/new_link.html",
        event=event,
        counterpart=counterpart,
        link=external_url("matchmaking.counterpart_home", token=token),
    )
    return body, 200, PRIVATE_LINK_HEADERS


@bp.post(f"{MANAGE}/counterparts/<int:counterpart_id>/languages")
@organizer_required
def counterpart_languages(event_id: int, counterpart_id: int):
    event = _event(event_id)
    counterpart = _of_event(Counterpart, counterpart_id, event)
    if run_action(lambda: services.set_languages(counterpart, request.form.get("languages", ""))):
        flash(_("The languages are saved: the next run of the scheduler uses them."), "success")
    return redirect(url_for("matchmaking.manage", event_id=event.id))


@bp.post(f"{MANAGE}/delegation-members")
@organizer_required
def add_delegation_members(event_id: int):
    event = _event(event_id)
    added = run_service(lambda: services.add_delegation_members(event, actor=_user()))
    if added is not None:
        flash(_("%(count)d delegation members join the meetings.", count=added), "success")
    return redirect(url_for("matchmaking.manage", event_id=event.id))


@bp.post(f"{MANAGE}/matches")
@organizer_required
def add_match(event_id: int):
    event = _event(event_id)
    form = MatchForm()
    _match_choices(form, event)
    form.validate()
    if run_action(
        lambda: services.add_match(
            event, form.application_id.data, form.counterpart_id.data, actor=_user()
        )
    ):
        flash(_("The match is added."), "success")
    return redirect(url_for("matchmaking.manage", event_id=event.id))


@bp.post(f"{MANAGE}/requests/<int:request_id>/remove")
@organizer_required
def remove_match(event_id: int, request_id: int):
    event = _event(event_id)
    match = _of_event(MatchRequest, request_id, event)
    if run_action(lambda: services.remove_match(match, actor=_user())):
        flash(_("The match is removed."), "success")
    return redirect(url_for("matchmaking.manage", event_id=event.id))


@bp.post(f"{MANAGE}/schedule")
@organizer_required
def schedule(event_id: int):
    event = _event(event_id)
    report = run_service(lambda: services.run_scheduler(event, actor=_user()))
    if report is None:
        return redirect(url_for("matchmaking.manage", event_id=event.id))
    flash(
        _(
            "%(placed)d meetings are scheduled; %(unplaced)d could not be placed.",
            placed=report.placed,
            unplaced=len(report.unplaced),
        ),
        "success" if not report.unplaced else "warning",
    )
    return render_template("matchmaking/scheduled.html", event=event, report=report)


@bp.get(f"{MANAGE}/grid")
@organizer_required
def grid_view(event_id: int):
    event = _event(event_id)
    grid = services.grid_for(event)
    if grid is None:
        abort(404)
    return render_template("matchmaking/grid.html", event=event, grid=grid, **_grid_rows(event))


def _grid_rows(event: Event) -> dict[str, object]:
    grid = services.grid_for(event)
    assert grid is not None
    slots = services.grid_slots(grid)
    cells: dict[tuple[datetime, int], Meeting] = {
        (m.starts_at, m.table_number): m for m in services.meetings_of(event)
    }
    return {
        "slots": slots,
        "tables": range(1, grid.tables + 1),
        "cells": cells,
        "attendance_labels": [(a.value, str(label)) for a, label in ATTENDANCE_LABELS.items()],
        "interest_labels": [(i.value, str(label)) for i, label in INTEREST_LABELS.items()],
    }


def _pdf(body: bytes, filename: str, headers: dict[str, str] | None = None) -> Response:
    response = Response(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers.update(headers or {})
    return response


@bp.get(f"{MANAGE}/grid.pdf")
@organizer_required
def grid_pdf(event_id: int):
    event = _event(event_id)
    grid = services.grid_for(event)
    if grid is None:
        abort(404)
    body = documents.render_grid(
        event, services.grid_slots(grid), grid.tables, services.meetings_of(event)
    )
    return _pdf(body, f"matchmaking-grid-{event.id}.pdf")


@bp.get(f"{MANAGE}/table-cards.pdf")
@organizer_required
def table_cards_pdf(event_id: int):
    event = _event(event_id)
    grid = services.grid_for(event)
    if grid is None:
        abort(404)
    body = documents.render_table_cards(event, services.meetings_of(event), grid.tables)
    return _pdf(body, f"table-cards-{event.id}.pdf")


@bp.post(f"{MANAGE}/publish")
@organizer_required
def publish(event_id: int):
    event = _event(event_id)
    count = run_service(lambda: services.publish(event, actor=_user()))
    if count is not None:
        flash(_("The schedule is published: every participant can see their meetings."), "success")
    return redirect(url_for("matchmaking.manage", event_id=event.id))


def _slot_choices(event: Event) -> list[tuple[str, str]]:
    grid = services.grid_for(event)
    if grid is None:
        return []
    return [
        (slot.starts_at.isoformat(), format_local_datetime(slot.starts_at, event.timezone))
        for slot in services.grid_slots(grid)
    ]


def _parse_moment(raw: str | None) -> datetime | None:
    try:
        moment = datetime.fromisoformat(raw or "")
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


@bp.route(f"{MANAGE}/meetings/<int:meeting_id>/move", methods=["GET", "POST"])
@organizer_required
def move(event_id: int, meeting_id: int):
    event = _event(event_id)
    meeting = _of_event(Meeting, meeting_id, event)
    form = MoveForm(
        data={"starts_at": meeting.starts_at.isoformat(), "table": meeting.table_number}
    )
    if request.method == "POST":
        form = MoveForm()
    form.starts_at.choices = _slot_choices(event)
    moved = save_form(
        form,
        lambda: services.move_meeting(
            meeting,
            starts_at=_parse_moment(form.starts_at.data),
            table=form.table.data,
            actor=_user(),
        ),
    )
    if moved is not None:
        flash(_("The meeting is moved."), "success")
        return redirect(url_for("matchmaking.grid_view", event_id=event.id))
    return render_form("matchmaking/move.html", form, event=event, meeting=meeting)


@bp.post(f"{MANAGE}/meetings/<int:meeting_id>/outcome")
@organizer_required
def outcome(event_id: int, meeting_id: int):
    event = _event(event_id)
    _record_outcome(_of_event(Meeting, meeting_id, event), participant=False)
    return redirect(url_for("matchmaking.grid_view", event_id=event.id))


def _participant_outcome(meeting_id: int, theirs: Callable[[Meeting], bool]) -> None:
    """One side's word on one of its own meetings (another's is not found)."""
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or not theirs(meeting):
        abort(404)
    _record_outcome(meeting, participant=True)


def _record_outcome(meeting: Meeting, *, participant: bool) -> None:
    """The outcome form's answer for ``meeting``, from the organizers or one of its sides."""
    form = OutcomeForm()
    form.validate()
    if run_action(
        lambda: services.record_outcome(
            meeting,
            attendance=form.attendance.data or None,
            interest=form.interest.data or None,
            participant=participant,
        )
    ):
        flash(_("The outcome is recorded."), "success")


# --- buyers and suppliers (no account) ---------------------------------------------------


@bp.route("/events/<int:event_id>/matchmaking/register", methods=["GET", "POST"])
@no_store
def register(event_id: int):
    event = _event(event_id)
    if not event.is_public or services.grid_for(event) is None:
        abort(404)
    form = CounterpartForm()
    saved = save_form(
        form,
        lambda: services.register_counterpart(
            event,
            form_to(services.CounterpartData, form),
            language=current_language(),
        ),
    )
    if saved is not None:
        return render_template("matchmaking/registered.html", event=event)
    return render_form("matchmaking/register.html", form, event=event)


def _search(form: SearchForm) -> services.Search:
    """What the search form asks; a field too long or malformed is left out."""
    return services.Search(
        text=filter_value(form.q) or "",
        hs_chapter=filter_value(form.hs) or "",
        country=filter_value(form.country) or "",
        industry=filter_value(form.industry) or "",
    )


def _counterpart(token: str) -> Counterpart:
    counterpart = services.counterpart_for_token(token)
    if counterpart is None:
        abort(404)
    return counterpart


@bp.get("/matchmaking/<token>")
def counterpart_home(token: str):
    counterpart = _counterpart(token)
    event = counterpart.event
    search = SearchForm(request.args)
    search.validate()
    found = services.search_sichuan(event, _search(search))
    asked = {r.application_id: r for r in services.requests_of(event, counterpart=counterpart)}
    body = render_template(
        "matchmaking/participant.html",
        event=event,
        side="counterpart",
        me=counterpart,
        token=token,
        search=search,
        found=found,
        asked=asked,
        requests=list(asked.values()),
        meetings=services.meetings_of(event, counterpart=counterpart, published_only=True),
        ask_form=AskForm(),
        outcome_form=OutcomeForm(formdata=None),
        requests_open=services.requests_open(services.grid_for(event)),
        profiles={a.id: services.profile_for(a) for a in found},
    )
    return body, 200, PRIVATE_LINK_HEADERS


@bp.post("/matchmaking/<token>/ask/<int:application_id>")
def counterpart_ask(token: str, application_id: int):
    counterpart = _counterpart(token)
    _ask(_of_event(Application, application_id, counterpart.event), counterpart, Side.COUNTERPART)
    return redirect(url_for("matchmaking.counterpart_home", token=token)), 303, PRIVATE_LINK_HEADERS


def _ask(application: Application, counterpart: Counterpart, side: Side) -> None:
    """One side asks the other for a meeting, with the priority and note of the form."""
    form = AskForm()
    if form.validate() and run_action(
        lambda: services.ask(
            application.event,
            application,
            counterpart,
            side=side,
            priority=int(form.priority.data),
            note=form.note.data or "",
        )
    ):
        flash(_("Your request has been sent."), "success")


DECISIONS = "<any(accept,decline,withdraw):decision>"


def _decide(match: MatchRequest, side: Side, decision: str) -> None:
    """A side accepts, declines or withdraws a request it may answer or withdraw."""
    if decision == "withdraw":
        done = run_action(lambda: services.withdraw(match, side=side))
    else:
        done = run_action(lambda: services.respond(match, side=side, accept=decision == "accept"))
    if done:
        flash(_("Your answer is saved."), "success")


@bp.post(f"/matchmaking/<token>/requests/<int:request_id>/{DECISIONS}")
def counterpart_decide(token: str, request_id: int, decision: str):
    counterpart = _counterpart(token)
    match = db.session.get(MatchRequest, request_id)
    if match is None or match.counterpart_id != counterpart.id:
        abort(404)
    _decide(match, Side.COUNTERPART, decision)
    return redirect(url_for("matchmaking.counterpart_home", token=token)), 303, PRIVATE_LINK_HEADERS


@bp.post("/matchmaking/<token>/meetings/<int:meeting_id>/outcome")
def counterpart_outcome(token: str, meeting_id: int):
    counterpart = _counterpart(token)
    _participant_outcome(meeting_id, lambda meeting: meeting.counterpart_id == counterpart.id)
    return redirect(url_for("matchmaking.counterpart_home", token=token)), 303, PRIVATE_LINK_HEADERS


@bp.get("/matchmaking/<token>.ics")
def counterpart_calendar(token: str):
    counterpart = _counterpart(token)
    meetings = services.meetings_of(counterpart.event, counterpart=counterpart, published_only=True)
    body = meetings_ics(
        counterpart.event, meetings, side="counterpart", name=counterpart.organization
    )
    return ics_response(body, "meetings.ics", headers=PRIVATE_LINK_HEADERS)


@bp.get("/matchmaking/<token>.pdf")
def counterpart_pdf(token: str):
    counterpart = _counterpart(token)
    meetings = services.meetings_of(counterpart.event, counterpart=counterpart, published_only=True)
    body = documents.render_schedule(
        counterpart.event,
        meetings,
        side="counterpart",
        name_zh=counterpart.organization_zh,
        name_en=counterpart.organization_en,
    )
    return _pdf(body, "meetings.pdf", PRIVATE_LINK_HEADERS)


# --- the Sichuan enterprise --------------------------------------------------------------


def _own_application(application_id: int) -> Application:
    application = db.session.get(Application, application_id)
    if application is None or application.enterprise_id != current_user.enterprise_id:
        abort(404)
    if services.grid_for(application.event) is None:
        abort(404)
    if application.status != ApplicationStatus.APPROVED:
        # The other side's profiles and the schedule are for approved enterprises only.
        abort(404)
    return application


@bp.get("/applications/<int:application_id>/matchmaking")
@enterprise_user_required("matchmaking.organizer_redirect")
def enterprise_home(application_id: int):
    application = _own_application(application_id)
    event = application.event
    search = SearchForm(request.args)
    search.validate()
    found = services.search_counterparts(event, _search(search))
    asked = {r.counterpart_id: r for r in services.requests_of(event, application=application)}
    return render_template(
        "matchmaking/participant.html",
        event=event,
        side="sichuan",
        me=application,
        search=search,
        found=found,
        asked=asked,
        requests=list(asked.values()),
        meetings=services.meetings_of(event, application=application, published_only=True),
        ask_form=AskForm(),
        outcome_form=OutcomeForm(formdata=None),
        requests_open=services.requests_open(services.grid_for(event)),
        profiles={},
        profile_form=ProfileForm(obj=services.profile_for(application)),
    )


@bp.post("/applications/<int:application_id>/matchmaking/profile")
@enterprise_user_required("matchmaking.organizer_redirect")
def enterprise_profile(application_id: int):
    application = _own_application(application_id)
    form = ProfileForm()
    saved = save_form(
        form, lambda: services.save_profile(application, form_to(services.ProfileData, form))
    )
    if saved is not None:
        flash(_("Your profile is saved."), "success")
    else:
        for field in form:
            for error in field.errors:
                flash(f"{field.label.text}: {error}", "warning")
    return redirect(url_for("matchmaking.enterprise_home", application_id=application.id))


@bp.get("/applications/<int:application_id>/matchmaking/manage")
@organizer_required
def organizer_redirect(application_id: int):
    """An organizer following an enterprise's link lands on the event's matchmaking page."""
    application = get_or_404(Application, application_id)
    return redirect(url_for("matchmaking.manage", event_id=application.event_id))


@bp.post("/applications/<int:application_id>/matchmaking/ask/<int:counterpart_id>")
@enterprise_user_required("matchmaking.organizer_redirect")
def enterprise_ask(application_id: int, counterpart_id: int):
    application = _own_application(application_id)
    _ask(application, _of_event(Counterpart, counterpart_id, application.event), Side.SICHUAN)
    return redirect(url_for("matchmaking.enterprise_home", application_id=application.id))


@bp.post(f"/applications/<int:application_id>/matchmaking/requests/<int:request_id>/{DECISIONS}")
@enterprise_user_required("matchmaking.organizer_redirect")
def enterprise_decide(application_id: int, request_id: int, decision: str):
    application = _own_application(application_id)
    match = db.session.get(MatchRequest, request_id)
    if match is None or match.application_id != application.id:
        abort(404)
    _decide(match, Side.SICHUAN, decision)
    return redirect(url_for("matchmaking.enterprise_home", application_id=application.id))


@bp.post("/applications/<int:application_id>/matchmaking/meetings/<int:meeting_id>/outcome")
@enterprise_user_required("matchmaking.organizer_redirect")
def enterprise_outcome(application_id: int, meeting_id: int):
    application = _own_application(application_id)
    _participant_outcome(meeting_id, lambda meeting: meeting.application_id == application.id)
    return redirect(url_for("matchmaking.enterprise_home", application_id=application.id))


@bp.get("/applications/<int:application_id>/matchmaking.pdf")
@enterprise_user_required("matchmaking.organizer_redirect")
def enterprise_pdf(application_id: int):
    application = _own_application(application_id)
    meetings = services.meetings_of(application.event, application=application, published_only=True)
    enterprise = application.enterprise
    body = documents.render_schedule(
        application.event,
        meetings,
        side="sichuan",
        name_zh=enterprise.name_zh,
        name_en=enterprise.name_en,
    )
    return _pdf(body, "meetings.pdf")


@bp.get("/applications/<int:application_id>/matchmaking.ics")
@enterprise_user_required("matchmaking.organizer_redirect")
def enterprise_calendar(application_id: int):
    application = _own_application(application_id)
    meetings = services.meetings_of(application.event, application=application, published_only=True)
    body = meetings_ics(
        application.event, meetings, side="sichuan", name=application.enterprise.name
    )
    return ics_response(body, "meetings.ics")

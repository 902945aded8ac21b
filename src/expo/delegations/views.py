"""Delegation pages: organizers manage them, enterprise users follow the ones their people
travel with, and a share link shows one member's itinerary without an account.

Organizers see everything here, full passport numbers included. Enterprise users reach a
delegation only when one of its members belongs to their enterprise (404 otherwise, so an
id reveals nothing), and see passport numbers masked. The organizers' itinerary editor
joins this blueprint from ``itinerary_views``, imported at the end of this module.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from expo.accounts.access import enterprise_user_required, organizer_required
from expo.delegations import itinerary, member_import, services
from expo.delegations.access import delegation_or_404, member_or_404
from expo.delegations.calendar import calendar_ics, ics_response
from expo.delegations.forms import (
    DelegationFilterForm,
    DelegationForm,
    DuplicateForm,
    FromEventForm,
    ImportForm,
    MemberForm,
    StatusForm,
)
from expo.delegations.models import Delegation, Member
from expo.documents import letters
from expo.errors import error_response
from expo.events.models import Event
from expo.events.services import all_campaigns
from expo.fields import FILE_TOO_LARGE, MAX_IMPORT_BYTES, filter_value
from expo.jobs import delegation_jobs
from expo.jobs.forms import JobActionForm
from expo.spreadsheets import XLSX_MIMETYPE
from expo.urls import external_url
from expo.web import (
    PRIVATE_LINK_HEADERS,
    form_to,
    get_or_404,
    no_store,
    page_number,
    render_form,
    run_action,
    run_service,
    save_form,
)

bp = Blueprint("delegations", __name__)

DEFAULT_PER_PAGE = 20
MEMBERS_PER_PAGE = 50


def _user():
    return current_user._get_current_object()


def _to_overview(delegation: Delegation, anchor: str = ""):
    return redirect(url_for(".manage_detail", delegation_id=delegation.id) + anchor)


# --- organizers: the list and the details --------------------------------------------------


@bp.route("/manage/delegations")
@organizer_required
def manage_list():
    form = DelegationFilterForm(request.args)
    form.validate()
    filters = services.DelegationFilters(
        direction=filter_value(form.direction),
        status=filter_value(form.status),
        q=filter_value(form.q),
    )
    page = services.search_delegations(
        filters,
        page=page_number(),
        per_page=current_app.config.get("DELEGATIONS_PER_PAGE", DEFAULT_PER_PAGE),
    )
    return render_template(
        "delegations/manage/list.html",
        form=form,
        page=page,
        member_counts=services.member_counts(page.items),
    )


@bp.route("/manage/delegations/new", methods=["GET", "POST"])
@bp.route("/manage/delegations/<int:delegation_id>/edit", methods=["GET", "POST"])
@organizer_required
def delegation_form(delegation_id: int | None = None):
    delegation = delegation_or_404(delegation_id) if delegation_id else None
    form = DelegationForm(
        obj=services.delegation_data_from(delegation) if delegation else None,
        campaigns=all_campaigns(),
        events=services.event_choices(),
    )

    def save() -> Delegation:
        data = form_to(
            services.DelegationData,
            form,
            event_ids=form.event_ids.data or [],
            contacts=[services.ContactData(**entry.data) for entry in form.contacts],
        )
        if delegation:
            return services.update_delegation(delegation, data, actor=_user())
        return services.create_delegation(data, actor=_user())

    saved = save_form(form, save)
    if saved is not None:
        flash(_("Delegation saved."), "success")
        return _to_overview(saved)
    return render_form("delegations/manage/form.html", form, delegation=delegation)


@bp.route("/manage/delegations/<int:delegation_id>")
@no_store
@organizer_required
def manage_detail(delegation_id: int):
    delegation = delegation_or_404(delegation_id)
    members = services.members_page(
        delegation,
        page=page_number(),
        per_page=current_app.config.get("DELEGATION_MEMBERS_PER_PAGE", MEMBERS_PER_PAGE),
    )
    return render_template(
        "delegations/manage/detail.html",
        delegation=delegation,
        members=members,
        status_form=StatusForm(data={"status": delegation.status}),
        from_event_form=FromEventForm(events=delegation.events),
        days=itinerary.timeline(delegation),
        latest_jobs=delegation_jobs.latest_jobs(delegation),
        job_form=JobActionForm(formdata=None),
        letters_at_once=(members.total or 0) <= letters.LETTERS_AT_ONCE,
    )


@bp.post("/manage/delegations/<int:delegation_id>/status")
@organizer_required
def set_status(delegation_id: int):
    delegation = delegation_or_404(delegation_id)
    form = StatusForm()
    if not form.validate_on_submit():
        flash(_("Choose a status from the list."), "danger")
    elif (
        run_service(lambda: services.set_status(delegation, form.status.data, actor=_user()))
        is not None
    ):
        flash(_("The delegation is now “%(status)s”.", status=delegation.status_label), "success")
    return _to_overview(delegation)


@bp.route("/manage/delegations/<int:delegation_id>/duplicate", methods=["GET", "POST"])
@organizer_required
def duplicate(delegation_id: int):
    delegation = delegation_or_404(delegation_id)
    form = DuplicateForm(data=None if request.method == "POST" else {"shift_days": 0})
    copy = save_form(
        form,
        lambda: services.duplicate_delegation(delegation, form.shift_days.data, actor=_user()),
    )
    if copy is not None:
        flash(
            _(
                "This is the copy, planned for %(first)s to %(last)s. Check its events, "
                "members and itinerary.",
                first=copy.starts_on.isoformat(),
                last=copy.ends_on.isoformat(),
            ),
            "success",
        )
        return _to_overview(copy)
    return render_form("delegations/manage/duplicate.html", form, delegation=delegation)


# --- organizers: members -----------------------------------------------------------------


@bp.route("/manage/delegations/<int:delegation_id>/members/new", methods=["GET", "POST"])
@bp.route(
    "/manage/delegations/<int:delegation_id>/members/<int:member_id>/edit",
    methods=["GET", "POST"],
)
@no_store
@organizer_required
def member_form(delegation_id: int, member_id: int | None = None):
    delegation = delegation_or_404(delegation_id)
    member = member_or_404(delegation, member_id) if member_id else None
    form = MemberForm(
        obj=services.member_data_from(member) if member else None,
        enterprises=services.all_enterprises(),
    )

    def save() -> Member:
        data = form_to(services.MemberData, form)
        if member:
            return services.update_member(member, data, actor=_user())
        return services.add_member(delegation, data, actor=_user())

    saved = save_form(form, save)
    if saved is not None:
        flash(_("%(name)s is saved.", name=saved.display_name), "success")
        return _to_overview(delegation, "#members")
    return render_form(
        "delegations/manage/member_form.html", form, delegation=delegation, member=member
    )


@bp.post("/manage/delegations/<int:delegation_id>/members/<int:member_id>/delete")
@organizer_required
def delete_member(delegation_id: int, member_id: int):
    delegation = delegation_or_404(delegation_id)
    member = member_or_404(delegation, member_id)
    name = member.display_name
    if run_action(lambda: services.remove_member(member, actor=_user())):
        flash(_("%(name)s is no longer a member of the delegation.", name=name), "success")
    return _to_overview(delegation, "#members")


@bp.post("/manage/delegations/<int:delegation_id>/members/from-event")
@organizer_required
def add_from_event(delegation_id: int):
    delegation = delegation_or_404(delegation_id)
    form = FromEventForm(events=delegation.events)
    if not form.validate_on_submit():
        flash(_("Choose one of the delegation's events."), "danger")
        return _to_overview(delegation, "#members")
    event = get_or_404(Event, form.event_id.data)
    added = run_service(
        lambda: services.add_approved_delegates(delegation, event, actor=_user()),
        category="danger",
    )
    if added is None:
        return _to_overview(delegation, "#members")
    if added:
        flash(
            ngettext(
                "%(num)d delegate of “%(event)s” added.",
                "%(num)d delegates of “%(event)s” added.",
                len(added),
                event=event.title,
            ),
            "success",
        )
    else:
        flash(
            _(
                "Every delegate of an approved application to “%(event)s” is a member already.",
                event=event.title,
            ),
            "info",
        )
    return _to_overview(delegation, "#members")


# The file and the form around it; a longer body is refused before it is read.
IMPORT_BODY_BYTES = MAX_IMPORT_BYTES + 64 * 1024


@bp.url_value_preprocessor
def _limit_import_body(endpoint: str | None, values: dict | None) -> None:
    # URL value preprocessors run before every before_request hook, the CSRF check among
    # them, which would read the whole body to find its token.
    if endpoint == "delegations.import_members":
        request.max_content_length = IMPORT_BODY_BYTES


@bp.errorhandler(RequestEntityTooLarge)
def _body_too_large(error: RequestEntityTooLarge):
    if request.endpoint == "delegations.import_members" and request.view_args:
        return _import_too_large(**request.view_args)
    return error_response(RequestEntityTooLarge.code, error)


@organizer_required
def _import_too_large(delegation_id: int):
    delegation = delegation_or_404(delegation_id)
    form = ImportForm(formdata=None)
    form.file.errors = [str(FILE_TOO_LARGE)]
    page = render_template("delegations/manage/import.html", form=form, delegation=delegation)
    return page, RequestEntityTooLarge.code


@bp.route("/manage/delegations/<int:delegation_id>/members/import", methods=["GET", "POST"])
@organizer_required
def import_members(delegation_id: int):
    delegation = delegation_or_404(delegation_id)
    form = ImportForm()
    report = save_form(
        form,
        lambda: member_import.import_members(delegation, form.file.data.read(), actor=_user()),
    )
    return render_form("delegations/manage/import.html", form, delegation=delegation, report=report)


@bp.get("/manage/delegations/<int:delegation_id>/members/import-template.xlsx")
@organizer_required
def import_template(delegation_id: int):
    get_or_404(Delegation, delegation_id)
    response = Response(member_import.template_workbook(), content_type=XLSX_MIMETYPE)
    response.headers["Content-Disposition"] = 'attachment; filename="delegation-members.xlsx"'
    return response


# --- organizers: share links ---------------------------------------------------------------


@bp.post("/manage/delegations/<int:delegation_id>/members/<int:member_id>/share")
@organizer_required
def share(delegation_id: int, member_id: int):
    """Make a new link (any earlier one stops working) and show it, this once only."""
    delegation = delegation_or_404(delegation_id)
    member = member_or_404(delegation, member_id)
    renewed = member.share_token_hash is not None
    token = run_service(lambda: services.create_share_link(member, actor=_user()))
    if token is None:
        return _to_overview(delegation, "#members")
    body = render_template(
        "delegations/manage/share_link.html",
        delegation=delegation,
        member=member,
        renewed=renewed,
        link=external_url("delegations.shared", token=token),
        calendar_link=external_url("delegations.shared_calendar", token=token),
    )
    # The page holds a working token: keep it out of caches and history restores.
    return body, 200, {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


@bp.post("/manage/delegations/<int:delegation_id>/members/<int:member_id>/share/revoke")
@organizer_required
def revoke_share(delegation_id: int, member_id: int):
    delegation = delegation_or_404(delegation_id)
    member = member_or_404(delegation, member_id)
    if run_action(lambda: services.revoke_share_link(member, actor=_user())):
        flash(
            _("The link to the itinerary of %(name)s no longer works.", name=member.display_name),
            "success",
        )
    return _to_overview(delegation, "#members")


# --- enterprise users --------------------------------------------------------------------


def _enterprise_delegation(delegation_id: int) -> Delegation:
    enterprise = current_user.enterprise
    delegation = services.enterprise_delegation(enterprise, delegation_id) if enterprise else None
    if delegation is None:
        abort(404)
    return delegation


@bp.route("/delegations")
@enterprise_user_required("delegations.manage_list")
def mine():
    enterprise = current_user.enterprise
    delegations = services.delegations_for_enterprise(enterprise) if enterprise else []
    return render_template("delegations/mine.html", delegations=delegations)


@bp.route("/delegations/<int:delegation_id>")
@no_store
@enterprise_user_required("delegations.manage_detail")
def detail(delegation_id: int):
    delegation = _enterprise_delegation(delegation_id)
    return render_template(
        "delegations/detail.html",
        delegation=delegation,
        enterprise_id=current_user.enterprise_id,
        days=itinerary.timeline(delegation),
    )


@bp.get("/delegations/<int:delegation_id>/itinerary.ics")
@enterprise_user_required("delegations.manage_detail")
def calendar(delegation_id: int):
    delegation = _enterprise_delegation(delegation_id)
    return ics_response(calendar_ics(delegation), f"itinerary-{delegation.id}.ics")


# --- anyone holding a share link -------------------------------------------------------------


def _shared_member(token: str) -> Member:
    member = services.member_for_share_token(token)
    if member is None:
        abort(404)
    return member


@bp.get("/itinerary/<token>")
def shared(token: str):
    member = _shared_member(token)
    delegation = member.delegation
    body = render_template(
        "delegations/shared.html",
        delegation=delegation,
        member=member,
        token=token,
        days=itinerary.timeline(delegation, member),
    )
    return body, 200, PRIVATE_LINK_HEADERS


@bp.get("/itinerary/<token>.ics")
def shared_calendar(token: str):
    member = _shared_member(token)
    return ics_response(
        calendar_ics(member.delegation, member),
        "itinerary.ics",
        headers=PRIVATE_LINK_HEADERS,
    )


# The organizers' itinerary editor adds its routes to ``bp``; it imports it from here.
from expo.delegations import itinerary_views  # noqa: E402, F401

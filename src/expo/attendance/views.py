"""The check-in desk at an event's door, and the organizers' say over who staffs it.

The desk page works as a plain form (a hand-held scanner types the badge's address and
Enter; the answer comes back as a page) and, with its small script, answers each scan in
place from the same address as JSON. Organizers and the event's desk staff use it; desk
staff see nothing else of the event.
"""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user

from expo import spreadsheets
from expo.accounts.access import check_in_desk_required, organizer_required
from expo.attendance import services
from expo.attendance.forms import (
    SCAN_LENGTH,
    DeskAccountForm,
    DeskActionForm,
    DeskForm,
    GrantDeskForm,
    ScanForm,
    UndoCheckInForm,
)
from expo.attendance.models import CheckIn, CheckInDesk
from expo.attendance.services import CheckInResult
from expo.errors import wants_json
from expo.events.models import Event
from expo.registrations.models import Delegate
from expo.security import CAMERA_PAGE_POLICY
from expo.web import (
    INVALID_STATUS,
    NO_STORE,
    get_or_404,
    invited_account_fields,
    render_form,
    run_action,
    run_service,
    save_form,
)

bp = Blueprint("attendance", __name__)
Row = TypeVar("Row", CheckIn, CheckInDesk)

SEARCH_LENGTH = 100


def _user():
    return current_user._get_current_object()


def _event_and_row(event_id: int, model: type[Row], row_id: int) -> tuple[Event, Row]:
    """The event and its row the address names: 404 when the row is another event's."""
    event = get_or_404(Event, event_id)
    row = get_or_404(model, row_id)
    if row.event_id != event.id:
        abort(404)
    return event, row


def _desk_page(
    event: Event, form: DeskForm, result: CheckInResult | None = None, status: int = 200
):
    query = request.values.get("q", "").strip()[:SEARCH_LENGTH]
    found = services.find_delegates(event, query)
    body = render_template(
        "attendance/desk.html",
        event=event,
        form=form,
        scan_form=form
        if isinstance(form, ScanForm)
        else ScanForm(formdata=None, desk=form.desk.data),
        result=result,
        query=query,
        found=found,
        standing=services.standing_check_ins(delegate.id for delegate in found),
        is_organizer=current_user.is_organizer,
        list_key=services.badge_list_key(event.id, current_user.id).hex(),
    )
    return (
        body,
        status,
        {"Cache-Control": "no-store", "Content-Security-Policy": CAMERA_PAGE_POLICY},
    )


def _answer(event: Event, form: DeskForm, result: CheckInResult | None):
    if result is None:  # the service never refuses; a failed commit is a server error
        abort(500)
    if wants_json():
        return jsonify(result.as_dict())
    return _desk_page(event, form, result)


@bp.route("/manage/events/<int:event_id>/check-in", methods=["GET", "POST"])
@check_in_desk_required
def desk(event_id: int):
    event = get_or_404(Event, event_id)
    form = ScanForm()
    if request.method == "POST":
        if not form.validate():
            if wants_json():
                return jsonify({"errors": form.errors}), INVALID_STATUS
            return _desk_page(event, form, status=INVALID_STATUS)
        result = run_service(
            lambda: services.check_in(event, form.code.data, desk=form.desk.data, actor=_user())
        )
        form.code.data = ""  # ready for the next badge
        return _answer(event, form, result)
    if not form.desk.data:
        form.desk.data = request.args.get("desk", "")[: services.DESK_NAME_LENGTH]
    return _desk_page(event, form)


@bp.get("/manage/events/<int:event_id>/check-in-badges.json")
@check_in_desk_required
def badge_list(event_id: int):
    """The event's badges, signed, for the desk to keep and check against offline."""
    event = get_or_404(Event, event_id)
    response = jsonify(services.badge_list(event, _user()))
    response.headers["Cache-Control"] = NO_STORE
    return response


@bp.post("/manage/events/<int:event_id>/check-in-sync")
@check_in_desk_required
def sync(event_id: int):
    """The scans a desk made offline, with the badge list it made them from (JSON)."""
    event = get_or_404(Event, event_id)
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not isinstance(data.get("scans"), list):
        return jsonify({"error": _("Send the badge list and the scans as JSON.")}), 400
    scans = [_offline_scan(item) for item in data["scans"] if isinstance(item, dict)]
    user = _user()
    if not services.is_genuine_badge_list(event, user, data.get("list")):
        return jsonify({"error": str(services.BadgeListRefused())}), 400
    results = run_service(
        lambda: services.sync_offline_scans(event, data.get("list"), scans, actor=user)
    )
    if results is None:  # the service never refuses a genuine list
        abort(500)
    return jsonify({"results": [result.as_dict() for result in results]})


def _offline_scan(item: dict) -> services.OfflineScan:
    """One scan as the desk's script sends it; a time it cannot read counts as now."""
    try:
        scanned_at: datetime | None = datetime.fromisoformat(str(item.get("scanned_at")))
    except ValueError:
        scanned_at = None
    if scanned_at is not None and scanned_at.tzinfo is None:
        scanned_at = None
    return services.OfflineScan(
        code=str(item.get("code") or "")[:SCAN_LENGTH],
        scanned_at=scanned_at,
        desk=str(item.get("desk") or ""),
    )


@bp.get("/manage/events/<int:event_id>/check-in-worker.js")
@check_in_desk_required
def service_worker(event_id: int):
    """The desk's service worker, served beside the page so that its scope covers it."""
    get_or_404(Event, event_id)
    response = current_app.send_static_file("js/check-in-worker.js")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.post("/manage/events/<int:event_id>/check-in/delegates/<int:delegate_id>")
@check_in_desk_required
def check_in_delegate(event_id: int, delegate_id: int):
    """The button beside a name found by search, or on the page a badge's QR code opens."""
    event = get_or_404(Event, event_id)
    delegate = get_or_404(Delegate, delegate_id)
    if delegate.application.event_id != event.id:
        abort(404)
    form = DeskForm()
    if not form.validate():
        return _desk_page(event, form, status=INVALID_STATUS)
    result = run_service(
        lambda: services.check_in(event, delegate, desk=form.desk.data, actor=_user())
    )
    return _answer(event, form, result)


@bp.route("/manage/events/<int:event_id>/check-ins/<int:check_in_id>/undo", methods=["GET", "POST"])
@organizer_required
def undo(event_id: int, check_in_id: int):
    event, check_in = _event_and_row(event_id, CheckIn, check_in_id)
    form = UndoCheckInForm()
    if check_in.is_standing:
        undone = save_form(
            form, lambda: services.undo_check_in(check_in, actor=_user(), reason=form.reason.data)
        )
        if undone is not None:
            return redirect(url_for(".desk", event_id=event.id))
    return render_form("attendance/undo.html", form, event=event, check_in=check_in)


@bp.route("/manage/events/<int:event_id>/check-in-desks", methods=["GET", "POST"])
@organizer_required
def desks(event_id: int):
    event = get_or_404(Event, event_id)
    form = GrantDeskForm()
    if save_form(form, lambda: services.grant_desk_access(event, form.email.data, actor=_user())):
        return redirect(url_for(".desks", event_id=event.id))
    return render_form(
        "attendance/desks.html",
        form,
        event=event,
        desks=services.desks_of(event),
        action_form=DeskActionForm(),
    )


@bp.post("/manage/events/<int:event_id>/check-in-desks/<int:desk_id>/revoke")
@organizer_required
def revoke(event_id: int, desk_id: int):
    event, desk_row = _event_and_row(event_id, CheckInDesk, desk_id)
    if DeskActionForm().validate() and run_action(
        lambda: services.revoke_desk_access(desk_row, actor=_user())
    ):
        flash(_("%(email)s can no longer check delegates in.", email=desk_row.email), "success")
    return redirect(url_for(".desks", event_id=event.id))


# --- arrivals ------------------------------------------------------------------------------

# The arrivals page reloads itself this often: the count at the door, nearly live.
ARRIVALS_REFRESH_SECONDS = 30


@bp.get("/manage/events/<int:event_id>/arrivals")
@organizer_required
def arrivals(event_id: int):
    event = get_or_404(Event, event_id)
    body = render_template(
        "attendance/arrivals.html",
        event=event,
        arrivals=services.arrivals(event),
        refresh_seconds=ARRIVALS_REFRESH_SECONDS,
    )
    return body, 200, {"Cache-Control": NO_STORE}


@bp.get("/manage/events/<int:event_id>/arrivals.xlsx")
@organizer_required
def arrivals_xlsx(event_id: int):
    event = get_or_404(Event, event_id)
    body = spreadsheets.to_xlsx(services.arrival_rows(event), _("Arrivals"))
    return Response(
        body,
        content_type=spreadsheets.XLSX_MIMETYPE,
        headers={
            "Content-Disposition": f'attachment; filename="arrivals-{event.id}.xlsx"',
            "Cache-Control": NO_STORE,
        },
    )


# --- invited desk staff ---------------------------------------------------------------------


@bp.route("/check-in-desks/accept/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    """An invited desk person, without an account, makes one from the mailed link."""
    desk_row = services.desk_from_invitation_token(token)
    form = DeskAccountForm()
    if desk_row is None:
        body, status = render_template("attendance/invitation.html", desk=None, form=None), 400
    elif current_user.is_authenticated:
        body = render_template("attendance/invitation.html", desk=desk_row, form=None)
        status = 200
    else:
        user = save_form(
            form,
            lambda: services.accept_desk_invitation(token, **invited_account_fields(form)),
        )
        if user is not None:
            login_user(user)
            return redirect(url_for(".desk", event_id=desk_row.event_id))
        body, status = render_form("attendance/invitation.html", form, desk=desk_row)
    # The token is in this page's address; keep it out of Referer headers.
    return body, status, {"Referrer-Policy": "no-referrer"}

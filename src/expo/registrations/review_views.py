"""The organizer side of the registrations area: review an event's applications, one by
one or many at once, and export them (a POST: each export is put on record). The routes
join the area's blueprint, ``registrations.views.bp``. Thin: the rules are in
``services``, the queries in ``review``.

Organizers see everything here, full passport numbers included; enterprise users never
reach these pages (403), nor anonymous visitors (the sign-in page).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import (
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
from flask_login import current_user
from markupsafe import Markup
from werkzeug.wrappers import Response as BaseResponse

from expo import caching, spreadsheets
from expo.accounts.access import organizer_required
from expo.audit.actions import AuditAction
from expo.audit.services import record
from expo.documents import certificates
from expo.events.models import Event
from expo.i18n import current_language, viewer_timezone
from expo.jobs.forms import JobActionForm
from expo.jobs.services import latest_jobs
from expo.messaging.services import application_deliveries
from expo.registrations import exports, review, services
from expo.registrations.models import STATUS_LABELS, Application, ApplicationStatus
from expo.registrations.review import ApplicationFilters
from expo.registrations.review_forms import (
    BULK_ACTIONS,
    DECISION_LABELS,
    ApplicationExportForm,
    ApplicationFilterForm,
    BulkReviewForm,
    CancelForm,
    ReviewForm,
)
from expo.registrations.views import bp
from expo.web import (
    INVALID_STATUS,
    get_or_404,
    has_errors,
    no_store,
    page_number,
    render_form,
    run_service,
    save_form,
    show_errors,
)

APPLICATIONS = "/manage/events/<int:event_id>/applications"
DEFAULT_PER_PAGE = 50


def _user():
    return current_user._get_current_object()


def _application_of(event: Event, application_id: int) -> Application:
    application = review.event_application(event, application_id)
    if application is None:
        abort(404)
    return application


def _list_args() -> dict[str, list[str]]:
    """The list's query string without the page (a new filter or order starts at page 1)."""
    args = request.args.to_dict(flat=False)
    args.pop("page", None)
    return args


def _back_to_list(event_id: int) -> BaseResponse:
    """The list, with the query string this GET came with (its filters, page, language)."""
    query = urlencode(request.args.to_dict(flat=False), doseq=True)
    return redirect(url_for(".manage_list", event_id=event_id) + (f"?{query}" if query else ""))


def list_url(event_id: int, **changes: str) -> str:
    """The list with the current filters, some of them changed (``""`` drops one)."""
    args = _list_args()
    for name, value in changes.items():
        if value == "":
            args.pop(name, None)
        else:
            args[name] = [value]
    query = urlencode(args, doseq=True)
    return url_for(".manage_list", event_id=event_id) + (f"?{query}" if query else "")


def sort_url(event_id: int, key: str, current: str) -> str:
    return list_url(event_id, sort=f"-{key}" if current == key else key)


# --- the list ---------------------------------------------------------------------------


@dataclass(frozen=True)
class BulkOutcome:
    """One row of a bulk decision's report, read before the commit expires the objects."""

    application_id: int
    enterprise_name: str
    ok: bool
    message: str
    status: str
    status_label: str


def _rows_html(event: Event, application_ids: list[int], bulk_form: BulkReviewForm) -> Markup:
    """The list's rows. Kept per language, the reader's time zone and the applications
    shown, until an application, a delegate or an enterprise changes (the results'
    generation follows those tables); rendered each time when some are ticked. Only a
    rendering loads the applications themselves."""

    def render() -> str:
        return render_template(
            "registrations/manage/_rows.html",
            event=event,
            applications=review.page_applications(application_ids),
            bulk_form=bulk_form,
        )

    if bulk_form.application_ids.data:
        return Markup(render())
    key = ("review-rows", current_language(), viewer_timezone(), event.id, *application_ids)
    return Markup(caching.remember("results", key, render))


def _filter_fields_html(form: ApplicationFilterForm) -> Markup:
    """The filter form's fields (the search, the fixed lists of statuses, prefectures and
    industries, long to render, the key-enterprise box, the order): kept per language and
    the values chosen; rendered each time a value is not valid."""

    def render() -> str:
        return render_template("registrations/manage/_filter_fields.html", form=form)

    if any(field.errors for field in form):
        return Markup(render())
    # What was typed as well as what it means: a box renders the text it was sent.
    key = ("review-filters", current_language(), *map(_as_sent, form))
    return Markup(caching.remember("events", key, render))


def _as_sent(field) -> str:
    return f"{field.name}={field.data!r}/{field.raw_data!r}"


def _bulk_fields_html(bulk_form: BulkReviewForm) -> Markup:
    """The decision's fields (the action's list and the reason), the same on every list
    page of a language: kept per language, unless the form comes back with what was typed
    or its mistakes."""

    def render() -> str:
        return render_template("registrations/manage/_bulk_fields.html", bulk_form=bulk_form)

    fields = (bulk_form.action, bulk_form.reason)
    if any(field.errors or field.data or field.raw_data for field in fields):
        return Markup(render())
    return Markup(caching.remember("events", ("review-bulk-fields", current_language()), render))


def _export_fields_html(export_form: ApplicationExportForm) -> Markup:
    """The filters the export buttons carry, as hidden fields (the form's CSRF token is
    the page's own, rendered beside them): kept per the filters' values."""

    def render() -> str:
        return render_template("registrations/manage/_export_fields.html", form=export_form)

    token = export_form.meta.csrf_field_name
    key = (
        "review-export-fields",
        *(_as_sent(field) for field in export_form if field.name != token),
    )
    return Markup(caching.remember("events", key, render))


def _page_of_ids(event: Event, filters: ApplicationFilters, applications: int):
    """The page's application ids and the number matching, read once per generation of the
    results (which follows applications, delegates and enterprises), per language (the
    names' order), filters and page."""
    number = page_number()
    per_page = current_app.config.get("REVIEW_PER_PAGE", DEFAULT_PER_PAGE)

    # Unfiltered, every application: no count over them all. The number borrowed is part
    # of the key: the counts may have been read in the generation before this one.
    borrowed = applications if review.unfiltered(filters) else None

    def read() -> tuple[list[int], int]:
        found = review.list_applications(
            event, filters, page=number, per_page=per_page, total=borrowed
        )
        return list(found.items), int(found.total or 0)

    chosen = hashlib.sha256(repr(filters).encode()).hexdigest()
    key = ("review-page", current_language(), event.id, chosen, number, per_page, borrowed)
    ids, total = caching.remember("results", key, read)
    return review.kept_page(ids, total, number, per_page)


def _render_list(
    event: Event,
    bulk_form: BulkReviewForm,
    outcomes: list[BulkOutcome] | None = None,
    status: int = 200,
):
    filter_form = ApplicationFilterForm(request.args)
    filters = filter_form.filters()
    counts, capacity = caching.remember(
        "results", ("review-tally", event.id), lambda: review.status_tally(event)
    )
    page = _page_of_ids(event, filters, sum(counts.values()))
    export_form = ApplicationExportForm.carrying(filters)
    return (
        render_template(
            "registrations/manage/list.html",
            event=event,
            form=filter_form,
            filter_fields=_filter_fields_html(filter_form),
            bulk_fields=_bulk_fields_html(bulk_form),
            filters=filters,
            page=page,
            rows=_rows_html(event, list(page.items), bulk_form),
            counts=counts,
            capacity=capacity,
            bulk_form=bulk_form,
            export_form=export_form,
            export_fields=_export_fields_html(export_form),
            outcomes=outcomes,
            latest_jobs=latest_jobs(event),
            job_form=JobActionForm(formdata=None),
            list_url=list_url,
            sort_url=sort_url,
            status_labels={status.value: label for status, label in STATUS_LABELS.items()},
        ),
        status,
    )


@bp.route(APPLICATIONS)
@organizer_required
def manage_list(event_id: int):
    event = get_or_404(Event, event_id)
    return _render_list(event, BulkReviewForm(formdata=None))


@bp.route(f"{APPLICATIONS}/bulk", methods=["GET", "POST"])
@organizer_required
def bulk_review(event_id: int):
    """Decide on the ticked applications; the list comes back with a line per application."""
    if request.method != "POST":  # GET, and HEAD with it
        # Links on the page shown after a bulk decision (pages, language) lead back here.
        return _back_to_list(event_id)
    event = get_or_404(Event, event_id)
    form = BulkReviewForm()
    if not form.validate_on_submit():
        return _render_list(event, form, status=INVALID_STATUS)
    target = BULK_ACTIONS[form.action.data]
    reason = form.reason.data or ""
    if target in services.REASON_REQUIRED and not reason:
        # Said once at the field, rather than once per application below it.
        show_errors(form, services.ReasonRequired())
        return _render_list(event, form, status=INVALID_STATUS)
    selected = review.selected_applications(event, form.application_ids.data)
    if not selected:
        form.application_ids.errors = [_("Tick at least one application.")]
        return _render_list(event, form, status=INVALID_STATUS)
    if target in services.REASON_REQUIRED and not form.confirmed.data:
        # Turning enterprises down is said first, on a page of its own, then done. The page
        # answers this POST: hundreds of ticked ids and a long reason fit no address.
        return _render_bulk_confirm(event, form.action.data, selected, reason)

    def decide_all() -> list[BulkOutcome]:
        results = services.review_many(selected, target, actor=_user(), reason=reason)
        return [
            BulkOutcome(
                application_id=result.application.id,
                enterprise_name=result.application.enterprise.name,
                ok=result.ok,
                message=result.message,
                status=result.application.status,
                status_label=result.application.status_label,
            )
            for result in results
        ]

    outcomes = run_service(decide_all)
    return _render_list(event, BulkReviewForm(formdata=None), outcomes)


@bp.get(f"{APPLICATIONS}/bulk/confirm")
@no_store
@organizer_required
def bulk_confirm(event_id: int):
    """What rejecting or cancelling the ticked applications will do; its button does it."""
    event = get_or_404(Event, event_id)
    form = BulkReviewForm(formdata=request.args, meta={"csrf": False})
    action = form.action.data
    selected = review.selected_applications(event, form.application_ids.data or [])
    if action not in BULK_ACTIONS or BULK_ACTIONS[action] not in services.REASON_REQUIRED:
        selected = []
    if not selected:
        flash(_("Tick at least one application."), "warning")
        return redirect(url_for(".manage_list", event_id=event.id))
    return _render_bulk_confirm(event, action, selected, form.reason.data or "")


def _render_bulk_confirm(
    event: Event, action: str, selected: list[Application], reason: str
) -> str:
    target = BULK_ACTIONS[action]
    preview = services.preview_closing(event, selected, target)
    closing = {application.id for application in preview.closing}
    confirm_form = BulkReviewForm(
        formdata=None,
        data={
            "application_ids": [application.id for application in selected],
            "action": action,
            "reason": reason,
            "confirmed": "1",
        },
    )
    return render_template(
        "registrations/manage/bulk_confirm.html",
        event=event,
        form=confirm_form,
        action=action,
        action_label=DECISION_LABELS[target],
        target=target.value,
        changing=[application for application in selected if application.id in closing],
        skipped=[application for application in selected if application.id not in closing],
        preview=preview,
        certificates_revoked=certificates.valid_certificate_count(preview.closing),
    )


# --- one application --------------------------------------------------------------------


def _render_detail(event: Event, application: Application, form: ReviewForm, status: int = 200):
    moves = services.ORGANIZER_MOVES.get(ApplicationStatus(application.status), frozenset())
    decisions = [
        (target.value, label) for target, label in DECISION_LABELS.items() if target in moves
    ]
    return (
        render_template(
            "registrations/manage/detail.html",
            event=event,
            application=application,
            enterprise=application.enterprise,
            form=form,
            decisions=decisions,
            capacity=services.capacity_count(event),
            certificate=certificates.printed_certificate(application),
            certificate_refusal=certificates.certificate_refusal(application),
            attendance_waiver=certificates.attendance_waiver(application),
            revoked_certificates=[
                certificate
                for certificate in certificates.application_certificates(application)
                if not certificate.is_valid
            ],
            deliveries=application_deliveries(application),
        ),
        status,
    )


@bp.route(f"{APPLICATIONS}/<int:application_id>")
@no_store
@organizer_required
def manage_detail(event_id: int, application_id: int):
    event = get_or_404(Event, event_id)
    application = _application_of(event, application_id)
    return _render_detail(event, application, ReviewForm(formdata=None))


@bp.post(f"{APPLICATIONS}/<int:application_id>/review")
@no_store
@organizer_required
def decide(event_id: int, application_id: int):
    event = get_or_404(Event, event_id)
    application = _application_of(event, application_id)
    back = redirect(url_for(".manage_detail", event_id=event.id, application_id=application.id))
    form = ReviewForm()
    if not form.validate_on_submit():
        if form.reason.errors:  # too long: keep what was typed, show it at the field
            return _render_detail(event, application, form, INVALID_STATUS)
        flash(_("Choose one of the actions shown."), "warning")
        return back
    if form.to.data == ApplicationStatus.CANCELLED.value:
        # Cancelling is said first, on its own page, with what it will do; the page answers
        # this POST, so the reason never travels in an address.
        return _render_cancel(event, application, CancelForm(data={"reason": form.reason.data}))
    reviewed = run_service(
        lambda: services.review(
            application, form.to.data, actor=_user(), reason=form.reason.data or ""
        ),
        form=form,
    )
    if reviewed is not None:
        flash(
            _("%(name)s: %(status)s.", name=reviewed.enterprise.name, status=reviewed.status_label),
            "success",
        )
    elif form.errors:
        return _render_detail(event, application, form, INVALID_STATUS)
    return back


@bp.route(f"{APPLICATIONS}/<int:application_id>/cancel", methods=["GET", "POST"])
@no_store
@organizer_required
def cancel_application(event_id: int, application_id: int):
    """Cancelling one application: a page that says what it will do (booths given up, the
    waiting list moving up, certificates revoked), and its button, which does it."""
    event = get_or_404(Event, event_id)
    application = _application_of(event, application_id)
    back = redirect(url_for(".manage_detail", event_id=event.id, application_id=application.id))
    cancelled = ApplicationStatus.CANCELLED
    if cancelled not in services.ORGANIZER_MOVES.get(ApplicationStatus(application.status), ()):
        flash(_("This application can't be cancelled."), "warning")
        return back
    form = CancelForm(data={"reason": request.args.get("reason", "")})
    done = save_form(
        form,
        lambda: services.review(
            application, cancelled, actor=_user(), reason=form.reason.data or ""
        ),
    )
    if done is not None:
        flash(
            _("%(name)s: %(status)s.", name=done.enterprise.name, status=done.status_label),
            "success",
        )
        return back
    if form.is_submitted() and not has_errors(form):
        return back  # refused (capacity, a move no longer possible): flashed
    return _render_cancel(event, application, form)


def _render_cancel(event: Event, application: Application, form: CancelForm):
    return render_form(
        "registrations/manage/cancel.html",
        form,
        event=event,
        application=application,
        preview=services.preview_closing(event, [application], ApplicationStatus.CANCELLED),
        certificates_revoked=certificates.valid_certificate_count([application]),
    )


# --- exports ----------------------------------------------------------------------------


def _export(event_id: int, extension: str) -> BaseResponse:
    """The applications the list's filters select, as a file; the download is recorded.

    A POST, because the file holds passport numbers: who took it, and which part, is
    written to the audit log, and a GET writes nothing. The old GET address (bookmarks,
    links from before) leads back to the list, filters kept, where the export buttons
    are; it stays behind ``organizer_required`` like every page here.
    """
    if request.method != "POST":  # GET, and HEAD with it
        return _back_to_list(event_id)
    event = get_or_404(Event, event_id)
    if not ApplicationExportForm().validate_on_submit():
        abort(400)
    filters = ApplicationFilterForm(request.form).filters()
    applications = review.export_applications(event, filters)
    rows = exports.export_rows(event, applications)
    if extension == "csv":
        body, content_type = spreadsheets.to_csv(rows), spreadsheets.CSV_MIMETYPE
    else:
        body = spreadsheets.to_xlsx(rows, _("Applications received"))
        content_type = spreadsheets.XLSX_MIMETYPE
    run_service(
        lambda: record(
            _user(),
            AuditAction.EVENT_EXPORT_APPLICATIONS,
            event,
            format=extension,
            applications=len(applications),
            filters={
                name: value for name, value in vars(filters).items() if value and name != "sort"
            },
        )
    )
    filename = exports.export_filename(event, extension)
    return Response(
        body,
        content_type=content_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            # Personal data: no shared cache or browser cache keeps a copy.
            "Cache-Control": "no-store",
        },
    )


EXPORT_METHODS = ["GET", "POST"]  # GET only leads back to the list


@bp.route(f"{APPLICATIONS}/export.csv", methods=EXPORT_METHODS)
@organizer_required
def export_csv(event_id: int):
    return _export(event_id, "csv")


@bp.route(f"{APPLICATIONS}/export.xlsx", methods=EXPORT_METHODS)
@organizer_required
def export_xlsx(event_id: int):
    return _export(event_id, "xlsx")

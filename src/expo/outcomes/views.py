"""The outcomes area's blueprint and its enterprise side: the reports an enterprise is
asked for, and the form it fills them in with. The organizers' pages join the same
blueprint from ``manage_views``, imported at the end of this module."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from expo.accounts.access import enterprise_member_required
from expo.errors import InvalidInput
from expo.extensions import db
from expo.fields import leaf_fields
from expo.outcomes import services
from expo.outcomes.forms import ReportForm, prepare_report_form
from expo.outcomes.models import OutcomeReport
from expo.web import has_errors, no_store, render_form, save_form, show_errors

bp = Blueprint("outcomes", __name__)

DEAL_FIELDS = (
    "counterparty_name",
    "counterparty_country",
    "product",
    "kind",
    "amount",
    "currency",
    "signed_on",
)


def report_data(form: ReportForm) -> services.ReportData:
    """The service's input from a posted report form."""
    return services.ReportData(
        deals=[
            services.DealData(**{name: entry.form[name].data for name in DEAL_FIELDS})
            for entry in form.deals
        ],
        buyers_met=form.buyers_met.data,
        new_customers=form.new_customers.data,
        samples_sent=form.samples_sent.data,
        remarks=form.remarks.data or "",
    )


def report_form(report: OutcomeReport) -> ReportForm:
    """The form, posted or filled from the report, with the event's choices and spare rows."""
    if request.method == "POST":
        form = ReportForm()
    else:
        form = ReportForm(data=services.form_values(report))
    prepare_report_form(
        form, services.event_currencies(report.event), purchases=report.is_purchases
    )
    return form


def show_every_mistake(form: ReportForm, report: OutcomeReport) -> None:
    """When the form refused some fields (a count left empty), the service's messages
    for the others too, so every mistake is shown at once, not one round after another.
    Only checks: nothing is written."""
    if not (form.is_submitted() and has_errors(form)):
        return
    try:
        services.validate_report(report.event, report_data(form))
    except InvalidInput as invalid:
        fields = {field.name: field for field in leaf_fields(form)}
        show_errors(
            form,
            InvalidInput(
                {
                    name: message
                    for name, message in invalid.errors.items()
                    if name in fields and not fields[name].errors
                }
            ),
        )


def _own_report(report_id: int) -> OutcomeReport:
    """The report if it is this user's enterprise's; 404 for anything else."""
    report = db.session.get(OutcomeReport, report_id)
    if report is None or report.enterprise_id != current_user.enterprise_id:
        abort(404)
    return report


@bp.route("/outcomes")
@enterprise_member_required
def mine():
    return render_template(
        "outcomes/mine.html", reports=services.enterprise_reports(current_user.enterprise)
    )


@bp.route("/outcomes/<int:report_id>")
@no_store
@enterprise_member_required
def detail(report_id: int):
    report = _own_report(report_id)
    return render_template(
        "outcomes/detail.html",
        report=report,
        event=report.event,
        totals=services.totals(report.deals),
    )


@bp.route("/outcomes/<int:report_id>/edit", methods=["GET", "POST"])
@no_store
@enterprise_member_required
def edit(report_id: int):
    report = _own_report(report_id)
    if report.is_locked:
        flash(_("This report has been confirmed and can no longer be changed."), "info")
        return redirect(url_for(".detail", report_id=report.id))
    form = report_form(report)
    saved = save_form(
        form, lambda: services.submit_report(report, report_data(form), actor=current_user)
    )
    if saved is not None:
        flash(_("Thank you: your report has been sent to the organizers."), "success")
        return redirect(url_for(".detail", report_id=report.id))
    if form.is_submitted() and not has_errors(form):
        # Refused for the report's sake (said in a flash): confirmed meanwhile.
        return redirect(url_for(".detail", report_id=report.id))
    show_every_mistake(form, report)
    return render_form("outcomes/edit.html", form, report=report, event=report.event)


# The organizers' pages add their routes to ``bp``; they import it from here.
from expo.outcomes import manage_views  # noqa: E402, F401

"""The organizer side of outcome reports: an event's reports, its reporting period and
exchange rates; one report to read, correct, return with a question or confirm. The
routes join the area's blueprint, ``outcomes.views.bp``."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from expo.accounts.access import organizer_required
from expo.events.models import Event
from expo.outcomes import money, services
from expo.outcomes.forms import (
    ConfirmForm,
    ExchangeRateForm,
    QuestionForm,
    ReportPeriodForm,
    RequestReportsForm,
)
from expo.outcomes.models import OutcomeReport
from expo.outcomes.views import bp, report_data, report_form, show_every_mistake
from expo.web import (
    INVALID_STATUS,
    get_or_404,
    has_errors,
    no_store,
    render_form,
    run_service,
    save_form,
)

EVENT_OUTCOMES = "/manage/events/<int:event_id>/outcomes"
REPORT = "/manage/outcomes/<int:report_id>"


def _user():
    return current_user._get_current_object()


def _rate_form(event: Event, form: ExchangeRateForm | None = None) -> ExchangeRateForm:
    form = form or ExchangeRateForm(formdata=None)
    form.currency.choices = money.currency_choices(services.event_currencies(event))
    return form


def _render_event(
    event: Event,
    *,
    period_form: ReportPeriodForm | None = None,
    rate_form: ExchangeRateForm | None = None,
    status: int = 200,
):
    reports = services.event_reports(event)
    settings = services.settings_for(event)
    return (
        render_template(
            "outcomes/manage/event.html",
            event=event,
            reports=reports,
            report_totals={report.id: services.totals(report.deals) for report in reports},
            event_totals=services.totals(deal for report in reports for deal in report.deals),
            unrequested=services.unrequested_applications(event),
            settings=settings,
            rates=services.exchange_rates(event),
            currencies=services.event_currencies(event),
            purchases=services.direction_of(event) == "purchases",
            period_form=period_form
            or ReportPeriodForm(formdata=None, report_days=settings.report_days),
            rate_form=_rate_form(event, rate_form),
            request_form=RequestReportsForm(),
        ),
        status,
    )


@bp.route(EVENT_OUTCOMES)
@no_store
@organizer_required
def manage_event(event_id: int):
    return _render_event(get_or_404(Event, event_id))


@bp.post(EVENT_OUTCOMES + "/request")
@organizer_required
def manage_request(event_id: int):
    event = get_or_404(Event, event_id)
    form = RequestReportsForm()
    if form.validate_on_submit():
        created = run_service(lambda: services.request_reports(event, actor=_user()))
        if created is not None:
            flash(
                ngettext(
                    "%(num)d enterprise was asked for its report.",
                    "%(num)d enterprises were asked for their report.",
                    len(created),
                ),
                "success",
            )
    return redirect(url_for(".manage_event", event_id=event.id))


@bp.post(EVENT_OUTCOMES + "/period")
@organizer_required
def manage_period(event_id: int):
    event = get_or_404(Event, event_id)
    form = ReportPeriodForm()
    saved = save_form(
        form,
        lambda: services.set_report_period(event, form.report_days.data, actor=_user()),
    )
    if saved is not None:
        flash(_("The reporting period is saved."), "success")
        return redirect(url_for(".manage_event", event_id=event.id))
    return _render_event(event, period_form=form, status=INVALID_STATUS)


@bp.post(EVENT_OUTCOMES + "/rates")
@organizer_required
def manage_rate(event_id: int):
    event = get_or_404(Event, event_id)
    form = _rate_form(event, ExchangeRateForm())
    saved = save_form(
        form,
        lambda: services.set_exchange_rate(
            event,
            form.currency.data or "",
            form.rate_to_usd.data,
            form.rate_to_cny.data,
            form.taken_on.data,
            actor=_user(),
        ),
    )
    if saved is not None:
        flash(_("The exchange rate is saved and the amounts converted again."), "success")
        return redirect(url_for(".manage_event", event_id=event.id))
    return _render_event(event, rate_form=form, status=INVALID_STATUS)


def _render_report(report: OutcomeReport, question_form: QuestionForm | None = None, status=200):
    return (
        render_template(
            "outcomes/manage/detail.html",
            report=report,
            event=report.event,
            totals=services.totals(report.deals),
            question_form=question_form or QuestionForm(formdata=None),
            confirm_form=ConfirmForm(),
        ),
        status,
    )


@bp.route(REPORT)
@no_store
@organizer_required
def manage_detail(report_id: int):
    return _render_report(get_or_404(OutcomeReport, report_id))


@bp.route(REPORT + "/edit", methods=["GET", "POST"])
@no_store
@organizer_required
def manage_edit(report_id: int):
    report = get_or_404(OutcomeReport, report_id)
    if report.is_locked:
        flash(_("This report has been confirmed and can no longer be changed."), "info")
        return redirect(url_for(".manage_detail", report_id=report.id))
    form = report_form(report)
    saved = save_form(form, lambda: services.enter_report(report, report_data(form), actor=_user()))
    if saved is not None:
        flash(_("The report is saved as entered by the organizers."), "success")
        return redirect(url_for(".manage_detail", report_id=report.id))
    if form.is_submitted() and not has_errors(form):
        return redirect(url_for(".manage_detail", report_id=report.id))
    show_every_mistake(form, report)
    return render_form("outcomes/manage/edit.html", form, report=report, event=report.event)


@bp.post(REPORT + "/return")
@organizer_required
def manage_return(report_id: int):
    report = get_or_404(OutcomeReport, report_id)
    form = QuestionForm()
    saved = save_form(
        form, lambda: services.return_report(report, form.question.data or "", actor=_user())
    )
    if saved is not None:
        flash(_("The report is returned; the enterprise has been told."), "success")
        return redirect(url_for(".manage_detail", report_id=report.id))
    if form.is_submitted() and not has_errors(form):
        return redirect(url_for(".manage_detail", report_id=report.id))
    return _render_report(report, question_form=form, status=INVALID_STATUS)


@bp.post(REPORT + "/confirm")
@organizer_required
def manage_confirm(report_id: int):
    report = get_or_404(OutcomeReport, report_id)
    if ConfirmForm().validate_on_submit():
        confirmed = run_service(lambda: services.confirm_report(report, actor=_user()))
        if confirmed is not None:
            flash(_("The report is confirmed and locked."), "success")
    return redirect(url_for(".manage_detail", report_id=report.id))

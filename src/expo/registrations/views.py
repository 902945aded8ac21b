"""The registrations area's blueprint and its enterprise side: apply to an event, follow,
edit and withdraw applications. The organizers' review pages join the same blueprint from
``review_views``, imported at the end of this module."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from expo.accounts.access import enterprise_member_required
from expo.documents.certificates import printed_certificate, valid_certificate_count
from expo.events import services as event_services
from expo.extensions import db
from expo.privacy import current_notice
from expo.registrations import services
from expo.registrations.forms import WithdrawForm, application_form_class
from expo.registrations.models import Application, ApplicationStatus
from expo.web import has_errors, no_store, render_form, save_form

bp = Blueprint("registrations", __name__)


def _own_application(application_id: int) -> Application:
    """The application if it is this user's enterprise's; 404 for anything else."""
    application = db.session.get(Application, application_id)
    if application is None or application.enterprise_id != current_user.enterprise_id:
        abort(404)
    return application


def _form_data(form) -> services.ApplicationData:
    answers = {
        name: field.data for name, field in form._fields.items() if name.startswith("answer_")
    }
    return services.ApplicationData(
        delegates=[services.DelegateData(**entry.data) for entry in form.delegates],
        booths_requested=form.booths_requested.data,
        exhibits=form.exhibits.data or "",
        consent=bool(form.consent and form.consent.data),
        consent_version=(form.consent_version.data or None) if form.consent_version else None,
        answers=answers,
    )


def _submitted(application: Application) -> tuple[int, str]:
    """What the answer to a submission says, read before the commit expires the row (not
    read again after it)."""
    return application.id, application.status_label


def _own_active_application(event, enterprise):
    """The way to the enterprise's application to ``event``, if it has one."""
    existing = services.active_application(event, enterprise)
    if existing is None:
        return None
    flash(_("Your enterprise has already applied to this event."), "info")
    return redirect(url_for(".application", application_id=existing.id))


def _with_spare_rows(form, event) -> None:
    while len(form.delegates) < event.max_delegates:
        form.delegates.append_entry()


@bp.route("/events/<int:event_id>/apply", methods=["GET", "POST"])
@no_store
@enterprise_member_required
def apply(event_id: int):
    event = event_services.visible_event(
        event_id, include_drafts=False, agenda=False, questions=True
    )
    if event is None:
        abort(404)
    enterprise = current_user.enterprise
    form = application_form_class(event)()
    sent = form.is_submitted()
    # A form sent is not checked for an earlier application first: the insert refuses a
    # second one. Whatever turns a form away, an enterprise that has applied is then led
    # to its application, as the page shown leads it at once.
    turned_away = not event.registration_is_open() or not current_user.email_verified
    if not sent or turned_away:
        if (own := _own_active_application(event, enterprise)) is not None:
            return own
    if not event.registration_is_open():
        flash(_("Registration for this event is not open."), "warning")
        return redirect(url_for("events.detail", event_id=event.id))
    if not current_user.email_verified:
        return render_template("registrations/verify_email_first.html", event=event)

    def submit() -> tuple[int, str] | None:
        try:
            return _submitted(
                services.submit_application(event, enterprise, _form_data(form), actor=current_user)
            )
        except services.AlreadyApplied:
            return None  # nothing was written: said below, with the way to it

    submitted = save_form(
        form, submit, check=lambda: services.check_application(event, _form_data(form))
    )
    if submitted is not None:
        application_id, status = submitted
        flash(_("Your application has been submitted: %(status)s.", status=status), "success")
        return redirect(url_for(".application", application_id=application_id))
    if sent:
        if (own := _own_active_application(event, enterprise)) is not None:
            return own
        if not has_errors(form):  # refused for the event's sake, said in a flash
            return redirect(url_for("events.detail", event_id=event.id))
    _with_spare_rows(form, event)
    # The page links to the notice in force; agreeing on it agrees to that version.
    notice = current_notice()
    form.consent_version.data = notice.version
    return render_form("registrations/apply.html", form, event=event, notice=notice)


@bp.route("/applications")
@enterprise_member_required
def mine():
    applications = services.enterprise_applications(current_user.enterprise)
    return render_template("registrations/mine.html", applications=applications)


@bp.route("/applications/<int:application_id>")
@no_store
@enterprise_member_required
def application(application_id: int):
    application = _own_application(application_id)
    return render_template(
        "registrations/application.html",
        application=application,
        event=application.event,
        editable=services.is_editable(application),
        certificate=printed_certificate(application),
    )


@bp.route("/applications/<int:application_id>/edit", methods=["GET", "POST"])
@no_store
@enterprise_member_required
def edit(application_id: int):
    application = _own_application(application_id)
    event = application.event
    if not services.is_editable(application):
        flash(_("This application can no longer be changed."), "warning")
        return redirect(url_for(".application", application_id=application.id))
    form_class = application_form_class(event)
    if request.method == "POST":
        form = form_class()
    else:
        form = form_class(data=services.form_values(application))
    # Given once, with the first submission.
    del form.consent
    del form.consent_version
    saved = save_form(
        form,
        lambda: services.update_application(application, _form_data(form), actor=current_user),
        check=lambda: services.check_application(event, _form_data(form), new=False),
    )
    if saved is not None:
        flash(_("Your changes are saved."), "success")
    if saved is not None or (form.is_submitted() and not has_errors(form)):
        # Saved, or refused for a reason of the application's (said in a flash).
        return redirect(url_for(".application", application_id=application.id))
    _with_spare_rows(form, event)
    # The numbers on file, masked: the rows show them as a hint, never in full.
    on_file = {d.id: d.masked_passport for d in application.delegates if d.passport_number}
    for entry in form.delegates:
        masked = on_file.get(entry.delegate_id.data)
        if masked:
            entry.passport_number.render_kw = {"placeholder": masked}
    return render_form(
        "registrations/apply.html", form, event=event, application=application, on_file=on_file
    )


@bp.route("/applications/<int:application_id>/withdraw", methods=["GET", "POST"])
@no_store
@enterprise_member_required
def withdraw(application_id: int):
    """Withdrawing asks first, on a page of its own that says what it will do: booths
    given up, the waiting list moving up, certificates revoked. The POST does it."""
    application = _own_application(application_id)
    back = redirect(url_for(".application", application_id=application.id))
    if not application.is_active:
        flash(_("This application is closed already."), "info")
        return back
    form = WithdrawForm()
    withdrawn = save_form(
        form,
        lambda: services.withdraw(application, actor=current_user, reason=form.reason.data or ""),
    )
    if withdrawn is not None:
        flash(_("Your application has been withdrawn."), "success")
        return back
    if form.is_submitted() and not has_errors(form):
        return back  # refused: the reason is flashed
    return render_form(
        "registrations/withdraw.html",
        form,
        application=application,
        event=application.event,
        preview=services.preview_closing(
            application.event, [application], ApplicationStatus.WITHDRAWN
        ),
        certificates_revoked=valid_certificate_count([application]),
    )


# The organizers' review pages add their routes to ``bp``; they import it from here.
from expo.registrations import review_views  # noqa: E402, F401

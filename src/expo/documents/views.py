"""The documents area's blueprint, and documents on the web: schedules (public),
certificates (their owners and organizers), and the public verification page a
certificate's QR code opens. The printed documents of delegations and events (itineraries,
badges, letters) join the same blueprint from ``print_views``, imported at the end.

Who sees what: an event's schedule is as public as the event (drafts: organizers only);
a certificate's PDF goes to organizers and to the enterprise it was issued to, while it
is in force; anybody else gets 404, anonymous visitors the sign-in page. ``/verify`` is
public; it and the schedule are rate-limited per client address.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from expo import ratelimit
from expo.accounts.access import login_required, organizer_required
from expo.accounts.models import User
from expo.documents import certificates, schedules
from expo.documents.forms import (
    AttendanceWaiverForm,
    IssueCertificateForm,
    ReissueCertificateForm,
    RevokeCertificateForm,
    VerifyForm,
)
from expo.documents.models import Certificate
from expo.events import services as event_services
from expo.i18n import current_language, html_lang
from expo.registrations.models import Application
from expo.web import get_or_404, run_service

bp = Blueprint("documents", __name__)

SCHEDULE_MAX_AGE = 300  # seconds a shared cache may keep a public schedule


def _organizer() -> bool:
    return bool(current_user.is_authenticated and current_user.is_organizer)


def _user() -> User:
    user: User = current_user._get_current_object()
    return user


# --- the schedule -----------------------------------------------------------------------


@bp.route("/events/<int:event_id>/schedule.pdf")
# Each PDF costs a rendering: one address may not keep the printing busy.
@ratelimit.limit("RATE_LIMIT_SCHEDULE_PER_ADDRESS", methods=("GET",))
def schedule(event_id: int) -> ResponseReturnValue:
    event = event_services.visible_event(event_id, include_drafts=_organizer())
    if event is None:
        abort(404)
    language = current_language()
    html = schedules.schedule_html(event, language=language)
    etag = schedules.schedule_version(html)
    public = event.is_public
    headers = {
        # The language follows ?lang=, the signed-in user, the session and the browser.
        "Vary": "Accept-Language, Cookie",
        "Content-Language": html_lang(language),
        "Cache-Control": f"public, max-age={SCHEDULE_MAX_AGE}" if public else "private, no-cache",
    }
    if request.if_none_match.contains(etag):
        response = Response(status=304, headers=headers)
    else:
        response = Response(schedules.schedule_pdf(html), mimetype="application/pdf")
        response.headers.update(headers)
        filename = f"schedule-{event.id}-{language}.pdf"
        response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.set_etag(etag)
    return response


# --- verification -------------------------------------------------------------------------


VERIFY_HEADERS = {
    # The answer changes the moment a certificate is revoked.
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex",
}


@bp.get("/verify")
@ratelimit.limit("RATE_LIMIT_VERIFY_PER_ADDRESS", methods=("GET",))
def verify_serial() -> ResponseReturnValue:
    """Check a certificate from its paper: the serial number and the credit code typed in.

    A form sent by GET, since it asks and changes nothing. Each question counts against
    the same allowance per address as the QR code links; the empty form does not.
    """
    asked = "serial" in request.args or "credit_code" in request.args
    form = VerifyForm(request.args if asked else None, meta={"csrf": False})
    if not asked:
        ratelimit.refund()
        return render_template("documents/verify_form.html", form=form), 200, VERIFY_HEADERS
    if not form.validate():
        return render_template("documents/verify_form.html", form=form), 422, VERIFY_HEADERS
    certificate = certificates.certificate_by_serial(form.serial.data, form.credit_code.data)
    context = certificates.verification_context(certificate) if certificate else {}
    body = render_template(
        "documents/verify_form.html", form=form, checked=True, certificate=certificate, **context
    )
    return body, 200 if certificate else 404, VERIFY_HEADERS


@bp.route("/verify/<code>")
@ratelimit.limit("RATE_LIMIT_VERIFY_PER_ADDRESS", methods=("GET",))
def verify(code: str) -> ResponseReturnValue:
    certificate = certificates.certificate_by_code(code)
    if certificate is None:
        body = render_template("documents/verify.html", certificate=None)
        status = 404
    else:
        body = render_template(
            "documents/verify.html",
            certificate=certificate,
            **certificates.verification_context(certificate),
        )
        status = 200
    return body, status, VERIFY_HEADERS


# --- downloading a certificate ------------------------------------------------------------


@bp.route("/certificates/<int:certificate_id>.pdf")
@login_required
def certificate_pdf(certificate_id: int) -> ResponseReturnValue:
    certificate = get_or_404(Certificate, certificate_id)
    if certificate.is_pending:  # being printed: there is no file yet
        abort(404)
    if not _organizer():
        owner = certificate.application.enterprise_id
        if current_user.enterprise_id != owner or not certificate.is_valid:
            abort(404)
    etag = certificate.sha256
    headers = {"Cache-Control": "private, no-cache"}
    if request.if_none_match.contains(etag):
        response = Response(status=304, headers=headers)
    else:
        # The stored bytes, as issued: never rendered again.
        response = Response(certificates.certificate_pdf(certificate), mimetype="application/pdf")
        response.headers.update(headers)
        response.headers["Content-Disposition"] = f'attachment; filename="{certificate.filename}"'
    response.set_etag(etag)
    return response


# --- organizers: issue, revoke, reissue -----------------------------------------------------


def _back_to(application: Application) -> ResponseReturnValue:
    return redirect(
        url_for(
            "registrations.manage_detail",
            event_id=application.event_id,
            application_id=application.id,
        )
        + "#certificate"
    )


def _run(
    application: Application,
    action: Callable[[], Certificate],
    success: Callable[[str], str],
) -> ResponseReturnValue:
    """Run the service, and tell the organizer how it went."""
    certificate = run_service(action)
    if certificate is not None:
        flash(success(certificate.serial), "success")
    return _back_to(application)


@bp.post("/manage/events/<int:event_id>/applications/<int:application_id>/certificate")
@organizer_required
def issue(event_id: int, application_id: int) -> ResponseReturnValue:
    application = get_or_404(Application, application_id)
    if application.event_id != event_id:
        abort(404)
    if not IssueCertificateForm().validate_on_submit():
        abort(400)
    return _run(
        application,
        lambda: certificates.issue_certificate(application, actor=_user()),
        lambda serial: _("Certificate %(serial)s issued.", serial=serial),
    )


@bp.post("/manage/events/<int:event_id>/applications/<int:application_id>/attendance-waiver")
@organizer_required
def waive_attendance(event_id: int, application_id: int) -> ResponseReturnValue:
    """Record that the application's delegates came though no badge was scanned."""
    application = get_or_404(Application, application_id)
    if application.event_id != event_id:
        abort(404)
    form = AttendanceWaiverForm()
    if not form.validate_on_submit():
        for message in form.reason.errors or [_("The request could not be understood")]:
            flash(str(message), "warning")
        return _back_to(application)
    waiver = run_service(
        lambda: certificates.waive_attendance(
            application, reason=form.reason.data or "", actor=_user()
        )
    )
    if waiver is not None:
        flash(_("The certificate may now be issued without a check-in."), "success")
    return _back_to(application)


def _with_reason(
    certificate_id: int,
    form_class: type[FlaskForm],
    service: Callable[..., Certificate],
    success: Callable[[str], str],
) -> ResponseReturnValue:
    """Revoke or reissue: the reason from the form, the service, one commit."""
    certificate = get_or_404(Certificate, certificate_id)
    form = form_class()
    if not form.validate_on_submit():
        for message in form.reason.errors or [_("The request could not be understood")]:
            flash(str(message), "warning")
        return _back_to(certificate.application)
    return _run(
        certificate.application,
        lambda: service(certificate, reason=form.reason.data or "", actor=_user()),
        success,
    )


@bp.post("/manage/certificates/<int:certificate_id>/revoke")
@organizer_required
def revoke(certificate_id: int) -> ResponseReturnValue:
    return _with_reason(
        certificate_id,
        RevokeCertificateForm,
        certificates.revoke_certificate,
        lambda serial: _("Certificate %(serial)s revoked.", serial=serial),
    )


@bp.post("/manage/certificates/<int:certificate_id>/reissue")
@organizer_required
def reissue(certificate_id: int) -> ResponseReturnValue:
    return _with_reason(
        certificate_id,
        ReissueCertificateForm,
        certificates.reissue_certificate,
        lambda serial: _("Certificate %(serial)s issued in place of the old one.", serial=serial),
    )


# The printed documents add their routes to ``bp``; they import it from here.
from expo.documents import print_views  # noqa: E402, F401

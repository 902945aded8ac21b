"""Enterprise pages: a user's own enterprise, invitations, and the organizers' list.

Enterprise users reach only their own enterprise, through ``/enterprise``: no page for
them takes an enterprise id, so there is no other id to try. The pages that do take one
are under ``/manage`` and for organizers only. Claims to a registered credit code are in
``claim_views``.
"""

from __future__ import annotations

from datetime import timedelta

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_login import current_user, login_user

from expo import ratelimit
from expo.accounts.access import enterprise_user_required, organizer_required
from expo.audit.actions import AuditAction, AuditSubject
from expo.enterprises import claims, services
from expo.enterprises.forms import (
    FIELD_LABELS,
    AcceptInvitationForm,
    EnterpriseFilterForm,
    EnterpriseFlagsForm,
    EnterpriseProfileForm,
    InvitationForm,
)
from expo.enterprises.models import Enterprise
from expo.fields import filter_value
from expo.urls import external_url
from expo.validation import normalise_email
from expo.web import (
    form_to,
    get_or_404,
    invited_account_fields,
    page_number,
    render_form,
    run_service,
    save_form,
)

bp = Blueprint("enterprises", __name__)

AUDIT_ACTION_LABELS = {
    action.value: action.short_label
    for action in AuditAction
    if action.subject == AuditSubject.ENTERPRISES
}
DEFAULT_PER_PAGE = 20


def _user():
    return current_user._get_current_object()


# --- the signed-in user's own enterprise -----------------------------------------------


@bp.route("/enterprise")
@enterprise_user_required("enterprises.manage")
def mine():
    enterprise = current_user.enterprise
    if enterprise is None:
        # Accounts made before sign-up asked for the enterprise (or on the command line).
        return render_template(
            "enterprises/profile_form.html", form=EnterpriseProfileForm(), creating=True
        )
    return render_template(
        "enterprises/profile.html",
        enterprise=enterprise,
        colleagues=services.colleagues(enterprise),
    )


@bp.route("/enterprise/edit", methods=["GET", "POST"])
@enterprise_user_required("enterprises.manage")
def edit_mine():
    enterprise = current_user.enterprise
    form = EnterpriseProfileForm(
        obj=services.enterprise_data_from(enterprise) if enterprise else None
    )

    def save():
        data = form_to(services.EnterpriseData, form)
        if enterprise is None:
            return services.create_enterprise_for(_user(), data)
        return services.update_profile(enterprise, data, actor=_user())

    was_verified = enterprise is not None and enterprise.verified
    if save_form(form, save) is not None:
        flash(_("Your enterprise's profile has been saved."), "success")
        if was_verified and not current_user.enterprise.verified:
            flash(
                _(
                    "Its name, credit code or prefecture changed, so it is no longer verified: "
                    "the organizers have been told and will check it again."
                ),
                "warning",
            )
        return redirect(url_for(".mine"))
    return render_form("enterprises/profile_form.html", form, creating=enterprise is None)


@bp.route("/enterprise/invite", methods=["GET", "POST"])
@enterprise_user_required("enterprises.manage")
@ratelimit.limit(
    "RATE_LIMIT_INVITATIONS_PER_ENTERPRISE",
    per=lambda: f"enterprise:{current_user.enterprise_id}",
)
def invite():
    enterprise = current_user.enterprise
    if enterprise is None:
        return redirect(url_for(".mine"))
    form = InvitationForm()
    valid_for = timedelta(seconds=services.invitation_max_age())
    invited = save_form(
        form,
        lambda: services.invite_colleague(
            enterprise,
            form.email.data,
            actor=_user(),
            accept_url=lambda token: external_url("enterprises.accept_invitation", token=token),
        ),
    )
    if invited is not None:
        flash(
            _(
                "An invitation is on its way to %(email)s. The link in it works for %(duration)s.",
                email=normalise_email(form.email.data),
                duration=format_timedelta(valid_for),
            ),
            "success",
        )
        return redirect(url_for(".mine"))
    return render_form("enterprises/invite.html", form, enterprise=enterprise, valid_for=valid_for)


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    invitation = services.invitation_from_token(token)
    if invitation is None:
        response = render_template("enterprises/invitation_invalid.html"), 400
    elif current_user.is_authenticated:
        response = (
            render_template("enterprises/accept_invitation.html", invitation=invitation, form=None),
            200,
        )
    else:
        form = AcceptInvitationForm()
        user = save_form(
            form, lambda: services.accept_invitation(token, **invited_account_fields(form))
        )
        if user is not None:
            login_user(user)
            flash(
                _(
                    "Welcome, %(name)s. You now use Expo for %(enterprise)s.",
                    name=user.name,
                    enterprise=invitation.enterprise.name,
                ),
                "success",
            )
            return redirect(url_for(".mine"))
        response = render_form("enterprises/accept_invitation.html", form, invitation=invitation)
    # The token is in this page's address; keep it out of Referer headers.
    body, status = response
    return body, status, {"Referrer-Policy": "no-referrer"}


# --- organizers --------------------------------------------------------------------------


@bp.route("/manage/enterprises")
@organizer_required
def manage():
    form = EnterpriseFilterForm(request.args)
    form.validate()
    page = services.search_enterprises(
        filter_value(form.q),
        prefecture=filter_value(form.prefecture),
        industry=filter_value(form.industry),
        key_only=bool(form.key_only.data),
        page=page_number(),
        per_page=current_app.config.get("ENTERPRISES_PER_PAGE", DEFAULT_PER_PAGE),
    )
    return render_template(
        "enterprises/manage/list.html",
        form=form,
        page=page,
        open_claims=claims.count_pending_claims(),
    )


def _render_detail(enterprise: Enterprise, flags_form: EnterpriseFlagsForm, status: int = 200):
    return (
        render_template(
            "enterprises/manage/detail.html",
            enterprise=enterprise,
            flags_form=flags_form,
            colleagues=services.colleagues(enterprise),
            entries=services.audit_entries(enterprise),
            field_labels=FIELD_LABELS,
            audit_action_labels=AUDIT_ACTION_LABELS,
        ),
        status,
    )


@bp.route("/manage/enterprises/<int:enterprise_id>")
@organizer_required
def manage_detail(enterprise_id: int):
    enterprise = get_or_404(Enterprise, enterprise_id)
    return _render_detail(enterprise, EnterpriseFlagsForm(obj=enterprise))


@bp.post("/manage/enterprises/<int:enterprise_id>/flags")
@organizer_required
def set_flags(enterprise_id: int):
    enterprise = get_or_404(Enterprise, enterprise_id)
    form = EnterpriseFlagsForm()
    if not form.validate_on_submit():
        return _render_detail(enterprise, form, 400)
    saved = run_service(
        lambda: services.set_flags(
            enterprise,
            verified=form.verified.data,
            key_enterprise=form.key_enterprise.data,
            actor=_user(),
        )
    )
    if saved is not None:
        flash(_("The flags of %(name)s have been saved.", name=enterprise.name), "success")
    return redirect(url_for(".manage_detail", enterprise_id=enterprise.id))


@bp.route("/manage/enterprises/<int:enterprise_id>/edit", methods=["GET", "POST"])
@organizer_required
def manage_edit(enterprise_id: int):
    enterprise = get_or_404(Enterprise, enterprise_id)
    form = EnterpriseProfileForm(obj=services.enterprise_data_from(enterprise))
    saved = save_form(
        form,
        lambda: services.update_profile(
            enterprise, form_to(services.EnterpriseData, form), actor=_user()
        ),
    )
    if saved is not None:
        flash(_("The profile of %(name)s has been saved.", name=enterprise.name), "success")
        return redirect(url_for(".manage_detail", enterprise_id=enterprise.id))
    return render_form("enterprises/profile_form.html", form, creating=False, managed=enterprise)


# Claims to a registered credit code and the key-enterprise programme add their routes to
# ``bp``; they import it from here.
from expo.enterprises import claim_views, key_enterprise_views  # noqa: E402, F401

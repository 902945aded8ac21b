"""Contested credit codes: the claimant's form (reached through the mailed link) and the
organizers' queue. Routes of the ``enterprises`` blueprint; the rules are in ``claims``."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from expo.accounts.access import organizer_required
from expo.enterprises import claims, services
from expo.enterprises.claim_links import claim_link_from_token
from expo.enterprises.forms import ClaimDecisionForm, ClaimFilterForm, ClaimForm
from expo.enterprises.models import EnterpriseClaim
from expo.enterprises.views import bp
from expo.fields import filter_value
from expo.i18n import current_language
from expo.urls import external_url
from expo.web import form_to, get_or_404, page_number, render_form, save_form

DEFAULT_PER_PAGE = 20
# The token is in the claim page's address; keep it out of Referer headers.
NO_REFERRER = {"Referrer-Policy": "no-referrer"}


@bp.route("/enterprise/claim/<token>", methods=["GET", "POST"])
def claim(token: str):
    link = claim_link_from_token(token)
    if link is None:
        return render_template("enterprises/claim_link_invalid.html"), 400, NO_REFERRER
    enterprise = claims.enterprise_claimed(link)
    if enterprise is None:
        return render_template("enterprises/claim_code_free.html"), 200, NO_REFERRER
    form = ClaimForm()
    filed = save_form(
        form,
        lambda: claims.file_claim(link, form_to(claims.ClaimData, form), locale=current_language()),
    )
    if filed is not None:
        return redirect(url_for(".claim_sent"))
    body, status = render_form("enterprises/claim.html", form, link=link)
    return body, status, NO_REFERRER


@bp.route("/enterprise/claimed")
def claim_sent():
    return render_template("enterprises/claim_sent.html")


# --- organizers --------------------------------------------------------------------------


@bp.route("/manage/enterprises/claims")
@organizer_required
def manage_claims():
    form = ClaimFilterForm(request.args)
    form.validate()
    page = claims.claims_page(
        pending_only=filter_value(form.status) != "all",
        page=page_number(),
        per_page=current_app.config.get("ENTERPRISES_PER_PAGE", DEFAULT_PER_PAGE),
    )
    return render_template("enterprises/manage/claims.html", form=form, page=page)


@bp.route("/manage/enterprises/claims/<int:claim_id>", methods=["GET", "POST"])
@organizer_required
def manage_claim(claim_id: int):
    claim = get_or_404(EnterpriseClaim, claim_id)
    form = ClaimDecisionForm()
    decided = save_form(
        form,
        lambda: claims.resolve_claim(
            claim,
            decision=form.decision.data,
            note=form.note.data or "",
            actor=current_user._get_current_object(),
            accept_url=lambda token: external_url("enterprises.accept_invitation", token=token),
        ),
    )
    if decided is not None:
        flash(_("The request has been decided and the company told by email."), "success")
        return redirect(url_for(".manage_claim", claim_id=claim.id))
    return render_form(
        "enterprises/manage/claim.html",
        form,
        claim=claim,
        enterprise=claim.enterprise,
        colleagues=services.colleagues(claim.enterprise),
    )

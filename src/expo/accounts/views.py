"""Sign-up, sign-in and out, the profile and passwords."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from expo import ratelimit
from expo.accounts import services
from expo.accounts.access import login_required
from expo.accounts.forms import (
    LoginForm,
    PasswordChangeForm,
    PasswordResetForm,
    PasswordResetRequestForm,
    ProfileForm,
)
from expo.attendance import services as attendance
from expo.enterprises import services as enterprise_services
from expo.enterprises.forms import EnterpriseSignupForm
from expo.i18n import SESSION_KEY, current_language
from expo.urls import external_url
from expo.web import form_to, render_form, run_action, run_service, save_form

bp = Blueprint("accounts", __name__, url_prefix="/account")

# The address of the last sign-up, for the page that says where the email went.
SIGNUP_EMAIL_KEY = "signup_email"


def _safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site, so sign-in cannot bounce users elsewhere."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def _default_landing() -> str:
    """Organizers land on the work waiting for them; everyone else on the home page."""
    if current_user.is_authenticated and current_user.is_organizer:
        return url_for("dashboards.organizer_home")
    return url_for("site.home")


def _remembered() -> bool:
    """Whether this browser holds a remember-me cookie."""
    return current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies


def _fresh_session() -> None:
    """Empty the session, keeping only the language chosen in it: what an attacker put in
    a session before sign-in (its CSRF token included) does not survive, and nothing of a
    signed-out user's stays behind."""
    language = session.get(SESSION_KEY)
    session.clear()
    if language is not None:
        session[SESSION_KEY] = language


def _sign_in(user, *, remember: bool = False) -> None:
    _fresh_session()
    login_user(user, remember=remember)


@bp.route("/signup", methods=["GET", "POST"])
@ratelimit.limit("RATE_LIMIT_SIGN_UP_PER_ADDRESS")
@ratelimit.limit("RATE_LIMIT_SIGN_UP_PER_EMAIL", per=ratelimit.submitted_email)
def signup():
    """The person and their enterprise in one form; both are created, or neither.

    Whether the address or the credit code is registered already is told only by email,
    to the address typed: the page after a sign-up is the same whatever happened.
    """
    if current_user.is_authenticated:
        return redirect(url_for(".profile"))
    form = EnterpriseSignupForm()
    done = save_form(
        form,
        lambda: (
            enterprise_services.sign_up(
                email=form.email.data,
                password=form.password.data,
                name=form.name.data,
                mobile=form.mobile.data or "",
                locale=current_language(),
                enterprise=form_to(enterprise_services.EnterpriseData, form),
            )
            or True
        ),
    )
    if done is not None:
        session[SIGNUP_EMAIL_KEY] = form.email.data
        return redirect(url_for(".signup_sent"))
    return render_form("accounts/signup.html", form)


@bp.route("/signup/sent")
def signup_sent():
    return render_template("accounts/signup_sent.html", email=session.get(SIGNUP_EMAIL_KEY))


@bp.route("/verify/<token>", methods=["GET", "POST"])
def verify_email(token: str):
    """The link mailed at sign-up. Opening it shows a button: a GET changes nothing, so a
    mail scanner that follows links does not verify anything."""
    user = services.user_from_email_verification_token(token)
    if user is None:
        body = render_template("accounts/verification_link_invalid.html")
        return body, 400, {"Referrer-Policy": "no-referrer"}
    if request.method == "POST" and run_action(lambda: services.verify_email(user)):
        flash(_("Your email address is verified. Thank you."), "success")
        if current_user.is_authenticated:
            return redirect(url_for("enterprises.mine"))
        return redirect(url_for(".login"))
    body = render_template("accounts/verify_email.html", user=user)
    return body, 200, {"Referrer-Policy": "no-referrer"}


@bp.post("/verification/resend")
@login_required
@ratelimit.limit("RATE_LIMIT_SIGN_UP_PER_ADDRESS")
def resend_verification():
    if current_user.email_verified:
        flash(_("Your email address is already verified."), "info")
    else:
        run_action(
            lambda: services.send_email_verification(
                current_user,
                verify_url=lambda token: external_url("accounts.verify_email", token=token),
            )
        )
        flash(
            _(
                "A new link is on its way to %(email)s. Please check your inbox.",
                email=current_user.email,
            ),
            "info",
        )
    return redirect(_safe_next(request.args.get("next")) or url_for(".profile"))


@bp.route("/login", methods=["GET", "POST"])
# Every attempt is counted before the password is checked and a right one is given back:
# wrong passwords use up the allowance, and once it is gone even the right one is refused.
@ratelimit.limit("RATE_LIMIT_SIGN_IN_PER_ADDRESS")
@ratelimit.limit("RATE_LIMIT_SIGN_IN_PER_ACCOUNT", per=ratelimit.submitted_email)
def login():
    next_url = _safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or _default_landing())
    form = LoginForm()
    if form.validate_on_submit():
        user = run_service(lambda: services.authenticate(form.email.data, form.password.data))
        if user is None:
            # One message for both mistakes, so the form does not reveal who has an account.
            form.form_errors.append(_("Wrong email or password."))
        else:
            ratelimit.refund()
            _sign_in(user, remember=form.remember.data)
            return redirect(next_url or _default_landing())
    return render_form("accounts/login.html", form)


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated and _remembered():
        # The remember-me cookie outlives the session, and a copy of it would keep working
        # for its whole life: changing the stamp it carries makes every copy worthless.
        run_action(lambda: services.end_all_sessions(current_user))
    logout_user()
    _fresh_session()
    # The page it leads to also clears what a check-in desk kept for use offline.
    flash(_("You have signed out."), "signed-out")
    return redirect(_default_landing())


@bp.route("/sign-out-everywhere", methods=["POST"])
@login_required
def sign_out_everywhere():
    """End every session of this user, on every device, this one included."""
    run_action(lambda: services.end_all_sessions(current_user))
    logout_user()
    _fresh_session()
    flash(_("You have been signed out on every device."), "info")
    return redirect(url_for(".login"))


@bp.route("/", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    saved = save_form(
        form,
        lambda: services.update_profile(
            current_user,
            name=form.name.data,
            mobile=form.mobile.data or "",
            locale=form.locale.data,
            timezone=form.timezone.data,
        ),
    )
    if saved is not None:
        # Also remembered for this browser, so the language stays after signing out.
        session[SESSION_KEY] = form.locale.data
        with force_locale(form.locale.data):
            flash(_("Your profile has been saved."), "success")
        return redirect(url_for(".profile"))
    # Desk staff reach the check-in pages they were given from here.
    desk_events = [] if current_user.is_organizer else attendance.desk_events(current_user)
    return render_form("accounts/profile.html", form, desk_events=desk_events)


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordChangeForm()
    changed = save_form(
        form,
        lambda: services.change_password(
            current_user, form.current_password.data, form.new_password.data
        ),
    )
    if changed is not None:
        # The session carries the old password stamp; sign this browser in again so only
        # the other browsers are signed out, keeping "remember me" if it was chosen.
        login_user(current_user._get_current_object(), remember=_remembered())
        flash(_("Your password has been changed. Other devices have been signed out."), "success")
        return redirect(url_for(".profile"))
    return render_form("accounts/change_password.html", form)


@bp.route("/reset", methods=["GET", "POST"])
@ratelimit.limit("RATE_LIMIT_PASSWORD_RESET_PER_ADDRESS")
@ratelimit.limit("RATE_LIMIT_PASSWORD_RESET_PER_EMAIL", per=ratelimit.submitted_email)
def request_password_reset():
    form = PasswordResetRequestForm()
    if form.validate_on_submit():
        run_service(
            lambda: services.request_password_reset(
                form.email.data,
                reset_url=lambda token: external_url("accounts.reset_password", token=token),
            )
        )
        flash(
            _(
                "If an account uses %(email)s, a link to choose a new password is on its way. "
                "Please check your inbox.",
                email=form.email.data,
            ),
            "info",
        )
        return redirect(url_for(".login"))
    return render_form("accounts/request_password_reset.html", form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    user = services.user_from_password_reset_token(token)
    if user is None:
        response = render_template("accounts/reset_link_invalid.html"), 400
    else:
        form = PasswordResetForm()
        if (
            save_form(form, lambda: services.reset_password(user, form.new_password.data))
            is not None
        ):
            flash(_("Your new password is set. Please sign in with it."), "success")
            return redirect(url_for(".login"))
        response = render_form("accounts/reset_password.html", form, user=user)
    # The token is in this page's address; keep it out of Referer headers.
    body, status = response
    return body, status, {"Referrer-Policy": "no-referrer"}

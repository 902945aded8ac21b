from __future__ import annotations

import re
import time

import pytest
from flask import current_app
from itsdangerous import TimestampSigner

from expo import create_app
from expo.accounts import services
from expo.accounts.models import Role, User
from expo.enterprises.models import Enterprise
from expo.extensions import db as _db
from tests.conftest import make_test_config
from tests.factories import make_enterprise, make_user, valid_credit_code
from tests.pages import PHONE_MESSAGE, field_error, h1_count, page_text, tampered

# The one message for a phone number of the wrong shape, in every area.

INVALID = 422
# Sign-up creates the person's account and their enterprise in one form.
SIGNUP = {
    "email": "Li.Wei@Example.com",
    "password": "long-enough",
    "confirm": "long-enough",
    "name": "Li Wei",
    "mobile": "+86 138 0000 0000",
    "name_zh": "成都蓉芯微电子科技有限公司",
    "name_en": "Chengdu Rongxin Microelectronics Co., Ltd.",
    "credit_code": valid_credit_code("510100", serial=20184736),
    "prefecture": "510100",
    "industry": "electronics",
    "export_value_usd": "48600000",
    "import_value_usd": "31200000",
    "target_markets": ["DE", "KR"],
}


def stored_user(**fields) -> User:
    """A user committed, so the requests (each with its own session) can see it."""
    user = make_user(**fields)
    _db.session.commit()
    return user


def users(db) -> list[User]:
    db.session.expire_all()
    return list(db.session.execute(db.select(User).order_by(User.id)).scalars())


def is_signed_in(client) -> bool:
    return client.get("/account/").status_code == 200


# --- pages ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/account/signup", "/account/login", "/account/reset", "/account/reset/bad-token"]
)
def test_public_account_pages_have_one_heading(client, path):
    response = client.get(path)

    assert response.status_code in (200, 400)
    assert h1_count(response) == 1


@pytest.mark.parametrize("path", ["/account/", "/account/password"])
def test_account_pages_have_one_heading(client, login_as, path):
    login_as(make_user())

    response = client.get(path)

    assert response.status_code == 200
    assert h1_count(response) == 1


@pytest.mark.parametrize("path", ["/account/", "/account/password"])
def test_account_pages_send_anonymous_visitors_to_sign_in(client, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response.location.startswith("/account/login?next=")


# --- sign-up -------------------------------------------------------------------------


def enterprises(db) -> list[Enterprise]:
    db.session.expire_all()
    return list(db.session.execute(db.select(Enterprise)).scalars())


def verification_link(message) -> str:
    base_url = re.escape(current_app.config["BASE_URL"])
    match = re.search(base_url + r"(/account/verify/\S+)", message.get_content())
    assert match, message.get_content()
    return match.group(1)


def test_signup_creates_the_user_and_the_enterprise_and_mails_a_verification_link(
    client, db, sent_mail
):
    response = client.post("/account/signup?lang=en", data=SIGNUP)

    assert response.status_code == 302
    assert response.location == "/account/signup/sent"
    [user] = users(db)
    [enterprise] = enterprises(db)
    assert (user.email, user.name, user.role) == ("li.wei@example.com", "Li Wei", Role.ENTERPRISE)
    assert user.check_password("long-enough")
    assert user.enterprise_id == enterprise.id
    assert enterprise.credit_code == SIGNUP["credit_code"]
    assert not user.email_verified
    page = client.get("/account/signup/sent")
    assert "Check your email" in page_text(page)
    assert "Li.Wei@Example.com" in page_text(page)
    assert not is_signed_in(client)
    [message] = sent_mail()
    assert message["To"] == "li.wei@example.com"
    assert message["Subject"] == "Confirm your email address for Expo"

    link = verification_link(message)
    assert "Confirm my address" in page_text(client.get(link))
    db.session.expire_all()
    assert not users(db)[0].email_verified  # opening the link changes nothing by itself
    confirmed = client.post(link)

    assert confirmed.status_code == 302
    assert confirmed.location == "/account/login"
    assert users(db)[0].email_verified
    assert (
        client.post(
            "/account/login", data={"email": SIGNUP["email"], "password": "long-enough"}
        ).status_code
        == 302
    )


def test_a_tampered_verification_link_verifies_nothing(client, db, sent_mail):
    client.post("/account/signup?lang=en", data=SIGNUP)
    link = verification_link(sent_mail()[0])

    response = client.post(tampered(link))

    assert response.status_code == 400
    assert "This link no longer works" in page_text(response)
    assert not users(db)[0].email_verified


def test_an_unverified_account_can_ask_for_a_new_link(client, db, login_as, sent_mail):
    user = make_user(locale="en")
    user.email_verified_at = None
    login_as(user)

    response = client.post("/account/verification/resend")

    assert response.status_code == 302
    [message] = sent_mail()
    assert message["To"] == user.email
    client.post(verification_link(message))
    db.session.refresh(user)
    assert user.email_verified


def neutral_page(client, response) -> str:
    assert response.status_code == 302
    assert response.location == "/account/signup/sent"
    return page_text(client.get(response.location))


def test_signup_with_a_registered_email_looks_the_same_and_mails_the_owner(client, db, sent_mail):
    owner = stored_user(email="li.wei@example.com", name="Li Wei Senior", locale="en")
    signed_up = client.post("/account/signup?lang=en", data=SIGNUP)
    fresh = client.application.test_client()
    fresh.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    registered = fresh.post(
        "/account/signup?lang=en",
        data=SIGNUP | {"email": "new@example.com", "credit_code": valid_credit_code(serial=7)},
    )

    assert neutral_page(client, signed_up).replace("Li.Wei@Example.com", "") == neutral_page(
        fresh, registered
    ).replace("new@example.com", "")
    assert "already registered" not in page_text(client.get("/account/signup/sent"))
    assert [user.email for user in users(db)] == ["li.wei@example.com", "new@example.com"]
    assert len(enterprises(db)) == 1
    assert not is_signed_in(client)
    to_owner = [message for message in sent_mail() if message["To"] == owner.email]
    assert [message["Subject"] for message in to_owner] == [
        "Someone tried to sign up to Expo with your address"
    ]
    assert "/account/reset" in to_owner[0].get_content()


def test_signup_with_a_registered_credit_code_looks_the_same_and_mails_the_address(
    client, db, sent_mail
):
    make_enterprise(credit_code=SIGNUP["credit_code"])
    _db.session.commit()

    response = client.post("/account/signup?lang=en", data=SIGNUP)

    assert "Check your email" in neutral_page(client, response)
    assert users(db) == []
    assert not is_signed_in(client)
    [message] = sent_mail()
    assert message["To"] == "li.wei@example.com"
    assert message["Subject"] == "Your enterprise is already on Expo"
    assert SIGNUP["credit_code"] in message.get_content()
    assert "invitation" in message.get_content()


def test_signup_keeps_the_language_of_the_page(client, db):
    client.post("/account/signup?lang=en", data=SIGNUP)

    [user] = users(db)
    assert user.locale == "en"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "", "Enter your email address."),
        ("email", "not-an-address", "Enter a valid email address, such as name@example.com."),
        ("password", "short", "Use at least 8 characters."),
        ("confirm", "different-one", "The two passwords do not match."),
        ("name", "   ", "Enter your name."),
        ("name", "x" * 101, "Use at most 100 characters."),
        ("mobile", "call me", PHONE_MESSAGE),
        ("mobile", "1234", PHONE_MESSAGE),
        (
            "credit_code",
            "91510100MA6C",
            "A unified social credit code must be 18 characters, you entered 12.",
        ),
        ("prefecture", "", "Choose a prefecture or autonomous prefecture of Sichuan."),
        ("export_value_usd", "-1", "The amount cannot be negative; enter 0 if there was none."),
    ],
)
def test_signup_shows_each_mistake_at_its_field_and_saves_nothing(
    client, db, field, value, message
):
    response = client.post("/account/signup?lang=en", data=SIGNUP | {field: value})

    assert response.status_code == INVALID
    assert field_error(response, field) == message
    assert re.search(rf'aria-describedby="[^"]*{field}-error', response.get_data(as_text=True))
    assert users(db) == []
    assert enterprises(db) == []
    assert not is_signed_in(client)


def test_signup_without_a_mobile_is_fine(client, db):
    response = client.post("/account/signup", data=SIGNUP | {"mobile": ""})

    assert response.status_code == 302
    assert users(db)[0].mobile == ""


# --- sign-in and out -----------------------------------------------------------------


def test_login_with_the_right_password_signs_in(client, db):
    stored_user(email="li@example.com")

    response = client.post(
        "/account/login", data={"email": "LI@example.com ", "password": "password-123"}
    )

    assert response.status_code == 302
    assert response.location == "/"
    assert is_signed_in(client)


@pytest.mark.parametrize(
    ("address", "password"),
    [("li@example.com", "wrong-password"), ("nobody@example.com", "password-123")],
)
def test_login_with_wrong_credentials_gives_one_generic_message(client, db, address, password):
    stored_user(email="li@example.com")

    response = client.post("/account/login", data={"email": address, "password": password})

    assert response.status_code == INVALID
    assert "Wrong email or password." in page_text(response)
    assert not is_signed_in(client)


def test_login_refuses_an_inactive_user(client, db):
    stored_user(email="gone@example.com", active=False)

    response = client.post(
        "/account/login", data={"email": "gone@example.com", "password": "password-123"}
    )

    assert response.status_code == INVALID
    assert "Wrong email or password." in page_text(response)


def test_login_with_empty_fields_says_what_is_missing(client, db):
    response = client.post("/account/login", data={"email": "", "password": ""})

    assert response.status_code == INVALID
    assert field_error(response, "email") == "Enter your email address."
    assert field_error(response, "password") == "Enter your password."


@pytest.mark.parametrize(("remember", "expect_cookie"), [({"remember": "y"}, True), ({}, False)])
def test_remember_me_sets_the_remember_cookie_only_when_asked(client, db, remember, expect_cookie):
    user = stored_user()

    client.post("/account/login", data={"email": user.email, "password": "password-123"} | remember)

    assert (client.get_cookie("remember_token") is not None) is expect_cookie


def test_remember_cookie_signs_in_a_browser_whose_session_ended(client, db):
    user = stored_user()
    client.post(
        "/account/login", data={"email": user.email, "password": "password-123", "remember": "y"}
    )

    client.delete_cookie("session")

    assert is_signed_in(client)


def test_login_follows_next_on_this_site(client, db):
    user = stored_user()

    response = client.post(
        "/account/login?next=/account/password",
        data={"email": user.email, "password": "password-123"},
    )

    assert response.location == "/account/password"


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/path", "/\\evil.example", "javascript:x"]
)
def test_login_ignores_next_pointing_elsewhere(client, db, target):
    user = stored_user()

    response = client.post(
        "/account/login",
        query_string={"next": target},
        data={"email": user.email, "password": "password-123"},
    )

    assert response.status_code == 302
    assert response.location == "/"


def test_logout_signs_out(client, login_as):
    login_as(make_user())

    response = client.post("/account/logout")

    assert response.status_code == 302
    assert not is_signed_in(client)
    landing = client.get("/")
    assert "You have signed out." in page_text(landing)
    # What a check-in desk kept on the device is cleared there (tests/browser).
    assert "js/forget-offline.js" in landing.get_data(as_text=True)
    assert "js/forget-offline.js" not in client.get("/").get_data(as_text=True)


def test_a_script_whose_sign_in_lapsed_is_told_401_and_a_page_is_sent_to_sign_in(client, db):
    script = client.get(
        "/manage/events/1/check-in-badges.json", headers={"Accept": "application/json"}
    )
    assert script.status_code == 401 and script.json["status"] == 401
    assert "sign in again" in script.json["error"]
    page = client.get("/manage/events/1/check-in", headers={"Accept": "text/html"})
    assert page.status_code == 302
    assert page.headers["Location"].startswith("/account/login?next=")


def test_a_script_posting_after_its_session_went_is_told_401_not_400(app, db, tmp_path_factory):
    # The session held the CSRF token: with the session gone, the check fails first.
    from expo import create_app
    from tests.conftest import make_test_config

    guarded = create_app(
        make_test_config(
            tmp_path_factory, DATABASE_URL=app.config["DATABASE_URL"], WTF_CSRF_ENABLED=True
        )
    )
    client = guarded.test_client()
    scan = client.post(
        "/manage/events/1/check-in?lang=en",
        data={"code": "x", "csrf_token": "from-a-session-that-is-gone"},
        headers={"Accept": "application/json"},
    )
    assert scan.status_code == 401 and "sign in again" in scan.json["error"]
    sync = client.post("/manage/events/1/check-in-sync", json={"list": {}, "scans": []})
    assert sync.status_code == 401
    # A page's form with a stale token still gets the page that says so.
    form = client.post("/account/login", data={"email": "a@example.com", "password": "x"})
    assert form.status_code == 400


def test_logout_only_by_post(client, login_as):
    login_as(make_user())

    assert client.get("/account/logout").status_code == 405
    assert is_signed_in(client)


def sign_in_remembered(browser, user) -> str:
    """Sign in with "keep me signed in"; the remember-me cookie's value."""
    browser.post(
        "/account/login", data={"email": user.email, "password": "password-123", "remember": "y"}
    )
    return browser.get_cookie("remember_token").value


def test_a_copied_remember_cookie_stops_working_after_logout(client, db, make_client):
    user = stored_user()
    copied = sign_in_remembered(client, user)
    thief = make_client()
    thief.set_cookie("remember_token", copied)
    assert is_signed_in(thief)
    thief.delete_cookie("session")

    client.post("/account/logout")

    assert not is_signed_in(client)
    assert not is_signed_in(thief)


def test_logout_of_a_session_not_remembered_keeps_other_browsers(client, db, login_as, make_client):
    user = login_as(make_user())
    other_browser = make_client()
    sign_in_remembered(other_browser, user)

    client.post("/account/logout")

    assert not is_signed_in(client)
    assert is_signed_in(other_browser)


def test_sign_out_everywhere_ends_every_session_and_remember_cookie(
    client, db, login_as, make_client
):
    user = login_as(make_user(locale="en"))
    other_browser = make_client()
    copied = sign_in_remembered(other_browser, user)
    assert "Sign out everywhere" in page_text(client.get("/account/"))

    response = client.post("/account/sign-out-everywhere")

    assert response.status_code == 302
    assert response.location == "/account/login"
    assert not is_signed_in(client)
    assert not is_signed_in(other_browser)
    thief = make_client()
    thief.set_cookie("remember_token", copied)
    assert not is_signed_in(thief)
    assert "You have been signed out on every device." in page_text(client.get("/account/login"))
    # Signing in again works as before.
    assert sign_in_remembered(client, user) and is_signed_in(client)


def test_sign_out_everywhere_only_by_post(client, login_as):
    login_as(make_user())

    assert client.get("/account/sign-out-everywhere").status_code == 405
    assert is_signed_in(client)


def test_signing_in_starts_a_new_session_keeping_only_the_language(client, db):
    user = stored_user()
    with client.session_transaction() as planted:
        planted["csrf_token"] = "known-to-the-attacker"
        planted["planted"] = "by someone else"
        planted["lang"] = "en"
    data = {"email": user.email, "password": "password-123"}

    assert client.post("/account/login", data=data).status_code == 302

    with client.session_transaction() as session:
        assert "csrf_token" not in session
        assert "planted" not in session
        assert session["lang"] == "en"
    assert is_signed_in(client)


def test_logout_empties_the_session_but_keeps_the_language(client, login_as):
    login_as(make_user())
    with client.session_transaction() as session:
        session["csrf_token"] = "from the signed-in session"
        session["lang"] = "en"

    client.post("/account/logout")

    with client.session_transaction() as session:
        assert "csrf_token" not in session
        assert session["lang"] == "en"


# --- profile -------------------------------------------------------------------------


def test_profile_shows_the_account(client, login_as):
    login_as(make_user(email="li@example.com", name="Li Wei"))

    text = page_text(client.get("/account/"))

    assert "li@example.com" in text
    assert 'value="Li Wei"' in text


def test_profile_edit_saves_name_mobile_and_language(client, db, login_as):
    user = login_as(make_user(name="Before", locale="zh"))

    response = client.post(
        "/account/", data={"name": "After", "mobile": "028-1234 5678", "locale": "en"}
    )

    assert response.status_code == 302
    db.session.refresh(user)
    assert (user.name, user.mobile, user.locale) == ("After", "028-1234 5678", "en")
    page = client.get("/account/")
    assert '<html lang="en">' in page.get_data(as_text=True)
    assert "Your profile has been saved." in page_text(page)


def test_profile_edit_with_a_bad_mobile_saves_nothing(client, db, login_as):
    user = login_as(make_user(name="Before", mobile="13800000000"))

    response = client.post("/account/", data={"name": "After", "mobile": "abc", "locale": "zh"})

    assert response.status_code == INVALID
    assert field_error(response, "mobile") is not None
    db.session.refresh(user)
    assert (user.name, user.mobile) == ("Before", "13800000000")


# --- password change -----------------------------------------------------------------


def test_password_change_with_a_wrong_current_password(client, db, login_as):
    user = login_as(make_user(locale="en"))

    response = client.post(
        "/account/password",
        data={
            "current_password": "nope-nope",
            "new_password": "new-password",
            "confirm": "new-password",
        },
    )

    assert response.status_code == INVALID
    assert field_error(response, "current_password") == "Your current password is not correct."
    db.session.refresh(user)
    assert user.check_password("password-123")


def test_password_change_signs_out_other_browsers_only(client, db, login_as, make_client):
    user = login_as(make_user())
    other_browser = make_client()
    other_browser.post(
        "/account/login", data={"email": user.email, "password": "password-123", "remember": "y"}
    )
    assert is_signed_in(client) and is_signed_in(other_browser)

    response = client.post(
        "/account/password",
        data={
            "current_password": "password-123",
            "new_password": "new-password",
            "confirm": "new-password",
        },
    )

    assert response.status_code == 302
    assert is_signed_in(client)
    assert not is_signed_in(other_browser)
    db.session.refresh(user)
    assert user.check_password("new-password")


# --- password reset ------------------------------------------------------------------


def reset_link(message) -> str:
    base_url = re.escape(current_app.config["BASE_URL"])
    match = re.search(base_url + r"(/account/reset/\S+)", message.get_content())
    assert match, message.get_content()
    return match.group(1)


def test_reset_request_mails_a_link_that_works_once(client, db, sent_mail):
    user = stored_user(email="li@example.com", locale="en")

    response = client.post("/account/reset", data={"email": "li@example.com"})

    assert response.status_code == 302
    [message] = sent_mail()
    assert message["To"] == "li@example.com"
    assert message["Subject"] == "Choose a new password for Expo"
    link = reset_link(message)

    form = client.get(link)
    assert form.status_code == 200
    assert form.headers["Referrer-Policy"] == "no-referrer"

    response = client.post(
        link, data={"new_password": "fresh-password", "confirm": "fresh-password"}
    )
    assert response.status_code == 302
    assert response.location == "/account/login"
    db.session.refresh(user)
    assert user.check_password("fresh-password")

    again = client.get(link)
    assert again.status_code == 400
    assert "This link no longer works" in page_text(again)
    reused = client.post(link, data={"new_password": "other-password", "confirm": "other-password"})
    assert reused.status_code == 400
    db.session.refresh(user)
    assert user.check_password("fresh-password")


def test_reset_request_for_an_unknown_email_looks_the_same_and_sends_nothing(client, db, sent_mail):
    stored_user(email="li@example.com")

    known = client.post("/account/reset", data={"email": "li@example.com"})
    unknown = client.post("/account/reset", data={"email": "stranger@example.com"})

    assert (unknown.status_code, unknown.location) == (known.status_code, known.location)
    assert [message["To"] for message in sent_mail()] == ["li@example.com"]


def test_reset_request_works_for_internal_addresses_such_as_the_demo_accounts(
    client, db, sent_mail
):
    stored_user(email="admin@expo.localhost")

    client.post("/account/reset", data={"email": "admin@expo.localhost"})

    assert [message["To"] for message in sent_mail()] == ["admin@expo.localhost"]


def test_reset_request_without_an_email_says_so(client, db, sent_mail):
    response = client.post("/account/reset", data={"email": " "})

    assert response.status_code == INVALID
    assert field_error(response, "email") == "Enter your email address."
    assert sent_mail() == []


def test_expired_reset_link_is_refused(app, client, db, monkeypatch):
    clock = {"now": int(time.time())}
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: clock["now"])
    user = stored_user()
    link = f"/account/reset/{services.make_password_reset_token(user)}"
    clock["now"] += app.config["PASSWORD_RESET_MAX_AGE"] + 1

    response = client.post(
        link, data={"new_password": "fresh-password", "confirm": "fresh-password"}
    )

    assert response.status_code == 400
    assert "This link no longer works" in page_text(response)
    db.session.refresh(user)
    assert user.check_password("password-123")


def test_reset_with_mismatched_passwords_says_so_and_keeps_the_link_usable(client, db):
    user = stored_user()
    link = f"/account/reset/{services.make_password_reset_token(user)}"

    response = client.post(link, data={"new_password": "fresh-password", "confirm": "other"})

    assert response.status_code == INVALID
    assert field_error(response, "confirm") == "The two passwords do not match."
    assert client.get(link).status_code == 200


# --- CSRF ----------------------------------------------------------------------------


@pytest.fixture()
def csrf_client(app, db, tmp_path_factory):
    """A client of an app with CSRF protection on, sharing the test database."""
    protected = create_app(
        make_test_config(
            tmp_path_factory, WTF_CSRF_ENABLED=True, DATABASE_URL=app.config["DATABASE_URL"]
        )
    )
    # The test's own session holds no write lock, so the other app can write.
    db.session.commit()
    yield protected.test_client()
    with protected.app_context():
        _db.engine.dispose()


def test_post_without_csrf_token_is_refused_and_saves_nothing(csrf_client, db):
    response = csrf_client.post("/account/signup", data=SIGNUP)

    assert response.status_code == 400
    db.session.rollback()
    assert users(db) == []


def test_post_with_csrf_token_is_accepted(csrf_client, db):
    page = csrf_client.get("/account/signup").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)

    response = csrf_client.post("/account/signup", data=SIGNUP | {"csrf_token": token})

    assert response.status_code == 302
    db.session.rollback()
    assert [user.email for user in users(db)] == ["li.wei@example.com"]
    assert len(enterprises(db)) == 1


def test_a_failed_signup_marks_the_password_fields_it_emptied(client, db):
    response = client.post("/account/signup?lang=en", data={**SIGNUP, "credit_code": "123"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    text = page_text(response)
    assert "long-enough" not in html  # never sent back
    for name in ("password", "confirm"):
        marking = re.search(rf'<div id="{name}-cleared"[^>]*>(.*?)</div>', text, re.S)
        assert marking and "emptied" in marking.group(1)
        field = re.search(rf'<input[^>]*id="{name}"[^>]*>', html).group(0)
        assert f"{name}-cleared" in field  # read out with the field (aria-describedby)
    summary = re.search(r'<div id="error-summary".*?</div>', text, re.S).group(0)
    assert re.search(r'<a href="#credit_code">[^<]*credit code', summary, re.I)
    assert '<a href="#password">Password: For your safety this field was emptied' in summary


def test_a_failed_sign_in_shows_the_summary_and_the_emptied_password(client, db):
    user = stored_user()
    response = client.post(
        "/account/login?lang=en", data={"email": user.email, "password": "wrong-password"}
    )
    text = page_text(response)
    summary = re.search(r'<div id="error-summary".*?</div>', text, re.S).group(0)
    assert "Wrong email or password." in summary
    assert 'id="password-cleared"' in text


def test_a_page_shown_without_mistakes_marks_nothing(client, db):
    html = client.get("/account/signup?lang=en").get_data(as_text=True)
    assert "-cleared" not in html and 'id="error-summary"' not in html

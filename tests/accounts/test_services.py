from __future__ import annotations

import pytest
from flask_babel import force_locale
from itsdangerous import TimestampSigner

from expo.accounts import services
from expo.accounts.models import Role, User
from expo.errors import InvalidInput
from tests.factories import make_user


@pytest.fixture(autouse=True)
def english(app, db):
    """Messages are compared in English; the default language is Chinese."""
    with force_locale("en"):
        yield


def reset_url(token: str) -> str:
    return f"https://expo.example/account/reset/{token}"


def user_count(db) -> int:
    return db.session.execute(db.select(db.func.count()).select_from(User)).scalar_one()


# --- create_user ---------------------------------------------------------------------


def test_create_user_normalises_the_email_and_hashes_the_password(db):
    user = services.create_user(
        email="  Li.Wei@Example.COM ", password="long-enough", name=" Li Wei ", mobile="138 0000"
    )

    assert user.id is not None
    assert user.email == "li.wei@example.com"
    assert user.name == "Li Wei"
    assert user.role == Role.ENTERPRISE
    assert user.locale == "zh"
    assert user.password_hash != "long-enough"
    assert user.check_password("long-enough")


def test_create_user_refuses_a_registered_email_whatever_its_case(db):
    make_user(email="taken@example.com")

    with pytest.raises(InvalidInput) as caught:
        services.create_user(email="TAKEN@example.com ", password="long-enough", name="Other")

    assert str(caught.value.errors["email"]) == "This email address is already registered."
    assert str(caught.value) == "This email address is already registered."
    assert user_count(db) == 1


def test_create_user_racing_another_with_the_same_email_gets_the_message(db, monkeypatch):
    earlier = make_user(email="taken@example.com")
    # As if the other sign-up committed between this one's check and its insert.
    monkeypatch.setattr(services, "find_user_by_email", lambda email: None)

    with pytest.raises(InvalidInput) as caught:
        services.create_user(email="taken@example.com", password="long-enough", name="Late")

    assert str(caught.value.errors["email"]) == "This email address is already registered."
    db.session.commit()  # the caller's transaction is still usable
    assert [user.id for user in db.session.execute(db.select(User)).scalars()] == [earlier.id]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"password": "short"}, "password", "Use at least 8 characters."),
        ({"email": "no-at-sign"}, "email", "Enter a valid email address"),
        ({"name": "   "}, "name", "Enter your name."),
        ({"locale": "fr"}, "locale", "Choose one of the offered languages."),
    ],
)
def test_create_user_refuses_bad_input_with_a_message_for_the_field(db, fields, field, message):
    values = {"email": "new@example.com", "password": "long-enough", "name": "New"} | fields

    with pytest.raises(InvalidInput) as caught:
        services.create_user(**values)

    assert message in str(caught.value.errors[field])
    assert user_count(db) == 0


# --- authenticate --------------------------------------------------------------------


def test_authenticate_accepts_the_right_password_and_records_the_sign_in(db):
    user = make_user(email="li@example.com")
    assert user.last_login_at is None

    assert services.authenticate(" LI@example.com", "password-123") is user
    assert user.last_login_at is not None


@pytest.mark.parametrize(
    ("address", "password"),
    [("li@example.com", "wrong-password"), ("nobody@example.com", "password-123")],
)
def test_authenticate_refuses_wrong_credentials(db, address, password):
    make_user(email="li@example.com")

    assert services.authenticate(address, password) is None


def test_authenticate_refuses_an_inactive_user(db):
    make_user(email="gone@example.com", active=False)

    assert services.authenticate("gone@example.com", "password-123") is None


# --- passwords -----------------------------------------------------------------------


def test_change_password_needs_the_current_password(db):
    user = make_user()

    with pytest.raises(InvalidInput) as caught:
        services.change_password(user, "not-my-password", "brand-new-password")

    assert str(caught.value.errors["current_password"]) == "Your current password is not correct."
    assert user.check_password("password-123")


def test_change_password_replaces_it_and_changes_the_session_stamp(db):
    user = make_user()
    stamp = user.session_stamp

    services.change_password(user, "password-123", "brand-new-password")

    assert user.check_password("brand-new-password")
    assert user.session_stamp != stamp


def test_change_password_refuses_a_short_new_password(db):
    user = make_user()

    with pytest.raises(InvalidInput) as caught:
        services.change_password(user, "password-123", "short")

    assert "new_password" in caught.value.errors
    assert user.check_password("password-123")


def test_reset_token_leads_back_to_its_user_and_works_once(db):
    user = make_user()
    token = services.make_password_reset_token(user)

    assert services.user_from_password_reset_token(token) is user

    services.reset_password(user, "another-password")

    assert user.check_password("another-password")
    assert services.user_from_password_reset_token(token) is None


def test_reset_token_expires(app, db, monkeypatch):
    clock = {"now": 1_800_000_000}
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: clock["now"])
    user = make_user()
    token = services.make_password_reset_token(user)

    clock["now"] += app.config["PASSWORD_RESET_MAX_AGE"]
    assert services.user_from_password_reset_token(token) is user

    clock["now"] += 1
    assert services.user_from_password_reset_token(token) is None


@pytest.mark.parametrize("token", ["", "garbage", "eyJ1c2VyIjoxfQ.tampered.signature"])
def test_reset_token_that_was_not_issued_here_is_refused(db, token):
    make_user()

    assert services.user_from_password_reset_token(token) is None


def test_reset_token_from_another_purpose_is_refused(app, db):
    from itsdangerous import URLSafeTimedSerializer

    user = make_user()
    token = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="something-else").dumps(
        {"user": user.id, "stamp": user.session_stamp}
    )

    assert services.user_from_password_reset_token(token) is None


def test_request_password_reset_mails_a_link_after_commit(db, sent_mail):
    user = make_user(email="li@example.com", name="Li Wei", locale="en")

    services.request_password_reset("Li@Example.com", reset_url=reset_url)
    assert sent_mail() == []  # nothing leaves before the commit
    db.session.commit()

    [message] = sent_mail()
    assert message["To"] == "li@example.com"
    assert message["Subject"] == "Choose a new password for Expo"
    body = message.get_content()
    assert "Li Wei" in body
    token = body.split("https://expo.example/account/reset/")[1].split()[0]
    assert services.user_from_password_reset_token(token) is user


def test_request_password_reset_for_an_unknown_email_sends_nothing(db, sent_mail):
    make_user(email="li@example.com")

    services.request_password_reset("stranger@example.com", reset_url=reset_url)
    db.session.commit()

    assert sent_mail() == []


# --- profile -------------------------------------------------------------------------


def test_update_profile_saves_name_mobile_and_language(db):
    user = make_user(locale="zh")

    services.update_profile(user, name=" Zhang San ", mobile=" +86 138 0000 0000 ", locale="en")

    assert (user.name, user.mobile, user.locale) == ("Zhang San", "+86 138 0000 0000", "en")


def test_update_profile_changes_nothing_when_one_value_is_wrong(db):
    user = make_user(name="Before", locale="zh")

    with pytest.raises(InvalidInput) as caught:
        services.update_profile(user, name="After", mobile="", locale="de")

    assert set(caught.value.errors) == {"locale"}
    assert (user.name, user.locale) == ("Before", "zh")

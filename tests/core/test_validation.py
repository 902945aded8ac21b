"""The shapes every area checks the same way: phone, email, passport, Latin name."""

from __future__ import annotations

import pytest
from flask_babel import force_locale
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Optional

from expo import validation
from expo.validation import InvalidValue
from tests.pages import PHONE_MESSAGE


@pytest.fixture(autouse=True)
def app_context(app):
    """The messages are translated in the application's context."""
    with app.app_context():
        yield


def message(check, raw, locale: str = "en") -> str:
    with pytest.raises(InvalidValue) as refused:
        check(raw)
    with force_locale(locale):
        return str(refused.value.message)


class TestPhone:
    @pytest.mark.parametrize(
        ("raw", "stored"),
        [
            ("13800000000", "13800000000"),
            ("+86 138 0000 0000", "+86 138 0000 0000"),
            ("(+86) 028-8765 4321", "(+86) 028-8765 4321"),
            ("+33 6.12.34.56.78", "+33 6.12.34.56.78"),
            ("+36 (1) 234-5678", "+36 (1) 234-5678"),
            ("12308", "12308"),  # the consular hotline, for an emergency contact
            ("１３８ ０００ ０００００", "138 000 00000"),  # typed with a Chinese input method
            ("  +1 808 555 0100 ", "+1 808 555 0100"),
            ("", ""),
            (None, ""),
        ],
    )
    def test_numbers_as_people_write_them_are_kept(self, app, raw, stored):
        assert validation.check_phone(raw) == stored

    @pytest.mark.parametrize(
        "raw", ["call me", "1234", "1" * 21, "138 0000 0000 ext 5", "86+138", "+86 138/139"]
    )
    def test_other_text_is_refused(self, app, raw):
        assert message(validation.check_phone, raw) == PHONE_MESSAGE

    def test_the_column_size_is_kept(self, app):
        assert message(validation.check_phone, "1 " * 17) == "Use at most 32 characters."

    def test_the_message_is_translated(self, app):
        assert "电话号码" in message(validation.check_phone, "call me", "zh")


class TestEmail:
    def test_an_address_is_stored_trimmed_in_lower_case(self, app):
        assert validation.check_email(" Zhang@Example.COM ") == "zhang@example.com"
        assert validation.check_email("") == ""

    @pytest.mark.parametrize(
        "raw", ["not-an-address", "trade@", "@example.com", "a@b", "a..b@example.com", "a b@x.cn"]
    )
    def test_a_malformed_address_is_refused(self, app, raw):
        assert message(validation.check_email, raw) == (
            "Enter a valid email address, such as name@example.com."
        )
        assert "电子邮箱" in message(validation.check_email, raw, "zh")

    def test_internal_addresses_only_for_accounts_made_on_the_command_line(self, app):
        with pytest.raises(InvalidValue):
            validation.check_email("admin@expo.localhost")
        assert validation.check_email("admin@expo.localhost", internal=True) == (
            "admin@expo.localhost"
        )
        with pytest.raises(InvalidValue):
            validation.check_email("no-at-sign", internal=True)

    def test_too_long(self, app):
        assert message(validation.check_email, "a" * 250 + "@x.cn") == (
            "Use at most 254 characters."
        )


class TestPassport:
    @pytest.mark.parametrize(
        ("raw", "stored"),
        [
            ("E12345678", "E12345678"),
            (" e 1234 5678 ", "E12345678"),
            ("ea-123-4567", "EA1234567"),
            ("Ｅ１２３４５６７８", "E12345678"),
            ("A1234", "A1234"),
            ("A" * 20, "A" * 20),
            ("", ""),
        ],
    )
    def test_kept_as_printed_in_the_passport(self, app, raw, stored):
        assert validation.check_passport(raw) == stored

    @pytest.mark.parametrize("raw", ["A123", "A" * 21, "AB-12", "护照12345", "E1234/5678"])
    def test_refused(self, app, raw):
        assert message(validation.check_passport, raw) == (
            "A passport number has 5 to 20 letters and digits."
        )


class TestLatinName:
    @pytest.mark.parametrize(
        "raw",
        ["ZHANG San", "D'Artagnan Hélène", "O’Brien-Smith Jr.", "Nguyễn Văn An", "Müller Jürgen"],
    )
    def test_names_in_latin_letters_pass(self, app, raw):
        assert validation.check_latin_name(raw) == raw

    def test_full_width_letters_become_ascii(self, app):
        assert validation.check_latin_name("ＺＨＡＮＧ San ") == "ZHANG San"

    @pytest.mark.parametrize("raw", ["张三", "ZHANG 三", "Иван", "---", "ZHANG@San"])
    def test_other_scripts_and_symbols_are_refused(self, app, raw):
        assert message(validation.check_latin_name, raw) == (
            "Use Latin letters, as in the passport; spaces, hyphens and apostrophes may be used."
        )


def test_checked_collects_the_message_and_goes_on(app):
    errors: dict[str, object] = {}
    assert validation.checked(errors, "mobile", validation.check_phone, " call me ") == "call me"
    assert validation.checked(errors, "email", validation.check_email, "A@Example.com") == (
        "a@example.com"
    )
    assert list(errors) == ["mobile"]


class ShapesForm(FlaskForm):
    class Meta:
        csrf = False

    phone = StringField(validators=[Optional(), validation.Phone()])
    email = StringField(validators=[Optional(), validation.EmailAddress()])
    passport = StringField(validators=[Optional(), validation.Passport()])
    name = StringField(validators=[Optional(), validation.LatinName()])


def test_the_form_validators_apply_the_same_rules(app):
    with app.test_request_context(method="POST", data={"phone": "+33 6.12.34.56.78"}):
        assert ShapesForm().validate()
    bad = {"phone": "call me", "email": "trade@", "passport": "12", "name": "张三"}
    with app.test_request_context(method="POST", data=bad), force_locale("en"):
        form = ShapesForm()
        assert not form.validate()
        assert form.errors == {
            "phone": [PHONE_MESSAGE],
            "email": ["Enter a valid email address, such as name@example.com."],
            "passport": ["A passport number has 5 to 20 letters and digits."],
            "name": [
                "Use Latin letters, as in the passport; "
                "spaces, hyphens and apostrophes may be used."
            ],
        }

"""Enterprise forms: the shape of the input only.

Checks that look at several fields or at the database (a name in at least one language,
a credit code nobody else registered, an address without an account) live in
``enterprises.services``. The credit code's own check is a pure function, so the form
runs it too and its message appears together with the other fields' mistakes.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DecimalField,
    EmailField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TelField,
    TextAreaField,
    URLField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from expo.accounts.forms import SignupForm
from expo.enterprises.claims import MISSING
from expo.enterprises.industries import industry_choices
from expo.enterprises.prefectures import PREFECTURES
from expo.enterprises.services import validate_credit_code
from expo.errors import InvalidInput
from expo.fields import BaseForm, choices, searchable, strip, workbook_field
from expo.i18n import country_choices, current_language, pick
from expo.validation import EmailAddress, Phone

# One label per profile field, also used to name the fields in the audit log.
FIELD_LABELS = {
    "name_zh": _l("Enterprise name (Chinese)"),
    "name_en": _l("Enterprise name (English)"),
    "credit_code": _l("Unified social credit code"),
    "prefecture": _l("Prefecture"),
    "industry": _l("Industry"),
    "main_products_zh": _l("Main products (Chinese)"),
    "main_products_en": _l("Main products (English)"),
    "export_value_usd": _l("Exports last year (USD)"),
    "import_value_usd": _l("Imports last year (USD)"),
    "target_markets": _l("Target markets"),
    "website": _l("Website"),
    "contact_name": _l("Contact person"),
    "contact_phone": _l("Contact phone"),
    "contact_email": _l("Contact email"),
}


def prefecture_choices(language: str | None = None) -> list[tuple[str, str]]:
    language = language or current_language()  # once, not once a prefecture
    return [
        (prefecture.code, pick(prefecture.name_zh, prefecture.name_en, language))
        for prefecture in PREFECTURES
    ]


def _valid_credit_code(form, field) -> None:
    try:
        field.data = validate_credit_code(field.data)
    except InvalidInput as error:
        raise ValidationError(str(error.errors["credit_code"])) from error


def _text(name: str, length: int) -> StringField:
    return StringField(
        FIELD_LABELS[name],
        filters=[strip],
        validators=[Optional(), Length(max=length, message=_l("Use at most %(max)d characters."))],
    )


def _products(name: str) -> TextAreaField:
    return TextAreaField(
        FIELD_LABELS[name],
        filters=[strip],
        render_kw={"rows": 3},
        validators=[Optional(), Length(max=2000, message=_l("Use at most %(max)d characters."))],
    )


def _amount(name: str) -> DecimalField:
    return DecimalField(
        FIELD_LABELS[name],
        places=2,
        render_kw={"min": 0, "step": "any", "inputmode": "decimal"},
        description=_l("In US dollars; 0 if there was none."),
        validators=[
            InputRequired(_l("Enter an amount in US dollars; enter 0 if there was none.")),
            NumberRange(
                min=0, message=_l("The amount cannot be negative; enter 0 if there was none.")
            ),
        ],
    )


class EnterpriseProfileForm(BaseForm):
    name_zh = _text("name_zh", 200)
    name_en = _text("name_en", 200)
    credit_code = StringField(
        FIELD_LABELS["credit_code"],
        filters=[strip],
        description=_l("统一社会信用代码: the 18 characters on the business licence."),
        render_kw={"autocapitalize": "characters", "autocomplete": "off", "spellcheck": "false"},
        validators=[
            DataRequired(_l("Enter the unified social credit code.")),
            _valid_credit_code,
        ],
    )
    prefecture = SelectField(
        FIELD_LABELS["prefecture"],
        validators=[DataRequired(_l("Choose a prefecture or autonomous prefecture of Sichuan."))],
    )
    industry = SelectField(
        FIELD_LABELS["industry"],
        validators=[DataRequired(_l("Choose an industry from the list."))],
    )
    main_products_zh = _products("main_products_zh")
    main_products_en = _products("main_products_en")
    export_value_usd = _amount("export_value_usd")
    import_value_usd = _amount("import_value_usd")
    target_markets = SelectMultipleField(
        FIELD_LABELS["target_markets"],
        description=_l(
            "The countries you sell to or want to. Hold Ctrl (⌘ on a Mac) to choose several."
        ),
        render_kw={
            "size": 8,
            **searchable(
                _l("The countries you sell to or want to. Type a name to find it; choose several.")
            ),
        },
        invalid_choice_message=_l("Choose the target markets from the list of countries."),
        validators=[Optional()],
    )
    website = URLField(
        FIELD_LABELS["website"],
        filters=[strip],
        description=_l("Optional, such as https://www.example.com."),
        validators=[Optional(), Length(max=255, message=_l("Use at most %(max)d characters."))],
    )
    contact_name = _text("contact_name", 100)
    contact_phone = TelField(
        FIELD_LABELS["contact_phone"],
        filters=[strip],
        validators=[Optional(), Phone()],
    )
    contact_email = EmailField(
        FIELD_LABELS["contact_email"],
        filters=[strip],
        validators=[
            Optional(),
            Length(max=254, message=_l("Use at most %(max)d characters.")),
            EmailAddress(),
        ],
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Built per request: the labels follow the reader's language.
        self.prefecture.choices = choices([("", _l("Choose…")), *prefecture_choices()])
        self.industry.choices = choices([("", _l("Choose…")), *industry_choices()])
        self.target_markets.choices = choices(country_choices())


class EnterpriseSignupForm(SignupForm, EnterpriseProfileForm):
    """Sign-up in one form: the person's account, then their enterprise.

    The account's fields come first (they were declared first); the template shows the
    two groups as fieldsets.
    """


class InvitationForm(BaseForm):
    email = EmailField(
        _l("Your colleague's email address"),
        filters=[strip],
        render_kw={"autocomplete": "off"},
        validators=[
            DataRequired(_l("Enter your colleague's email address.")),
            Length(max=254, message=_l("Use at most %(max)d characters.")),
            EmailAddress(),
        ],
    )


class AcceptInvitationForm(SignupForm):
    """The sign-up's account fields without the address: the invitation's is used."""

    email = None


class EnterpriseFlagsForm(BaseForm):
    verified = BooleanField(
        _l("Verified"),
        description=_l("The organizers have checked the enterprise's identity and credit code."),
    )
    key_enterprise = BooleanField(
        _l("Key enterprise (千户重点)"),
        description=_l("In the cultivation programme for 1,000 key foreign-trade enterprises."),
    )


class EnterpriseFilterForm(BaseForm):
    """The organizers' list filters, read from the query string (no CSRF for a search)."""

    class Meta:
        csrf = False

    q = StringField(
        _l("Name or credit code"), filters=[strip], validators=[Optional(), Length(max=200)]
    )
    prefecture = SelectField(_l("Prefecture"), validators=[Optional()])
    industry = SelectField(_l("Industry"), validators=[Optional()])
    key_only = BooleanField(_l("Key enterprises only"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.prefecture.choices = choices([("", _l("All prefectures")), *prefecture_choices()])
        self.industry.choices = choices([("", _l("All industries")), *industry_choices()])


class ClaimForm(BaseForm):
    """A company's claim to an enterprise: what the organizers need to check who speaks
    for it."""

    company_name = StringField(
        _l("Company name"),
        filters=[strip],
        description=_l("As on the business licence."),
        validators=[
            DataRequired(MISSING["company_name"]),
            Length(max=200),
        ],
    )
    contact_name = StringField(
        _l("Your name"),
        filters=[strip],
        render_kw={"autocomplete": "name"},
        validators=[DataRequired(MISSING["contact_name"]), Length(max=100)],
    )
    mobile = TelField(
        _l("Mobile phone"),
        filters=[strip],
        render_kw={"autocomplete": "tel"},
        description=_l("The organizers may call you to check the request."),
        validators=[DataRequired(MISSING["mobile"]), Phone()],
    )
    statement = TextAreaField(
        _l("How can the organizers check that you speak for the company?"),
        filters=[strip],
        description=_l(
            "For example your position, the company's switchboard number, or who at the "
            "company can confirm it. The organizers may ask for the business licence."
        ),
        render_kw={"rows": 5},
        validators=[
            DataRequired(MISSING["statement"]),
            Length(max=2000),
        ],
    )


class ClaimDecisionForm(BaseForm):
    decision = RadioField(
        _l("Decision"),
        choices=choices(
            [
                (
                    "hand_over",
                    _l("Hand the enterprise over: the accounts that registered it lose it"),
                ),
                (
                    "add_colleague",
                    _l("Add as a colleague: the enterprise stays with its accounts"),
                ),
                ("reject", _l("Decline the request")),
            ]
        ),
        validators=[InputRequired(_l("Choose what to do with this request."))],
    )
    note = TextAreaField(
        _l("Note to the company"),
        filters=[strip],
        description=_l("Sent with the answer. Required when you decline."),
        render_kw={"rows": 3},
        validators=[Optional(), Length(max=2000)],
    )


class ClaimFilterForm(BaseForm):
    """Read from the query string: a search, so no CSRF."""

    class Meta:
        csrf = False

    status = SelectField(
        _l("Show"),
        choices=choices([("pending", _l("Open requests")), ("all", _l("All requests"))]),
        default="pending",
        validators=[Optional()],
    )


def list_year_field(label) -> IntegerField:
    return IntegerField(
        label,
        validators=[
            InputRequired(_l("Enter the year of the list, such as 2026.")),
            NumberRange(2000, 2100, message=_l("Enter a year between 2000 and 2100.")),
        ],
    )


class KeyEnterpriseImportForm(BaseForm):
    year = list_year_field(_l("The list of the year"))
    file = workbook_field()


class CoverageYearForm(BaseForm):
    """Read from the query string: a choice of view, so no CSRF."""

    class Meta:
        csrf = False

    year = IntegerField(_l("Year"), validators=[Optional(), NumberRange(2000, 2100)])


class InviteNotReachedForm(BaseForm):
    year = list_year_field(_l("Year"))
    event = SelectField(
        _l("Event open for applications"),
        validators=[InputRequired(_l("Choose an event that is open for applications."))],
    )

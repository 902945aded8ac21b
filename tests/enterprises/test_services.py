from __future__ import annotations

import dataclasses
import email
import email.policy
import re
from decimal import Decimal

import pytest
from flask_babel import force_locale
from itsdangerous import TimestampSigner

from expo.accounts.models import Role, User
from expo.audit.models import AuditEntry
from expo.enterprises import services
from expo.enterprises.models import Enterprise
from expo.errors import InvalidInput, PermissionDenied
from tests.factories import make_enterprise, make_user, valid_credit_code
from tests.pages import PHONE_MESSAGE

# The one message for a phone number of the wrong shape, in every area.

ALREADY_REGISTERED = (
    "This enterprise is already registered. "
    "Ask a colleague who uses Expo to send you an invitation."
)


def english(message) -> str:
    with force_locale("en"):
        return str(message)


def refused(call, *args, **kwargs) -> dict[str, str]:
    """The messages, in English, of the InvalidInput the call raises."""
    with pytest.raises(InvalidInput) as caught:
        call(*args, **kwargs)
    return {name: english(message) for name, message in caught.value.errors.items()}


def profile(**overrides) -> services.EnterpriseData:
    values = {
        "name_zh": "四川蜀道装备科技股份有限公司",
        "name_en": "Sichuan Shudao Equipment Technology Co., Ltd.",
        "credit_code": valid_credit_code("510100"),
        "prefecture": "510100",
        "industry": "machinery",
        "main_products_zh": "隧道掘进机",
        "main_products_en": "Tunnel boring machines",
        "export_value_usd": Decimal("12500000"),
        "import_value_usd": Decimal("0"),
        "target_markets": ["DE", "KZ"],
        "website": "https://shudao.example",
        "contact_name": "王芳",
        "contact_phone": "+86 28 8888 0000",
        "contact_email": "Trade@Shudao.example",
    }
    values.update(overrides)
    return services.EnterpriseData(**values)


def count(db, model) -> int:
    return db.session.execute(db.select(db.func.count()).select_from(model)).scalar_one()


# --- credit code -------------------------------------------------------------------------


def test_a_valid_code_is_accepted_as_it_is(app):
    code = valid_credit_code("510700")

    assert services.validate_credit_code(code) == code


def test_lower_case_spaces_hyphens_and_full_width_characters_are_compacted(app):
    code = "91110000600037341L"

    assert services.validate_credit_code(" 9111-0000 6000 37341l ") == code
    assert services.validate_credit_code("９１１１００００６０００３７３４１Ｌ") == code


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "Enter the unified social credit code."),
        (
            "91110000600037341",
            "A unified social credit code must be 18 characters, you entered 17.",
        ),
        (
            "91110000600037341L1",
            "A unified social credit code must be 18 characters, you entered 19.",
        ),
        (
            "9111000060003734OL",
            "Character 17 is “O”, a letter credit codes never use (I, O, Z, S and V are not "
            "used). Is it the digit 1, 0, 2, 5 or a U?",
        ),
        (
            "91110000600037341I",
            "Character 18 is “I”, a letter credit codes never use (I, O, Z, S and V are not "
            "used). Is it the digit 1, 0, 2, 5 or a U?",
        ),
        (
            "9A110000600037341L",
            "The first 8 characters of a credit code are digits, but character 2 is “A”.",
        ),
        (
            "911100006000#7341L",
            "Character 13 is “#”: a credit code has only digits and capital letters.",
        ),
        (
            "91110000600037341M",
            "The last character should be L: check the code for a typing mistake.",
        ),
    ],
)
def test_a_wrong_code_gets_a_message_that_says_what_is_wrong(app, raw, message):
    assert refused(services.validate_credit_code, raw) == {"credit_code": message}


# --- sign-up -----------------------------------------------------------------------------


def register(**overrides):
    values = {
        "email": "Li.Wei@Example.com",
        "password": "long-enough",
        "name": "Li Wei",
        "mobile": "13800000000",
        "locale": "en",
        "enterprise": profile(),
    }
    values.update(overrides)
    return services.register_enterprise(**values)


def test_register_enterprise_creates_the_user_and_the_enterprise_together(db):
    user, enterprise = register()

    assert user.enterprise is enterprise
    assert (user.email, user.role, user.locale) == ("li.wei@example.com", Role.ENTERPRISE, "en")
    assert enterprise.name_en == "Sichuan Shudao Equipment Technology Co., Ltd."
    assert enterprise.contact_email == "trade@shudao.example"
    assert enterprise.export_value_usd == Decimal("12500000.00")
    assert enterprise.target_markets == ["DE", "KZ"]
    assert not enterprise.verified and not enterprise.key_enterprise
    assert (count(db, User), count(db, Enterprise)) == (1, 1)


def test_register_enterprise_with_a_registered_code_points_to_an_invitation(db):
    existing = make_enterprise()

    errors = refused(register, enterprise=profile(credit_code=existing.credit_code.lower()))

    assert errors == {"credit_code": ALREADY_REGISTERED}
    db.session.rollback()
    assert (count(db, User), count(db, Enterprise)) == (0, 0)


def test_register_enterprise_reports_the_enterprise_and_the_email_at_once(db):
    make_user(email="li.wei@example.com")

    errors = refused(register, enterprise=profile(name_zh="", name_en="", prefecture="110100"))

    assert errors == {
        "email": "This email address is already registered.",
        "name_zh": "Enter the enterprise's name in Chinese or English (or both).",
        "prefecture": "Choose a prefecture or autonomous prefecture of Sichuan.",
    }
    db.session.rollback()
    assert (count(db, User), count(db, Enterprise)) == (0, 0)


def test_register_enterprise_refused_after_the_insert_leaves_nothing_after_rollback(db):
    # The user's own checks run after the enterprise row is written; the caller's
    # rollback must take that row back too (on SQLite as on PostgreSQL).
    errors = refused(register, locale="fr")

    assert errors == {"locale": "Choose one of the offered languages."}
    db.session.rollback()
    assert (count(db, User), count(db, Enterprise)) == (0, 0)


def test_register_enterprise_with_a_bad_code_writes_nothing(db):
    refused(register, enterprise=profile(credit_code="91110000600037341M"))

    db.session.commit()  # whatever the service left would be saved now
    assert (count(db, User), count(db, Enterprise)) == (0, 0)


# --- profile -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"name_zh": " ", "name_en": ""},
            "name_zh",
            "Enter the enterprise's name in Chinese or English (or both).",
        ),
        ({"name_en": "x" * 201}, "name_en", "Use at most 200 characters."),
        ({"industry": "spaceships"}, "industry", "Choose an industry from the list."),
        (
            {"prefecture": ""},
            "prefecture",
            "Choose a prefecture or autonomous prefecture of Sichuan.",
        ),
        (
            {"export_value_usd": Decimal("-1")},
            "export_value_usd",
            "The amount cannot be negative; enter 0 if there was none.",
        ),
        (
            {"import_value_usd": None},
            "import_value_usd",
            "Enter an amount in US dollars; enter 0 if there was none.",
        ),
        (
            {"export_value_usd": Decimal("1e15")},
            "export_value_usd",
            "This amount is too large; enter it in US dollars, not cents.",
        ),
        (
            {"target_markets": ["DE", "XX"]},
            "target_markets",
            "Choose the target markets from the list of countries.",
        ),
        (
            {"website": "ftp://shudao.example"},
            "website",
            "Enter a web address that starts with http:// or https://.",
        ),
        (
            {"website": "not a site"},
            "website",
            "Enter a web address such as https://www.example.com.",
        ),
        (
            {"contact_phone": "call me"},
            "contact_phone",
            PHONE_MESSAGE,
        ),
        (
            {"contact_email": "trade@"},
            "contact_email",
            "Enter a valid email address, such as name@example.com.",
        ),
    ],
)
def test_update_profile_refuses_each_bad_field_and_changes_nothing(db, changes, field, message):
    enterprise = make_enterprise(name_en="Before")
    user = make_user(enterprise=enterprise)
    db.session.commit()

    errors = refused(
        services.update_profile,
        enterprise,
        profile(**{"credit_code": enterprise.credit_code, "name_en": "After", **changes}),
        actor=user,
    )

    assert errors == {field: message}
    db.session.rollback()
    assert db.session.get(Enterprise, enterprise.id).name_en == "Before"


def test_update_profile_normalises_and_records_what_changed(db):
    enterprise = make_enterprise(verified=False)
    user = make_user(enterprise=enterprise)

    services.update_profile(
        enterprise,
        profile(
            credit_code=enterprise.credit_code,
            website="www.shudao.example",
            target_markets=["de", "DE", "kz"],
        ),
        actor=user,
    )

    assert enterprise.website == "https://www.shudao.example"
    assert enterprise.target_markets == ["DE", "KZ"]
    entry = db.session.execute(db.select(AuditEntry)).scalar_one()
    assert (entry.actor_id, entry.action, entry.subject_id) == (
        user.id,
        "enterprise.update",
        enterprise.id,
    )
    assert "website" in entry.details["fields"]


def test_a_verified_enterprise_that_changes_its_code_must_be_verified_again(db):
    enterprise = make_enterprise(verified=True)
    user = make_user(enterprise=enterprise)

    services.update_profile(enterprise, profile(), actor=user)

    assert enterprise.verified is False


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name_zh", "中国石油天然气集团有限公司"),
        ("name_en", "China National Petroleum Corporation"),
        ("credit_code", valid_credit_code("510100", serial=99887766)),
        ("prefecture", "510700"),
    ],
)
def test_a_verified_enterprise_that_changes_its_identity_must_be_verified_again(
    db, outbox, field, value
):
    enterprise = make_enterprise(verified=True)
    user = make_user(enterprise=enterprise, name="张伟")
    make_user(Role.ORGANIZER, email="organizer@example.com", locale="en")
    make_user(Role.ADMIN, email="admin@example.com", locale="zh")
    make_user(Role.ORGANIZER, email="gone@example.com", active=False)
    data = dataclasses.replace(services.enterprise_data_from(enterprise), **{field: value})

    services.update_profile(enterprise, data, actor=user)

    assert enterprise.verified is False
    entry = db.session.execute(
        db.select(AuditEntry).where(AuditEntry.action == "enterprise.unverified")
    ).scalar_one()
    assert (entry.actor_id, entry.subject_id, entry.details) == (
        user.id,
        enterprise.id,
        {"fields": [field]},
    )
    assert sent(outbox) == []  # only once the change is committed
    db.session.commit()
    messages = sent(outbox)
    assert sorted(message["To"] for message in messages) == [
        "admin@example.com",
        "organizer@example.com",
    ]
    english_message = next(m for m in messages if m["To"] == "organizer@example.com")
    assert "needs to be verified again" in english_message["Subject"]
    body = english_message.get_content()
    assert f"/manage/enterprises/{enterprise.id}" in body
    assert "张伟" in body


def test_other_changes_keep_an_enterprise_verified(db, outbox):
    enterprise = make_enterprise(verified=True)
    make_user(Role.ORGANIZER)
    data = dataclasses.replace(
        services.enterprise_data_from(enterprise), industry="food", website="https://a.example"
    )

    services.update_profile(enterprise, data, actor=make_user(enterprise=enterprise))
    db.session.commit()

    assert enterprise.verified is True
    assert sent(outbox) == []


def test_an_organizer_s_edit_of_the_name_keeps_an_enterprise_verified(db, outbox):
    enterprise = make_enterprise(verified=True)
    organizer = make_user(Role.ORGANIZER)
    data = dataclasses.replace(
        services.enterprise_data_from(enterprise), name_zh="四川新名有限公司"
    )

    services.update_profile(enterprise, data, actor=organizer)
    db.session.commit()

    assert enterprise.verified is True
    assert sent(outbox) == []


def test_update_profile_refuses_a_code_another_enterprise_has(db):
    other = make_enterprise()
    enterprise = make_enterprise()
    user = make_user(enterprise=enterprise)

    errors = refused(
        services.update_profile, enterprise, profile(credit_code=other.credit_code), actor=user
    )

    assert errors == {"credit_code": "Another enterprise on Expo is registered with this code."}


def test_only_the_enterprise_s_users_and_organizers_update_its_profile(db):
    enterprise, other = make_enterprise(), make_enterprise()
    stranger = make_user(enterprise=other)

    with pytest.raises(PermissionDenied):
        services.update_profile(
            enterprise, profile(credit_code=enterprise.credit_code), actor=stranger
        )

    services.update_profile(
        enterprise, profile(credit_code=enterprise.credit_code), actor=make_user(Role.ORGANIZER)
    )


def test_create_enterprise_for_a_user_without_one(db):
    user = make_user()

    enterprise = services.create_enterprise_for(user, profile())

    assert user.enterprise is enterprise


# --- flags -------------------------------------------------------------------------------


def test_set_flags_is_recorded_with_the_organizer(db):
    enterprise = make_enterprise()
    organizer = make_user(Role.ORGANIZER)

    services.set_flags(enterprise, verified=True, key_enterprise=True, actor=organizer)

    assert enterprise.verified and enterprise.key_enterprise
    entry = db.session.execute(db.select(AuditEntry)).scalar_one()
    assert (entry.actor_id, entry.action, entry.subject_type, entry.subject_id) == (
        organizer.id,
        "enterprise.flags",
        "enterprises",
        enterprise.id,
    )
    assert entry.details == {"verified": True, "key_enterprise": True}


def test_enterprise_users_cannot_set_flags(db):
    enterprise = make_enterprise(verified=False)

    with pytest.raises(PermissionDenied):
        services.set_flags(
            enterprise, verified=True, key_enterprise=True, actor=make_user(enterprise=enterprise)
        )
    assert not enterprise.verified


# --- invitations -------------------------------------------------------------------------


def accept_url(token: str) -> str:
    return f"https://expo.example/invitations/{token}"


def sent(outbox) -> list:
    return [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in sorted(outbox.glob("*.eml"))
    ]


def test_an_invitation_is_mailed_after_commit_in_the_inviter_s_language(db, outbox):
    enterprise = make_enterprise(name_en="Shudao Equipment")
    inviter = make_user(enterprise=enterprise, name="Li Wei", locale="en")

    token = services.invite_colleague(
        enterprise, " Wang.Fang@Example.com ", actor=inviter, accept_url=accept_url
    )
    assert sent(outbox) == []
    db.session.commit()

    [message] = sent(outbox)
    assert message["To"] == "wang.fang@example.com"
    assert message["Subject"] == "Li Wei invites you to Expo"
    body = message.get_content()
    assert "Shudao Equipment" in body
    assert accept_url(token) in body
    assert "1 week" in body


def test_a_colleague_already_on_the_enterprise_is_not_invited_again(db, outbox):
    enterprise = make_enterprise()
    inviter = make_user(enterprise=enterprise)
    make_user(email="colleague@example.com", enterprise=enterprise)

    assert refused(
        services.invite_colleague,
        enterprise,
        "colleague@example.com",
        actor=inviter,
        accept_url=accept_url,
    ) == {"email": "colleague@example.com already uses Expo for your enterprise."}
    db.session.commit()
    assert sent(outbox) == []


def test_an_address_with_an_account_elsewhere_is_told_by_email_not_the_inviter(db, outbox):
    enterprise = make_enterprise(name_zh="成都邀请方有限公司")
    inviter = make_user(enterprise=enterprise, name="王芳")
    make_user(email="taken@example.com", enterprise=make_enterprise(), locale="en")

    token = services.invite_colleague(
        enterprise, "TAKEN@example.com", actor=inviter, accept_url=accept_url
    )
    db.session.commit()

    assert token == ""
    [message] = sent(outbox)
    assert message["To"] == "taken@example.com"
    body = message.get_content()
    assert "already has an Expo account" in body and "王芳" in body
    assert "/invitations/" not in body
    assert services.invitation_from_token(token) is None


def test_users_of_another_enterprise_cannot_invite(db):
    enterprise = make_enterprise()

    with pytest.raises(PermissionDenied):
        services.invite_colleague(
            enterprise,
            "someone@example.com",
            actor=make_user(enterprise=make_enterprise()),
            accept_url=accept_url,
        )


def test_accepting_an_invitation_creates_a_colleague_with_the_invited_address(db):
    enterprise = make_enterprise()
    token = services.invite_colleague(
        enterprise,
        "wang.fang@example.com",
        actor=make_user(enterprise=enterprise),
        accept_url=accept_url,
    )

    colleague = services.accept_invitation(
        token, name="Wang Fang", password="long-enough", mobile="", locale="en"
    )

    assert colleague.email == "wang.fang@example.com"
    assert colleague.enterprise is enterprise
    assert colleague.role == Role.ENTERPRISE
    # The link has done its work.
    assert services.invitation_from_token(token) is None


@pytest.mark.parametrize("token", ["", "nonsense", "eyJlbnRlcnByaXNlIjoxfQ.bad.signature"])
def test_a_broken_invitation_token_is_refused(db, token):
    with pytest.raises(services.InvitationInvalid):
        services.accept_invitation(token, name="Wang Fang", password="long-enough")
    assert count(db, User) == 0


def test_an_expired_invitation_is_refused(app, db, monkeypatch):
    clock = {"now": 1_800_000_000}
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: clock["now"])
    enterprise = make_enterprise()
    token = services.make_invitation_token(enterprise, "late@example.com")
    clock["now"] += services.DEFAULT_INVITATION_MAX_AGE - 1
    assert services.invitation_from_token(token) is not None

    clock["now"] += 2

    assert services.invitation_from_token(token) is None
    with pytest.raises(services.InvitationInvalid):
        services.accept_invitation(token, name="Late", password="long-enough")


def test_the_invitation_lifetime_is_configurable(app, db, monkeypatch):
    monkeypatch.setitem(app.config, "ENTERPRISE_INVITATION_MAX_AGE", 60)
    clock = {"now": 1_800_000_000}
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: clock["now"])
    token = services.make_invitation_token(make_enterprise(), "soon@example.com")

    clock["now"] += 61

    assert services.invitation_from_token(token) is None


# --- search ------------------------------------------------------------------------------


def names(page) -> list[str]:
    return sorted(enterprise.name_en for enterprise in page.items)


def test_search_by_name_in_either_language_or_by_code(db):
    code = valid_credit_code("510600")
    make_enterprise(
        name_zh="德阳东方电机有限公司", name_en="Deyang Dongfang Motors", credit_code=code
    )
    make_enterprise(name_zh="泸州醇窖酒业有限公司", name_en="Luzhou Chunjiao Liquor")

    assert names(services.search_enterprises("东方")) == ["Deyang Dongfang Motors"]
    assert names(services.search_enterprises("dongfang")) == ["Deyang Dongfang Motors"]
    assert names(services.search_enterprises(code.lower())) == ["Deyang Dongfang Motors"]
    assert names(services.search_enterprises(code[2:10])) == ["Deyang Dongfang Motors"]
    assert names(services.search_enterprises("")) == [
        "Deyang Dongfang Motors",
        "Luzhou Chunjiao Liquor",
    ]


def test_search_treats_wildcards_as_text(db):
    make_enterprise(name_en="Plain Trading")

    assert services.search_enterprises("%").total == 0
    assert services.search_enterprises("_").total == 0


def test_search_filters_by_prefecture_industry_and_key_enterprise(db):
    make_enterprise(name_en="Chengdu Chips", prefecture="510100", industry="electronics")
    make_enterprise(
        name_en="Yibin Liquor", prefecture="511500", industry="liquor", key_enterprise=True
    )

    assert names(services.search_enterprises(prefecture="511500")) == ["Yibin Liquor"]
    assert names(services.search_enterprises(industry="electronics")) == ["Chengdu Chips"]
    assert names(services.search_enterprises(key_only=True)) == ["Yibin Liquor"]


def test_search_paginates(db):
    for number in range(5):
        make_enterprise(name_en=f"Enterprise {number}")

    page = services.search_enterprises(page=2, per_page=2)

    assert (page.total, page.pages, len(page.items)) == (5, 3, 2)


def test_invitation_link_has_the_token_only_once(db, outbox):
    enterprise = make_enterprise()
    token = services.invite_colleague(
        enterprise, "x@example.com", actor=make_user(enterprise=enterprise), accept_url=accept_url
    )
    db.session.commit()

    [message] = sent(outbox)
    assert re.findall(r"https://expo\.example/invitations/\S+", message.get_content()) == [
        accept_url(token)
    ]

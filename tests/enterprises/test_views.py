from __future__ import annotations

import dataclasses
import email
import email.policy
import re
import time
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import current_app
from itsdangerous import TimestampSigner

from expo.accounts.models import Role, User
from expo.audit.models import AuditEntry
from expo.enterprises import services
from expo.enterprises.models import Enterprise
from expo.extensions import db as _db
from tests.factories import make_enterprise, make_user, valid_credit_code
from tests.pages import PHONE_MESSAGE, field_error, h1_count, page_text

# The one message for a phone number of the wrong shape, in every area.

INVALID = 422
ALREADY_REGISTERED = (
    "This enterprise is already registered. "
    "Ask a colleague who uses Expo to send you an invitation."
)


@pytest.fixture(autouse=True)
def english(client):
    """Pages in English: the assertions read the English source texts."""
    client.get("/?lang=en")


def stored(factory, *args, **fields):
    row = factory(*args, **fields)
    _db.session.commit()
    return row


def user_of(enterprise: Enterprise, **fields) -> User:
    """An enterprise user reading in English, committed so that requests see it."""
    return stored(make_user, enterprise=enterprise, locale="en", **fields)


def organizer() -> User:
    return stored(make_user, Role.ORGANIZER, locale="en")


def count(db, model) -> int:
    db.session.expire_all()
    return db.session.execute(db.select(db.func.count()).select_from(model)).scalar_one()


def profile_form(**overrides) -> dict:
    values = {
        "name_zh": "四川蜀道装备科技股份有限公司",
        "name_en": "Sichuan Shudao Equipment Technology Co., Ltd.",
        "credit_code": valid_credit_code("510100"),
        "prefecture": "510100",
        "industry": "machinery",
        "main_products_zh": "隧道掘进机",
        "main_products_en": "Tunnel boring machines",
        "export_value_usd": "12500000",
        "import_value_usd": "350000.50",
        "target_markets": ["DE", "KZ"],
        "website": "https://shudao.example",
        "contact_name": "Wang Fang",
        "contact_phone": "+86 28 8888 0000",
        "contact_email": "trade@shudao.example",
    }
    values.update(overrides)
    return values


SIGNUP_ACCOUNT = {
    "email": "li.wei@example.com",
    "password": "long-enough",
    "confirm": "long-enough",
    "name": "Li Wei",
    "mobile": "13800000000",
}


def signup_form(**overrides) -> dict:
    return {**SIGNUP_ACCOUNT, **profile_form()} | overrides


# --- sign-up -----------------------------------------------------------------------------


def test_signup_page_has_both_fieldsets_and_one_heading(client):
    response = client.get("/account/signup")

    text = page_text(response)
    assert response.status_code == 200
    assert h1_count(response) == 1
    assert "Your account" in text and "Your enterprise" in text
    assert '<option value="510100">Chengdu</option>' in text
    assert '<option value="513300">Garzê Tibetan Autonomous Prefecture</option>' in text
    assert '<option value="liquor">Liquor (baijiu)</option>' in text


def test_signup_creates_the_user_and_the_enterprise_and_says_to_check_the_mail(
    client, db, login_as
):
    form = signup_form()

    response = client.post("/account/signup", data=form)

    assert response.status_code == 302
    assert response.location == "/account/signup/sent"
    user = db.session.execute(db.select(User)).scalar_one()
    enterprise = db.session.execute(db.select(Enterprise)).scalar_one()
    assert user.enterprise_id == enterprise.id
    assert (user.role, user.locale) == (Role.ENTERPRISE, "en")
    assert enterprise.credit_code == form["credit_code"]
    assert enterprise.import_value_usd == Decimal("350000.50")
    assert enterprise.target_markets == ["DE", "KZ"]
    assert "Check your email" in page_text(client.get(response.location))
    login_as(user, password=form["password"])
    assert "Sichuan Shudao Equipment Technology Co., Ltd." in page_text(client.get("/enterprise"))


def test_signup_with_an_invalid_code_says_why_at_the_field_and_saves_nothing(client, db):
    code = valid_credit_code("510100")
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")

    response = client.post("/account/signup", data=signup_form(credit_code=wrong))

    assert response.status_code == INVALID
    assert field_error(response, "credit_code") == (
        f"The last character should be {code[-1]}: check the code for a typing mistake."
    )
    assert re.search(r'aria-describedby="[^"]*credit_code-error', response.get_data(as_text=True))
    assert (count(db, User), count(db, Enterprise)) == (0, 0)


def test_signup_with_a_short_code_says_how_long_it_must_be(client, db):
    response = client.post("/account/signup", data=signup_form(credit_code="91510100MA6C"))

    assert field_error(response, "credit_code") == (
        "A unified social credit code must be 18 characters, you entered 12."
    )
    assert (count(db, User), count(db, Enterprise)) == (0, 0)


def test_signup_with_a_registered_code_says_nothing_on_the_page(client, db):
    existing = stored(make_enterprise)

    response = client.post("/account/signup", data=signup_form(credit_code=existing.credit_code))

    assert response.status_code == 302
    assert response.location == "/account/signup/sent"
    assert ALREADY_REGISTERED not in page_text(client.get(response.location))
    assert (count(db, User), count(db, Enterprise)) == (0, 1)


def test_signup_mistakes_in_both_parts_are_shown_together(client, db):
    response = client.post(
        "/account/signup",
        data=signup_form(confirm="other-one", export_value_usd="-5", credit_code="123"),
    )

    assert response.status_code == INVALID
    assert field_error(response, "confirm") == "The two passwords do not match."
    assert field_error(response, "export_value_usd") == (
        "The amount cannot be negative; enter 0 if there was none."
    )
    assert field_error(response, "credit_code") == (
        "A unified social credit code must be 18 characters, you entered 3."
    )
    assert (count(db, User), count(db, Enterprise)) == (0, 0)


# --- the enterprise's own profile ----------------------------------------------------------


def test_profile_shows_labels_in_the_reader_s_language(client, db, login_as):
    enterprise = stored(
        make_enterprise,
        prefecture="511500",
        industry="liquor",
        export_value_usd=Decimal("8900000"),
        target_markets=["KR", "SG"],
    )
    login_as(user_of(enterprise))

    english_page = page_text(client.get("/enterprise"))
    chinese_page = page_text(client.get("/enterprise?lang=zh"))

    assert h1_count(client.get("/enterprise")) == 1
    assert "Yibin" in english_page and "Liquor (baijiu)" in english_page
    assert "8,900,000" in english_page
    assert "South Korea, Singapore" in english_page
    assert "宜宾市" in chinese_page and "白酒" in chinese_page
    assert "韩国、新加坡" in chinese_page


def test_profile_lists_only_the_enterprise_s_colleagues(client, db, login_as):
    enterprise, other = stored(make_enterprise), stored(make_enterprise)
    login_as(user_of(enterprise, name="Li Wei"))
    user_of(enterprise, name="Wang Fang")
    user_of(other, name="Stranger Zhao")

    text = page_text(client.get("/enterprise"))

    assert "Li Wei" in text and "Wang Fang" in text
    assert "Stranger Zhao" not in text
    assert other.name_en not in text


def test_edit_profile_saves_the_changes(client, db, login_as):
    enterprise = stored(make_enterprise)
    login_as(user_of(enterprise))
    form = profile_form(credit_code=enterprise.credit_code, website="www.shudao.example")

    assert client.get("/enterprise/edit").status_code == 200
    response = client.post("/enterprise/edit", data=form)

    assert response.status_code == 302
    assert response.location == "/enterprise"
    db.session.refresh(enterprise)
    assert enterprise.name_en == "Sichuan Shudao Equipment Technology Co., Ltd."
    assert enterprise.website == "https://www.shudao.example"
    assert enterprise.export_value_usd == Decimal("12500000")


def test_renaming_a_verified_enterprise_says_it_is_verified_no_more(client, db, login_as):
    enterprise = stored(make_enterprise, verified=True)
    login_as(user_of(enterprise))
    data = {
        name: value if isinstance(value, list) else str(value)
        for name, value in dataclasses.asdict(services.enterprise_data_from(enterprise)).items()
    }
    data["name_zh"] = "中国石油天然气集团有限公司"

    response = client.post("/enterprise/edit", data=data, follow_redirects=True)

    assert "it is no longer verified" in page_text(response)
    assert "Not verified yet" in page_text(response)
    db.session.refresh(enterprise)
    assert not enterprise.verified


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("credit_code", "", "Enter the unified social credit code."),
        (
            "credit_code",
            "91510100MA6CO1234X",
            "Character 13 is “O”, a letter credit codes never use (I, O, Z, S and V are not "
            "used). Is it the digit 1, 0, 2, 5 or a U?",
        ),
        ("prefecture", "", "Choose a prefecture or autonomous prefecture of Sichuan."),
        ("industry", "", "Choose an industry from the list."),
        ("export_value_usd", "-1", "The amount cannot be negative; enter 0 if there was none."),
        ("import_value_usd", "", "Enter an amount in US dollars; enter 0 if there was none."),
        ("target_markets", ["DE", "XX"], "Choose the target markets from the list of countries."),
        (
            "website",
            "ftp://shudao.example",
            "Enter a web address that starts with http:// or https://.",
        ),
        ("contact_phone", "call me", PHONE_MESSAGE),
        ("contact_email", "trade@", "Enter a valid email address, such as name@example.com."),
        ("name_en", "x" * 201, "Use at most 200 characters."),
        ("main_products_zh", "产" * 2001, "Use at most 2000 characters."),
    ],
)
def test_each_bad_profile_field_gets_its_message_and_nothing_is_saved(
    client, db, login_as, field, value, message
):
    enterprise = stored(make_enterprise, name_en="Before")
    login_as(user_of(enterprise))

    response = client.post(
        "/enterprise/edit",
        data=profile_form(credit_code=enterprise.credit_code, name_en="After") | {field: value},
    )

    assert response.status_code == INVALID
    assert field_error(response, field) == message
    db.session.refresh(enterprise)
    assert enterprise.name_en == "Before"


def test_a_profile_needs_a_name_in_one_language(client, db, login_as):
    enterprise = stored(make_enterprise)
    login_as(user_of(enterprise))

    response = client.post(
        "/enterprise/edit",
        data=profile_form(credit_code=enterprise.credit_code, name_zh="", name_en=""),
    )

    assert response.status_code == INVALID
    assert field_error(response, "name_zh") == (
        "Enter the enterprise's name in Chinese or English (or both)."
    )


def test_a_user_without_an_enterprise_is_asked_to_register_one(client, db, login_as):
    user = login_as(stored(make_user, locale="en"))

    page = client.get("/enterprise")
    assert page.status_code == 200
    assert "Register your enterprise" in page_text(page)
    assert h1_count(page) == 1

    response = client.post("/enterprise/edit", data=profile_form())

    assert response.status_code == 302
    db.session.refresh(user)
    assert user.enterprise.name_en == "Sichuan Shudao Equipment Technology Co., Ltd."


def test_a_user_without_an_enterprise_cannot_take_over_a_registered_one(client, db, login_as):
    existing = stored(make_enterprise)
    user = login_as(stored(make_user, locale="en"))

    response = client.post("/enterprise/edit", data=profile_form(credit_code=existing.credit_code))

    assert response.status_code == INVALID
    assert field_error(response, "credit_code") == ALREADY_REGISTERED
    db.session.refresh(user)
    assert user.enterprise_id is None


# --- invitations ---------------------------------------------------------------------------


def sent(outbox) -> list:
    return [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in sorted(outbox.glob("*.eml"))
    ]


def invitation_link(message) -> str:
    base_url = re.escape(current_app.config["BASE_URL"])
    match = re.search(base_url + r"(/invitations/\S+)", message.get_content())
    assert match, message.get_content()
    return match.group(1)


def test_an_invitation_link_creates_a_colleague_in_the_same_enterprise(
    client, db, login_as, outbox, app
):
    enterprise = stored(make_enterprise)
    login_as(user_of(enterprise, name="Li Wei"))

    assert h1_count(client.get("/enterprise/invite")) == 1
    response = client.post("/enterprise/invite", data={"email": "Wang.Fang@example.com"})

    assert response.status_code == 302
    assert "An invitation is on its way to wang.fang@example.com" in page_text(
        client.get("/enterprise")
    )
    [message] = sent(outbox)
    assert message["To"] == "wang.fang@example.com"
    assert message["Subject"] == "Li Wei invites you to Expo"
    link = invitation_link(message)

    client.post("/account/logout")
    page = client.get(link)
    assert page.status_code == 200
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "wang.fang@example.com" in page_text(page)
    response = client.post(
        link,
        data={
            "name": "Wang Fang",
            "password": "long-enough",
            "confirm": "long-enough",
            "mobile": "",
            "email": "someone.else@example.com",  # ignored: the invitation's address is used
        },
    )

    assert response.status_code == 302
    assert response.location == "/enterprise"
    colleague = db.session.execute(db.select(User).where(User.name == "Wang Fang")).scalar_one()
    assert colleague.email == "wang.fang@example.com"
    assert colleague.enterprise_id == enterprise.id
    assert "Welcome, Wang Fang." in page_text(client.get("/enterprise"))
    # The link has done its work.
    client.post("/account/logout")
    assert client.get(link).status_code == 400


def test_an_invitation_with_a_mistake_keeps_the_link_usable(client, db):
    enterprise = stored(make_enterprise)
    link = f"/invitations/{services.make_invitation_token(enterprise, 'new@example.com')}"

    response = client.post(
        link, data={"name": "New", "password": "long-enough", "confirm": "different"}
    )

    assert response.status_code == INVALID
    assert field_error(response, "confirm") == "The two passwords do not match."
    assert count(db, User) == 0
    assert client.get(link).status_code == 200


def test_an_expired_invitation_link_is_refused_with_a_clear_page(client, db, monkeypatch):
    # From the real time, so the session cookie (signed the same way) stays valid.
    clock = {"now": int(time.time())}
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: clock["now"])
    enterprise = stored(make_enterprise)
    link = f"/invitations/{services.make_invitation_token(enterprise, 'late@example.com')}"
    clock["now"] += services.DEFAULT_INVITATION_MAX_AGE + 1

    response = client.post(
        link, data={"name": "Late", "password": "long-enough", "confirm": "long-enough"}
    )

    assert response.status_code == 400
    assert "This invitation link no longer works" in page_text(response)
    assert h1_count(response) == 1
    assert count(db, User) == 0


def test_a_tampered_invitation_link_is_refused(client, db):
    response = client.get("/invitations/not-a-real-token")

    assert response.status_code == 400
    assert "This invitation link no longer works" in page_text(response)


def test_inviting_an_address_that_has_an_account_looks_like_any_invitation(
    client, db, login_as, outbox
):
    enterprise = stored(make_enterprise)
    login_as(user_of(enterprise))
    stored(make_user, email="taken@example.com")

    taken = client.post("/enterprise/invite", data={"email": "taken@example.com"})
    taken_page = page_text(client.get("/enterprise"))
    free = client.post("/enterprise/invite", data={"email": "free@example.com"})
    free_page = page_text(client.get("/enterprise"))

    assert taken.status_code == free.status_code == 302
    assert taken.location == free.location
    assert "An invitation is on its way to taken@example.com." in taken_page
    assert "An invitation is on its way to free@example.com." in free_page
    assert "already has an Expo account" not in taken_page
    assert sorted(message["To"] for message in sent(outbox)) == [
        "free@example.com",
        "taken@example.com",
    ]


def test_inviting_needs_a_valid_address(client, db, login_as, outbox):
    enterprise = stored(make_enterprise)
    login_as(user_of(enterprise))

    response = client.post("/enterprise/invite", data={"email": "not-an-address"})

    assert response.status_code == INVALID
    assert field_error(response, "email") == (
        "Enter a valid email address, such as name@example.com."
    )
    assert sent(outbox) == []


# --- organizers ----------------------------------------------------------------------------


def test_organizer_sets_the_flags_and_the_history_shows_it(client, db, login_as):
    enterprise = stored(make_enterprise)
    admin = login_as(organizer())

    response = client.post(
        f"/manage/enterprises/{enterprise.id}/flags",
        data={"verified": "y", "key_enterprise": "y"},
    )

    assert response.status_code == 302
    db.session.refresh(enterprise)
    assert enterprise.verified and enterprise.key_enterprise
    entry = db.session.execute(db.select(AuditEntry)).scalar_one()
    assert (entry.actor_id, entry.action, entry.subject_id) == (
        admin.id,
        "enterprise.flags",
        enterprise.id,
    )
    detail = client.get(f"/manage/enterprises/{enterprise.id}")
    assert detail.status_code == 200
    assert h1_count(detail) == 1
    text = page_text(detail)
    assert "Flags set" in text and admin.name in text
    assert "Verified: yes" in " ".join(text.split())


def test_organizer_clears_the_flags(client, db, login_as):
    enterprise = stored(make_enterprise, verified=True, key_enterprise=True)
    login_as(organizer())

    client.post(f"/manage/enterprises/{enterprise.id}/flags", data={})

    db.session.refresh(enterprise)
    assert not enterprise.verified and not enterprise.key_enterprise


def test_organizer_edits_a_profile(client, db, login_as):
    enterprise = stored(make_enterprise)
    login_as(organizer())

    response = client.post(
        f"/manage/enterprises/{enterprise.id}/edit",
        data=profile_form(credit_code=enterprise.credit_code, name_en="Corrected Name"),
    )

    assert response.status_code == 302
    db.session.refresh(enterprise)
    assert enterprise.name_en == "Corrected Name"
    assert "Profile edited" in page_text(client.get(f"/manage/enterprises/{enterprise.id}"))


def test_organizer_list_searches_by_name_and_by_code(client, db, login_as):
    code = valid_credit_code("510600")
    stored(make_enterprise, name_en="Deyang Dongfang Motors", credit_code=code)
    stored(make_enterprise, name_en="Luzhou Chunjiao Liquor", prefecture="510500")
    login_as(organizer())

    everything = client.get("/manage/enterprises")
    by_name = page_text(client.get("/manage/enterprises", query_string={"q": "Dongfang"}))
    by_code = page_text(client.get("/manage/enterprises", query_string={"q": code.lower()}))
    by_place = page_text(client.get("/manage/enterprises", query_string={"prefecture": "510500"}))

    assert everything.status_code == 200 and h1_count(everything) == 1
    assert "Deyang Dongfang Motors" in by_name and "Luzhou Chunjiao Liquor" not in by_name
    assert "Deyang Dongfang Motors" in by_code and "Luzhou Chunjiao Liquor" not in by_code
    assert "Luzhou Chunjiao Liquor" in by_place and "Deyang Dongfang Motors" not in by_place


def test_organizer_list_paginates(client, db, login_as, app, monkeypatch):
    monkeypatch.setitem(app.config, "ENTERPRISES_PER_PAGE", 3)
    for number in range(4):
        stored(make_enterprise, name_en=f"Paged Enterprise {number}")
    login_as(organizer())

    first = page_text(client.get("/manage/enterprises"))
    second = page_text(client.get("/manage/enterprises?page=2"))

    assert first.count("Paged Enterprise") == 3
    assert second.count("Paged Enterprise") == 1
    assert 'aria-label="Pages"' in first


def statements_for(client, db, path: str) -> int:
    statements: list[str] = []

    def count_statement(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count_statement)
    try:
        response = client.get(path)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count_statement)
    assert response.status_code == 200
    return len(statements)


def test_the_organizer_list_costs_the_same_queries_for_5_and_50_enterprises(
    client, db, login_as, app, monkeypatch
):
    monkeypatch.setitem(app.config, "ENTERPRISES_PER_PAGE", 100)
    login_as(organizer())
    for _ in range(5):
        make_enterprise(target_markets=["DE"])
    db.session.commit()
    few = statements_for(client, db, "/manage/enterprises")

    for _ in range(45):
        make_enterprise(target_markets=["DE"], key_enterprise=True)
    db.session.commit()
    many = statements_for(client, db, "/manage/enterprises")

    assert few == many


# --- who reaches what ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/enterprise", "/enterprise/edit", "/enterprise/invite", "/manage/enterprises"]
)
def test_anonymous_visitors_are_sent_to_sign_in(client, db, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response.location.startswith("/account/login?next=")


def test_anonymous_visitors_are_sent_to_sign_in_from_an_enterprise_s_page(client, db):
    enterprise = stored(make_enterprise)

    response = client.get(f"/manage/enterprises/{enterprise.id}")

    assert response.status_code == 302
    assert response.location.startswith("/account/login?next=")


def test_an_enterprise_user_cannot_reach_another_enterprise_anywhere(client, db, login_as):
    own = stored(make_enterprise, name_en="Own Enterprise")
    other = stored(
        make_enterprise,
        name_en="Other Enterprise",
        contact_email="secret@other.example",
        verified=False,
    )
    login_as(user_of(own))

    for path in (
        f"/enterprise/{other.id}",
        f"/enterprise/{other.id}/edit",
        f"/enterprises/{other.id}",
        f"/enterprise?enterprise_id={other.id}",
    ):
        response = client.get(path)
        assert response.status_code in (200, 404), path
        assert "Other Enterprise" not in page_text(response), path
        assert "secret@other.example" not in page_text(response), path
    assert client.get(f"/enterprise/{other.id}").status_code == 404
    assert client.get(f"/enterprises/{other.id}").status_code == 404

    for path in (
        "/manage/enterprises",
        f"/manage/enterprises/{other.id}",
        f"/manage/enterprises/{other.id}/edit",
    ):
        assert client.get(path).status_code == 403, path
    assert (
        client.post(f"/manage/enterprises/{other.id}/flags", data={"verified": "y"}).status_code
        == 403
    )
    edit = client.post(
        f"/manage/enterprises/{other.id}/edit",
        data=profile_form(credit_code=other.credit_code, name_en="Hijacked"),
    )
    assert edit.status_code == 403

    # Editing one's own profile with the other's id in the form changes only one's own.
    client.post(
        "/enterprise/edit",
        data=profile_form(credit_code=own.credit_code, name_en="Own Renamed") | {"id": other.id},
    )
    db.session.refresh(other)
    db.session.refresh(own)
    assert (own.name_en, other.name_en) == ("Own Renamed", "Other Enterprise")
    assert not other.verified


def test_an_enterprise_s_pages_do_not_reveal_its_id(client, db, login_as):
    enterprise = stored(make_enterprise)
    login_as(user_of(enterprise))

    text = client.get("/enterprise").get_data(as_text=True)

    assert f"/manage/enterprises/{enterprise.id}" not in text


def test_a_signed_in_user_opening_an_invitation_is_asked_to_sign_out(client, db, login_as):
    own, other = stored(make_enterprise), stored(make_enterprise)
    user = login_as(user_of(own))
    link = f"/invitations/{services.make_invitation_token(other, 'new@example.com')}"

    page = client.get(link)
    posted = client.post(
        link, data={"name": "X", "password": "long-enough", "confirm": "long-enough"}
    )

    assert page.status_code == 200
    assert "sign out first" in page_text(page)
    assert posted.status_code == 200
    db.session.refresh(user)
    assert user.enterprise_id == own.id
    assert count(db, User) == 1


def test_organizers_going_to_enterprise_pages_land_on_the_list(client, db, login_as):
    login_as(organizer())

    response = client.get("/enterprise")

    assert response.status_code == 302
    assert response.location == "/manage/enterprises"

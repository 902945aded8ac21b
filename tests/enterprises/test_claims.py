"""Contested credit codes: a company turned away at sign-up claims its enterprise, and an
organizer hands it over, adds the claimant as a colleague, or declines, audited and mailed.
"""

from __future__ import annotations

import email
import email.policy
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine
from flask import current_app

from expo.accounts.models import User
from expo.audit.models import AuditEntry
from expo.enterprises.claim_links import make_claim_token
from expo.enterprises.models import ClaimDecision, ClaimStatus, Enterprise, EnterpriseClaim
from tests.accounts.test_views import SIGNUP
from tests.factories import make_enterprise, make_enterprise_user, make_user
from tests.pages import field_error, page_text

CLAIM = {
    "company_name": "成都蓉芯微电子科技有限公司",
    "contact_name": "Zhou Min",
    "mobile": "+86 139 0000 0000",
    "statement": "I am the export manager.\nThe switchboard is +86 28 8000 0000.",
}


@pytest.fixture(autouse=True)
def english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


def mails(outbox) -> list[email.message.EmailMessage]:
    return [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in sorted(outbox.glob("*.eml"))
    ]


def mailed_to(outbox, address: str) -> list[email.message.EmailMessage]:
    return [message for message in mails(outbox) if message["To"] == address]


def link_in(message, path: str) -> str:
    base_url = re.escape(current_app.config["BASE_URL"])
    match = re.search(base_url + "(" + re.escape(path) + r"\S+)", message.get_content())
    assert match, message.get_content()
    return match.group(1)


@pytest.fixture()
def organizer(db):
    """An organizer who reads Expo in English, as these tests do."""
    return make_user("organizer", name="Li Ming", locale="en")


@pytest.fixture()
def squatted(db):
    """The company's code, registered first by someone else, whose account is verified."""
    enterprise = make_enterprise(
        credit_code=SIGNUP["credit_code"], name_zh="冒名公司", name_en="Impostor Trading Co."
    )
    squatter = make_enterprise_user(enterprise, name="Squatter", locale="en")
    db.session.commit()
    return enterprise, squatter


def turned_away(client, outbox) -> str:
    """Sign up with the taken code; the claim link from the mail that follows."""
    response = client.post("/account/signup", data=SIGNUP)
    assert response.status_code == 302
    [message] = mailed_to(outbox, "li.wei@example.com")
    assert message["Subject"] == "Your enterprise is already on Expo"
    return link_in(message, "/enterprise/claim/")


def claims(db) -> list[EnterpriseClaim]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(EnterpriseClaim).order_by(EnterpriseClaim.id)))


def audit(db, action: str) -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)))


# --- filing ---------------------------------------------------------------------------


def test_the_sign_up_mail_leads_to_a_claim_the_organizers_hear_of(
    client, db, outbox, squatted, organizer
):
    db.session.commit()
    link = turned_away(client, outbox)

    form = client.get(link)
    assert form.status_code == 200
    assert form.headers["Referrer-Policy"] == "no-referrer"
    assert SIGNUP["credit_code"] in page_text(form) and "li.wei@example.com" in page_text(form)
    # Who registered the code is not shown to the claimant.
    assert "冒名公司" not in page_text(form) and "Impostor" not in page_text(form)

    filed = client.post(link, data=CLAIM)
    assert filed.status_code == 302 and filed.location == "/enterprise/claimed"
    assert "with the organizers" in page_text(client.get(filed.location))
    [claim] = claims(db)
    assert (claim.email, claim.company_name, claim.status) == (
        "li.wei@example.com",
        CLAIM["company_name"],
        ClaimStatus.PENDING,
    )
    assert claim.enterprise_id == squatted[0].id and claim.locale == "en"
    [entry] = audit(db, "enterprise.claim_filed")
    assert entry.subject_id == squatted[0].id and entry.actor_id is None
    [notice] = mailed_to(outbox, organizer.email)
    assert CLAIM["company_name"] in notice["Subject"]
    assert (
        link_in(notice, "/manage/enterprises/claims/") == f"/manage/enterprises/claims/{claim.id}"
    )


def test_a_claim_is_checked_at_every_field_at_once_and_nothing_saved(client, db, outbox, squatted):
    link = turned_away(client, outbox)

    response = client.post(link, data={"mobile": "12", "statement": "x\x00y"})

    assert response.status_code == 422
    assert field_error(response, "company_name") == (
        "Enter your company's name as on its business licence."
    )
    assert field_error(response, "contact_name") == "Enter your name."
    assert field_error(response, "mobile")
    assert field_error(response, "statement")
    assert claims(db) == []


def test_a_second_claim_from_the_same_address_is_not_filed_twice(client, db, outbox, squatted):
    link = turned_away(client, outbox)
    client.post(link, data=CLAIM)

    again = client.post(link, data=CLAIM, follow_redirects=True)

    assert "already with the organizers" in page_text(again)
    assert len(claims(db)) == 1


@pytest.mark.parametrize(
    "token", ["nonsense", "a" * 300, "eyJ.e30.x"], ids=["junk", "long", "forged"]
)
def test_a_broken_link_is_refused(client, db, token):
    response = client.get(f"/enterprise/claim/{token}")
    assert response.status_code == 400
    assert "This link no longer works" in page_text(response)


def test_an_expired_link_is_refused(app, client, db, squatted):
    issued = datetime(2030, 6, 1, 8, tzinfo=UTC)
    with time_machine.travel(issued, tick=False):
        token = make_claim_token("li.wei@example.com", SIGNUP["credit_code"])
    lifetime = timedelta(seconds=app.config["ENTERPRISE_CLAIM_MAX_AGE"])
    with time_machine.travel(issued + lifetime + timedelta(minutes=1), tick=False):
        response = client.post(f"/enterprise/claim/{token}", data=CLAIM)
    assert response.status_code == 400
    assert claims(db) == []


def test_a_link_for_a_code_that_is_free_again_says_to_sign_up(client, db):
    token = make_claim_token("li.wei@example.com", SIGNUP["credit_code"])
    response = client.get(f"/enterprise/claim/{token}")
    assert response.status_code == 200
    assert "Your credit code is free now" in page_text(response)


# --- deciding -------------------------------------------------------------------------


@pytest.fixture()
def claim(client, db, outbox, squatted) -> EnterpriseClaim:
    link = turned_away(client, outbox)
    assert client.post(link, data=CLAIM).status_code == 302
    for path in outbox.glob("*.eml"):
        path.unlink()
    [filed] = claims(db)
    return filed


def decide(client, claim, **data):
    return client.post(f"/manage/enterprises/claims/{claim.id}", data=data)


def test_organizers_see_open_claims_first(client, db, login_as, organizer, claim):
    login_as(organizer)
    listing = client.get("/manage/enterprises")
    assert "1 open" in page_text(listing)
    queue = client.get("/manage/enterprises/claims")
    assert queue.status_code == 200 and CLAIM["company_name"] in page_text(queue)
    detail = client.get(f"/manage/enterprises/claims/{claim.id}")
    # The organizer sees both sides: the claim, and who registered the code.
    assert "Impostor Trading Co." in page_text(detail) and "Squatter" in page_text(detail)
    assert "switchboard" in page_text(detail)


def test_handing_over_detaches_the_registrants_and_invites_the_claimant(
    client, app, db, login_as, organizer, claim, squatted, outbox
):
    enterprise, squatter = squatted
    enterprise.verified = True
    db.session.commit()
    login_as(organizer)

    response = decide(client, claim, decision="hand_over", note="Checked by phone.")

    assert response.status_code == 302
    db.session.expire_all()
    assert claims(db)[0].status == ClaimStatus.GRANTED
    assert claims(db)[0].decision == ClaimDecision.HAND_OVER
    assert db.session.get(User, squatter.id).enterprise_id is None
    assert db.session.get(User, squatter.id).sessions_ended_at is not None
    assert not db.session.get(Enterprise, enterprise.id).verified
    [entry] = audit(db, "enterprise.claim_granted")
    assert entry.actor_id == organizer.id
    assert entry.details["accounts_removed"] == [squatter.email]
    decided = page_text(client.get(f"/manage/enterprises/claims/{claim.id}?lang=en"))
    assert "Handed over to the claimant" in decided and "Checked by phone." in decided
    chinese = client.get(f"/manage/enterprises/claims/{claim.id}?lang=zh")
    assert "已移交给申请方" in page_text(chinese)
    [withdrawn] = mailed_to(outbox, squatter.email)
    assert "no longer" in withdrawn["Subject"]
    [granted] = mailed_to(outbox, "li.wei@example.com")
    assert "Checked by phone." in granted.get_content()

    # The claimant follows the link and now acts for the enterprise.
    newcomer = app.test_client()
    accept = link_in(granted, "/invitations/")
    joined = newcomer.post(
        accept,
        data={"name": "Zhou Min", "password": "long-enough", "confirm": "long-enough"},
    )
    assert joined.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "li.wei@example.com"))
    assert user.enterprise_id == enterprise.id


def test_adding_as_a_colleague_keeps_the_registrants(
    client, db, login_as, organizer, claim, squatted, outbox
):
    enterprise, squatter = squatted
    login_as(organizer)

    assert decide(client, claim, decision="add_colleague").status_code == 302

    db.session.expire_all()
    assert db.session.get(User, squatter.id).enterprise_id == enterprise.id
    assert claims(db)[0].decision == ClaimDecision.ADD_COLLEAGUE
    assert mailed_to(outbox, squatter.email) == []
    [granted] = mailed_to(outbox, "li.wei@example.com")
    assert link_in(granted, "/invitations/")


def test_declining_needs_a_note_which_the_claimant_receives(
    client, db, login_as, organizer, claim, outbox
):
    login_as(organizer)

    refused = decide(client, claim, decision="reject")
    assert refused.status_code == 422
    assert field_error(refused, "note") == "Tell the company why its request is declined."
    assert claims(db)[0].status == ClaimStatus.PENDING
    assert mails(outbox) == []

    declined = decide(client, claim, decision="reject", note="The licence shows another company.")
    assert declined.status_code == 302
    db.session.expire_all()
    assert claims(db)[0].status == ClaimStatus.REJECTED
    [answer] = mailed_to(outbox, "li.wei@example.com")
    assert "The licence shows another company." in answer.get_content()
    assert len(audit(db, "enterprise.claim_rejected")) == 1

    again = decide(client, claim, decision="hand_over")
    assert "already been decided" in page_text(again)
    assert claims(db)[0].status == ClaimStatus.REJECTED


def test_an_address_that_has_an_account_by_now_cannot_be_invited(
    client, db, login_as, organizer, claim
):
    make_user(email="li.wei@example.com")
    login_as(organizer)

    response = decide(client, claim, decision="hand_over")

    assert response.status_code == 422
    assert "has an Expo account by now" in field_error(response, "decision")
    assert claims(db)[0].status == ClaimStatus.PENDING


def test_an_unknown_decision_is_refused_at_the_field(client, db, login_as, organizer, claim):
    login_as(organizer)
    response = decide(client, claim, decision="give_it_away")
    assert response.status_code == 422
    assert field_error(response, "decision")
    assert claims(db)[0].status == ClaimStatus.PENDING

"""Visa invitation letters: inbound members only, Chinese and English, the passport whole."""

from __future__ import annotations

import re

import pytest

from expo.documents import letters
from tests.delegations.test_services import add, make_delegation
from tests.documents.conftest import flat, pdf_fonts, pdf_info
from tests.factories import make_enterprise, make_enterprise_user, make_event, make_user
from tests.pages import sign_in


@pytest.fixture()
def buyers(db):
    """An inbound buyers' delegation to Chengdu for an import fair."""
    event = make_event(title_zh="中国西部国际博览会", title_en="Western China International Fair")
    delegation = make_delegation(
        direction="inbound",
        title_zh="东盟采购商代表团",
        title_en="ASEAN buyers' delegation",
        origin_country="TH",
        origin_city_zh="曼谷",
        origin_city_en="Bangkok",
        destination_country="CN",
        destination_city_zh="成都",
        destination_city_en="Chengdu",
        event_ids=[event.id],
    )
    buyer = add(
        delegation,
        name_zh="",
        name_latin="SOMCHAI Prasert",
        nationality="TH",
        passport_number="AA1234567",
        organization="Bangkok Food Import Co., Ltd.",
        title="Purchasing Director",
    )
    second = add(
        delegation,
        name_zh="陈美玲",
        name_latin="TAN Mei Ling",
        nationality="SG",
        passport_number="K7654321X",
        organization="Lion City Trading Pte. Ltd.",
    )
    return delegation, buyer, second


class TestTheLetter:
    def test_both_languages_with_the_passport_number_whole(self, app, db, buyers, tmp_path):
        delegation, buyer, _ = buyers
        organizer = make_user("organizer", name="李明", email="li.ming@example.gov.cn")
        pdf = letters.render_invitation_letters(delegation, [buyer], contact=organizer)
        text = flat(pdf)
        assert text.count("SOMCHAI Prasert") >= 2 and text.count("AA1234567") == 2
        assert "邀请函" in text and "Invitation Letter" in text
        assert "四川省商务厅" in text and "Sichuan Provincial Department of Commerce" in text
        assert "泰国" in text and "Thailand" in text  # nationality, as a country name
        assert "Bangkok Food Import Co., Ltd." in text and "Purchasing Director" in text
        assert "中国西部国际博览会" in text and "Western China International Fair" in text
        assert "2027年3月18日至25日" in text and "March 18–25, 2027" in text
        assert "受邀人往返国际旅费" in text and "are borne by the invitee" in text
        assert "李明" in text and "li.ming@example.gov.cn" in text
        assert "王芳" in text  # the delegation's emergency contact
        info = pdf_info(pdf, tmp_path)
        assert info["Pages"] == "2"  # Chinese, then English
        assert info["Page size"] == "595.276 x 841.89 pts (A4)"
        assert "SOMCHAI Prasert" in info["Title"]
        fonts = pdf_fonts(pdf, tmp_path)
        names = {re.sub(r"^[A-Z]{6}\+", "", font.name) for font in fonts}
        assert names and all("CJK-SC" in name for name in names), names
        assert all(font.embedded and font.subset and font.unicode for font in fonts)

    def test_outbound_delegations_have_none(self, db):
        delegation = make_delegation(direction="outbound")
        member = add(delegation)
        with pytest.raises(letters.NotInbound):
            letters.render_invitation_letters(delegation, [member])


class TestOverHttp:
    def test_organizers_get_one_letter_or_all(self, app, db, buyers, tmp_path):
        delegation, buyer, second = buyers
        browser = sign_in(app, make_user("organizer"))
        one = browser.get(f"/manage/delegations/{delegation.id}/members/{second.id}/invitation.pdf")
        assert one.status_code == 200 and one.mimetype == "application/pdf"
        text = flat(one.data)
        assert "TAN Mei Ling" in text and "陈美玲" in text and "K7654321X" in text
        assert "SOMCHAI" not in text
        everyone = browser.get(f"/manage/delegations/{delegation.id}/invitations.pdf")
        assert everyone.status_code == 200
        assert pdf_info(everyone.data, tmp_path)["Pages"] == "4"
        text = flat(everyone.data)
        assert "AA1234567" in text and "K7654321X" in text
        page = browser.get(f"/manage/delegations/{delegation.id}").get_data(as_text=True)
        assert f"/manage/delegations/{delegation.id}/invitations.pdf" in page
        assert f"/members/{buyer.id}/invitation.pdf" in page

    def test_outbound_delegations_offer_no_letters(self, app, db):
        delegation = make_delegation(direction="outbound")
        member = add(delegation)
        browser = sign_in(app, make_user("organizer"))
        assert (
            browser.get(f"/manage/delegations/{delegation.id}/invitations.pdf").status_code == 404
        )
        url = f"/manage/delegations/{delegation.id}/members/{member.id}/invitation.pdf"
        assert browser.get(url).status_code == 404
        page = browser.get(f"/manage/delegations/{delegation.id}").get_data(as_text=True)
        assert "invitation.pdf" not in page and "invitations.pdf" not in page

    def test_a_member_of_another_delegation_is_not_found(self, app, db, buyers):
        delegation, buyer, _ = buyers
        other = make_delegation(direction="inbound")
        browser = sign_in(app, make_user("organizer"))
        url = f"/manage/delegations/{other.id}/members/{buyer.id}/invitation.pdf"
        assert browser.get(url).status_code == 404

    def test_enterprise_users_and_visitors_get_none(self, app, client, db, buyers):
        delegation, buyer, _ = buyers
        enterprise = make_enterprise()
        buyer.enterprise_id = enterprise.id  # even for their own people
        url = f"/manage/delegations/{delegation.id}/members/{buyer.id}/invitation.pdf"
        browser = sign_in(app, make_enterprise_user(enterprise))
        assert browser.get(url).status_code == 403
        response = client.get(url)
        assert response.status_code == 302 and "/account/login" in response.location

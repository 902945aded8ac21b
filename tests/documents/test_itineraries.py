"""Itineraries on paper: day by day in each item's local time, contacts, a QR code back."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from expo.delegations import services
from expo.documents import itineraries
from expo.extensions import db as _db
from expo.urls import external_url
from tests.delegations.test_services import add, item, make_delegation
from tests.documents.conftest import flat, pdf_fonts, pdf_info, pdf_text, qr_codes
from tests.factories import make_enterprise, make_enterprise_user, make_user
from tests.pages import sign_in


@pytest.fixture()
def trip(db):
    """An outbound delegation: a flight from Chengdu to Budapest, a meeting for one member."""
    enterprise = make_enterprise(name_zh="成都天府茶业有限公司", name_en="Chengdu Tianfu Tea Co.")
    delegation = make_delegation(
        title_zh="川行天下·匈牙利经贸代表团", title_en="Delegation to Hungary"
    )
    leader = add(delegation, name_zh="张三", name_latin="ZHANG San", enterprise_id=enterprise.id)
    other = add(delegation, name_zh="李四", name_latin="LI Si", passport_number="E87654321")
    item(
        delegation,
        datetime(2027, 3, 18, 1, 50),
        "Asia/Shanghai",
        datetime(2027, 3, 18, 6, 55),
        "Europe/Budapest",
        kind="flight",
        title_zh="成都飞布达佩斯",
        title_en="Chengdu to Budapest",
        transport_number="3U 3919",
    )
    item(
        delegation,
        datetime(2027, 3, 19, 14, 0),
        "Europe/Budapest",
        datetime(2027, 3, 19, 15, 30),
        title_zh="与采购商会谈",
        title_en="Meeting with the buyer",
        everyone=False,
        members=[other],
    )
    return delegation, enterprise, leader, other


def time_column(pdf: bytes) -> str:
    """The left column of the programme as one line: each clock followed by its zone."""
    text = pdf_text(pdf)
    programme = text[
        text.index("\n", text.index("Programme" if "Programme" in text else "日程安排")) :
    ]
    cells = [re.split(r"\s{3,}", line.strip())[0] for line in programme.splitlines()]
    return " ".join(cell for cell in cells if cell)


class TestTheDocument:
    def test_every_item_in_its_local_time_with_the_zone_named(self, app, trip):
        delegation, *_ = trip
        with app.test_request_context("/?lang=en"):
            pdf = itineraries.render_itinerary(delegation, language="en")
        text = flat(pdf)
        assert "Delegation to Hungary" in text
        assert "Chengdu to Budapest · 3U 3919" in text
        # Leaves 01:50 China time, lands 06:55 Central European time: each clock, named,
        # in the product's own wording (24-hour clocks, the offset and the zone's name).
        times = time_column(pdf)
        assert (
            "Thursday, March 18, 2027 01:50 UTC+08:00 Asia/Shanghai "
            "– 06:55 UTC+01:00 Europe/Budapest Duration: 12 h 5 min"
        ) in times
        assert "Friday, March 19, 2027 14:00 UTC+01:00 Europe/Budapest – 15:30" in times
        assert "Dates March 18–25, 2027" in text
        assert "Meeting with the buyer" in text and "LI Si" in text
        assert "Emergency contacts" in text and "王芳" in text and "+86 138 0000 0000" in text

    def test_chinese_with_embedded_subset_simplified_chinese_fonts(self, app, trip, tmp_path):
        delegation, *_ = trip
        with app.test_request_context("/"):
            pdf = itineraries.render_itinerary(delegation, language="zh")
        text = flat(pdf)
        assert "川行天下·匈牙利经贸代表团" in text and "成都飞布达佩斯" in text
        times = time_column(pdf)
        assert (
            "2027年3月18日星期四 01:50 UTC+08:00 Asia/Shanghai – 06:55 UTC+01:00 Europe/Budapest"
        ) in times
        assert "2027年3月19日星期五 14:00 UTC+01:00 Europe/Budapest – 15:30" in times
        assert "日期 2027年3月18日至25日" in text
        assert "紧急联系人" in text and "王芳" in text
        # Chinese order and punctuation: the country first, full-width colons.
        assert "中国成都" in text and "匈牙利布达佩斯" in text
        assert "参加人员：全团" in text
        fonts = pdf_fonts(pdf, tmp_path)
        names = {re.sub(r"^[A-Z]{6}\+", "", font.name) for font in fonts}
        assert names and all("CJK-SC" in name for name in names), names
        assert all(font.embedded and font.subset and font.unicode for font in fonts)
        info = pdf_info(pdf, tmp_path)
        assert info["Page size"] == "595.276 x 841.89 pts (A4)"
        assert "行程" in info["Title"]

    def test_an_overnight_arrival_names_its_own_date(self, app, trip):
        delegation, *_ = trip
        item(
            delegation,
            datetime(2027, 3, 20, 23, 55),
            "Asia/Shanghai",
            datetime(2027, 3, 21, 6, 10),
            "Europe/Budapest",
            kind="flight",
            title_zh="成都飞布达佩斯（夜航）",
            title_en="Night flight to Budapest",
        )
        with app.test_request_context("/"):
            english = itineraries.render_itinerary(delegation, language="en")
            chinese = itineraries.render_itinerary(delegation, language="zh")
        assert (
            "Saturday, March 20, 2027 23:55 UTC+08:00 Asia/Shanghai "
            "– March 21, 2027 06:10 (+1) UTC+01:00 Europe/Budapest"
        ) in time_column(english)
        assert (
            "2027年3月20日星期六 23:55 UTC+08:00 Asia/Shanghai "
            "– 2027年3月21日 06:10 (+1) UTC+01:00 Europe/Budapest"
        ) in time_column(chinese)

    def test_a_member_sees_only_their_items(self, app, trip):
        delegation, _, leader, other = trip
        with app.test_request_context("/"):
            pdf = itineraries.render_itinerary(delegation, language="en", member=leader)
        text = flat(pdf)
        assert "Itinerary of 张三 / ZHANG San" in text
        assert "Chengdu to Budapest" in text and "Meeting with the buyer" not in text
        assert "E87654321" not in text

    def test_qr_code_opens_the_online_itinerary(self, app, trip):
        delegation, _, leader, _ = trip
        with app.test_request_context("/"):
            whole = itineraries.render_itinerary(delegation, language="zh")
            expected = external_url("delegations.detail", delegation_id=delegation.id)
            own = itineraries.render_itinerary(delegation, language="zh", member=leader)
            expected_own = external_url(
                "delegations.member_itinerary", delegation_id=delegation.id, member_id=leader.id
            )
        assert qr_codes(whole) == [expected]
        assert qr_codes(own) == [expected_own]


class TestAccess:
    def test_organizers_get_the_whole_itinerary_and_each_members(self, app, db, trip):
        delegation, _, leader, _ = trip
        browser = sign_in(app, make_user("organizer"))
        whole = browser.get(f"/delegations/{delegation.id}/itinerary.pdf?lang=en")
        assert whole.status_code == 200 and whole.mimetype == "application/pdf"
        assert whole.headers["Content-Language"] == "en"
        assert "Meeting with the buyer" in flat(whole.data)
        own = browser.get(
            f"/manage/delegations/{delegation.id}/members/{leader.id}/itinerary.pdf?lang=en"
        )
        assert own.status_code == 200
        text = flat(own.data)
        assert "Itinerary of 张三 / ZHANG San" in text
        assert "Meeting with the buyer" not in text

    def test_enterprise_users_only_for_delegations_their_people_travel_with(
        self, app, client, db, trip
    ):
        delegation, enterprise, leader, _ = trip
        url = f"/delegations/{delegation.id}/itinerary.pdf"
        own = sign_in(app, make_enterprise_user(enterprise))
        response = own.get(url)
        assert response.status_code == 200
        page = own.get(f"/delegations/{delegation.id}").get_data(as_text=True)
        assert url in page
        assert "川行天下·匈牙利经贸代表团" in flat(response.data)
        stranger = sign_in(app, make_enterprise_user(make_enterprise()))
        assert stranger.get(url).status_code == 404
        member_url = f"/manage/delegations/{delegation.id}/members/{leader.id}/itinerary.pdf"
        assert own.get(member_url).status_code == 403
        anonymous = client.get(url)
        assert anonymous.status_code == 302 and "/account/login" in anonymous.location
        assert client.get(member_url).status_code == 302

    def test_the_share_link_pdf_without_an_account_until_revoked(self, app, client, db, trip):
        delegation, _, leader, _ = trip
        token = services.create_share_link(leader)
        _db.session.commit()
        response = client.get(f"/itinerary/{token}.pdf?lang=en")
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert "no-store" in response.headers["Cache-Control"]
        text = flat(response.data)
        assert "Itinerary of 张三 / ZHANG San" in text and "Meeting with the buyer" not in text
        assert qr_codes(response.data) == [f"{app.config['BASE_URL']}/itinerary/{token}"]
        page = client.get(f"/itinerary/{token}").get_data(as_text=True)
        assert f"/itinerary/{token}.pdf" in page

        services.revoke_share_link(leader)
        _db.session.commit()
        assert client.get(f"/itinerary/{token}.pdf").status_code == 404
        assert client.get("/itinerary/not-a-token.pdf").status_code == 404

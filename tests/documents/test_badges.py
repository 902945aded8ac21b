"""Name badges: eight to an A4 sheet, names in both scripts, a signed check-in QR code."""

from __future__ import annotations

import math
import re

import pytest

from expo.documents import badges
from expo.names import latin_name, passport_spelling
from expo.registrations import services as registration_services
from expo.registrations.models import Delegate
from tests.documents.conftest import (
    approved_application,
    flat,
    pdf_fonts,
    pdf_info,
    qr_codes,
)
from tests.factories import (
    make_application,
    make_enterprise,
    make_enterprise_user,
    make_event,
    make_user,
    open_event,
)
from tests.pages import sign_in, tampered
from tests.registrations.test_services import application_data


@pytest.fixture()
def event(db):
    return open_event(moderation="first_come", capacity=20, max_delegates=3)


def approve_with_delegates(event, count: int, **enterprise_fields):
    enterprise = make_enterprise(**enterprise_fields)
    return registration_services.submit_application(
        event,
        enterprise,
        application_data(delegates=count),
        actor=make_enterprise_user(enterprise),
    )


class TestTheSheet:
    def test_names_in_both_scripts_enterprise_and_event(self, app, db, event, tmp_path):
        application = approved_application(event)
        pdf = badges.render_badge_sheet(event, badges.approved_delegates(event))
        text = flat(pdf)
        delegate = application.delegates[0]
        assert delegate.name_zh in text and delegate.name_latin in text
        assert "成都天府茶业有限公司" in text and "Chengdu Tianfu Tea Co., Ltd." in text
        assert "布达佩斯国际博览会" in text and "Budapest International Fair" in text
        info = pdf_info(pdf, tmp_path)
        assert info["Page size"] == "595.276 x 841.89 pts (A4)" and info["Pages"] == "1"
        assert "第 1 页" not in text  # no page number to be cut off
        fonts = pdf_fonts(pdf, tmp_path)
        names = {re.sub(r"^[A-Z]{6}\+", "", font.name) for font in fonts}
        assert names and all("CJK-SC" in name for name in names), names
        assert all(font.embedded and font.subset and font.unicode for font in fonts)

    def test_a_delegate_named_only_in_chinese_gets_the_passport_spelling(self, app, db, event):
        application = approved_application(event)
        delegate = application.delegates[0]
        delegate.name_zh, delegate.name_latin = "欧阳晓燕", ""
        text = flat(badges.render_badge_sheet(event, badges.approved_delegates(event)))
        assert "欧阳晓燕" in text and "OUYANG Xiaoyan" in text

    @pytest.mark.parametrize(
        ("name_zh", "latin"),
        [
            ("张三丰", "ZHANG Sanfeng"),
            ("欧阳修", "OUYANG Xiu"),
            ("吕方", "LYU Fang"),
            ("单田芳", "SHAN Tianfang"),
            ("买买提·艾力", "Maimaiti Aili"),
            ("Anna", ""),
            ("", ""),
        ],
    )
    def test_passport_spelling(self, name_zh, latin):
        assert passport_spelling(name_zh) == latin

    def test_a_latin_name_typed_wins(self):
        assert latin_name(" LIU Yang ", "刘洋") == "LIU Yang"
        assert latin_name("", "刘洋") == "LIU Yang"

    @pytest.mark.parametrize("count", [8, 9, 17])
    def test_eight_to_a_page(self, app, db, event, tmp_path, count):
        application = approved_application(event)
        for index in range(1, count):
            application.delegates.append(
                Delegate(position=index, name_zh=f"代表{index}", name_latin=f"DAIBIAO {index}")
            )
        db.session.flush()
        found = badges.approved_delegates(event)
        assert len(found) == count
        pdf = badges.render_badge_sheet(event, found)
        assert pdf_info(pdf, tmp_path)["Pages"] == str(math.ceil(count / 8))
        text = flat(pdf)
        assert all(f"DAIBIAO {index}" in text for index in range(1, count))

    def test_long_names_never_push_a_badge_onto_another_page(self, app, db, event, tmp_path):
        enterprise = make_enterprise(
            name_zh="四川" + "天府国际进出口贸易" * 21 + "有限公司",
            name_en=("Sichuan Tianfu International Import and Export Trading " * 4)[:190],
        )
        application = approved_application(event, enterprise=enterprise)
        for index in range(1, 8):
            application.delegates.append(
                Delegate(position=index, name_zh="欧阳" * 20, name_latin="OUYANG " * 14)
            )
        db.session.flush()
        pdf = badges.render_badge_sheet(event, badges.approved_delegates(event))
        assert pdf_info(pdf, tmp_path)["Pages"] == "1"
        assert len(qr_codes(pdf)) == 8

    def test_only_approved_applications(self, db):
        event = open_event(moderation="review")
        pending = approve_with_delegates(event, 2)
        assert pending.status == "pending"
        assert badges.approved_delegates(event) == []

    def test_the_qr_code_is_a_signed_check_in_address(self, app, db, event):
        application = approved_application(event)
        delegate = application.delegates[0]
        with app.test_request_context("/", base_url="http://10.0.0.7:8000"):
            pdf = badges.render_badge_sheet(event, [delegate])
        token = badges.check_in_token(delegate)
        assert qr_codes(pdf) == [
            f"{app.config['BASE_URL']}/manage/events/{event.id}/check-in/{token}"
        ]
        assert badges.delegate_for_check_in(event, token) is delegate
        assert badges.delegate_for_check_in(event, tampered(token)) is None
        other_event = open_event()
        assert badges.delegate_for_check_in(other_event, token) is None


class TestOverHttp:
    def test_organizers_download_the_badges(self, app, db, event):
        approve_with_delegates(event, 3)
        approve_with_delegates(event, 3)
        approve_with_delegates(event, 3)
        browser = sign_in(app, make_user("organizer"))
        response = browser.get(f"/manage/events/{event.id}/badges.pdf")
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        assert len(qr_codes(response.data)) == 8
        review = browser.get(f"/manage/events/{event.id}/applications").get_data(as_text=True)
        assert f"/manage/events/{event.id}/badges.pdf" in review

    def test_no_badges_to_print(self, app, db, event):
        browser = sign_in(app, make_user("organizer"))
        response = browser.get(f"/manage/events/{event.id}/badges.pdf")
        assert response.status_code == 302

    def test_enterprises_and_visitors_get_none(self, app, client, db, event):
        application = approved_application(event)
        browser = sign_in(app, make_enterprise_user(application.enterprise))
        assert browser.get(f"/manage/events/{event.id}/badges.pdf").status_code == 403
        response = client.get(f"/manage/events/{event.id}/badges.pdf")
        assert response.status_code == 302 and "/account/login" in response.location

    def test_the_check_in_page_names_the_delegate(self, app, db, event):
        application = approved_application(event)
        delegate = application.delegates[0]
        token = badges.check_in_token(delegate)
        browser = sign_in(app, make_user("organizer"))
        page = browser.get(f"/manage/events/{event.id}/check-in/{token}?lang=en")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert delegate.name_latin in html and "Valid badge" in html
        forged = browser.get(f"/manage/events/{event.id}/check-in/{token}x?lang=en")
        assert forged.status_code == 404


def test_a_printed_badge_outlives_a_new_secret_key_kept_with_the_old_as_fallback(
    app, db, monkeypatch
):
    delegate = make_application(make_event()).delegates[0]
    printed = badges.check_in_token(delegate)
    old_key = app.config["SECRET_KEY"]
    monkeypatch.setitem(app.config, "SECRET_KEY", "a-new-key-" + "n" * 40)
    assert badges.badge_holder(printed) is None  # the old key forgotten: void
    monkeypatch.setitem(app.config, "SECRET_KEY_FALLBACKS", [old_key])
    assert badges.badge_holder(printed) == (delegate.application.event_id, delegate.id)
    # Badges printed from now on carry the new key's signature.
    fresh = badges.check_in_token(delegate)
    assert fresh != printed
    monkeypatch.setitem(app.config, "SECRET_KEY_FALLBACKS", [])
    assert badges.badge_holder(fresh) is not None

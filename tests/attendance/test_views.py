"""The check-in desk over HTTP: organizers and desk staff, plain forms and JSON."""

from __future__ import annotations

import email
import email.policy
import io
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine
from openpyxl import load_workbook

from expo import spreadsheets
from expo.attendance import services
from expo.attendance.models import CheckIn, CheckInDesk
from expo.documents import badges
from tests.factories import make_application, make_enterprise_user, make_event, make_user
from tests.pages import sign_in


@pytest.fixture()
def event(db):
    return make_event()


def standing(db) -> list[CheckIn]:
    db.session.expire_all()
    return list(db.session.execute(sa.select(CheckIn).where(CheckIn.undone_at.is_(None))).scalars())


def sent(outbox) -> list:
    return [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in sorted(outbox.glob("*.eml"))
    ]


class TestDesk:
    def test_a_scanned_address_and_enter_checks_in_as_a_plain_form(self, app, db, event, organizer):
        delegate = make_application(event).delegates[0]
        browser = sign_in(app, organizer)
        page = browser.get(f"/manage/events/{event.id}/check-in?lang=en")
        assert page.status_code == 200 and 'id="code"' in page.get_data(as_text=True)
        url = badges.check_in_url(delegate)
        response = browser.post(
            f"/manage/events/{event.id}/check-in", data={"code": url, "desk": "Hall A"}
        )
        assert response.status_code == 200
        assert "Checked in: 王1 · WANG 1" in response.get_data(as_text=True)
        assert [row.desk for row in standing(db)] == ["Hall A"]
        again = browser.post(f"/manage/events/{event.id}/check-in", data={"code": url})
        assert "Already checked in at" in again.get_data(as_text=True)
        assert "李明 (Hall A)" in again.get_data(as_text=True)
        assert len(standing(db)) == 1

    def test_the_script_gets_the_answer_as_json_in_the_desks_language(
        self, app, db, event, organizer
    ):
        delegate = make_application(event).delegates[0]
        browser = sign_in(app, organizer)
        response = browser.post(
            f"/manage/events/{event.id}/check-in",
            data={"code": badges.check_in_token(delegate)},
            headers={"Accept": "application/json"},
        )
        assert response.status_code == 200
        assert response.json["outcome"] == "checked_in"
        assert response.json["message"].startswith("签到成功：王1")
        unknown = browser.post(
            f"/manage/events/{event.id}/check-in",
            data={"code": "not-a-badge"},
            headers={"Accept": "application/json"},
        )
        assert unknown.json["outcome"] == "unknown_badge"
        empty = browser.post(
            f"/manage/events/{event.id}/check-in", data={}, headers={"Accept": "application/json"}
        )
        assert empty.status_code == 422 and "code" in empty.json["errors"]

    def test_an_empty_scan_is_refused_at_the_field(self, app, db, event, organizer):
        browser = sign_in(app, organizer)
        response = browser.post(f"/manage/events/{event.id}/check-in?lang=en", data={"code": " "})
        assert response.status_code == 422
        assert 'id="code-error"' in response.get_data(as_text=True)
        assert standing(db) == []

    def test_a_delegate_found_by_name_is_checked_in_with_the_button(
        self, app, db, event, organizer
    ):
        application = make_application(event, delegates=2)
        application.delegates[1].name_latin = "LI Hua"
        browser = sign_in(app, organizer)
        found = browser.get(f"/manage/events/{event.id}/check-in?q=li+hua&lang=en")
        text = found.get_data(as_text=True)
        button = f"/manage/events/{event.id}/check-in/delegates/{application.delegates[1].id}"
        assert button in text and "WANG 1" not in text
        response = browser.post(button, data={"desk": "VIP", "q": "li hua"})
        assert response.status_code == 200
        assert [row.delegate_id for row in standing(db)] == [application.delegates[1].id]

    def test_a_delegate_of_another_event_is_not_found(self, app, db, event, organizer):
        foreign = make_application(make_event()).delegates[0]
        browser = sign_in(app, organizer)
        response = browser.post(f"/manage/events/{event.id}/check-in/delegates/{foreign.id}")
        assert response.status_code == 404 and standing(db) == []


class TestBadgeAddress:
    def test_opening_the_qr_address_changes_nothing_and_offers_a_button(
        self, app, db, event, organizer
    ):
        delegate = make_application(event).delegates[0]
        browser = sign_in(app, organizer)
        path = badges.check_in_url(delegate).split("://", 1)[1].split("/", 1)[1]
        page = browser.get(f"/{path}")
        assert page.status_code == 200 and standing(db) == []
        button = f"/manage/events/{event.id}/check-in/delegates/{delegate.id}"
        assert f'action="{button}"' in page.get_data(as_text=True)
        browser.post(button)
        assert len(standing(db)) == 1
        again = browser.get(f"/{path}?lang=en").get_data(as_text=True)
        assert "Already checked in at" in again and f'action="{button}"' not in again


class TestUndo:
    def test_an_organizer_undoes_with_a_reason(self, app, db, event, organizer):
        delegate = make_application(event).delegates[0]
        row = services.check_in(event, delegate, desk="", actor=organizer).check_in
        assert row is not None
        browser = sign_in(app, organizer)
        path = f"/manage/events/{event.id}/check-ins/{row.id}/undo"
        assert browser.get(path).status_code == 200
        refused = browser.post(f"{path}?lang=en", data={"reason": ""})
        assert refused.status_code == 422
        assert "Say why the check-in is undone." in refused.get_data(as_text=True)
        assert len(standing(db)) == 1
        assert browser.post(path, data={"reason": "wrong badge"}).status_code == 302
        assert standing(db) == []

    def test_desk_staff_cannot_undo(self, app, db, event, organizer):
        desk_user = make_enterprise_user()
        services.grant_desk_access(event, desk_user.email, actor=organizer)
        row = services.check_in(event, make_application(event).delegates[0], desk="", actor=None)
        assert row.check_in is not None
        browser = sign_in(app, desk_user)
        path = f"/manage/events/{event.id}/check-ins/{row.check_in.id}/undo"
        assert browser.post(path, data={"reason": "x"}).status_code == 403
        assert len(standing(db)) == 1


class TestDeskStaff:
    def test_a_desk_person_sees_the_check_in_of_that_event_and_nothing_else(
        self, app, db, event, organizer
    ):
        delegate = make_application(event).delegates[0]
        other_event = make_event()
        desk_user = make_enterprise_user()
        browser = sign_in(app, organizer)
        response = browser.post(
            f"/manage/events/{event.id}/check-in-desks", data={"email": desk_user.email}
        )
        assert response.status_code == 302
        desk = sign_in(app, desk_user)
        assert desk.get(f"/manage/events/{event.id}/check-in").status_code == 200
        scanned = desk.post(
            f"/manage/events/{event.id}/check-in", data={"code": badges.check_in_token(delegate)}
        )
        assert scanned.status_code == 200 and len(standing(db)) == 1
        path = badges.check_in_url(delegate).split("://", 1)[1].split("/", 1)[1]
        assert desk.get(f"/{path}").status_code == 200
        for refused in (
            f"/manage/events/{other_event.id}/check-in",
            f"/manage/events/{event.id}/applications",
            f"/manage/events/{event.id}/check-in-desks",
            f"/manage/events/{event.id}/badges.pdf",
            "/manage/events",
        ):
            assert desk.get(refused).status_code == 403, refused

    def test_an_address_without_an_account_waits_for_one_and_is_told_by_email(
        self, app, db, event, organizer, outbox
    ):
        browser = sign_in(app, organizer)
        browser.post(
            f"/manage/events/{event.id}/check-in-desks", data={"email": " Desk@Example.com "}
        )
        [row] = db.session.execute(sa.select(CheckInDesk)).scalars()
        assert row.email == "desk@example.com" and row.user_id is None
        [message] = sent(outbox)
        assert message["To"] == "desk@example.com"
        assert f"/manage/events/{event.id}/check-in" in message.get_content()
        assert "/check-in-desks/accept/" in message.get_content()
        unconfirmed = make_user(email="desk@example.com")
        confirmed_at, unconfirmed.email_verified_at = unconfirmed.email_verified_at, None
        db.session.flush()
        assert services.can_check_in(unconfirmed, event.id) is False
        unconfirmed.email_verified_at = confirmed_at
        assert services.can_check_in(unconfirmed, event.id) is True
        assert services.desk_events(unconfirmed) == [event]

    def test_revoking_ends_the_access(self, app, db, event, organizer):
        desk_user = make_enterprise_user()
        row = services.grant_desk_access(event, desk_user.email, actor=organizer)
        browser = sign_in(app, organizer)
        listing = browser.get(f"/manage/events/{event.id}/check-in-desks")
        assert desk_user.email in listing.get_data(as_text=True)
        revoked = browser.post(f"/manage/events/{event.id}/check-in-desks/{row.id}/revoke")
        assert revoked.status_code == 302
        desk = sign_in(app, desk_user)
        assert desk.get(f"/manage/events/{event.id}/check-in").status_code == 403

    @pytest.mark.parametrize(
        ("typed", "message"),
        [
            ("", "This field is required."),
            ("not-an-address", "Enter a valid email address"),
            ("organizer", "Organizers check delegates in already"),
            ("twice", "This address has desk access to this event already."),
        ],
    )
    def test_bad_addresses_are_refused_at_the_field(
        self, app, db, event, organizer, typed, message
    ):
        services.grant_desk_access(event, "twice@example.com", actor=organizer)
        typed = {"organizer": organizer.email, "twice": "twice@example.com"}.get(typed, typed)
        browser = sign_in(app, organizer)
        response = browser.post(
            f"/manage/events/{event.id}/check-in-desks?lang=en", data={"email": typed}
        )
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)
        assert db.session.execute(sa.select(sa.func.count(CheckInDesk.id))).scalar() == 1


class TestOffline:
    def test_the_badge_list_is_signed_for_the_desk_and_event(self, app, db, event, organizer):
        application = make_application(event, delegates=2)
        services.check_in(event, application.delegates[0], desk="", actor=organizer)
        make_application(event, status="withdrawn")
        browser = sign_in(app, organizer)
        response = browser.get(f"/manage/events/{event.id}/check-in-badges.json")
        assert response.status_code == 200 and "no-store" in response.headers["Cache-Control"]
        signed = response.json
        assert services.is_genuine_badge_list(event, organizer, signed)
        body = json.loads(signed["body"])
        assert body["event_id"] == event.id
        entries = {entry["delegate_id"]: entry for entry in body["badges"]}
        first = entries[application.delegates[0].id]
        assert first["token"] == badges.check_in_token(application.delegates[0])
        assert first["checked_in"] is True and first["approved"] is True
        assert entries[application.delegates[1].id]["checked_in"] is False
        assert sorted(entry["approved"] for entry in entries.values()) == [False, True, True]
        someone_else = make_user("organizer")
        assert not services.is_genuine_badge_list(event, someone_else, signed)
        assert not services.is_genuine_badge_list(make_event(), organizer, signed)

    def test_offline_scans_sync_once_and_the_earliest_time_wins(self, app, db, event, organizer):
        first, second = make_application(event, delegates=2).delegates
        online = services.check_in(event, second, desk="Online", actor=organizer).check_in
        assert online is not None
        online_at = online.scanned_at
        browser = sign_in(app, organizer)
        signed = browser.get(f"/manage/events/{event.id}/check-in-badges.json").json
        earlier = (online_at - timedelta(minutes=30)).isoformat()
        scans = [
            {"code": badges.check_in_url(first), "scanned_at": earlier, "desk": "Offline"},
            {"code": badges.check_in_token(first), "scanned_at": earlier, "desk": "Offline"},
            {"code": badges.check_in_token(second), "scanned_at": earlier, "desk": "Offline"},
            {"code": "forged", "scanned_at": "yesterday", "desk": "Offline"},
        ]
        path = f"/manage/events/{event.id}/check-in-sync"
        response = browser.post(path, json={"list": signed, "scans": scans})
        assert response.status_code == 200
        outcomes = [result["outcome"] for result in response.json["results"]]
        assert outcomes == [
            "checked_in",
            "already_checked_in",
            "already_checked_in",
            "unknown_badge",
        ]
        again = browser.post(path, json={"list": signed, "scans": scans[:1]})
        assert again.json["results"][0]["outcome"] == "already_checked_in"
        rows = {row.delegate_id: row for row in standing(db)}
        assert set(rows) == {first.id, second.id}
        assert rows[second.id].scanned_at == online_at - timedelta(minutes=30)
        assert rows[second.id].desk == "Offline"

    def test_scans_made_with_a_list_signed_before_the_key_changed_still_sync(
        self, app, db, event, organizer, monkeypatch
    ):
        delegate = make_application(event).delegates[0]
        browser = sign_in(app, organizer)
        signed = browser.get(f"/manage/events/{event.id}/check-in-badges.json").json
        scans = [{"code": badges.check_in_token(delegate), "scanned_at": None, "desk": "Offline"}]
        old_key = app.config["SECRET_KEY"]
        monkeypatch.setitem(app.config, "SECRET_KEY", "a-new-key-" + "n" * 40)
        assert not services.is_genuine_badge_list(event, organizer, signed)  # old key forgotten
        monkeypatch.setitem(app.config, "SECRET_KEY_FALLBACKS", [old_key])
        path = f"/manage/events/{event.id}/check-in-sync"
        response = browser.post(path, json={"list": signed, "scans": scans})
        assert response.status_code == 200
        assert [result["outcome"] for result in response.json["results"]] == ["checked_in"]
        assert [row.delegate_id for row in standing(db)] == [delegate.id]
        # A list fetched now is signed with the new key, which needs no fallback.
        fresh = browser.get(f"/manage/events/{event.id}/check-in-badges.json").json
        monkeypatch.setitem(app.config, "SECRET_KEY_FALLBACKS", [])
        assert services.is_genuine_badge_list(event, organizer, fresh)
        assert not services.is_genuine_badge_list(event, organizer, signed)

    @pytest.mark.parametrize("tamper", ["body", "signature", "missing"])
    def test_a_tampered_list_is_refused_whole(self, app, db, event, organizer, tamper):
        delegate = make_application(event).delegates[0]
        browser = sign_in(app, organizer)
        signed = browser.get(f"/manage/events/{event.id}/check-in-badges.json").json
        if tamper == "body":
            signed["body"] = signed["body"].replace('"approved":true', '"approved":false')
        elif tamper == "signature":
            signed["signature"] = "0" * 64
        else:
            signed = None
        scans = [{"code": badges.check_in_token(delegate), "scanned_at": None, "desk": ""}]
        response = browser.post(
            f"/manage/events/{event.id}/check-in-sync?lang=en",
            json={"list": signed, "scans": scans},
        )
        assert response.status_code == 400
        assert "The badge list was altered" in response.json["error"]
        assert standing(db) == []

    def test_a_sync_without_json_is_refused(self, app, db, event, organizer):
        browser = sign_in(app, organizer)
        response = browser.post(f"/manage/events/{event.id}/check-in-sync", data={"x": "1"})
        assert response.status_code == 400

    def test_the_service_worker_is_served_beside_the_page(self, app, db, event, organizer):
        browser = sign_in(app, organizer)
        response = browser.get(f"/manage/events/{event.id}/check-in-worker.js")
        assert response.status_code == 200
        assert "javascript" in response.mimetype and b"caches.open" in response.data


class TestArrivals:
    def test_the_organizer_sees_who_came_by_enterprise_and_who_did_not(
        self, app, db, event, organizer
    ):
        came = make_application(event, delegates=2)
        absent = make_application(event, delegates=1)
        absent.delegates[0].name_latin = "ZHAO Absent"
        make_application(event, status="withdrawn", delegates=2)
        services.check_in(event, came.delegates[0], desk="", actor=organizer)
        browser = sign_in(app, organizer)
        response = browser.get(f"/manage/events/{event.id}/arrivals?lang=en")
        assert response.status_code == 200
        text = response.get_data(as_text=True)
        assert "1 of 3 delegates checked in" in text
        listed = text.split("Not arrived yet", 1)[1].split("Checked in</h2>", 1)[0]
        assert "ZHAO Absent" in listed and "WANG 2" in listed and "WANG 1" not in listed
        assert came.enterprise.name_en in text and absent.enterprise.name_en in text
        undo = f"/manage/events/{event.id}/check-ins/"
        assert text.count(undo) == 1 and "WANG 1" in text.split("Checked in</h2>", 1)[1]

    def test_the_attendance_downloads_as_a_workbook_with_formulas_kept_as_text(
        self, app, db, event, organizer
    ):
        application = make_application(event, delegates=2)
        application.delegates[1].name_latin = "=HYPERLINK(1)"
        with time_machine.travel(datetime(2026, 11, 3, 8, 30, tzinfo=UTC), tick=False):
            services.check_in(event, application.delegates[0], desk="=Gate", actor=organizer)
        browser = sign_in(app, organizer)
        response = browser.get(f"/manage/events/{event.id}/arrivals.xlsx?lang=en")
        assert response.status_code == 200
        assert response.mimetype == spreadsheets.XLSX_MIMETYPE
        sheet = load_workbook(io.BytesIO(response.data)).active
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0][5].startswith("Checked in at (")
        assert rows[1][4] == "Yes" and rows[1][5] == datetime(2026, 11, 3, 9, 30)
        assert rows[1][6] == "=Gate" and rows[2][4] == "No"
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f"


def test_desk_staff_find_their_check_in_pages_on_their_account_page(app, db, event, organizer):
    desk_user = make_enterprise_user()
    services.grant_desk_access(event, desk_user.email, actor=organizer)
    make_event(title_zh="别的展会")
    page = sign_in(app, desk_user).get("/account/").get_data(as_text=True)
    assert f"/manage/events/{event.id}/check-in" in page and "别的展会" not in page


class TestDeskInvitation:
    def invitation_link(self, outbox) -> str:
        [message] = sent(outbox)
        match = re.search(r"https?://[^/\s]+(/check-in-desks/accept/\S+)", message.get_content())
        assert match, message.get_content()
        return match.group(1)

    def test_the_invited_person_makes_an_account_and_lands_on_the_desk(
        self, app, client, db, event, organizer, outbox
    ):
        services.grant_desk_access(event, "gate@example.com", actor=organizer)
        db.session.commit()
        link = self.invitation_link(outbox)
        assert client.get(link).status_code == 200
        refused = client.post(f"{link}?lang=en", data={"name": "Gate", "password": "x"})
        assert refused.status_code == 422
        response = client.post(
            link, data={"name": "门岗", "password": "a-long-password", "confirm": "a-long-password"}
        )
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/manage/events/{event.id}/check-in")
        assert client.get(f"/manage/events/{event.id}/check-in").status_code == 200
        assert client.get(f"/manage/events/{event.id}/applications").status_code == 403
        [row] = db.session.execute(sa.select(CheckInDesk)).scalars()
        db.session.refresh(row)
        assert row.user is not None and row.user.name == "门岗" and row.user.enterprise_id is None
        client.post("/account/logout")
        assert client.get(link).status_code == 400  # used once

    def test_a_revoked_or_forged_invitation_is_refused(
        self, app, client, db, event, organizer, outbox
    ):
        desk = services.grant_desk_access(event, "gate@example.com", actor=organizer)
        db.session.commit()
        link = self.invitation_link(outbox)
        assert client.get(link[:-3] + "abc").status_code == 400
        services.revoke_desk_access(desk, actor=organizer)
        db.session.commit()
        response = client.post(
            link, data={"name": "门岗", "password": "a-long-password", "confirm": "a-long-password"}
        )
        assert response.status_code == 400
        assert db.session.execute(sa.select(sa.func.count()).select_from(CheckInDesk)).scalar() == 0

import re

import sqlalchemy as sa

from expo.audit.models import AuditEntry
from expo.audit.services import record
from expo.registrations import services
from tests.factories import make_enterprise, make_enterprise_user, make_user, open_event
from tests.pages import screen_zone
from tests.registrations.test_services import application_data


def apply(event, **enterprise_fields):
    enterprise = make_enterprise(**enterprise_fields)
    return services.submit_application(
        event, enterprise, application_data(), actor=make_enterprise_user(enterprise)
    )


def table_rows(html: str) -> list[str]:
    body = re.search(r"<tbody>(.*?)</tbody>", html, re.S)
    return re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S) if body else []


def test_an_organizer_action_shows_up_for_an_admin(app, client, db, login_as):
    event = open_event(title_en="Budapest International Fair")
    application = apply(event, name_en="Panda Tea Co.")
    organizer = make_user("organizer", name="Li Ming")
    db.session.commit()

    organizer_client = app.test_client()
    organizer_client.post(
        "/account/login", data={"email": organizer.email, "password": "password-123"}
    )
    response = organizer_client.post(
        f"/manage/events/{event.id}/applications/{application.id}/review",
        data={"to": "rejected", "reason": "Exhibits outside the fair's scope"},
    )
    assert response.status_code == 302

    login_as(make_user("admin"))
    html = client.get("/admin/audit?lang=en").get_data(as_text=True)
    rows = table_rows(html)
    assert len(rows) == 1
    row = rows[0]
    assert "Li Ming" in row and "Application rejected" in row
    assert "Was: Pending review" in row and "Exhibits outside the fair&#39;s scope" in row
    assert f'href="/manage/events/{event.id}/applications/{application.id}"' in row
    assert "Panda Tea Co. · Budapest International Fair" in row
    # The staff's clock, named: "China Standard Time (GMT+08:00)".
    entry = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert screen_zone(entry.created_at, "Asia/Shanghai", "en") in row


def test_filters_and_enterprise_links(client, db, login_as):
    organizer = make_user("organizer", name="Wang Fang")
    enterprise = make_enterprise(name_en="Mianyang Chips Co.")
    record(organizer, "enterprise.flags", enterprise, verified=True, key_enterprise=False)
    event = open_event()
    application = apply(event)
    services.review(application, "approved", actor=organizer)
    login_as(make_user("admin"))

    everything = table_rows(client.get("/admin/audit?lang=en").get_data(as_text=True))
    assert len(everything) == 2
    assert "Application approved" in everything[0]  # newest first

    html = client.get("/admin/audit?lang=en&subject_type=enterprises").get_data(as_text=True)
    (row,) = table_rows(html)
    assert "Enterprise flags set" in row and "Verified: yes" in row
    assert f'href="/manage/enterprises/{enterprise.id}"' in row and "Mianyang Chips Co." in row

    html = client.get("/admin/audit?lang=en&action=application.approved").get_data(as_text=True)
    assert len(table_rows(html)) == 1


def test_pages_of_fifty(client, db, login_as):
    organizer = make_user("organizer")
    enterprise = make_enterprise()
    for _ in range(51):
        record(organizer, "enterprise.invite", enterprise, email="colleague@example.com")
    login_as(make_user("admin"))
    first = client.get("/admin/audit?lang=en&subject_type=enterprises").get_data(as_text=True)
    assert len(table_rows(first)) == 50 and "51 entries" in first
    assert "/admin/audit?subject_type=enterprises&amp;page=2" in first
    second = client.get("/admin/audit?subject_type=enterprises&page=2").get_data(as_text=True)
    assert len(table_rows(second)) == 1


def test_organizers_are_refused(client, db, login_as):
    login_as(make_user("organizer"))
    assert client.get("/admin/audit").status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    response = client.get("/admin/audit")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]


def test_delegation_actions_are_named_and_linked(client, db, login_as):
    from tests.delegations.test_itinerary import make_delegation

    organizer = make_user("organizer", name="Zhang Wei")
    delegation = make_delegation(db, title_en="Mission to Hungary")
    record(organizer, "delegation.duplicate", delegation, source=1, shift_days=7)
    login_as(make_user("admin"))
    html = client.get("/admin/audit?lang=en").get_data(as_text=True)
    [row] = table_rows(html)
    assert "Delegation duplicated" in row and "Zhang Wei" in row
    assert f'href="/manage/delegations/{delegation.id}"' in row and "Mission to Hungary" in row


def test_columns_read_as_an_audit_log_in_chinese(client, db, login_as):
    record(make_user("organizer"), "enterprise.invite", make_enterprise(), email="a@example.com")
    login_as(make_user("admin"))
    html = client.get("/admin/audit?lang=zh").get_data(as_text=True)
    # "Who" and "What" here are the actor and the action, not a form's people and subject.
    assert '<th scope="col">操作人</th>' in html and '<th scope="col">操作</th>' in html

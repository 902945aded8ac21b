"""What enterprises are told, through a real SMTP server, in each reader's language."""

from expo.registrations import services
from tests.factories import make_enterprise, make_enterprise_user, make_user, open_event
from tests.registrations.test_services import application_data


def test_each_user_is_told_in_their_language_after_the_commit(db, smtp_server):
    event = open_event(title_zh="塔什干博览会", title_en="Tashkent Fair", capacity=1)
    enterprise = make_enterprise()
    chinese = make_enterprise_user(enterprise, email="zh@example.com", locale="zh")
    make_enterprise_user(enterprise, email="en@example.com", locale="en")
    organizer = make_user("organizer")
    application = services.submit_application(event, enterprise, application_data(), actor=chinese)
    assert smtp_server.messages == []  # nothing leaves before the commit
    db.session.commit()
    by_recipient = {message["To"]: message for message in smtp_server.messages}
    assert set(by_recipient) == {"zh@example.com", "en@example.com"}
    assert "塔什干博览会" in by_recipient["zh@example.com"]["Subject"]
    assert by_recipient["en@example.com"]["Subject"].startswith("Application received")
    assert "Tashkent Fair" in by_recipient["en@example.com"]["Subject"]

    smtp_server.messages.clear()
    services.review(application, "rejected", actor=organizer, reason="Booths for food only")
    db.session.commit()
    english_mail = next(m for m in smtp_server.messages if m["To"] == "en@example.com")
    body = english_mail.get_content()
    assert "not been accepted" in body and "Booths for food only" in body
    assert f"/applications/{application.id}" in body


def test_every_status_has_its_message(db, smtp_server):
    event = open_event(moderation="first_come", capacity=1)
    organizer = make_user("organizer")
    first_enterprise, second_enterprise = make_enterprise(), make_enterprise()
    make_enterprise_user(first_enterprise, email="first@example.com", locale="en")
    make_enterprise_user(second_enterprise, email="second@example.com", locale="en")
    first = services.submit_application(event, first_enterprise, application_data(), actor=None)
    services.submit_application(event, second_enterprise, application_data(), actor=None)
    services.review(first, "cancelled", actor=organizer, reason="Duplicate booking")
    db.session.commit()
    subjects = [(m["To"], m["Subject"].split(" · ")[0]) for m in smtp_server.messages]
    assert subjects == [
        ("first@example.com", "Application approved"),
        ("second@example.com", "On the waiting list"),
        ("first@example.com", "Application cancelled"),
        ("second@example.com", "A place has come free"),
    ]


def test_a_page_in_one_language_mails_each_reader_in_theirs(client, db, login_as, smtp_server):
    """The page is in Chinese and the applicant reads English: the email is rendered in
    the applicant's language, not in the page's (each rendering takes its own catalogue)."""
    from tests.registrations.test_views import form

    event = open_event(title_zh="塔什干博览会", title_en="Tashkent Fair")
    user = login_as(make_enterprise_user(email="en@example.com", locale="en"))
    make_enterprise_user(user.enterprise, email="zh@example.com", locale="zh")
    db.session.commit()
    response = client.post(f"/events/{event.id}/apply?lang=zh", data=form())
    assert response.status_code == 302
    page = client.get(response.headers["Location"] + "?lang=zh").get_data(as_text=True)
    assert "待审核" in page and "Pending review" not in page
    by_recipient = {message["To"]: message for message in smtp_server.messages}
    english = by_recipient["en@example.com"]
    assert english["Subject"].startswith("Application received")
    assert "We have received your enterprise's application" in english.get_content()
    chinese = by_recipient["zh@example.com"]
    assert "塔什干博览会" in chinese["Subject"] and "Application received" not in chinese["Subject"]

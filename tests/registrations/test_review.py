import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from expo.audit.models import AuditEntry
from expo.events.models import Question
from expo.registrations import services
from expo.registrations.models import Application
from tests.factories import (
    DEFAULT_PASSWORD,
    make_enterprise,
    make_enterprise_user,
    make_user,
    open_event,
)
from tests.pages import error_at, sql_statements
from tests.registrations.test_services import application_data

START = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=12)


def submit(event, *, booths=1, delegates=1, minutes=0, answers=None, **enterprise_fields):
    """A pending application from a new enterprise, ``minutes`` after START."""
    enterprise = make_enterprise(**enterprise_fields)
    user = make_enterprise_user(enterprise)
    data = application_data(delegates=delegates, booths=booths)
    if answers:
        data.answers = answers
    return services.submit_application(
        event, enterprise, data, actor=user, now=START + timedelta(minutes=minutes)
    )


def listed(html: str) -> list[int]:
    """The ids of the applications in the table, in their order."""
    return [int(number) for number in re.findall(r'name="application_ids" value="(\d+)"', html)]


def base(event) -> str:
    return f"/manage/events/{event.id}/applications"


@pytest.fixture()
def organizer(db, login_as):
    return login_as(make_user("organizer", name="Li Ming"))


class TestList:
    def test_shows_applications_and_the_capacity_meter(self, client, db, organizer):
        event = open_event(capacity=40)
        approved = submit(event, booths=12, name_en="Panda Tea Co.", key_enterprise=True)
        services.review(approved, "approved", actor=organizer)
        submit(event, booths=5, minutes=1)
        waiting = submit(event, booths=3, minutes=2)
        services.review(waiting, "waitlisted", actor=organizer)
        db.session.commit()
        html = client.get(base(event) + "?lang=en").get_data(as_text=True)
        assert "12 of 40 booths approved · 5 pending · 3 on the waiting list" in html
        assert 'aria-valuenow="12"' in html and 'aria-valuemax="40"' in html
        assert "Panda Tea Co." in html and "Key enterprise" in html
        assert "status-approved" in html and "status-waitlisted" in html
        assert len(listed(html)) == 3

    def test_filters(self, client, db, organizer):
        event = open_event()
        tea = submit(
            event,
            name_zh="成都熊猫茶业有限公司",
            name_en="Chengdu Panda Tea Co., Ltd.",
            prefecture="510100",
            industry="tea",
            key_enterprise=True,
        )
        chips = submit(
            event,
            minutes=1,
            name_zh="绵阳芯片有限公司",
            name_en="Mianyang Chips Co., Ltd.",
            prefecture="510700",
            industry="electronics",
        )
        wine = submit(event, minutes=2, prefecture="511500", industry="liquor")
        services.review(wine, "approved", actor=organizer)
        other_event = open_event()
        submit(other_event, name_zh="成都熊猫茶业分公司")
        db.session.commit()

        def ids(query: str) -> list[int]:
            response = client.get(f"{base(event)}?lang=en&{query}")
            assert response.status_code == 200
            return listed(response.get_data(as_text=True))

        assert ids("") == [tea.id, chips.id, wine.id]
        assert ids("status=approved") == [wine.id]
        assert ids("status=pending") == [tea.id, chips.id]
        assert ids("prefecture=510700") == [chips.id]
        assert ids("industry=tea") == [tea.id]
        assert ids("key_only=y") == [tea.id]
        assert ids("q=熊猫") == [tea.id]
        assert ids("q=mianyang+CHIPS") == [chips.id]
        assert ids(f"q={chips.enterprise.credit_code.lower()}") == [chips.id]
        assert ids("q=熊猫&industry=electronics") == []
        # A value that is not among the choices filters nothing rather than failing.
        assert ids("status=bogus") == [tea.id, chips.id, wine.id]

    def test_status_counts_link_to_the_filtered_list(self, client, db, organizer):
        event = open_event()
        first = submit(event)
        submit(event, minutes=1)
        services.review(first, "approved", actor=organizer)
        db.session.commit()
        html = client.get(base(event) + "?lang=en&industry=machinery").get_data(as_text=True)
        assert re.search(r"Pending review <span[^>]*>1</span>", html)
        assert re.search(r"Approved <span[^>]*>1</span>", html)
        assert f"{base(event)}?lang=en&amp;industry=machinery&amp;status=approved" in html

    def test_sorting(self, client, db, organizer):
        event = open_event(capacity=20)
        bravo = submit(event, booths=2, minutes=0, name_en="Bravo Trading")
        charlie = submit(event, booths=3, minutes=1, name_en="Charlie Foods")
        alpha = submit(event, booths=1, minutes=2, name_en="Alpha Machinery")
        services.review(charlie, "approved", actor=organizer)
        services.review(alpha, "waitlisted", actor=organizer)
        db.session.commit()

        def ids(sort: str) -> list[int]:
            return listed(client.get(f"{base(event)}?lang=en&sort={sort}").get_data(as_text=True))

        assert ids("submitted") == [bravo.id, charlie.id, alpha.id]
        assert ids("-submitted") == [alpha.id, charlie.id, bravo.id]
        assert ids("enterprise") == [alpha.id, bravo.id, charlie.id]
        assert ids("-enterprise") == [charlie.id, bravo.id, alpha.id]
        assert ids("booths") == [alpha.id, bravo.id, charlie.id]
        assert ids("-booths") == [charlie.id, bravo.id, alpha.id]
        assert ids("status") == [bravo.id, alpha.id, charlie.id]  # pending, waitlisted, approved
        assert ids("nonsense") == [bravo.id, charlie.id, alpha.id]

    def test_a_kept_page_follows_the_language_the_filters_and_the_data(self, client, db, organizer):
        event = open_event(capacity=20)
        alpha = submit(event, minutes=0, name_en="Alpha Machinery", name_zh="Zulu 机械")
        bravo = submit(event, minutes=1, name_en="Bravo Trading", name_zh="Yankee 贸易")
        db.session.commit()

        def ids(query: str) -> list[int]:
            return listed(client.get(f"{base(event)}?{query}").get_data(as_text=True))

        # Ordered by the name the reader sees: the same page differs by language.
        assert ids("lang=en&sort=enterprise") == [alpha.id, bravo.id]
        assert ids("lang=zh&sort=enterprise") == [bravo.id, alpha.id]
        assert ids("lang=en&sort=enterprise") == [alpha.id, bravo.id]
        assert ids("lang=en&q=Bravo") == [bravo.id]
        assert ids("lang=en") == [alpha.id, bravo.id]
        charlie = submit(event, minutes=2, name_en="Charlie Foods")
        db.session.commit()
        assert ids("lang=en") == [alpha.id, bravo.id, charlie.id]
        assert "3 applications" in client.get(f"{base(event)}?lang=en").get_data(as_text=True)

    def test_column_headers_sort_and_keep_the_filters(self, client, db, organizer):
        event = open_event()
        submit(event)
        db.session.commit()
        html = client.get(base(event) + "?lang=en&industry=machinery&sort=booths").get_data(
            as_text=True
        )
        # The active column sorts the other way next; the filter stays.
        assert f'href="{base(event)}?lang=en&amp;industry=machinery&amp;sort=-booths"' in html
        assert f'href="{base(event)}?lang=en&amp;industry=machinery&amp;sort=enterprise"' in html
        assert 'aria-sort="ascending"' in html
        assert 'name="sort" type="hidden" value="booths"' in html

    def test_pagination_keeps_the_filters(self, app, client, db, organizer, monkeypatch):
        monkeypatch.setitem(app.config, "REVIEW_PER_PAGE", 2)
        event = open_event()
        applications = [submit(event, minutes=minute) for minute in range(5)]
        db.session.commit()
        first = client.get(base(event) + "?lang=en&status=pending").get_data(as_text=True)
        assert listed(first) == [a.id for a in applications[:2]]
        assert "5 applications" in first
        # Unfiltered, the total is the sum of the counts by status: the same.
        assert "5 applications" in client.get(base(event) + "?lang=en").get_data(as_text=True)
        assert f"{base(event)}?status=pending&amp;page=2" in first
        last = client.get(base(event) + "?lang=en&status=pending&page=3").get_data(as_text=True)
        assert listed(last) == [applications[4].id]
        beyond = client.get(base(event) + "?page=9")
        assert beyond.status_code == 200 and listed(beyond.get_data(as_text=True)) == []

    def test_a_page_longer_than_a_hundred_rows(self, app, client, db, organizer, monkeypatch):
        monkeypatch.setitem(app.config, "REVIEW_PER_PAGE", 150)
        event = open_event(capacity=400)
        for minute in range(250):
            submit(event, minutes=minute)
        db.session.commit()
        for _ in range(2):  # read, then kept
            html = client.get(base(event) + "?lang=en").get_data(as_text=True)
            assert len(listed(html)) == 150 and "250 applications" in html
            assert f"{base(event)}?page=2" in html and "page=3" not in html
        assert len(listed(client.get(base(event) + "?page=2").get_data(as_text=True))) == 100

    def test_the_number_of_queries_does_not_grow_with_the_rows(self, client, db, organizer):
        event = open_event(capacity=100)
        for minute in range(5):
            submit(event, minutes=minute, delegates=2)
        db.session.commit()
        url = base(event) + "?lang=en"
        client.get(url)  # warm up: whatever runs once per process

        def measured(first_minute: int, last_minute: int) -> tuple[list[str], list[str]]:
            for minute in range(first_minute, last_minute):
                submit(event, minutes=minute, delegates=3)
            db.session.commit()
            # The data changed: the rows are rendered anew, then kept.
            return sql_statements(client, url), sql_statements(client, url)

        few_rendered, few_kept = measured(5, 6)
        many_rendered, many_kept = measured(6, 60)
        assert len(listed(client.get(url).get_data(as_text=True))) == 50
        assert len(many_rendered) == len(few_rendered), "\n".join(many_rendered)
        assert len(many_kept) == len(few_kept), "\n".join(many_kept)
        # Kept: the user, the event, the jobs. After a change: the counts by status and the
        # page's ids too, and the rows' applications, enterprises and delegates.
        assert len(many_kept) <= 3, "\n".join(many_kept)
        assert len(many_rendered) <= 8, "\n".join(many_rendered)


class TestDetail:
    def test_organizer_sees_everything_and_the_full_passport(self, app, client, db, organizer):
        event = open_event()
        question = Question(
            event=event, kind="short_text", label_zh="主要市场", label_en="Main markets"
        )
        db.session.add(question)
        db.session.flush()
        application = submit(
            event,
            delegates=2,
            answers={f"answer_{question.id}": "Hungary and Poland"},
            name_zh="成都熊猫茶业有限公司",
        )
        owner = application.enterprise.users[0]
        db.session.commit()
        url = f"{base(event)}/{application.id}?lang=en"
        html = client.get(url).get_data(as_text=True)
        assert "成都熊猫茶业有限公司" in html
        assert html.count("E12345678") == 2  # both delegates, in full
        assert "ZHANG 1" in html and "白酒" in html
        assert "Main markets" in html and "Hungary and Poland" in html
        assert "Pending review" in html  # the history
        assert 'value="approved"' in html and 'value="rejected"' in html

        # The enterprise's own page shows the same number masked.
        enterprise_client = app.test_client()
        enterprise_client.post(
            "/account/login", data={"email": owner.email, "password": DEFAULT_PASSWORD}
        )
        own = enterprise_client.get(f"/applications/{application.id}?lang=en")
        assert own.status_code == 200
        own_html = own.get_data(as_text=True)
        assert "ZHANG 1" in own_html and "E12345678" not in own_html

    def test_a_closed_application_offers_no_decision(self, client, db, organizer):
        event = open_event()
        application = submit(event)
        services.review(application, "rejected", actor=organizer, reason="Incomplete")
        db.session.commit()
        html = client.get(f"{base(event)}/{application.id}?lang=en").get_data(as_text=True)
        assert "nothing left to decide" in html and "Incomplete" in html
        assert 'name="to"' not in html


def decision_form(html: str) -> tuple[str, dict[str, str], list[str]]:
    """The decision form as a browser sees it: action, hidden inputs, button values."""
    form = re.search(r'<form method="post" action="([^"]*/review)"(.*?)</form>', html, re.S)
    assert form, "no decision form"
    hidden = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form.group(2)))
    buttons = re.findall(r'<button type="submit" name="to" value="(\w+)"', form.group(2))
    return form.group(1), hidden, buttons


class TestDecide:
    def test_the_buttons_of_the_page_post_their_decision(self, client, db, organizer):
        event = open_event()
        application = submit(event)
        db.session.commit()
        html = client.get(f"{base(event)}/{application.id}?lang=en").get_data(as_text=True)
        action, hidden, buttons = decision_form(html)
        assert buttons == ["approved", "waitlisted", "rejected", "cancelled"]
        assert "to" not in hidden  # the button alone says what to do
        response = client.post(action, data={**hidden, "reason": "", "to": "waitlisted"})
        assert response.status_code == 302
        db.session.expire_all()
        assert application.status == "waitlisted"
        html = client.get(f"{base(event)}/{application.id}?lang=en").get_data(as_text=True)
        assert decision_form(html)[2] == ["approved", "pending", "rejected", "cancelled"]

    def test_approve(self, client, db, organizer, outbox):
        event = open_event()
        application = submit(event)
        db.session.commit()
        response = client.post(
            f"{base(event)}/{application.id}/review?lang=en", data={"to": "approved"}
        )
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"{base(event)}/{application.id}")
        db.session.expire_all()
        assert application.status == "approved"
        assert application.transitions[-1].actor_id == organizer.id
        html = client.get(response.headers["Location"] + "?lang=en").get_data(as_text=True)
        assert "Approved" in html and "1 of 20 booths approved" in html

    def test_reject_needs_a_reason_shown_at_the_field(self, client, db, organizer):
        event = open_event()
        application = submit(event)
        db.session.commit()
        response = client.post(
            f"{base(event)}/{application.id}/review?lang=en",
            data={"to": "rejected", "reason": "   "},
        )
        assert response.status_code == 422
        assert "Give a reason" in error_at(response.get_data(as_text=True), "reason")
        db.session.expire_all()
        assert application.status == "pending"
        assert len(application.transitions) == 1
        assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id))) == 0

    def test_reject_with_a_reason(self, client, db, organizer):
        event = open_event()
        application = submit(event)
        db.session.commit()
        response = client.post(
            f"{base(event)}/{application.id}/review",
            data={"to": "rejected", "reason": "Exhibits outside the fair's scope"},
        )
        assert response.status_code == 302
        db.session.expire_all()
        assert application.status == "rejected"
        assert application.transitions[-1].reason == "Exhibits outside the fair's scope"

    def test_a_refused_decision_is_flashed(self, client, db, organizer):
        event = open_event(capacity=1)
        submitted = [submit(event, minutes=minute) for minute in range(2)]
        services.review(submitted[0], "approved", actor=organizer)
        db.session.commit()
        response = client.post(
            f"{base(event)}/{submitted[1].id}/review?lang=en",
            data={"to": "approved"},
            follow_redirects=True,
        )
        assert "The event is full" in response.get_data(as_text=True)
        again = client.post(
            f"{base(event)}/{submitted[0].id}/review?lang=en",
            data={"to": "approved"},
            follow_redirects=True,
        )
        assert "can&#39;t become" in again.get_data(as_text=True)
        db.session.expire_all()
        assert [a.status for a in submitted] == ["approved", "pending"]


class TestBulk:
    def test_approving_more_than_fits_reports_each_row(self, client, db, organizer):
        event = open_event(capacity=2)
        applications = [submit(event, minutes=minute) for minute in range(3)]
        db.session.commit()
        response = client.post(
            f"{base(event)}/bulk?lang=en&status=pending",
            data={
                "application_ids": [str(a.id) for a in reversed(applications)],
                "action": "approve",
            },
        )
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert "2 of 3 applications changed" in html
        rows = re.findall(
            r'class="py-1 border-bottom bulk-result (bulk-\w+)">(.*?)</li>', html, re.S
        )
        assert [outcome for outcome, _ in rows] == ["bulk-ok", "bulk-ok", "bulk-failed"]
        # The last to apply missed out.
        assert f'{base(event)}/{applications[2].id}"' in rows[2][1]
        assert "The event is full" in rows[2][1]
        assert "2 of 2 booths approved" in html
        db.session.expire_all()
        assert [a.status for a in applications] == ["approved", "approved", "pending"]
        assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id))) == 2

    def test_rejecting_without_a_reason_changes_nothing(self, client, db, organizer):
        event = open_event()
        applications = [submit(event, minutes=minute) for minute in range(2)]
        db.session.commit()
        response = client.post(
            f"{base(event)}/bulk?lang=en",
            data={"application_ids": [str(a.id) for a in applications], "action": "reject"},
        )
        assert response.status_code == 422
        html = response.get_data(as_text=True)
        assert "Give a reason" in error_at(html, "reason")
        # What was ticked stays ticked.
        assert all(
            re.search(rf'value="{a.id}"\s+id="tick-{a.id}" checked', html) for a in applications
        )
        db.session.expire_all()
        assert [a.status for a in applications] == ["pending", "pending"]

    def test_nothing_ticked(self, client, db, organizer):
        event = open_event()
        submit(event)
        db.session.commit()
        response = client.post(f"{base(event)}/bulk?lang=en", data={"action": "approve"})
        assert response.status_code == 422
        assert "Tick at least one" in error_at(response.get_data(as_text=True), "application_ids")

    def test_applications_of_another_event_are_left_alone(self, client, db, organizer):
        event, other = open_event(), open_event()
        foreign = submit(other)
        db.session.commit()
        response = client.post(
            f"{base(event)}/bulk?lang=en",
            data={"application_ids": [str(foreign.id)], "action": "approve"},
        )
        assert response.status_code == 422
        db.session.expire_all()
        assert foreign.status == "pending"

    def test_links_of_the_result_page_lead_back_to_the_list(self, client, db, organizer):
        event = open_event()
        response = client.get(f"{base(event)}/bulk?status=pending&page=2")
        assert response.status_code == 302
        assert response.headers["Location"] == f"{base(event)}?status=pending&page=2"


class TestAccess:
    def test_enterprise_users_are_refused(self, client, db, login_as):
        event = open_event()
        application = submit(event)
        login_as(make_enterprise_user(application.enterprise))
        for url in (
            base(event),
            f"{base(event)}/{application.id}",
            f"{base(event)}/export.csv",
            f"{base(event)}/export.xlsx",
        ):
            assert client.get(url).status_code == 403, url
        response = client.post(f"{base(event)}/{application.id}/review", data={"to": "approved"})
        assert response.status_code == 403
        db.session.expire_all()
        assert application.status == "pending"

    def test_anonymous_visitors_are_sent_to_sign_in(self, client, db):
        event = open_event()
        db.session.commit()
        response = client.get(base(event))
        assert response.status_code == 302
        assert "/account/login" in response.headers["Location"]

    def test_an_application_of_another_event_is_not_found(self, client, db, organizer):
        event, other = open_event(), open_event()
        foreign = submit(other)
        db.session.commit()
        assert client.get(f"{base(event)}/{foreign.id}").status_code == 404
        response = client.post(f"{base(event)}/{foreign.id}/review", data={"to": "approved"})
        assert response.status_code == 404
        assert client.get("/manage/events/999999/applications").status_code == 404
        db.session.expire_all()
        assert db.session.get(Application, foreign.id).status == "pending"

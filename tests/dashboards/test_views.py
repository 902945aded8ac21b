"""The organizers' home after sign-in, and the events table sorted by its counts."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from expo.dashboards import services
from expo.enterprises.models import EnterpriseClaim
from tests.factories import (
    DEFAULT_PASSWORD,
    make_application,
    make_enterprise,
    make_enterprise_user,
    make_event,
    make_outcome_report,
    make_user,
)
from tests.pages import page_text


@pytest.fixture()
def english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def soon(days: int, **fields):
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=days)
    return make_event(starts_at=starts, **fields)


def test_organizers_land_on_the_work_waiting_for_them(english, db):
    organizer = make_user("organizer", locale="en")
    fair = soon(30, title_en="Budapest Fair", capacity=10)
    make_application(fair, status="pending")
    make_application(fair, status="pending")
    make_application(fair, booths_requested=3)
    soon(50, title_en="Quiet Roadshow")
    db.session.add(
        EnterpriseClaim(
            enterprise=make_enterprise(),
            credit_code="X",
            company_name="Real Co.",
            contact_name="A",
            email="a@example.com",
        )
    )
    db.session.commit()

    signed_in = english.post(
        "/account/login", data={"email": organizer.email, "password": DEFAULT_PASSWORD}
    )
    assert signed_in.status_code == 302 and signed_in.location == "/manage"
    text = page_text(english.get("/manage"))
    assert "2 applications to review · Budapest Fair" in text
    assert "1 claim to an enterprise to decide" in text
    assert "3 of 10 booths approved" in text
    assert "Quiet Roadshow" in text
    assert "Quiet Roadshow" not in text.split("Coming events")[0]  # nothing to review there


def test_enterprises_land_on_the_home_page(english, db):
    user = make_enterprise_user(make_enterprise())
    db.session.commit()
    response = english.post(
        "/account/login", data={"email": user.email, "password": DEFAULT_PASSWORD}
    )
    assert response.location == "/"
    assert english.get("/manage").status_code == 403


def titles_in_order(response) -> list[str]:
    return re.findall(r'<a href="/manage/events/\d+/applications">([^<]+)</a>', response.text)


def test_the_events_table_puts_coming_events_first_and_sorts_by_counts(english, db, login_as):
    make_event(starts_at=datetime(2020, 5, 1, tzinfo=UTC), title_en="Past Fair")
    later = soon(90, title_en="Later Fair", capacity=4)
    sooner = soon(10, title_en="Sooner Fair", capacity=100)
    make_application(later, booths_requested=2)
    for _ in range(3):
        make_application(sooner, status="pending")
    login_as(make_user("organizer", locale="en"))

    assert titles_in_order(english.get("/manage/events")) == [
        "Sooner Fair",
        "Later Fair",
        "Past Fair",
    ]
    by_pending = english.get("/manage/events?sort=pending&order=desc")
    assert titles_in_order(by_pending)[0] == "Sooner Fair"
    assert 'aria-sort="descending"' in by_pending.text
    by_fill = titles_in_order(english.get("/manage/events?sort=fill&order=desc"))
    assert by_fill[0] == "Later Fair"  # 2 of 4 booths
    # A sort it does not know falls back to the dates.
    assert titles_in_order(english.get("/manage/events?sort=%00")) == [
        "Sooner Fair",
        "Later Fair",
        "Past Fair",
    ]


def test_the_home_page_costs_the_same_queries_at_any_size(db, app):
    def count_queries() -> int:
        statements: list[str] = []

        def record(*args, **kwargs):
            statements.append(args[2])

        engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", record)
        try:
            services.organizer_home()
            return len(statements)
        finally:
            sa.event.remove(engine, "before_cursor_execute", record)

    event = soon(20)
    make_application(event, status="pending")
    db.session.flush()
    few = count_queries()
    for _ in range(15):
        more = soon(25)
        for _ in range(4):
            make_application(more, status="pending")
    db.session.flush()
    assert count_queries() == few


def test_outcome_reports_to_confirm_or_overdue_wait_for_organizers(english, db, login_as):
    ended = make_event(starts_at=datetime(2020, 5, 1, tzinfo=UTC), title_en="Ended Fair")
    make_outcome_report(make_application(ended), status="submitted")
    make_outcome_report(
        make_application(ended), due_at=datetime(2020, 6, 1, tzinfo=UTC), status="requested"
    )
    make_outcome_report(make_application(ended), status="requested")  # not due yet
    login_as(make_user("organizer", locale="en"))

    text = page_text(english.get("/manage"))

    assert "Ended Fair" in text
    assert "1 outcome report to confirm · 1 outcome report overdue" in text

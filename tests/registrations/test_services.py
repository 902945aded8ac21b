import re
import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from expo.audit.models import AuditEntry
from expo.db import utcnow
from expo.errors import InvalidInput, InvalidTransition
from expo.events import services as event_services
from expo.mail import OutgoingMail
from expo.privacy import current_notice
from expo.registrations import services
from expo.registrations.models import Application, Delegate, Transition
from tests.factories import (
    make_enterprise,
    make_enterprise_user,
    make_question,
    make_user,
    open_event,
)

CHOICES = [
    {"value": "hu", "zh": "匈牙利", "en": "Hungary"},
    {"value": "pl", "zh": "波兰", "en": "Poland"},
]


def application_data(delegates: int = 1, booths: int = 1, **overrides):
    values = dict(
        delegates=[
            services.DelegateData(
                name_zh=f"张{index}",
                name_latin=f"ZHANG {index}",
                title="经理",
                mobile="13800000000",
                email=f"d{index}@example.com",
                passport_number="E12345678",
            )
            for index in range(delegates)
        ],
        booths_requested=booths,
        exhibits="白酒",
        consent=True,
    )
    values.update(overrides)
    return services.ApplicationData(**values)


def domestic_event(**fields):
    """An event in China: no passports, so no Latin name is required."""
    return open_event(
        country="CN", city_zh="成都", city_en="Chengdu", timezone="Asia/Shanghai", **fields
    )


def apply(event, booths: int = 1, enterprise=None):
    enterprise = enterprise or make_enterprise()
    user = make_enterprise_user(enterprise)
    return services.submit_application(
        event, enterprise, application_data(booths=booths), actor=user
    )


def statuses(applications) -> list[str]:
    return [application.status for application in applications]


@pytest.fixture()
def organizer(db):
    return make_user("organizer")


class TestSubmit:
    def test_review_event_holds_the_application_pending_and_records_it(self, db, outbox):
        event = open_event(moderation="review")
        enterprise = make_enterprise()
        user = make_enterprise_user(enterprise, email="clerk@example.com")
        application = services.submit_application(
            event, enterprise, application_data(delegates=2), actor=user
        )
        db.session.commit()
        assert application.status == "pending"
        assert [(t.from_status, t.to_status, t.actor_id) for t in application.transitions] == [
            (None, "pending", user.id)
        ]
        assert application.consent_version == current_notice().version
        assert [d.name_latin for d in application.delegates] == ["ZHANG 0", "ZHANG 1"]
        mails = [path.read_text() for path in outbox.glob("*.eml")]
        assert len(mails) == 1 and "clerk@example.com" in mails[0]

    def test_mail_is_not_sent_when_the_transaction_rolls_back(self, db, outbox):
        apply(open_event())
        db.session.rollback()
        assert list(outbox.glob("*.eml")) == []

    def test_a_user_who_has_not_confirmed_the_address_is_refused(self, db):
        event, enterprise = open_event(), make_enterprise()
        user = make_enterprise_user(enterprise)
        user.email_verified_at = None
        with pytest.raises(services.EmailNotVerified):
            services.submit_application(event, enterprise, application_data(), actor=user)
        assert db.session.scalar(sa.select(sa.func.count(Application.id))) == 0

    def test_outside_the_registration_window_is_refused(self, db):
        now = datetime.now(UTC)
        closed = open_event(
            registration_closes_at=now - timedelta(hours=1),
            registration_opens_at=now - timedelta(days=10),
        )
        with pytest.raises(services.RegistrationClosed):
            apply(closed)
        not_yet = open_event(registration_opens_at=now + timedelta(days=1))
        with pytest.raises(services.RegistrationClosed):
            apply(not_yet)
        assert db.session.scalar(sa.select(sa.func.count(Application.id))) == 0

    def test_one_active_application_per_enterprise_and_event(self, db):
        event = open_event()
        enterprise = make_enterprise()
        first = apply(event, enterprise=enterprise)
        with pytest.raises(services.AlreadyApplied):
            apply(event, enterprise=enterprise)
        services.withdraw(first, actor=None)
        again = apply(event, enterprise=enterprise)
        assert again.status == "pending"

    def test_a_refused_duplicate_leaves_the_rest_of_the_transaction_to_commit(self, db):
        """The unique index refuses the second application (its insert does nothing): the
        enterprise is told, and what the transaction did before stands and commits."""
        event = open_event()
        enterprise = make_enterprise()
        first = apply(event, enterprise=enterprise)  # not committed yet
        with pytest.raises(services.AlreadyApplied):
            apply(event, enterprise=enterprise)
        assert db.session.scalars(sa.select(Application.id)).all() == [first.id]
        db.session.commit()
        db.session.expire_all()
        assert db.session.get(Application, first.id).status == "pending"
        assert len(db.session.get(Application, first.id).delegates) == 1

    def test_the_database_refuses_a_second_active_application(self, db):
        event = open_event()
        enterprise = make_enterprise()
        apply(event, enterprise=enterprise)
        db.session.commit()
        duplicate = Application(
            event_id=event.id,
            enterprise_id=enterprise.id,
            status="approved",
            consent_version="x",
            consented_at=datetime.now(UTC),
        )
        db.session.add(duplicate)
        with pytest.raises(sa.exc.IntegrityError):
            db.session.flush()

    @pytest.mark.parametrize(
        ("overrides", "field"),
        [
            ({"delegates": 0}, "delegates"),
            ({"consent": False}, "consent"),
            ({"booths_requested": 0}, "booths_requested"),
            ({"booths_requested": 999}, "booths_requested"),
        ],
    )
    def test_invalid_application_saves_nothing(self, db, overrides, field):
        event = open_event()
        enterprise = make_enterprise()
        delegates = overrides.pop("delegates", 1)
        with pytest.raises(InvalidInput) as caught:
            services.submit_application(
                event, enterprise, application_data(delegates, **overrides), actor=None
            )
        assert field in caught.value.errors
        assert db.session.scalar(sa.select(sa.func.count(Application.id))) == 0
        assert db.session.scalar(sa.select(sa.func.count(Delegate.id))) == 0

    def test_more_delegates_than_the_event_allows(self, db):
        event = open_event(max_delegates=2)
        with pytest.raises(InvalidInput) as caught:
            services.submit_application(
                event, make_enterprise(), application_data(delegates=3), actor=None
            )
        with force_locale("en"):
            assert "at most 2" in str(caught.value.errors["delegates"])

    def test_delegate_needs_a_name_and_a_mobile(self, db):
        data = application_data()
        data.delegates[0].name_zh = data.delegates[0].name_latin = ""
        data.delegates[0].mobile = ""
        data.delegates[0].passport_number = "1"
        with pytest.raises(InvalidInput) as caught:
            services.submit_application(domestic_event(), make_enterprise(), data, actor=None)
        assert set(caught.value.errors) == {
            "delegates-0-name_zh",
            "delegates-0-mobile",
            "delegates-0-passport_number",
        }

    def test_passport_is_masked_for_display(self, db):
        application = apply(open_event())
        assert application.delegates[0].passport_number == "E12345678"
        assert application.delegates[0].masked_passport == "E••••••78"


class TestFirstCome:
    def test_approves_while_booths_remain_then_waitlists(self, db):
        event = open_event(moderation="first_come", capacity=3)
        results = [apply(event, booths=2), apply(event, booths=1), apply(event, booths=1)]
        assert statuses(results) == ["approved", "approved", "waitlisted"]
        assert all(t.actor_id is None for t in results[0].transitions)

    def test_what_a_submission_stores_read_back_from_the_database(self, db, outbox):
        """The first status, its history line, the waiting list's time, the delegates and
        the answers, as stored (the session forgets what it wrote before they are read)."""
        event = open_event(moderation="first_come", capacity=1)
        questions = {
            "markets": make_question(event, kind="multiple_choice", choices=CHOICES),
            "staff": make_question(event, kind="number"),
            "interpreter": make_question(event, kind="yes_no"),
            "products": make_question(event, kind="short_text"),
        }
        raw = {"markets": ["pl", "hu"], "staff": "1,200", "interpreter": "y", "products": " 茶 "}
        answers = {f"answer_{questions[key].id}": value for key, value in raw.items()}
        # An hour ago (registration opened a day before): told apart from the clock of the
        # status's UPDATE, which stamps updated_at.
        now = utcnow().replace(microsecond=0) - timedelta(hours=1)
        submitted = []
        for _ in range(2):
            enterprise = make_enterprise()
            make_enterprise_user(enterprise)
            data = application_data(delegates=2, answers=answers)
            data.delegates[1].email = " D1@Example.COM "
            data.delegates[1].passport_number = " e7654321 "
            application = services.submit_application(event, enterprise, data, actor=None, now=now)
            submitted.append(application.id)
        db.session.commit()
        db.session.expire_all()
        approved, waitlisted = (db.session.get(Application, id_) for id_ in submitted)

        assert (approved.status, approved.waitlisted_at) == ("approved", None)
        assert waitlisted.status == "waitlisted"
        assert waitlisted.waitlisted_at.replace(tzinfo=UTC) == now
        for application in (approved, waitlisted):
            assert application.updated_at.replace(tzinfo=UTC) > now
            assert [
                (t.from_status, t.to_status, t.actor_id, t.reason, t.created_at.replace(tzinfo=UTC))
                for t in application.transitions
            ] == [(None, application.status, None, "", now)]
            assert [
                (d.position, d.name_zh, d.email, d.passport_number) for d in application.delegates
            ] == [
                (0, "张0", "d0@example.com", "E12345678"),
                (1, "张1", "d1@example.com", "E7654321"),
            ]
            stored = {answer.question_id: answer.value for answer in application.answers}
            assert stored == {
                questions["markets"].id: ["hu", "pl"],  # in the question's order
                questions["staff"].id: 1200,
                questions["interpreter"].id: True,
                questions["products"].id: "茶",
            }
        assert len(list(outbox.glob("*.eml"))) == 2  # a notice each

    def test_the_catalogue_counts_a_submission_at_once(self, client, db):
        """A submission's statements renew the kept booths left when it commits."""
        event = open_event(title_en="Open Fair", capacity=2, moderation="first_come")
        enterprise = make_enterprise()
        user = make_enterprise_user(enterprise)
        db.session.commit()

        def booths_left() -> str:
            html = client.get("/events?lang=en").get_data(as_text=True)
            return re.search(r"\d+ of 2 booths left", html).group(0)

        assert booths_left() == "2 of 2 booths left"
        services.submit_application(event, enterprise, application_data(), actor=user)
        db.session.commit()
        assert booths_left() == "1 of 2 booths left"

    def test_a_withdrawal_approves_the_earliest_waitlisted_that_fits(self, db, outbox):
        event = open_event(moderation="first_come", capacity=2)
        first, second = apply(event), apply(event)
        big, small, later = apply(event, booths=2), apply(event), apply(event)
        assert statuses([big, small, later]) == ["waitlisted"] * 3
        db.session.commit()
        for path in outbox.glob("*.eml"):
            path.unlink()

        services.withdraw(first, actor=None)
        db.session.commit()
        # One booth is free: the two-booth application does not fit, the next one does.
        assert statuses([big, small, later]) == ["waitlisted", "approved", "waitlisted"]
        assert small.transitions[-1].from_status == "waitlisted"
        mails = "".join(path.read_text() for path in outbox.glob("*.eml"))
        assert small.enterprise.users[0].email in mails

        services.withdraw(second, actor=None)
        assert statuses([big, later]) == ["waitlisted", "approved"]
        services.withdraw(small, actor=None)
        services.withdraw(later, actor=None)
        assert big.status == "approved"


class TestReview:
    def test_approval_fails_clearly_when_the_event_is_full(self, db, organizer):
        event = open_event(capacity=2)
        first, second = apply(event, booths=2), apply(event)
        services.review(first, "approved", actor=organizer)
        with pytest.raises(services.CapacityReached):
            services.review(second, "approved", actor=organizer)
        assert second.status == "pending"

    def test_freed_booths_send_the_earliest_waitlisted_back_to_review(self, db, organizer):
        event = open_event(capacity=1)
        approved, early, late = apply(event), apply(event), apply(event)
        services.review(approved, "approved", actor=organizer)
        services.review(early, "waitlisted", actor=organizer)
        services.review(late, "waitlisted", actor=organizer)

        services.review(approved, "cancelled", actor=organizer, reason="Company withdrew")
        assert statuses([early, late]) == ["pending", "waitlisted"]
        # The booth is held for the application under review: nobody else moves on.
        services.event_capacity_changed(event)
        assert late.status == "waitlisted"
        # Turned down, it frees the booth for the next one.
        services.review(early, "rejected", actor=organizer, reason="Products do not fit")
        assert late.status == "pending"

    def test_waitlisted_again_after_a_review_keeps_its_place(self, db, organizer):
        application = apply(open_event(capacity=1))
        start = utcnow().replace(microsecond=0)
        services.review(application, "waitlisted", actor=organizer, now=start)
        services.review(application, "pending", actor=organizer, now=start + timedelta(hours=1))
        services.review(application, "waitlisted", actor=organizer, now=start + timedelta(hours=2))
        db.session.commit()
        db.session.expire_all()
        assert application.status == "waitlisted"
        assert application.waitlisted_at.replace(tzinfo=UTC) == start

    def test_reject_and_cancel_need_a_reason(self, db, organizer):
        application = apply(open_event())
        with pytest.raises(services.ReasonRequired):
            services.review(application, "rejected", actor=organizer, reason="  ")
        services.review(application, "rejected", actor=organizer, reason="Not an exporter")
        transition = application.transitions[-1]
        assert (transition.to_status, transition.reason, transition.actor_id) == (
            "rejected",
            "Not an exporter",
            organizer.id,
        )
        entry = db.session.scalar(sa.select(AuditEntry))
        assert (entry.action, entry.actor_id, entry.subject_id) == (
            "application.rejected",
            organizer.id,
            application.id,
        )

    def test_illegal_transitions_are_refused(self, db, organizer):
        application = apply(open_event())
        services.review(application, "rejected", actor=organizer, reason="No")
        with pytest.raises(InvalidTransition):
            services.review(application, "approved", actor=organizer)
        with pytest.raises(InvalidTransition):
            services.withdraw(application, actor=None)

    def test_bulk_review_reports_each_row(self, db, organizer):
        event = open_event(capacity=1)
        first, second = apply(event), apply(event)
        with force_locale("en"):
            results = services.review_many([first, second], "approved", actor=organizer)
        assert [(r.application.id, r.ok) for r in results] == [(first.id, True), (second.id, False)]
        assert "full" in results[1].message
        assert statuses([first, second]) == ["approved", "pending"]


class TestCapacityChanges:
    def test_capacity_below_the_approved_booths_is_refused(self, db, organizer):
        event = open_event(capacity=3)
        services.review(apply(event, booths=2), "approved", actor=organizer)
        data = event_services.event_data_from(event)
        data.capacity = 1
        with pytest.raises(InvalidInput) as caught:
            event_services.update_event(event, data)
        with force_locale("en"):
            assert "2 booths" in str(caught.value.errors["capacity"])

    def test_more_capacity_serves_the_waiting_list(self, db):
        event = open_event(moderation="first_come", capacity=1)
        apply(event)
        waiting = apply(event)
        data = event_services.event_data_from(event)
        data.capacity = 2
        event_services.update_event(event, data)
        assert waiting.status == "approved"


class TestEditing:
    def test_delegates_can_change_until_registration_closes(self, db):
        event = open_event()
        application = apply(event)
        services.update_application(application, application_data(delegates=2), actor=None)
        assert len(application.delegates) == 2
        with pytest.raises(services.RegistrationClosed):
            services.update_application(
                application,
                application_data(),
                actor=None,
                now=event.registration_closes_at + timedelta(minutes=1),
            )

    def test_booths_of_an_approved_application_stay(self, db, organizer):
        application = apply(open_event(capacity=5))
        services.review(application, "approved", actor=organizer)
        with pytest.raises(InvalidInput) as caught:
            services.update_application(application, application_data(booths=2), actor=None)
        assert "booths_requested" in caught.value.errors


@pytest.mark.postgresql
def test_concurrent_submissions_never_overbook(app, db):
    """Twenty enterprises race for a five-booth first-come event, each on its own connection."""
    event = open_event(moderation="first_come", capacity=5)
    enterprises = [make_enterprise() for _ in range(20)]
    db.session.commit()
    event_id, enterprise_ids = event.id, [enterprise.id for enterprise in enterprises]
    start = threading.Barrier(len(enterprise_ids))
    errors = []

    def submit(enterprise_id: int) -> None:
        from expo.enterprises.models import Enterprise
        from expo.events.models import Event

        with app.app_context():
            try:
                start.wait()
                services.submit_application(
                    db.session.get(Event, event_id),
                    db.session.get(Enterprise, enterprise_id),
                    application_data(),
                    actor=None,
                )
                db.session.commit()
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(error)

    threads = [threading.Thread(target=submit, args=(eid,)) for eid in enterprise_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    db.session.expire_all()
    counts = dict(
        db.session.execute(
            sa.select(Application.status, sa.func.count())
            .where(Application.event_id == event_id)
            .group_by(Application.status)
        ).all()
    )
    assert counts == {"approved": 5, "waitlisted": 15}


@pytest.mark.postgresql
@pytest.mark.parametrize("moderation", ["first_come", "review"])
def test_one_enterprise_racing_itself_gets_one_application(app, db, moderation):
    """Six clicks of one enterprise at once, each on its own connection: one application,
    five told it exists, and each refused transaction still usable."""
    event = open_event(moderation=moderation, capacity=5)
    enterprise = make_enterprise()
    db.session.commit()
    event_id, enterprise_id = event.id, enterprise.id
    start = threading.Barrier(6)
    outcomes: list[str] = []

    def submit() -> None:
        from expo.enterprises.models import Enterprise
        from expo.events.models import Event

        with app.app_context():
            start.wait()
            try:
                services.submit_application(
                    db.session.get(Event, event_id),
                    db.session.get(Enterprise, enterprise_id),
                    application_data(),
                    actor=None,
                )
                outcomes.append("made")
            except services.AlreadyApplied:
                assert db.session.scalar(sa.select(sa.literal(1))) == 1  # still usable
                outcomes.append("refused")
            except Exception as error:  # noqa: BLE001 - reported below
                outcomes.append(repr(error))
            db.session.commit()

    threads = [threading.Thread(target=submit) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["made", *["refused"] * 5]
    count = sa.select(sa.func.count()).where(Application.event_id == event_id)
    assert db.session.scalar(count) == 1


def test_an_event_switched_to_review_meanwhile_is_not_decided_first_come(db, monkeypatch):
    """The organizer made the event a reviewed one while the submission was on its way:
    read again under the lock, the event leaves the application to them."""
    event = open_event(moderation="first_come", capacity=5)
    locked = services.lock_event

    def switched_meanwhile(event):
        event = locked(event)
        event.moderation = "review"  # as the organizer's committed change reads
        return event

    monkeypatch.setattr(services, "lock_event", switched_meanwhile)
    application = services.submit_application(
        event, make_enterprise(), application_data(), actor=None
    )
    assert application.status == "pending"


def _tables_touched(statement: str) -> list[tuple[str, str]]:
    """[("SELECT", "applications")] for a statement: its verb and the table it is on; for a
    WITH, each change it makes, ("UPDATE", "applications") then ("INSERT", …)."""
    if statement.startswith("WITH "):
        return [
            (verb.split()[0], table)
            for verb, table in re.findall(r"\b(UPDATE|INSERT INTO|DELETE FROM) (\w+)", statement)
        ]
    return [_table_touched(statement)]


def _table_touched(statement: str) -> tuple[str, str]:
    """("SELECT", "applications") for a statement: its verb and the table it is on."""
    verb = statement.split()[0].upper()
    pattern = {
        "SELECT": r"\bFROM (\w+)",
        "INSERT": r"^INSERT INTO (\w+)",
        "UPDATE": r"^UPDATE (\w+)",
    }
    found = re.search(pattern.get(verb, r"(\w+)"), statement)
    return verb, found.group(1) if found else ""


def test_a_first_come_decision_holds_the_event_lock_only_for_what_it_decides(app, db):
    """Submissions to one event wait on each other for what runs between the lock and the
    commit: the application, its delegates, the duplicate check, the recipients (and on
    PostgreSQL the rendering of the notice) are done before the lock; under it only the
    count, the status, the history and the notice's row remain."""
    event = open_event(moderation="first_come", capacity=5)
    enterprise = make_enterprise_user().enterprise
    db.session.commit()
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(" ".join(statement.split()))

    def committed(conn):
        seen.append("COMMIT")

    sa.event.listen(db.engine, "before_cursor_execute", record)
    sa.event.listen(db.engine, "commit", committed)
    try:
        application = services.submit_application(
            event, enterprise, application_data(delegates=2), actor=None
        )
        db.session.commit()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
        sa.event.remove(db.engine, "commit", committed)
    assert application.status == "approved"
    # PostgreSQL: SELECT … FOR NO KEY UPDATE; SQLite: an UPDATE that takes the write lock.
    locks = [
        number
        for number, statement in enumerate(seen)
        if re.match(
            r"(SELECT .* FROM events WHERE .* FOR NO KEY UPDATE|UPDATE events SET id)", statement
        )
    ]
    assert len(locks) == 1, seen
    held = seen[locks[0] + 1 : seen.index("COMMIT")]
    touched = [pair for statement in held for pair in _tables_touched(statement)]
    touched = [pair for pair in touched if pair != ("SELECT", "events")]  # SQLite's re-read
    count = next(statement for statement in held if "sum(" in statement)
    if db.engine.dialect.name == "postgresql":
        # One statement counts the booths, sets the status and writes its line of history
        # and the notice rendered before the lock: the only round trip under it.
        assert [statement for statement in held if "FROM events" not in statement] == [count]
        assert re.search(r"SELECT coalesce\(sum\(\w+\.booths_requested\).*FROM applications", count)
        assert sorted(touched) == [
            ("INSERT", "application_transitions"),
            ("INSERT", "outgoing_mail"),
            ("UPDATE", "applications"),  # the status
        ], held
    else:
        assert _table_touched(count) == ("SELECT", "applications")
        assert sorted(touched) == [
            ("INSERT", "application_transitions"),
            ("INSERT", "outgoing_mail"),
            ("SELECT", "applications"),  # the booths taken
            ("UPDATE", "applications"),  # the status
        ], held
    history = db.session.execute(
        sa.select(Transition.from_status, Transition.to_status, Transition.actor_id).where(
            Transition.application_id == application.id
        )
    ).all()
    assert history == [(None, "approved", None)]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Delegate)) == 2


@pytest.mark.parametrize(
    ("approved_before", "foretold", "decided", "subjects"),
    [
        (0, 0, "approved", ("报名审核通过", "Application approved")),
        (1, 0, "waitlisted", ("候补中", "On the waiting list")),  # the last booth went
        (0, 1, "approved", ("报名审核通过", "Application approved")),  # one came free
    ],
)
def test_a_first_come_notice_tells_the_decision_made_under_the_lock(
    app, db, monkeypatch, approved_before, foretold, decided, subjects
):
    """The notice is rendered before the lock for the decision the booths taken so far
    foretell; when the count under the lock decides otherwise, each reader is told what
    was decided, in their own language."""
    event = open_event(moderation="first_come", capacity=1)
    if approved_before:
        apply(event)
    enterprise = make_enterprise()
    readers = [
        make_enterprise_user(enterprise, email="zh@example.com", locale="zh"),
        make_enterprise_user(enterprise, email="en@example.com", locale="en"),
    ]
    db.session.commit()
    for name in ("_insert_at_once", "_insert_one_by_one"):
        insert = getattr(services, name)

        def foretelling(*args, insert=insert):
            application, readers, _taken = insert(*args)
            return application, readers, foretold  # as another's commit could leave it

        monkeypatch.setattr(services, name, foretelling)
    application = services.submit_application(
        event, enterprise, application_data(), actor=readers[0]
    )
    db.session.commit()
    assert application.status == decided
    mails = [
        (to, subject)
        for to, subject in db.session.execute(
            sa.select(OutgoingMail.recipients, OutgoingMail.subject)
        )
        if to[0] in ("zh@example.com", "en@example.com")  # not the earlier applicant
    ]
    assert sorted(to for to, _ in mails) == [["en@example.com"], ["zh@example.com"]]
    told = {to[0]: subject.split(" · ")[0] for to, subject in mails}
    assert (told["zh@example.com"], told["en@example.com"]) == subjects


class TestDelegatesAbroad:
    """Abroad, a delegate needs the passport's Latin name and a mobile or an email."""

    def test_a_delegate_named_only_in_chinese_is_refused_at_the_latin_name(self, db):
        data = application_data()
        data.delegates[0].name_latin = ""
        with pytest.raises(InvalidInput) as caught:
            services.submit_application(open_event(), make_enterprise(), data, actor=None)
        assert set(caught.value.errors) == {"delegates-0-name_latin"}
        with force_locale("en"):
            message = str(caught.value.errors["delegates-0-name_latin"])
        assert "abroad" in message and "passport" in message

    def test_a_name_in_chinese_in_the_latin_field_is_refused(self, db):
        data = application_data()
        data.delegates[0].name_latin = "张三"
        with pytest.raises(InvalidInput) as caught:
            services.submit_application(open_event(), make_enterprise(), data, actor=None)
        assert set(caught.value.errors) == {"delegates-0-name_latin"}

    def test_an_email_is_enough_to_reach_a_delegate_abroad(self, db):
        data = application_data()
        data.delegates[0].mobile = ""
        application = services.submit_application(open_event(), make_enterprise(), data, actor=None)
        assert application.delegates[0].email == "d0@example.com"

    def test_a_delegate_abroad_without_mobile_or_email_is_refused(self, db):
        data = application_data()
        data.delegates[0].mobile = data.delegates[0].email = ""
        with pytest.raises(InvalidInput) as caught:
            services.submit_application(open_event(), make_enterprise(), data, actor=None)
        assert set(caught.value.errors) == {"delegates-0-mobile"}
        with force_locale("en"):
            assert "email" in str(caught.value.errors["delegates-0-mobile"])

    def test_the_rule_holds_for_edits_too(self, db):
        application = apply(open_event())
        data = application_data()
        data.delegates[0].name_latin = ""
        with pytest.raises(InvalidInput) as caught:
            services.update_application(application, data, actor=None)
        assert set(caught.value.errors) == {"delegates-0-name_latin"}

    def test_in_china_a_name_in_chinese_is_enough(self, db):
        data = application_data()
        data.delegates[0].name_latin = ""
        application = services.submit_application(
            domestic_event(), make_enterprise(), data, actor=None
        )
        assert application.delegates[0].name_latin == ""


class TestConsent:
    def test_the_version_agreed_to_is_recorded(self, db):
        version = current_notice().version
        application = services.submit_application(
            open_event(), make_enterprise(), application_data(consent_version=version), actor=None
        )
        assert application.consent_version == version

    def test_consent_to_another_version_than_the_one_in_force_is_asked_again(self, db):
        data = application_data(consent_version="2001-01")
        with pytest.raises(InvalidInput) as caught:
            services.submit_application(open_event(), make_enterprise(), data, actor=None)
        assert set(caught.value.errors) == {"consent"}
        with force_locale("en"):
            assert "changed" in str(caught.value.errors["consent"])

    def test_check_application_reports_every_mistake_and_saves_nothing(self, db):
        data = application_data(consent=False)
        data.delegates[0].name_latin = ""
        with pytest.raises(InvalidInput) as caught:
            services.check_application(open_event(), data)
        assert set(caught.value.errors) == {"consent", "delegates-0-name_latin"}
        assert db.session.scalar(sa.select(sa.func.count(Application.id))) == 0

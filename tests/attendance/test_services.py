"""Checking delegates in at the door: one standing check-in each, whatever the desks do."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
import time_machine
from flask_babel import force_locale

from expo.attendance import services
from expo.attendance.models import CheckIn
from expo.attendance.services import CheckInOutcome
from expo.audit.actions import AuditAction
from expo.audit.models import AuditEntry
from expo.documents import badges
from expo.errors import InvalidInput
from tests.documents.conftest import run_at_once
from tests.factories import make_application, make_event

# 09:30 on the fair's first morning in Budapest (UTC+1 in November).
MORNING = datetime(2026, 11, 3, 8, 30, tzinfo=UTC)


@pytest.fixture()
def event(db):
    return make_event(starts_at=datetime(2026, 11, 3, 8, 0, tzinfo=UTC))


def standing_rows(db, delegate_id: int) -> list[CheckIn]:
    return list(
        db.session.execute(
            sa.select(CheckIn).where(
                CheckIn.delegate_id == delegate_id, CheckIn.undone_at.is_(None)
            )
        ).scalars()
    )


class TestCheckIn:
    def test_a_badge_checks_its_delegate_in_once_and_is_audited(self, app, db, event, organizer):
        application = make_application(event, delegates=2)
        delegate = application.delegates[1]
        with time_machine.travel(MORNING, tick=False), force_locale("en"):
            result = services.check_in(
                event, badges.check_in_url(delegate), desk="Hall A", actor=organizer
            )
            assert result.outcome is CheckInOutcome.CHECKED_IN
            assert result.message == f"Checked in: 王2 · WANG 2, {application.enterprise.name}."
        rows = standing_rows(db, delegate.id)
        assert len(rows) == 1 and rows[0].desk == "Hall A" and rows[0].user_id == organizer.id
        entry = db.session.execute(sa.select(AuditEntry)).scalar_one()
        assert entry.action == "check_in.recorded" and entry.subject_id == event.id
        assert entry.details["delegate_id"] == delegate.id

    def test_a_second_scan_says_when_and_by_whom_on_the_events_clock(self, db, event, organizer):
        delegate = make_application(event).delegates[0]
        token = badges.check_in_token(delegate)
        with time_machine.travel(MORNING, tick=False):
            services.check_in(event, token, desk="Gate 1", actor=organizer)
        with time_machine.travel(MORNING + timedelta(minutes=20), tick=False):
            again = services.check_in(event, token, desk="Gate 2", actor=None)
        assert again.outcome is CheckInOutcome.ALREADY_CHECKED_IN
        with force_locale("zh"):
            assert again.message.startswith("已于 09:30")
            assert "李明 (Gate 1)" in again.message
        with force_locale("en"):
            assert "at 9:30 AM" in again.message
        [standing] = standing_rows(db, delegate.id)
        assert db.session.execute(sa.select(sa.func.count(AuditEntry.id))).scalar() == 1
        # The refused scan is counted for the organizers, and nowhere else.
        assert standing.repeat_scans == 1
        assert services.arrivals(event).repeat_scans == 1

    @pytest.mark.parametrize("status", ["withdrawn", "cancelled", "pending", "rejected"])
    def test_a_delegate_not_approved_is_not_admitted(self, db, event, status):
        delegate = make_application(event, status=status).delegates[0]
        result = services.check_in(event, badges.check_in_token(delegate), desk="", actor=None)
        assert result.outcome is CheckInOutcome.NOT_APPROVED
        assert standing_rows(db, delegate.id) == []

    def test_a_forged_or_garbled_badge_is_unknown(self, db, event):
        token = badges.check_in_token(make_application(event).delegates[0])
        for scan in (token[:-3] + "abc", "", "hello", "https://expo.example/x"):
            result = services.check_in(event, scan, desk="", actor=None)
            assert result.outcome is CheckInOutcome.UNKNOWN_BADGE
        assert db.session.execute(sa.select(sa.func.count(CheckIn.id))).scalar() == 0

    def test_a_badge_of_another_event_is_told_apart(self, db, event):
        other = make_event()
        delegate = make_application(other).delegates[0]
        result = services.check_in(event, badges.check_in_token(delegate), desk="", actor=None)
        assert result.outcome is CheckInOutcome.WRONG_EVENT
        result = services.check_in(event, delegate, desk="", actor=None)
        assert result.outcome is CheckInOutcome.WRONG_EVENT

    def test_an_earlier_offline_scan_moves_the_standing_check_in_back(self, db, event):
        delegate = make_application(event).delegates[0]
        with time_machine.travel(MORNING, tick=False):
            services.check_in(event, delegate, desk="Online", actor=None)
            services.check_in(
                event, delegate, desk="Offline", actor=None, scanned_at=MORNING - timedelta(hours=1)
            )
            services.check_in(
                event, delegate, desk="Later", actor=None, scanned_at=MORNING + timedelta(hours=1)
            )
        (row,) = standing_rows(db, delegate.id)
        assert row.scanned_at == MORNING - timedelta(hours=1) and row.desk == "Offline"

    def test_a_scan_from_the_future_counts_as_now(self, db, event):
        delegate = make_application(event).delegates[0]
        with time_machine.travel(MORNING, tick=False):
            services.check_in(
                event, delegate, desk="", actor=None, scanned_at=MORNING + timedelta(days=1)
            )
        assert standing_rows(db, delegate.id)[0].scanned_at == MORNING

    @pytest.mark.parametrize(
        "clock",
        [
            datetime(1970, 1, 1, tzinfo=UTC),  # a tablet whose clock was reset
            datetime.min.replace(tzinfo=timezone(timedelta(hours=14))),  # hostile
        ],
    )
    def test_a_scan_from_long_before_the_event_counts_as_now(self, db, event, clock):
        delegate = make_application(event).delegates[0]
        with time_machine.travel(MORNING, tick=False):
            services.check_in(event, delegate, desk="", actor=None, scanned_at=clock)
        assert standing_rows(db, delegate.id)[0].scanned_at == MORNING


class TestUndo:
    def test_an_undo_needs_a_reason_and_frees_the_delegate(self, db, event, organizer):
        delegate = make_application(event).delegates[0]
        first = services.check_in(event, delegate, desk="", actor=organizer).check_in
        assert first is not None
        with pytest.raises(InvalidInput) as refused:
            services.undo_check_in(first, actor=organizer, reason="  ")
        assert set(refused.value.errors) == {"reason"}
        services.undo_check_in(first, actor=organizer, reason="Scanned the wrong badge")
        assert first.undo_reason == "Scanned the wrong badge" and first.undone_by_id == organizer.id
        assert services.has_attended(delegate.application_id) is False
        again = services.check_in(event, delegate, desk="", actor=organizer)
        assert again.outcome is CheckInOutcome.CHECKED_IN
        actions = db.session.execute(sa.select(AuditEntry.action).order_by(AuditEntry.id)).scalars()
        assert list(actions) == ["check_in.recorded", "check_in.undone", "check_in.recorded"]
        with pytest.raises(services.CheckInAlreadyUndone):
            services.undo_check_in(first, actor=organizer, reason="again")


class TestScans:
    @pytest.mark.parametrize(
        "typed",
        [
            "{url}",
            "  {url}  ",
            "{token}",
            "{url}?utm=1",
        ],
    )
    def test_the_token_is_read_from_an_address_or_alone(self, db, event, typed):
        delegate = make_application(event).delegates[0]
        url, token = badges.check_in_url(delegate), badges.check_in_token(delegate)
        assert services.token_from_scan(typed.format(url=url, token=token)) == token

    def test_delegates_are_found_by_name_or_enterprise(self, db, event):
        application = make_application(event, delegates=2)
        application.delegates[0].name_latin = "ZHANG San"
        make_application(make_event())  # another event's delegates stay out
        assert [d.id for d in services.find_delegates(event, "zhang")] == [
            application.delegates[0].id
        ]
        assert len(services.find_delegates(event, application.enterprise.name_zh[:3])) == 2
        assert services.find_delegates(event, "%") == []


@pytest.mark.postgresql
def test_desks_scanning_one_badge_at_once_leave_one_standing_check_in(app, db):
    """Eight desks scan the same badge at the same moment, each on its own connection."""
    event = make_event()
    delegate = make_application(event).delegates[0]
    db.session.commit()
    event_id, token = event.id, badges.check_in_token(delegate)
    start = threading.Barrier(8)
    outcomes: list[CheckInOutcome] = []
    errors: list[Exception] = []

    def scan(desk: int) -> None:
        from expo.events.models import Event

        with app.app_context():
            try:
                start.wait()
                result = services.check_in(
                    db.session.get(Event, event_id), token, desk=f"Desk {desk}", actor=None
                )
                outcomes.append(result.outcome)
                db.session.commit()
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(error)

    threads = [threading.Thread(target=scan, args=(number,)) for number in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(outcomes).count(CheckInOutcome.CHECKED_IN) == 1
    assert outcomes.count(CheckInOutcome.ALREADY_CHECKED_IN) == 7
    db.session.expire_all()
    [standing] = standing_rows(db, delegate.id)
    assert standing.repeat_scans == 7  # every refused desk counted, none lost
    entries = db.session.execute(sa.select(sa.func.count(AuditEntry.id))).scalar()
    assert entries == 1


def test_control_characters_never_reach_the_database(db):
    event = make_event()
    delegate = make_application(event).delegates[0]
    assert services.find_delegates(event, "王\x00") == []
    result = services.check_in(event, delegate, desk="Gate\x00 1\x1b", actor=None)
    assert result.check_in is not None and result.check_in.desk == "Gate 1"


@pytest.mark.postgresql
def test_two_organizers_undoing_one_check_in_at_once_record_it_once(app, db, organizer):
    """Both pages showed the check-in standing; each organizer sends the undo on its own
    connection at the same moment: one is taken, the other told it was undone already."""
    event = make_event()
    delegate = make_application(event).delegates[0]
    check_in = services.check_in(event, delegate, desk="Desk 1", actor=None).check_in
    db.session.commit()
    check_in_id, organizer_id = check_in.id, organizer.id
    start = threading.Barrier(2)
    results: list[str] = []
    errors: list[Exception] = []

    def undo(number: int) -> None:
        from expo.accounts.models import User

        with app.app_context():
            try:
                standing = db.session.get(CheckIn, check_in_id)
                actor = db.session.get(User, organizer_id)
                assert standing is not None and standing.is_standing
                start.wait()
                services.undo_check_in(standing, actor=actor, reason=f"Mistake {number}")
                db.session.commit()
                results.append(f"undone {number}")
            except services.CheckInAlreadyUndone:
                db.session.rollback()
                results.append("refused")
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(error)

    run_at_once([threading.Thread(target=undo, args=(number,)) for number in (1, 2)])
    assert errors == []
    assert sorted(results)[0] == "refused" and sorted(results)[1].startswith("undone")
    db.session.expire_all()
    stored = db.session.get(CheckIn, check_in_id)
    assert stored.undo_reason == f"Mistake {sorted(results)[1][-1]}"
    undos = db.session.scalar(
        sa.select(sa.func.count(AuditEntry.id)).where(
            AuditEntry.action == AuditAction.CHECK_IN_UNDONE
        )
    )
    assert undos == 1

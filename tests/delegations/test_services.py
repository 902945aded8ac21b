"""The rules for delegations: details, members, delegates from applications, copies."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from expo.audit.models import AuditEntry
from expo.delegations import services
from expo.delegations.models import Delegation, EmergencyContact, ItineraryItem, Member
from expo.errors import InvalidInput
from expo.registrations.models import Application, Delegate
from tests.factories import make_enterprise, make_event, make_user

# The one message for a phone number of the wrong shape, in every area.
from tests.pages import PHONE_MESSAGE


def delegation_data(**overrides) -> services.DelegationData:
    values = dict(
        title_zh="川行天下·匈牙利经贸代表团",
        title_en="Sichuan trade delegation to Hungary",
        direction="outbound",
        origin_country="CN",
        origin_city_zh="成都",
        origin_city_en="Chengdu",
        destination_country="HU",
        destination_city_zh="布达佩斯",
        destination_city_en="Budapest",
        starts_on=date(2027, 3, 18),
        ends_on=date(2027, 3, 25),
        contacts=[services.ContactData(name="王芳", role="领队", phone="+86 138 0000 0000")],
    )
    values.update(overrides)
    return services.DelegationData(**values)


def make_delegation(actor=None, **overrides) -> Delegation:
    return services.create_delegation(delegation_data(**overrides), actor=actor)


def member_data(**overrides) -> services.MemberData:
    values = dict(
        name_zh="张三",
        name_latin="ZHANG San",
        organization="Budapest Import Kft.",
        title="经理",
        nationality="CN",
        passport_number="E12345678",
        mobile="+86 138 0000 0001",
        email="zhang@example.com",
    )
    values.update(overrides)
    return services.MemberData(**values)


def add(delegation, **overrides) -> Member:
    return services.add_member(delegation, member_data(**overrides))


_passports = itertools.count(1)


def approved_application(event, enterprise=None, status="approved", delegates=("王一", "王二")):
    application = Application(
        event=event,
        enterprise=enterprise or make_enterprise(),
        status=status,
        consent_version="test",
        consented_at=datetime.now(UTC),
        delegates=[
            Delegate(
                position=index,
                name_zh=name,
                name_latin=f"WANG {index}",
                title="总经理",
                mobile="13800000000",
                email=f"wang{index}@example.com",
                passport_number=f"E{next(_passports):08d}",
            )
            for index, name in enumerate(delegates)
        ],
    )
    from expo.extensions import db

    db.session.add(application)
    db.session.flush()
    return application


def in_english(error: InvalidInput) -> dict[str, str]:
    """A service's messages as an English reader gets them."""
    with force_locale("en"):
        return {name: str(message) for name, message in error.errors.items()}


def count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture()
def organizer(db):
    return make_user("organizer")


class TestDelegation:
    def test_create_keeps_everything_and_starts_in_planning(self, db, organizer):
        event = make_event()
        delegation = make_delegation(
            organizer, event_ids=[event.id], notes_en="Bring business cards"
        )
        db.session.commit()
        assert delegation.status == "planning"
        assert delegation.events == [event]
        assert [(c.name, c.role, c.phone) for c in delegation.contacts] == [
            ("王芳", "领队", "+86 138 0000 0000")
        ]
        assert delegation.destination_country == "HU"
        assert db.session.scalars(sa.select(AuditEntry.action)).all() == ["delegation.create"]

    def test_bad_input_is_reported_at_every_field_and_nothing_is_saved(self, db, organizer):
        with pytest.raises(InvalidInput) as caught:
            make_delegation(
                organizer,
                title_zh=" ",
                title_en="",
                direction="sideways",
                origin_country="XX",
                destination_country="",
                starts_on=date(2027, 3, 25),
                ends_on=date(2027, 3, 18),
                event_ids=[999999],
                contacts=[
                    services.ContactData(name="王芳", phone=""),
                    services.ContactData(),  # a spare row: ignored
                    services.ContactData(name="", role="Embassy", phone="letters"),
                ],
            )
        errors = in_english(caught.value)
        assert errors == {
            "title_zh": "Enter a title in Chinese or English (or both).",
            "direction": "Choose whether the delegation goes abroad or comes to Sichuan.",
            "origin_country": "Choose a country from the list.",
            "destination_country": "Choose a country from the list.",
            "ends_on": "The last day cannot come before the first.",
            "event_ids": "Choose the events from the list.",
            "contacts-0-phone": "Enter a phone number that works while travelling.",
            "contacts-2-name": "Enter the contact's name.",
            "contacts-2-phone": (PHONE_MESSAGE),
        }
        db.session.rollback()
        assert count(db, Delegation) == 0 and count(db, EmergencyContact) == 0

    def test_one_language_is_enough_and_blank_contact_rows_are_dropped(self, db, organizer):
        delegation = make_delegation(
            organizer,
            title_zh="",
            contacts=[services.ContactData(), services.ContactData(name="Li", phone="123456")],
        )
        assert delegation.title_en and delegation.title_zh == ""
        assert [contact.name for contact in delegation.contacts] == ["Li"]

    def test_update_replaces_events_and_contacts(self, db, organizer):
        first, second = make_event(), make_event()
        delegation = make_delegation(organizer, event_ids=[first.id])
        services.update_delegation(
            delegation,
            delegation_data(event_ids=[second.id], contacts=[], direction="inbound"),
            actor=organizer,
        )
        db.session.commit()
        assert delegation.events == [second]
        assert delegation.contacts == [] and count(db, EmergencyContact) == 0
        assert delegation.direction == "inbound"

    def test_status_changes_are_audited(self, db, organizer):
        delegation = make_delegation(organizer)
        services.set_status(delegation, "confirmed", actor=organizer)
        services.set_status(delegation, "confirmed", actor=organizer)  # no change, no entry
        entries = db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "delegation.status")
        ).all()
        assert delegation.status == "confirmed"
        assert [(e.actor_id, e.subject_id, e.details) for e in entries] == [
            (organizer.id, delegation.id, {"status": "confirmed", "previous": "planning"})
        ]
        with pytest.raises(InvalidInput):
            services.set_status(delegation, "lost", actor=organizer)


class TestMembers:
    def test_a_member_is_saved_with_normalised_values(self, db):
        delegation = make_delegation()
        member = add(delegation, passport_number=" e 1234 5678 ", email="Zhang@Example.COM ")
        assert member.passport_number == "E12345678"
        assert member.email == "zhang@example.com"
        assert member.role == "member" and member.position == 0
        assert add(delegation, passport_number="").position == 1

    def test_bad_input_is_reported_at_every_field_and_nothing_is_saved(self, db):
        delegation = make_delegation()
        with pytest.raises(InvalidInput) as caught:
            add(
                delegation,
                name_zh="",
                name_latin=" ",
                nationality="XX",
                passport_number="AB-12",
                email="not-an-address",
                mobile="call me",
                role="boss",
            )
        errors = in_english(caught.value)
        assert errors == {
            "name_zh": "Enter the name in Chinese or in Latin letters (or both).",
            "nationality": "Choose a country from the list (an ISO code such as CN or HU).",
            "passport_number": "A passport number has 5 to 20 letters and digits.",
            "email": "Enter a valid email address, such as name@example.com.",
            "mobile": PHONE_MESSAGE,
            "role": "Choose a role from the list.",
        }
        assert count(db, Member) == 0

    @pytest.mark.parametrize("passport", ["A1234", "A" * 20])
    def test_passport_lengths_at_the_limits_are_fine(self, db, passport):
        assert add(make_delegation(), passport_number=passport).passport_number == passport

    @pytest.mark.parametrize("passport", ["A123", "A" * 21])
    def test_passport_lengths_beyond_the_limits_are_refused(self, db, passport):
        with pytest.raises(InvalidInput) as caught:
            add(make_delegation(), passport_number=passport)
        assert set(caught.value.errors) == {"passport_number"}

    def test_the_same_passport_twice_in_one_delegation_is_refused(self, db):
        delegation = make_delegation()
        first = add(delegation)
        with pytest.raises(InvalidInput) as caught:
            add(delegation, name_zh="李四")
        assert in_english(caught.value)["passport_number"] == (
            "A member of this delegation has this passport number."
        )
        # Saving the member with their own number is fine, and so is another delegation.
        services.update_member(first, member_data(title="总经理"))
        assert add(make_delegation()).passport_number == "E12345678"

    def test_an_enterprise_wins_over_organization_text(self, db):
        enterprise = make_enterprise()
        member = add(make_delegation(), enterprise_id=enterprise.id, organization="Other Ltd")
        assert member.enterprise == enterprise and member.organization == ""
        assert member.organization_name == enterprise.name

    def test_an_unknown_enterprise_is_refused(self, db):
        with pytest.raises(InvalidInput) as caught:
            add(make_delegation(), enterprise_id=999999)
        assert set(caught.value.errors) == {"enterprise_id"}

    def test_remove_member_is_audited(self, db, organizer):
        delegation = make_delegation()
        member = add(delegation)
        services.remove_member(member, actor=organizer)
        db.session.commit()
        assert count(db, Member) == 0
        assert db.session.scalar(
            sa.select(AuditEntry.details).where(AuditEntry.action == "delegation.remove_member")
        ) == {"member": "张三 / ZHANG San"}


class TestApprovedDelegates:
    def test_each_approved_delegate_is_added_once(self, db, organizer):
        event = make_event()
        enterprise = make_enterprise()
        approved = approved_application(event, enterprise)
        approved_application(event, status="pending", delegates=("待定",))
        approved_application(event, status="rejected", delegates=("拒绝",))
        approved_application(make_event(), delegates=("别的活动",))
        delegation = make_delegation(organizer, event_ids=[event.id])
        add(delegation, passport_number="")  # someone added by hand first

        added = services.add_approved_delegates(delegation, event, actor=organizer)
        db.session.commit()

        assert [member.name_zh for member in added] == ["王一", "王二"]
        assert {member.enterprise_id for member in added} == {enterprise.id}
        assert [member.source_delegate_id for member in added] == [
            delegate.id for delegate in approved.delegates
        ]
        assert [member.position for member in added] == [1, 2]
        assert added[0].passport_number == approved.delegates[0].passport_number
        assert added[0].title == "总经理"

        assert services.add_approved_delegates(delegation, event, actor=organizer) == []
        later = approved_application(event, delegates=("后来",))
        again = services.add_approved_delegates(delegation, event, actor=organizer)
        assert [member.source_delegate_id for member in again] == [later.delegates[0].id]
        assert count(db, Member) == 4

    def test_a_delegate_who_is_a_member_already_by_passport_is_linked_not_doubled(
        self, db, organizer
    ):
        event = make_event()
        application = approved_application(event)
        delegation = make_delegation(organizer, event_ids=[event.id])
        passport = application.delegates[0].passport_number
        by_hand = add(delegation, name_zh="王一", passport_number=passport.lower())

        added = services.add_approved_delegates(delegation, event, actor=organizer)

        assert [member.name_zh for member in added] == ["王二"]
        assert by_hand.source_delegate_id == application.delegates[0].id
        assert count(db, Member) == 2

    def test_only_the_delegations_own_events(self, db, organizer):
        delegation = make_delegation(organizer)
        with pytest.raises(services.EventNotInDelegation):
            services.add_approved_delegates(delegation, make_event(), actor=organizer)


def item(delegation, starts_local, start_zone, ends_local, end_zone=None, **fields):
    from expo.i18n import local_to_utc

    values = dict(
        kind="meeting",
        title_zh="会谈",
        title_en="Meeting",
        starts_at=local_to_utc(starts_local, start_zone),
        start_timezone=start_zone,
        ends_at=local_to_utc(ends_local, end_zone or start_zone),
        end_timezone=end_zone or start_zone,
    )
    values.update(fields)
    entry = ItineraryItem(**values)
    delegation.items.append(entry)
    from expo.extensions import db

    db.session.flush()
    return entry


class TestDuplicate:
    def test_dates_shift_and_wall_clock_times_stay_across_a_clock_change(self, db, organizer):
        event = make_event()
        enterprise = make_enterprise()
        delegation = make_delegation(organizer, event_ids=[event.id], notes_zh="带名片")
        leader = add(delegation, role="leader")
        other = add(delegation, name_zh="李四", passport_number="E87654321")
        approved = approved_application(event, delegates=("王一",))
        services.add_approved_delegates(delegation, event, actor=organizer)
        services.create_share_link(leader)
        item(
            delegation,
            datetime(2027, 3, 19, 1, 30),
            "Asia/Shanghai",
            datetime(2027, 3, 19, 6, 30),
            "Europe/Budapest",
            kind="flight",
            everyone=False,
            members=[leader],
        )
        meeting = item(
            delegation,
            datetime(2027, 3, 20, 9, 0),
            "Europe/Budapest",
            datetime(2027, 3, 20, 10, 30),
            enterprises=[enterprise],
        )
        db.session.commit()
        assert meeting.starts_at == datetime(2027, 3, 20, 8, 0, tzinfo=UTC)  # CET, UTC+1

        copy = services.duplicate_delegation(delegation, 14, actor=organizer)
        db.session.commit()

        assert copy.id != delegation.id and copy.status == "planning"
        assert copy.title_zh == "川行天下·匈牙利经贸代表团（副本）"
        assert copy.title_en == "Sichuan trade delegation to Hungary (copy)"
        assert (copy.starts_on, copy.ends_on) == (date(2027, 4, 1), date(2027, 4, 8))
        assert copy.events == [event] and copy.notes_zh == "带名片"
        assert [(c.name, c.phone) for c in copy.contacts] == [("王芳", "+86 138 0000 0000")]
        assert [m.display_name for m in copy.members] == [
            m.display_name for m in delegation.members
        ]
        assert not {m.id for m in copy.members} & {m.id for m in delegation.members}
        assert all(m.share_token_hash is None for m in copy.members)
        assert all(m.source_delegate_id is None for m in copy.members)
        # The originals keep theirs.
        assert leader.share_token_hash is not None
        assert delegation.members[-1].source_delegate_id == approved.delegates[0].id

        new_flight, new_meeting = copy.items
        # 09:00 in Budapest, now in summer time (UTC+2): another UTC hour, the same clock.
        assert new_meeting.starts_at == datetime(2027, 4, 3, 7, 0, tzinfo=UTC)
        assert new_meeting.ends_at == datetime(2027, 4, 3, 8, 30, tzinfo=UTC)
        assert new_meeting.enterprises == [enterprise] and new_meeting.everyone
        # Chengdu keeps no summer time; Budapest's landing moves an hour in UTC.
        assert new_flight.starts_at == datetime(2027, 4, 1, 17, 30, tzinfo=UTC)
        assert new_flight.ends_at == datetime(2027, 4, 2, 4, 30, tzinfo=UTC)
        assert new_flight.start_timezone == "Asia/Shanghai"
        assert new_flight.end_timezone == "Europe/Budapest"
        assert not new_flight.everyone
        assert [m.display_name for m in new_flight.members] == [leader.display_name]
        assert new_flight.members[0].delegation_id == copy.id
        assert other not in new_flight.members
        # The original is untouched.
        assert meeting.starts_at == datetime(2027, 3, 20, 8, 0, tzinfo=UTC)
        assert delegation.title_en == "Sichuan trade delegation to Hungary"

    def test_a_time_the_clocks_skip_becomes_the_time_after_the_jump(self, db):
        delegation = make_delegation()
        item(
            delegation,
            datetime(2027, 3, 21, 2, 30),
            "Europe/Budapest",
            datetime(2027, 3, 21, 4, 0),
        )
        copy = services.duplicate_delegation(delegation, 7, actor=None)
        # 02:30 does not exist on 28 March 2027 in Budapest: 03:30 summer time instead.
        assert copy.items[0].starts_at == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)
        assert copy.items[0].ends_at == datetime(2027, 3, 28, 2, 0, tzinfo=UTC)

    def test_backwards_and_limits(self, db):
        delegation = make_delegation()
        copy = services.duplicate_delegation(delegation, -365, actor=None)
        assert copy.starts_on == date(2026, 3, 18)
        with pytest.raises(InvalidInput) as caught:
            services.duplicate_delegation(delegation, 5000, actor=None)
        assert set(caught.value.errors) == {"shift_days"}

    def test_a_long_title_still_fits(self, db):
        delegation = make_delegation(title_zh="长" * 200, title_en="L" * 200)
        copy = services.duplicate_delegation(delegation, 1, actor=None)
        assert len(copy.title_zh) == 200 and copy.title_zh.endswith("（副本）")
        assert len(copy.title_en) == 200 and copy.title_en.endswith(" (copy)")


class TestLists:
    def test_delegations_for_an_enterprise_are_those_with_its_people(self, db):
        enterprise = make_enterprise()
        with_us = make_delegation(starts_on=date(2027, 5, 1), ends_on=date(2027, 5, 5))
        add(with_us, enterprise_id=enterprise.id)
        add(with_us, name_zh="李四", passport_number="")
        also = make_delegation()
        add(also, enterprise_id=enterprise.id)
        without = make_delegation()
        add(without, enterprise_id=make_enterprise().id)

        assert services.delegations_for_enterprise(enterprise) == [with_us, also]
        assert services.enterprise_delegation(enterprise, without.id) is None
        assert services.enterprise_delegation(enterprise, with_us.id) == with_us

    def test_search_filters_and_counts(self, db):
        outbound = make_delegation()
        inbound = make_delegation(direction="inbound", title_en="Buyers from Kazakhstan")
        add(inbound)
        services.set_status(inbound, "confirmed", actor=None)

        def found(**filters):
            return services.search_delegations(services.DelegationFilters(**filters)).items

        assert found(direction="inbound") == [inbound]
        assert found(status="planning") == [outbound]
        assert found(q="kazakh") == [inbound]
        assert services.member_counts([outbound, inbound]) == {inbound.id: 1}

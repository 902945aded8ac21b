"""A small world in which every id of every URL exists, and a browser for each role.

The roles: ``anonymous``; ``owner``, a user of the enterprise whose application,
delegation member and certificate the URLs name; ``other``, a user of another enterprise;
``organizer``; ``admin``. The matrix and the crawl request every route as each of them.

PDFs are not printed here (a stub stands in for WeasyPrint): these tests are about who
may reach a page and what input it survives; ``tests/documents`` prints them for real.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from io import BytesIO

import pypdf
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from expo.accounts.services import make_email_verification_token, make_password_reset_token
from expo.attendance import services as attendance
from expo.delegations.services import create_share_link
from expo.documents import badges, render, schedules
from expo.documents.certificates import issue_certificate
from expo.enterprises.claim_links import make_claim_token
from expo.enterprises.models import EnterpriseClaim
from expo.enterprises.services import make_invitation_token
from expo.extensions import db
from expo.i18n import utc_to_local
from expo.matchmaking import services as matchmaking
from expo.matchmaking.models import Counterpart, MatchRequest, Meeting, RequestStatus, Side
from expo.messaging.models import Message
from expo.privacy import current_notice
from tests.factories import (
    DEFAULT_PASSWORD,
    make_application,
    make_campaign,
    make_delegation,
    make_enterprise,
    make_enterprise_user,
    make_itinerary_item,
    make_job,
    make_member,
    make_outcome_report,
    make_question,
    make_session,
    make_user,
    open_event,
)

ROLES = ("anonymous", "owner", "other", "organizer", "admin")
# The world's users sign in hundreds of times: a cheap scrypt keeps that fast (the hash's
# own parameters say how to check it, so the sign-in form is the real one).
_QUICK_HASH = generate_password_hash(DEFAULT_PASSWORD, method="scrypt:1024:8:1")


@dataclass(frozen=True)
class World:
    """The ids and tokens the URLs are filled with, and who signs in as each role."""

    values: dict[str, object]
    emails: dict[str, str]  # role → email address

    def __getitem__(self, name: str) -> object:
        return self.values[name]


def _blank_pdf() -> bytes:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


BLANK_PDF = _blank_pdf()


def _print(html: str, **_options) -> bytes:
    return BLANK_PDF


@pytest.fixture(scope="module")
def no_printing(app: Flask, tmp_path_factory) -> Iterator[None]:
    """Documents stored in a folder of this module's, and a blank page for every PDF."""
    patch = pytest.MonkeyPatch()
    patch.setattr(render, "write_pdf", _print)
    patch.setattr(schedules, "write_pdf", _print)
    patch.setitem(app.config, "DOCUMENTS_DIR", str(tmp_path_factory.mktemp("documents")))
    yield
    patch.undo()


def seed_world() -> World:
    """Everything a URL can name, committed; the URLs name the owner's rows."""
    organizer = make_user("organizer", name="李明", password_hash=_QUICK_HASH)
    admin = make_user("admin", name="Admin", password_hash=_QUICK_HASH)
    ours = make_enterprise()
    theirs = make_enterprise()
    owner = make_enterprise_user(ours, name="王芳", password_hash=_QUICK_HASH)
    other = make_enterprise_user(theirs, name="张伟", password_hash=_QUICK_HASH)

    campaign = make_campaign()
    event = open_event(campaign=campaign)
    session = make_session(event)
    question = make_question(event)
    application = make_application(event, ours)
    make_application(event, theirs)
    delegate = application.delegates[0]
    standing = attendance.check_in(event, delegate, desk="Hall 1", actor=organizer).check_in
    assert standing is not None
    # Issued the day after the event, to whose door one of its delegates came.
    certificate = issue_certificate(application, actor=organizer, now=event.ends_at)
    job = make_job(event)
    message = Message(event_id=event.id, subject_zh="通知", subject_en="Notice", total=0)
    db.session.add(message)
    report = make_outcome_report(application, deals=1, status="submitted")

    delegation = make_delegation(events=[event])
    member = make_member(delegation, enterprise_id=ours.id)
    item = make_itinerary_item(delegation)
    share_token = create_share_link(member, actor=organizer)
    claim = EnterpriseClaim(
        enterprise=ours,
        credit_code=ours.credit_code,
        company_name="真公司",
        contact_name="Claimant",
        email="claimant@example.com",
    )
    db.session.add(claim)
    desk = attendance.grant_desk_access(event, "desk@example.com", actor=organizer)
    # The desk's staff: an account of no enterprise, allowed at this event's door only (the
    # invitation above stays waiting, for the address that accepts it).
    desk_staff = make_user(
        "enterprise", email="door@example.com", name="门口", password_hash=_QUICK_HASH
    )
    staffed = attendance.grant_desk_access(event, desk_staff.email, actor=organizer)
    assert staffed.user_id == desk_staff.id
    # Matchmaking: a grid, an approved buyer with a private link, one scheduled meeting.
    day = utc_to_local(event.starts_at, event.timezone).date() + timedelta(days=1)
    grid = matchmaking.save_grid(
        event,
        matchmaking.GridData(windows=f"{day:%Y-%m-%d} 10:00-10:40", tables=3),
        actor=organizer,
    )
    counterpart = Counterpart(
        event=event,
        organization_en="Danube Foods",
        country="HU",
        email="buyer@example.com",
        needs="tea",
        status="approved",
    )
    db.session.add(counterpart)
    match_token = matchmaking.issue_link(counterpart)
    match = MatchRequest(
        event_id=event.id,
        application=application,
        counterpart=counterpart,
        from_side=Side.SICHUAN,
        status=RequestStatus.ACCEPTED,
    )
    db.session.add(match)
    db.session.flush()
    slot = matchmaking.grid_slots(grid)[0]
    meeting = Meeting(
        event_id=event.id,
        request_id=match.id,
        application_id=application.id,
        counterpart_id=counterpart.id,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        table_number=1,
        published=True,
    )
    db.session.add(meeting)
    db.session.commit()

    values: dict[str, object] = {
        "campaign_id": campaign.id,
        "event_id": event.id,
        "session_id": session.id,
        "question_id": question.id,
        "application_id": application.id,
        "certificate_id": certificate.id,
        "job_id": job.id,
        "number": 1,  # a print file's first volume
        "message_id": message.id,
        "report_id": report.id,
        "delegation_id": delegation.id,
        "member_id": member.id,
        "item_id": item.id,
        "enterprise_id": ours.id,
        "code": certificate.verification_code,
        "share_token": share_token,
        "check_in_token": badges.check_in_token(application.delegates[0]),
        "invitation_token": make_invitation_token(ours, "colleague@example.com"),
        "claim_id": claim.id,
        "delegate_id": delegate.id,
        "check_in_id": standing.id,
        "desk_id": desk.id,
        "counterpart_id": counterpart.id,
        "request_id": match.id,
        "meeting_id": meeting.id,
        "match_token": match_token,
        "desk_invitation_token": attendance.make_desk_invitation_token(desk),
        "claim_token": make_claim_token("claimant@example.com", ours.credit_code),
        "reset_token": make_password_reset_token(owner),
        "verification_token": make_email_verification_token(owner),
        # A version of the personal-information notice.
        "version": current_notice().version,
    }
    emails = {
        "owner": owner.email,
        "other": other.email,
        "organizer": organizer.email,
        "admin": admin.email,
        "desk": desk_staff.email,
    }
    return World(values, emails)


def empty_database() -> None:
    db.session.rollback()
    db.session.remove()
    with db.engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())


def sign_in(app: Flask, world: World, role: str) -> FlaskClient:
    """A browser of its own, signed in as ``role`` through the sign-in form."""
    client = app.test_client()
    if role != "anonymous":
        response = client.post(
            "/account/login", data={"email": world.emails[role], "password": DEFAULT_PASSWORD}
        )
        assert response.status_code == 302, (role, response.status_code)
    return client


@pytest.fixture(scope="module")
def shared_world(app: Flask, no_printing) -> Iterator[World]:
    """One world for the requests that change nothing (GET, HEAD, OPTIONS, refusals)."""
    with app.app_context():
        empty_database()
        world = seed_world()
    yield world
    with app.app_context():
        empty_database()


@pytest.fixture(scope="module")
def browsers(app: Flask, shared_world: World) -> dict[str, FlaskClient]:
    return {role: sign_in(app, shared_world, role) for role in ROLES}


def row_count() -> int:
    """Every row of every table: a request that changes nothing leaves it as it was."""
    with db.engine.connect() as connection:
        return sum(
            connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for table in db.metadata.sorted_tables
        )

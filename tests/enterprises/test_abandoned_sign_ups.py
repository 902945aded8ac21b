"""A sign-up whose address was never confirmed does not hold its credit code for ever.

Once the verification link's lifetime has passed unused, the next company to sign up with
that code gets it, and the abandoned sign-up is removed (audited). Anything that shows the
sign-up was real or is in use keeps the code where it is.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from expo.accounts.models import User
from expo.audit.actions import AuditAction
from expo.audit.models import AuditEntry
from expo.delegations.models import Member
from expo.enterprises import services
from expo.enterprises.models import Enterprise
from expo.extensions import db as _db
from tests.enterprises.test_services import profile
from tests.factories import make_delegation, valid_credit_code

SIGNED_UP = datetime(2030, 5, 4, 9, tzinfo=UTC)
CODE = valid_credit_code("510100")


def first_sign_up() -> User:
    with time_machine.travel(SIGNED_UP, tick=False):
        user = services.sign_up(
            email="first@example.com",
            password="long-enough",
            name="First",
            enterprise=profile(name_zh="先注册的公司", credit_code=CODE),
        )
        assert user is not None
        _db.session.commit()
        return user


def second_sign_up(after: timedelta) -> User | None:
    with time_machine.travel(SIGNED_UP + after, tick=False):
        user = services.sign_up(
            email="second@example.com",
            password="long-enough",
            name="Second",
            enterprise=profile(name_zh="真正的公司", credit_code=CODE),
        )
        _db.session.commit()
        return user


def holder() -> Enterprise:
    return _db.session.execute(
        sa.select(Enterprise).where(Enterprise.credit_code == CODE)
    ).scalar_one()


def test_the_code_is_free_once_the_link_has_expired_unused(db, app):
    first_sign_up()
    lifetime = timedelta(seconds=app.config["EMAIL_VERIFICATION_MAX_AGE"])

    user = second_sign_up(lifetime + timedelta(minutes=1))

    assert user is not None and user.enterprise is holder()
    assert holder().name_zh == "真正的公司"
    emails = db.session.scalars(sa.select(User.email)).all()
    assert emails == ["second@example.com"]
    entry = db.session.execute(
        sa.select(AuditEntry).where(AuditEntry.action == AuditAction.ENTERPRISE_SIGN_UP_EXPIRED)
    ).scalar_one()
    assert entry.actor_id is None
    assert entry.details["credit_code"] == CODE and entry.details["name_zh"] == "先注册的公司"


def test_within_the_link_s_lifetime_the_code_stays_taken(db, app):
    first_sign_up()
    lifetime = timedelta(seconds=app.config["EMAIL_VERIFICATION_MAX_AGE"])

    assert second_sign_up(lifetime - timedelta(minutes=1)) is None

    assert holder().name_zh == "先注册的公司"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def verify_address(user: User) -> None:
    user.email_verified_at = SIGNED_UP + timedelta(hours=1)


def verify_enterprise(user: User) -> None:
    user.enterprise.verified = True


def list_as_key_enterprise(user: User) -> None:
    user.enterprise.key_enterprise = True


def put_in_a_delegation(user: User) -> None:
    _db.session.add(
        Member(delegation=make_delegation(), name_zh="王芳", enterprise_id=user.enterprise_id)
    )


@pytest.mark.parametrize(
    "in_use", [verify_address, verify_enterprise, list_as_key_enterprise, put_in_a_delegation]
)
def test_a_sign_up_that_came_to_something_keeps_its_code(db, in_use):
    first = first_sign_up()
    in_use(first)
    db.session.commit()

    assert second_sign_up(timedelta(days=60)) is None

    assert holder().name_zh == "先注册的公司"
    assert db.session.get(User, first.id) is not None

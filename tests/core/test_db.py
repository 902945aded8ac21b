"""The database layer keeps a request's work in one transaction, savepoints included."""

import sqlalchemy as sa

from expo.accounts.models import User
from tests.factories import make_user


def test_a_savepoint_released_before_any_write_is_undone_by_the_rollback(db):
    with db.session.begin_nested():
        make_user(email="savepoint@example.com")
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_timestamps_come_back_aware_in_utc(db):
    user = make_user()
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(User, user.id).created_at.utcoffset().total_seconds() == 0

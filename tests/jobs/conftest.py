"""Jobs run inline (huey's immediate mode) unless a test starts a real consumer."""

from __future__ import annotations

from pathlib import Path

import pytest

from expo.jobs import queue
from expo.registrations import services as registration_services
from tests.documents.conftest import approved_application
from tests.factories import check_in, held, make_enterprise, make_enterprise_user, open_event


@pytest.fixture(autouse=True)
def immediate_jobs(app, tmp_path):
    """Documents in the test's own folder; tasks run at once, inside the call that queues."""
    saved = {key: app.config.get(key) for key in ("DOCUMENTS_DIR", "JOBS_IMMEDIATE")}
    app.config["DOCUMENTS_DIR"] = str(tmp_path / "documents")
    app.config["JOBS_IMMEDIATE"] = True
    app.extensions.pop(queue.EXTENSION, None)
    yield Path(app.config["DOCUMENTS_DIR"])
    app.config.update(saved)
    app.extensions.pop(queue.EXTENSION, None)


@pytest.fixture()
def event_with_applications(db):
    """An event with three approved applications and one withdrawn, plus another event's."""
    event = open_event(moderation="first_come")
    approved = [approved_application(event=event, enterprise=make_enterprise()) for _ in range(3)]
    withdrawn = approved_application(event=event, enterprise=make_enterprise())
    registration_services.withdraw(withdrawn, actor=make_enterprise_user(withdrawn.enterprise))
    elsewhere = approved_application(enterprise=make_enterprise())
    # The event was held and someone of each approved enterprise came: certificates may go.
    held(event)
    for application in approved:
        check_in(application)
    db.session.commit()
    return event, approved, withdrawn, elsewhere


def calls_of(monkeypatch, owner, name: str, key) -> list:
    """``key`` of the argument of every call of ``owner.name`` from now on (still called)."""
    calls: list = []
    original = getattr(owner, name)

    def counted(argument):
        calls.append(key(argument))
        return original(argument)

    monkeypatch.setattr(owner, name, counted)
    return calls

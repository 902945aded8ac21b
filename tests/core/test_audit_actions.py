"""The registry of audited actions: names as stored, subjects and labels."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from expo.audit.actions import AuditAction, AuditSubject, action_label
from expo.audit.services import record
from tests.factories import make_enterprise, make_event, make_user


def test_the_stored_names_are_the_old_strings():
    assert AuditAction.DELEGATION_CREATE == "delegation.create"
    assert AuditAction.for_application_status("waitlisted") is (AuditAction.APPLICATION_WAITLISTED)
    assert all(action.value.count(".") == 1 for action in AuditAction)


def test_labels_follow_the_reader_and_unknown_names_show_as_stored(app):
    with app.app_context():
        with force_locale("en"):
            assert action_label("enterprise.flags") == "Enterprise flags set"
            assert str(AuditAction.ENTERPRISE_FLAGS.short_label) == "Flags set"
            assert action_label("something.retired") == "something.retired"
        with force_locale("zh"):
            assert action_label("delegation.create") != "Delegation created"


def test_record_takes_a_registered_action_about_its_own_kind_of_subject(db):
    organizer, enterprise = make_user("organizer"), make_enterprise()
    entry = record(organizer, "enterprise.flags", enterprise, verified=True)
    assert (entry.action, entry.subject_type) == ("enterprise.flags", AuditSubject.ENTERPRISES)
    with pytest.raises(ValueError):
        record(organizer, "enterprise.renamed", enterprise)
    with pytest.raises(ValueError, match="about enterprises, not events"):
        record(organizer, AuditAction.ENTERPRISE_FLAGS, make_event())

"""The audit log: what organizers did to applications and enterprises, for administrators.

Times are shown in China Standard Time (Asia/Shanghai), the clock of the staff in Sichuan
who read this log, with the zone named.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import Blueprint, current_app, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload
from wtforms import SelectField
from wtforms.validators import Optional

from expo.accounts.access import admin_required
from expo.audit.actions import SUBJECT_LABELS, AuditAction, AuditSubject, action_label
from expo.audit.models import AuditEntry
from expo.delegations.models import Delegation
from expo.enterprises.forms import FIELD_LABELS
from expo.enterprises.models import Enterprise
from expo.events.models import Event
from expo.extensions import db
from expo.fields import BaseForm, choices, filter_value
from expo.i18n import viewer_timezone
from expo.messaging.models import Message
from expo.outcomes.models import OutcomeReport
from expo.registrations.models import Application, status_label
from expo.web import page_number

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")

DEFAULT_PER_PAGE = 50


class AuditFilterForm(BaseForm):
    """Read from the query string: a search, so no CSRF."""

    class Meta:
        csrf = False

    action = SelectField(_l("Action"), validators=[Optional()])
    subject_type = SelectField(_l("Concerning"), validators=[Optional()])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.action.choices = choices(
            [("", _l("All actions")), *((action.value, action.label) for action in AuditAction)]
        )
        self.subject_type.choices = choices([("", _l("Everything")), *SUBJECT_LABELS.items()])


@dataclass(frozen=True)
class Subject:
    """What an entry is about, as the reader sees it, with a link when there is a page."""

    label: str
    url: str | None = None


def _entries_page(action: str | None, subject_type: str | None, page: int, per_page: int):
    statement = (
        sa.select(AuditEntry)
        .options(selectinload(AuditEntry.actor))
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    )
    if action:
        statement = statement.where(AuditEntry.action == action)
    if subject_type:
        statement = statement.where(AuditEntry.subject_type == subject_type)
    return db.paginate(statement, page=page, per_page=per_page, error_out=False)


def _ids(entries, subject_type: str) -> set[int]:
    return {entry.subject_id for entry in entries if entry.subject_type == subject_type}


def _subjects(entries) -> dict[tuple[str, int], Subject]:
    """The subjects of a page of entries, in one statement per kind of subject."""
    subjects: dict[tuple[str, int], Subject] = {}
    if ids := _ids(entries, AuditSubject.APPLICATIONS):
        rows = db.session.execute(
            sa.select(Application.id, Application.event_id, Enterprise, Event)
            .join(Application.enterprise)
            .join(Application.event)
            .where(Application.id.in_(ids))
        ).all()
        for application_id, event_id, enterprise, event in rows:
            subjects[AuditSubject.APPLICATIONS, application_id] = Subject(
                f"{enterprise.name} · {event.title}",
                url_for(
                    "registrations.manage_detail", event_id=event_id, application_id=application_id
                ),
            )
    if ids := _ids(entries, AuditSubject.ENTERPRISES):
        for enterprise in db.session.execute(
            sa.select(Enterprise).where(Enterprise.id.in_(ids))
        ).scalars():
            subjects[AuditSubject.ENTERPRISES, enterprise.id] = Subject(
                enterprise.name, url_for("enterprises.manage_detail", enterprise_id=enterprise.id)
            )
    if ids := _ids(entries, AuditSubject.EVENTS):
        for event in db.session.execute(sa.select(Event).where(Event.id.in_(ids))).scalars():
            subjects[AuditSubject.EVENTS, event.id] = Subject(
                event.title, url_for("registrations.manage_list", event_id=event.id)
            )
    if ids := _ids(entries, AuditSubject.OUTCOME_REPORTS):
        reports = db.session.execute(
            sa.select(OutcomeReport.id, Enterprise, Event)
            .join(OutcomeReport.enterprise)
            .join(OutcomeReport.event)
            .where(OutcomeReport.id.in_(ids))
        ).all()
        for report_id, enterprise, event in reports:
            subjects[AuditSubject.OUTCOME_REPORTS, report_id] = Subject(
                f"{enterprise.name} · {event.title}",
                url_for("outcomes.manage_detail", report_id=report_id),
            )
    if ids := _ids(entries, AuditSubject.DELEGATIONS):
        for delegation in db.session.execute(
            sa.select(Delegation).where(Delegation.id.in_(ids))
        ).scalars():
            subjects[AuditSubject.DELEGATIONS, delegation.id] = Subject(
                delegation.title,
                url_for("delegations.manage_detail", delegation_id=delegation.id),
            )
    if ids := _ids(entries, AuditSubject.MESSAGES):
        for message in db.session.execute(sa.select(Message).where(Message.id.in_(ids))).scalars():
            subjects[AuditSubject.MESSAGES, message.id] = Subject(
                message.subject, url_for("messaging.detail", message_id=message.id)
            )
    return subjects


@bp.route("")
@admin_required  # the log names who did what: administrators only
def log():
    form = AuditFilterForm(request.args)
    form.validate()
    page = _entries_page(
        filter_value(form.action),
        filter_value(form.subject_type),
        page=page_number(),
        per_page=current_app.config.get("AUDIT_PER_PAGE", DEFAULT_PER_PAGE),
    )
    return render_template(
        "audit/log.html",
        form=form,
        page=page,
        subjects=_subjects(page.items),
        action_label=action_label,
        field_labels=FIELD_LABELS,
        status_label=status_label,
        timezone=viewer_timezone(),
    )

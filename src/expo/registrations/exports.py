"""An event's applications as a spreadsheet: CSV for any tool, XLSX for Excel.

One row per delegate, the application's columns repeated on each, so the file can be
sorted and filtered into the lists a visa agent or a hotel asks for. Headers, statuses,
prefectures, industries and answers are in the reader's language. Organizers only: the
passport numbers are complete.

The rows hold the values as they are; ``spreadsheets.to_csv`` and ``spreadsheets.to_xlsx``
write them so that none runs as a formula on an organizer's computer (an enterprise's
"exhibits" could start with "="), each in its format's way.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _

from expo.enterprises.industries import industry_label
from expo.events.answers import answer_text
from expo.events.models import Event
from expo.i18n import to_local
from expo.registrations.models import Application, Delegate


def export_rows(event: Event, applications: Iterable[Application]) -> list[list[object]]:
    """The header, then one row per delegate (one per application that has none).

    Numbers stay numbers; texts stay as typed (the writers make them safe).
    """
    questions = list(event.questions)
    header: list[object] = [
        _("Application number"),
        _("Status"),
        _("Submitted (%(zone)s)", zone=event.timezone),
        _("Enterprise name (Chinese)"),
        _("Enterprise name (English)"),
        _("Unified social credit code"),
        _("Prefecture"),
        _("Industry"),
        _("Key enterprise"),
        _("Booths requested"),
        _("Exhibits"),
        _("Delegate name (Chinese)"),
        _("Delegate name (Latin letters)"),
        _("Position"),
        _("Mobile"),
        _("Email"),
        _("Passport number"),
        *(question.label for question in questions),
    ]
    rows = [header]
    yes, no = _("Yes"), _("No")
    for application in applications:
        enterprise = application.enterprise
        answers = {answer.question_id: answer.value for answer in application.answers}
        common = [
            application.id,
            application.status_label,
            to_local(application.created_at, event.timezone).strftime("%Y-%m-%d %H:%M"),
            enterprise.name_zh,
            enterprise.name_en,
            enterprise.credit_code,
            enterprise.prefecture_name,
            industry_label(enterprise.industry),
            yes if enterprise.key_enterprise else no,
            application.booths_requested,
            application.exhibits,
        ]
        answer_cells = [answer_text(question, answers.get(question.id)) for question in questions]
        delegates: list[Delegate | None] = list(application.delegates) or [None]
        for delegate in delegates:
            rows.append([*common, *_delegate_cells(delegate), *answer_cells])
    return rows


def _delegate_cells(delegate: Delegate | None) -> list[str]:
    if delegate is None:
        return [""] * 6
    return [
        delegate.name_zh,
        delegate.name_latin,
        delegate.title,
        delegate.mobile,
        delegate.email,
        delegate.passport_number or "",
    ]


def export_filename(event: Event, extension: str) -> str:
    """ASCII, so every browser and mail client keeps it as it is."""
    return f"applications-event-{event.id}.{extension}"

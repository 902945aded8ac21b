"""An event's schedule on paper: its dates and place, then the agenda day by day.

Times are the event's local wall-clock times with the zone named, as on the event's
page. The schedule is rendered on request (it follows every agenda change); its HTML is
cheap to make and names the PDF's version, so a reader that already has that version is
told so (``304``) without WeasyPrint running at all.
"""

from __future__ import annotations

import hashlib

import weasyprint

from expo.documents.render import render_html, stylesheet_names, stylesheet_paths, write_pdf
from expo.events.models import Event
from expo.events.services import agenda_by_day
from expo.i18n import pick

TEMPLATE = "documents/schedule.html"
TITLES = {"zh": "日程", "en": "Schedule"}


def schedule_title(event: Event, language: str) -> str:
    return f"{pick(event.title_zh, event.title_en, language)} · {TITLES.get(language, 'Schedule')}"


def schedule_html(event: Event, *, language: str) -> str:
    return render_html(
        TEMPLATE,
        language=language,
        title=schedule_title(event, language),
        event=event,
        days=agenda_by_day(event),
    )


def schedule_version(html: str) -> str:
    """What the PDF depends on: the HTML, the print stylesheets and WeasyPrint itself."""
    digest = hashlib.sha256(html.encode())
    digest.update(weasyprint.__version__.encode())
    for path in stylesheet_paths(stylesheet_names(TEMPLATE)):
        digest.update(path.read_bytes())  # the content: the same on every host
    return digest.hexdigest()[:32]


def schedule_pdf(html: str) -> bytes:
    return write_pdf(html, stylesheets=stylesheet_names(TEMPLATE))

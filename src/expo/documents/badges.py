"""Name badges for an event's approved delegates: A4 sheets of eight, cut along the lines.

Each badge carries the delegate's name in Chinese (large) and in Latin letters (spelt in
pinyin as a passport writes it when only the Chinese name was given: ``expo.names``), the
enterprise in both languages, the event and a QR check-in code. The code holds an
address, ``/manage/events/<event>/check-in/<token>``, whose token is the event and the
delegate signed with the secret key (itsdangerous), so a badge cannot be forged by
changing a number; the page it opens (organizers only) says whose badge it is and
whether the delegate's application is still approved. The token does not expire: badges
are printed weeks before the event.

Like the certificate, the printed address is always ``BASE_URL``, the one people use,
whoever prints the sheet and from where (:func:`render_badge_sheet` also serves
background jobs, outside any request).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import sqlalchemy as sa
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import selectinload

from expo.documents.render import (
    PageMetadata,
    qr_data_uri,
    render_html,
    render_pdf,
    stylesheet_names,
    write_pdf_pages,
)
from expo.events.models import Event
from expo.extensions import db
from expo.i18n import pick
from expo.names import latin_name
from expo.registrations.models import Application, ApplicationStatus, Delegate
from expo.security import signing_keys
from expo.urls import external_url

TEMPLATE = "documents/badges.html"
PER_SHEET = 8  # 2 columns × 4 rows of 90 mm × 65 mm on A4
CHECK_IN_SALT = "expo.badge-check-in"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(signing_keys(), salt=CHECK_IN_SALT)


def check_in_token(delegate: Delegate) -> str:
    """The delegate and their event, signed: what a badge's QR code carries."""
    return _serializer().dumps([delegate.application.event_id, delegate.id])


def check_in_url(delegate: Delegate) -> str:
    """The badge's check-in address, always on ``BASE_URL``."""
    return external_url(
        "documents.check_in",
        event_id=delegate.application.event_id,
        token=check_in_token(delegate),
    )


def badge_holder(token: str) -> tuple[int, int] | None:
    """The event and delegate ids a badge's token was signed for, or None for a forged one."""
    try:
        event_id, delegate_id = _serializer().loads(token)
    except (BadSignature, TypeError, ValueError):
        return None
    if not isinstance(event_id, int) or not isinstance(delegate_id, int):
        return None
    return event_id, delegate_id


def delegate_for_check_in(event: Event, token: str) -> Delegate | None:
    """The delegate a badge of ``event`` was printed for, or None for a forged or foreign one."""
    holder = badge_holder(token)
    if holder is None or holder[0] != event.id:
        return None
    delegate_id = holder[1]
    delegate = db.session.get(Delegate, delegate_id)
    if delegate is None or delegate.application.event_id != event.id:
        return None
    return delegate


def approved_delegates(
    event: Event, application_ids: Sequence[int] | None = None
) -> list[Delegate]:
    """Every delegate of the event's approved applications (of ``application_ids`` only,
    when given), by application and position: the order badges are printed in."""
    query = (
        sa.select(Delegate)
        .join(Delegate.application)
        .where(
            Application.event_id == event.id,
            Application.status == ApplicationStatus.APPROVED.value,
        )
        .options(selectinload(Delegate.application).selectinload(Application.enterprise))
        .order_by(Application.id, Delegate.position, Delegate.id)
    )
    if application_ids is not None:
        query = query.where(Application.id.in_(application_ids))
    return list(db.session.execute(query).scalars())


def _badge(delegate: Delegate) -> dict[str, str]:
    enterprise = delegate.application.enterprise
    url = check_in_url(delegate)
    enterprise_zh = pick(enterprise.name_zh, enterprise.name_en, "zh")
    enterprise_en = pick(enterprise.name_zh, enterprise.name_en, "en")
    return {
        "name_zh": (delegate.name_zh or "").strip(),
        # Always a name in Latin letters: the passport's, else the name in pinyin.
        "name_latin": latin_name(delegate.name_latin, delegate.name_zh),
        "title": (delegate.title or "").strip(),
        "enterprise_zh": enterprise_zh,
        "enterprise_en": enterprise_en if enterprise_en != enterprise_zh else "",
        "check_in_url": url,
        "qr_code": qr_data_uri(url),
    }


T = TypeVar("T")


def sheets(badges: Sequence[T], per_sheet: int = PER_SHEET) -> list[list[T]]:
    return [list(badges[index : index + per_sheet]) for index in range(0, len(badges), per_sheet)]


def badge_sheet_title(event: Event) -> str:
    return f"{pick(event.title_zh, event.title_en, 'zh')} · 胸卡 · Name badges"


def _sheet_context(event: Event) -> dict[str, str]:
    return {
        "event_zh": pick(event.title_zh, event.title_en, "zh"),
        "event_en": pick(event.title_zh, event.title_en, "en"),
    }


def render_badge_sheet(event: Event, delegates: Sequence[Delegate]) -> bytes:
    """The badges of ``delegates`` (all of ``event``), eight to an A4 page with cut lines.

    The one layout of every badge print: the event's sheet printed at once, each
    enterprise's file of a bulk job, and the job's merged print file, which runs the
    enterprises' badges on together rather than starting a sheet for each.
    """
    badges = [_badge(delegate) for delegate in delegates]
    return render_pdf(
        TEMPLATE,
        language="zh",
        title=badge_sheet_title(event),
        sheets=sheets(badges),
        **_sheet_context(event),
    )


def render_badge_sheets(applications: Sequence[Application]) -> list[bytes]:
    """Each application's badges, as :func:`application_badge_sheet` prints them, laid out
    together: one layout for the lot, then one file per enterprise (its own sheets, font
    subset and metadata). The applications are of one event and each has delegates.
    Raises :class:`~expo.documents.render.PagesMismatch` if the sheets did not lay out
    as counted.
    """
    event = applications[0].event
    context = _sheet_context(event)
    title = badge_sheet_title(event)
    description = f"{context['event_zh']} · {context['event_en']}"
    all_sheets: list[list[dict[str, str]]] = []
    anchors: list[str] = []
    documents = []
    for number, application in enumerate(applications):
        if application.event_id != event.id or not application.delegates:
            raise ValueError(f"application {application.id} has no badges of {event.id}")
        own = sheets([_badge(delegate) for delegate in application.delegates])
        anchor = f"application-{number}"
        anchors += [anchor] + [""] * (len(own) - 1)
        all_sheets += own
        documents.append(PageMetadata(anchor, title, description, pages=len(own)))
    html = render_html(
        TEMPLATE, language="zh", title=title, sheets=all_sheets, anchors=anchors, **context
    )
    return write_pdf_pages(html, documents, stylesheets=stylesheet_names(TEMPLATE))


def application_badge_sheet(application: Application) -> bytes:
    """One enterprise's badges, on sheets of its own (the bulk job's single files)."""
    return render_badge_sheet(application.event, list(application.delegates))


def badge_file_name(application: Application) -> str:
    """``成都天府茶业有限公司-12.pdf``: the enterprise, readable at a glance, and unique."""
    enterprise = application.enterprise
    name = pick(enterprise.name_zh, enterprise.name_en, "zh")
    safe = "".join(" " if char in '/\\:*?"<>|' or not char.isprintable() else char for char in name)
    return f"{' '.join(safe.split())[:80]}-{application.id}.pdf"

"""Organizers write to an event's enterprises, check the message before it goes, and watch
it being sent. The sending is a worker's (``sending``); these pages read its rows.
Enterprise users get 403, anonymous visitors the sign-in page.
"""

from __future__ import annotations

import uuid

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from expo.accounts.access import organizer_required
from expo.events.models import Event
from expo.jobs import queue
from expo.messaging import sending, services
from expo.messaging.forms import MessageForm
from expo.messaging.models import Message
from expo.web import form_to, get_or_404, page_number, render_form, run_service, save_form

bp = Blueprint("messaging", __name__)

POLL_SECONDS = 1
MESSAGES = "/manage/events/<int:event_id>/messages"


def _user():
    return current_user._get_current_object()


def progress(message: Message) -> dict[str, object]:
    """What the message's page shows, also as JSON for the progress script."""
    processed = message.delivered + message.failed
    return sending.message_progress(message) | {
        "status_label": message.status_label,
        "text": _("%(done)d of %(total)d", done=processed, total=message.total),
        "zip_url": None,
    }


@bp.route(MESSAGES)
@organizer_required
def manage_list(event_id: int):
    event = get_or_404(Event, event_id)
    return render_template(
        "messaging/manage/list.html", event=event, messages=services.event_messages(event)
    )


@bp.route(f"{MESSAGES}/new", methods=["GET", "POST"])
@organizer_required
def compose(event_id: int):
    """Write (GET), check (POST ``step=preview``), then send (``step=send``)."""
    event = get_or_404(Event, event_id)
    form = MessageForm()
    step = request.form.get("step", "preview")
    if step == "edit":  # back from the preview, with what was written
        form.send_key.data = ""  # the next preview makes its own
        return render_template("messaging/manage/compose.html", form=form, event=event)

    def data() -> services.MessageData:
        return form_to(services.MessageData, form)

    if step == "send":
        sent = save_form(form, lambda: services.create_message(event, data(), actor=_user()))
        if sent is not None:
            if sent.created:
                # Queued only after the commit: the worker must find the rows.
                queue.enqueue(sending.SEND_MESSAGE, sent.message.id)
                flash(_("The message is being sent."), "success")
            else:
                flash(_("This message was sent already: here it is."), "info")
            return redirect(url_for(".detail", message_id=sent.message.id))
    else:
        preview = save_form(form, lambda: services.preview_message(event, data()))
        if preview is not None:
            form.send_key.data = uuid.uuid4().hex  # a new one for each preview
            return render_template(
                "messaging/manage/preview.html", event=event, form=form, preview=preview
            )
    return render_form("messaging/manage/compose.html", form, event=event)


@bp.route("/manage/messages/<int:message_id>")
@organizer_required
def detail(message_id: int):
    message = get_or_404(Message, message_id)
    return render_template(
        "messaging/manage/detail.html",
        message=message,
        event=message.event,
        progress=progress(message),
        deliveries=services.message_deliveries(message, page_number()),
        stalled=message.is_stalled(),
        poll_seconds=POLL_SECONDS,
    )


@bp.post("/manage/messages/<int:message_id>/resume")
@organizer_required
def resume(message_id: int):
    message = get_or_404(Message, message_id)
    if run_service(lambda: services.resume_message(message, actor=_user())) is not None:
        queue.enqueue(sending.SEND_MESSAGE, message.id)
        flash(_("The rest of the message is being sent."), "success")
    return redirect(url_for(".detail", message_id=message.id))


@bp.route("/manage/messages/<int:message_id>.json")
@organizer_required
def detail_json(message_id: int):
    response = jsonify(progress(get_or_404(Message, message_id)))
    response.headers["Cache-Control"] = "no-store"
    return response

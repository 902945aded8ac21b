"""Organizer pages for an event's custom questions. Thin: the rules are in ``questions``."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import gettext as _

from expo.accounts.access import organizer_required
from expo.events import questions as services
from expo.events.answer_fields import add_answer_fields
from expo.events.answers import answer_text
from expo.events.models import Event, Question
from expo.events.question_forms import AnswerPreviewForm, QuestionForm
from expo.extensions import db
from expo.web import form_to, get_or_404, render_form, save_form

bp = Blueprint("questions", __name__, url_prefix="/manage/events/<int:event_id>/questions")

# Review pages and exports of every area show answers through macros/answers.html.
bp.add_app_template_global(answer_text, "answer_text")


@bp.before_request
@organizer_required
def require_organizer() -> None:
    """Every page here is for organizers and admins."""


def _question_of(event: Event, question_id: int) -> Question:
    question = get_or_404(Question, question_id)
    if question.event_id != event.id:
        abort(404)
    return question


@bp.route("", methods=["GET", "POST"])
@bp.route("/<int:question_id>", methods=["GET", "POST"])
def index(event_id: int, question_id: int | None = None):
    event = get_or_404(Event, event_id)
    question = _question_of(event, question_id) if question_id else None
    form = QuestionForm(obj=services.question_data_from(question) if question else None)

    def save() -> Question:
        data = form_to(services.QuestionData, form)
        if question:
            return services.update_question(question, data)
        return services.add_question(event, data)

    if save_form(form, save) is not None:
        flash(_("Question saved."), "success")
        return redirect(url_for(".index", event_id=event.id))
    questions = list(event.questions)
    preview = add_answer_fields(AnswerPreviewForm, questions)(formdata=None)
    return render_form(
        "manage/questions.html",
        form,
        event=event,
        editing=question,
        questions=questions,
        preview=preview,
    )


@bp.post("/<int:question_id>/delete")
def delete(event_id: int, question_id: int):
    question = _question_of(get_or_404(Event, event_id), question_id)
    services.delete_question(question)
    db.session.commit()
    flash(_("Question removed."), "success")
    return redirect(url_for(".index", event_id=event_id))


@bp.post("/<int:question_id>/move/<any(up, down):direction>")
def move(event_id: int, question_id: int, direction: str):
    question = _question_of(get_or_404(Event, event_id), question_id)
    services.move_question(question, direction)
    db.session.commit()
    return redirect(url_for(".index", event_id=event_id, _anchor=f"question-{question.id}"))

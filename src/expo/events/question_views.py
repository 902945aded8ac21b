"""Organizer pages for an event's custom questions, on the events area's blueprint.

Thin: the rules are in ``questions``.
"""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _

from expo.accounts.access import organizer_required
from expo.events import questions as services
from expo.events.answer_fields import add_answer_fields
from expo.events.models import Event, Question
from expo.events.question_forms import AnswerPreviewForm, QuestionForm
from expo.events.views import bp
from expo.web import form_to, get_or_404, render_form, run_action, run_service, save_form

QUESTIONS = "/manage/events/<int:event_id>/questions"


def _question_of(event: Event, question_id: int) -> Question:
    question = get_or_404(Question, question_id)
    if question.event_id != event.id:
        abort(404)
    return question


@bp.route(QUESTIONS, methods=["GET", "POST"])
@bp.route(f"{QUESTIONS}/<int:question_id>", methods=["GET", "POST"])
@organizer_required
def questions(event_id: int, question_id: int | None = None):
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
        return redirect(url_for(".questions", event_id=event.id))
    questions = list(event.questions)
    preview = add_answer_fields(AnswerPreviewForm, questions)(formdata=None)
    return render_form(
        "events/manage/questions.html",
        form,
        event=event,
        editing=question,
        questions=questions,
        preview=preview,
    )


@bp.post(f"{QUESTIONS}/<int:question_id>/delete")
@organizer_required
def delete_question(event_id: int, question_id: int):
    question = _question_of(get_or_404(Event, event_id), question_id)
    if run_action(lambda: services.delete_question(question)):
        flash(_("Question removed."), "success")
    return redirect(url_for(".questions", event_id=event_id))


@bp.post(f"{QUESTIONS}/<int:question_id>/move/<any(up, down):direction>")
@organizer_required
def move_question(event_id: int, question_id: int, direction: str):
    question = _question_of(get_or_404(Event, event_id), question_id)
    run_service(lambda: services.move_question(question, direction))
    return redirect(url_for(".questions", event_id=event_id, _anchor=f"question-{question.id}"))

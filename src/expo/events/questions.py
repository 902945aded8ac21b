"""Custom questions an event asks every applicant: the organizers' rules for them.

Organizers define the questions (:func:`add_question` … :func:`move_question`). What an
answer may be is in ``events.answers``; the application form's fields for the questions
are in ``events.answer_fields``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from expo.errors import InvalidInput
from expo.events.models import CHOICE_KINDS, Event, Question, QuestionKind
from expo.extensions import db
from expo.registrations.models import Answer

CHOICE_LABEL_MAX = 200
MOST_CHOICES = 100

# Kinds whose stored answers read the same under either kind.
_COMPATIBLE_KINDS = ({QuestionKind.SHORT_TEXT.value, QuestionKind.LONG_TEXT.value},)


@dataclass
class QuestionData:
    """A question as an organizer enters it.

    ``choices_text`` holds one choice per line, ``中文 | English``; either side may be
    empty (the other shows in both languages), and a line without ``|`` is Chinese when
    it contains Chinese characters, English otherwise.
    """

    kind: str = QuestionKind.SHORT_TEXT.value
    label_zh: str = ""
    label_en: str = ""
    help_zh: str = ""
    help_en: str = ""
    required: bool = False
    choices_text: str = ""


_SEPARATOR = re.compile(r"[|｜]")  # the full-width bar is what a Chinese IME types
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _choice_lines(text: str) -> list[tuple[int, str, str]]:
    """``(line number, zh, en)`` for every non-blank line of ``choices_text``."""
    lines = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = _SEPARATOR.split(line, maxsplit=1)
        if len(parts) == 2:
            zh, en = parts
        elif _HAN.search(line):
            zh, en = line, ""
        else:
            zh, en = "", line
        lines.append((number, zh.strip(), en.strip()))
    return lines


def _same(left: str, right: str) -> bool:
    return bool(left) and left.casefold() == right.casefold()


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:40].strip("-")


def _unique_value(label_en: str, taken: set[str]) -> str:
    base = _slug(label_en) or "choice"
    value, counter = base, 1
    while value in taken:
        counter += 1
        value = f"{base}-{counter}"
    return value


def _parse_choices(
    text: str, existing: list[dict[str, str]], errors: dict[str, object]
) -> list[dict[str, str]]:
    """The choices of ``text``, keeping the ``value`` of every choice that is still there.

    A line keeps an old choice's value when its Chinese or its English label is unchanged,
    so rewording one language (or fixing a typo) does not change what stored answers mean.
    """
    lines = _choice_lines(text)
    if len(lines) > MOST_CHOICES:
        errors["choices_text"] = _l("Give at most %(count)s choices.", count=MOST_CHOICES)
        return []
    for index, (number, zh, en) in enumerate(lines):
        if not (zh or en):
            errors["choices_text"] = _l(
                "Line %(number)s: write the choice in Chinese or English (or both).",
                number=number,
            )
            return []
        if len(zh) > CHOICE_LABEL_MAX or len(en) > CHOICE_LABEL_MAX:
            errors["choices_text"] = _l(
                "Line %(number)s: keep each choice under %(max)s characters.",
                number=number,
                max=CHOICE_LABEL_MAX,
            )
            return []
        for _number, other_zh, other_en in lines[:index]:
            if _same(zh, other_zh) or _same(en, other_en):
                errors["choices_text"] = _l(
                    "“%(choice)s” is listed twice.", choice=zh if _same(zh, other_zh) else en
                )
                return []

    # Unchanged lines first, then lines that kept one of their two labels.
    matched: dict[int, dict[str, str]] = {}
    unmatched = list(existing)
    for strict in (True, False):
        for index, (_number, zh, en) in enumerate(lines):
            if index in matched:
                continue
            for old in unmatched:
                same_zh = _same(zh, old.get("zh", "")) or not (zh or old.get("zh"))
                same_en = _same(en, old.get("en", "")) or not (en or old.get("en"))
                hit = (
                    (same_zh and same_en)
                    if strict
                    else (_same(zh, old.get("zh", "")) or _same(en, old.get("en", "")))
                )
                if hit:
                    matched[index] = old
                    unmatched.remove(old)
                    break

    taken = {old["value"] for old in matched.values()}
    parsed = []
    for index, (_number, zh, en) in enumerate(lines):
        if index in matched:
            value = matched[index]["value"]
        else:
            value = _unique_value(en, taken)
            taken.add(value)
        parsed.append({"value": value, "zh": zh, "en": en})
    return parsed


def _choice_line(choice: Mapping[str, str]) -> str:
    """A choice as its line in ``choices_text``: ``中文 | English``."""
    return f"{choice.get('zh', '')} | {choice.get('en', '')}".strip()


def _answered_values(question: Question) -> set[str]:
    """The choice values some stored answer to ``question`` uses."""
    if question.id is None:
        return set()
    used: set[str] = set()
    query = sa.select(Answer.value).where(Answer.question_id == question.id)
    for value in db.session.execute(query).scalars():
        if isinstance(value, list):
            used.update(str(item) for item in value)
        elif value is not None:
            used.add(str(value))
    return used


def _has_answers(question: Question) -> bool:
    if question.id is None:
        return False
    query = sa.select(Answer.id).where(Answer.question_id == question.id).limit(1)
    return db.session.execute(query).first() is not None


def _validated_question_values(data: QuestionData, question: Question | None) -> dict:
    errors: dict[str, object] = {}
    kind = (data.kind or "").strip()
    if kind not in {member.value for member in QuestionKind}:
        errors["kind"] = _l("Choose a kind of answer.")
    elif (
        question is not None
        and kind != question.kind
        and not any({kind, question.kind} <= group for group in _COMPATIBLE_KINDS)
        and _has_answers(question)
    ):
        errors["kind"] = _l(
            "Applicants have already answered this question, so its kind of answer "
            "can no longer change."
        )

    texts = {
        name: (getattr(data, name) or "").strip()
        for name in ("label_zh", "label_en", "help_zh", "help_en")
    }
    if not (texts["label_zh"] or texts["label_en"]):
        errors["label_zh"] = _l("Write the question in Chinese or English (or both).")
    for name, limit in (("label_zh", 300), ("label_en", 300), ("help_zh", 500), ("help_en", 500)):
        if len(texts[name]) > limit:
            errors[name] = _l("Use at most %(max)s characters.", max=limit)

    existing = list(question.choices or []) if question is not None else []
    parsed = _parse_choices(data.choices_text, existing, errors)
    if "kind" not in errors and "choices_text" not in errors:
        if kind in CHOICE_KINDS:
            if len(parsed) < 2:
                errors["choices_text"] = _l("Give at least two choices, one per line.")
            elif question is not None:
                kept = {choice["value"] for choice in parsed}
                removed = [choice for choice in existing if choice["value"] not in kept]
                used = _answered_values(question) if removed else set()
                for choice in removed:
                    if choice["value"] in used:
                        errors["choices_text"] = _l(
                            "Applicants have chosen “%(choice)s”: keep it in the list "
                            "(you may reword it in one language).",
                            choice=_choice_line(choice),
                        )
                        break
        elif parsed:
            errors["choices_text"] = _l(
                "Only questions with choices take a list of choices: clear this box "
                "or choose “One choice” or “Several choices”."
            )
    if errors:
        raise InvalidInput(errors)
    return {
        "kind": kind,
        **texts,
        "required": bool(data.required),
        "choices": parsed if kind in CHOICE_KINDS else [],
    }


def _ordered(event: Event) -> list[Question]:
    return sorted(event.questions, key=lambda question: (question.position, question.id or 0))


def _renumber(questions: list[Question]) -> None:
    for position, question in enumerate(questions):
        question.position = position


def add_question(event: Event, data: QuestionData) -> Question:
    """A new question at the end of the event's list."""
    question = Question(**_validated_question_values(data, None))
    questions = _ordered(event)
    _renumber(questions)
    question.position = len(questions)
    event.questions.append(question)
    db.session.flush()
    return question


def update_question(question: Question, data: QuestionData) -> Question:
    for name, value in _validated_question_values(data, question).items():
        setattr(question, name, value)
    db.session.flush()
    return question


def delete_question(question: Question) -> None:
    """Remove a question, and with it every answer given to it."""
    event = question.event
    db.session.execute(sa.delete(Answer).where(Answer.question_id == question.id))
    remaining = [other for other in _ordered(event) if other is not question]
    event.questions.remove(question)
    _renumber(remaining)
    db.session.flush()
    db.session.expire(event, ["questions"])


def move_question(question: Question, direction: str) -> Question:
    """Swap a question with its neighbour; at either end nothing changes."""
    if direction not in ("up", "down"):
        raise ValueError(f"direction must be 'up' or 'down', not {direction!r}")
    event = question.event
    questions = _ordered(event)
    index = questions.index(question)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(questions):
        questions[index], questions[other] = questions[other], questions[index]
    _renumber(questions)
    db.session.flush()
    db.session.expire(event, ["questions"])
    return question


def choices_text_from(question: Question) -> str:
    return "\n".join(_choice_line(choice) for choice in question.choices or [])


def question_data_from(question: Question) -> QuestionData:
    return QuestionData(
        kind=question.kind,
        label_zh=question.label_zh,
        label_en=question.label_en,
        help_zh=question.help_zh,
        help_en=question.help_en,
        required=question.required,
        choices_text=choices_text_from(question),
    )

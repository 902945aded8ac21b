"""Custom questions: organizers define them; applicants' answers are checked and shown."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from flask import render_template_string
from flask_babel import force_locale
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict

from expo.errors import InvalidInput
from expo.events import answer_fields
from expo.events import answers as answer_rules
from expo.events import questions as services
from expo.events.models import Question
from expo.registrations.models import Answer, Application
from tests.events.test_views import error_at
from tests.factories import make_enterprise, make_event, make_user
from tests.pages import cldr_date

FOOD_AND_MACHINERY = [
    {"value": "food", "zh": "食品饮料", "en": "Food and beverages"},
    {"value": "machinery", "zh": "机械设备", "en": "Machinery"},
    {"value": "textiles", "zh": "纺织服装", "en": "Textiles"},
]


def make_question(event, **fields) -> Question:
    values = {
        "kind": "short_text",
        "label_zh": "主要出口产品",
        "label_en": "Main export products",
        "position": len(event.questions),
    }
    values.update(fields)
    question = Question(**values)
    event.questions.append(question)
    from expo.extensions import db

    db.session.flush()
    return question


def make_answer(question, value) -> Answer:
    from expo.extensions import db

    application = Application(
        event=question.event,
        enterprise=make_enterprise(),
        consent_version="test",
        consented_at=datetime.now(UTC),
    )
    answer = Answer(question=question, value=value)
    application.answers.append(answer)
    db.session.add(application)
    db.session.flush()
    return answer


def count_questions(db) -> int:
    return db.session.scalar(sa.select(sa.func.count(Question.id)))


@pytest.fixture()
def organizer(db, login_as):
    return login_as(make_user("organizer"))


# --- organizer pages -------------------------------------------------------------------

KIND_FORMS = {
    "short_text": {"label_zh": "公司网站", "label_en": "Company website"},
    "long_text": {"label_zh": "参展目标", "help_en": "What you hope to achieve."},
    "single_choice": {
        "label_en": "Booth type",
        "choices_text": "标准展位 | Standard booth\n特装展位 | Raw space",
    },
    "multiple_choice": {
        "label_zh": "感兴趣的市场",
        "label_en": "Markets of interest",
        "choices_text": "匈牙利 | Hungary\n塞尔维亚 | Serbia\n波兰 | Poland",
        "required": "y",
    },
    "number": {"label_zh": "去年出口额（万美元）", "label_en": "Exports last year (10,000 USD)"},
    "yes_no": {"label_zh": "是否首次参展", "label_en": "First time at this fair?", "required": "y"},
    "date": {"label_zh": "预计抵达日期", "label_en": "Expected arrival date"},
}
KIND_LABELS = {
    "short_text": "Short text",
    "long_text": "Long text",
    "single_choice": "One choice",
    "multiple_choice": "Several choices",
    "number": "Number",
    "yes_no": "Yes or no",
    "date": "Date",
}


class TestOrganizerPages:
    @pytest.mark.parametrize("kind", list(KIND_FORMS))
    def test_organizer_adds_each_kind(self, client, db, organizer, kind):
        event = make_event()
        db.session.commit()
        url = f"/manage/events/{event.id}/questions"
        response = client.post(url, data={"kind": kind, **KIND_FORMS[kind]})
        assert response.status_code == 302, response.get_data(as_text=True)
        question = db.session.scalar(sa.select(Question))
        assert (question.event_id, question.kind, question.position) == (event.id, kind, 0)
        assert question.required == ("required" in KIND_FORMS[kind])
        expected_label = KIND_FORMS[kind].get("label_en") or KIND_FORMS[kind]["label_zh"]
        html = client.get(f"{url}?lang=en").get_data(as_text=True)
        assert expected_label in html
        assert KIND_LABELS[kind] in html
        if kind in ("single_choice", "multiple_choice"):
            assert len(question.choices) >= 2
            for choice in question.choices:
                assert choice["en"] in html
        else:
            assert question.choices == []

    def test_choices_get_stable_values_from_their_labels(self, client, db, organizer):
        event = make_event()
        db.session.commit()
        client.post(
            f"/manage/events/{event.id}/questions",
            data={
                "kind": "single_choice",
                "label_zh": "产品类别",
                # A Chinese input method types the full-width bar; a bare line is Chinese.
                "choices_text": (
                    "食品饮料 | Food & beverages\n\n机械 ｜ Machinery\n其他\n| Services"
                ),
            },
        )
        question = db.session.scalar(sa.select(Question))
        assert question.choices == [
            {"value": "food-beverages", "zh": "食品饮料", "en": "Food & beverages"},
            {"value": "machinery", "zh": "机械", "en": "Machinery"},
            {"value": "choice", "zh": "其他", "en": ""},
            {"value": "services", "zh": "", "en": "Services"},
        ]

    def test_question_without_a_label_is_refused_at_the_field(self, client, db, organizer):
        event = make_event()
        db.session.commit()
        response = client.post(
            f"/manage/events/{event.id}/questions?lang=en",
            data={"kind": "short_text", "label_zh": " ", "label_en": ""},
        )
        assert response.status_code == 422
        assert "Chinese or English" in error_at(response.get_data(as_text=True), "label_zh")
        assert count_questions(db) == 0

    def test_choice_kind_needs_two_choices(self, client, db, organizer):
        event = make_event()
        db.session.commit()
        response = client.post(
            f"/manage/events/{event.id}/questions?lang=en",
            data={
                "kind": "multiple_choice",
                "label_en": "Markets",
                "choices_text": "欧洲 | Europe",
            },
        )
        assert response.status_code == 422
        html = response.get_data(as_text=True)
        assert "at least two choices" in error_at(html, "choices_text")
        assert "Europe" in html  # what was typed is kept
        assert count_questions(db) == 0

    def test_text_kind_takes_no_choices(self, client, db, organizer):
        event = make_event()
        db.session.commit()
        response = client.post(
            f"/manage/events/{event.id}/questions?lang=en",
            data={"kind": "short_text", "label_en": "Website", "choices_text": "a | b\nc | d"},
        )
        assert response.status_code == 422
        assert "clear this box" in error_at(response.get_data(as_text=True), "choices_text")
        assert count_questions(db) == 0

    def test_duplicate_choices_are_refused(self, client, db, organizer):
        event = make_event()
        db.session.commit()
        response = client.post(
            f"/manage/events/{event.id}/questions?lang=en",
            data={
                "kind": "single_choice",
                "label_en": "Sector",
                "choices_text": "食品 | Food\n机械 | Machinery\n饮料 | food",
            },
        )
        assert response.status_code == 422
        assert "listed twice" in error_at(response.get_data(as_text=True), "choices_text")
        assert count_questions(db) == 0

    def test_edit_form_shows_the_question(self, client, db, organizer):
        event = make_event()
        question = make_question(event, kind="single_choice", choices=FOOD_AND_MACHINERY)
        db.session.commit()
        html = client.get(f"/manage/events/{event.id}/questions/{question.id}?lang=en").get_data(
            as_text=True
        )
        assert 'value="主要出口产品"' in html
        assert "食品饮料 | Food and beverages\n机械设备 | Machinery" in html
        assert "Edit question" in html

    def test_editing_keeps_the_values_of_reworded_choices(self, client, db, organizer):
        event = make_event()
        question = make_question(event, kind="single_choice", choices=FOOD_AND_MACHINERY)
        db.session.commit()
        response = client.post(
            f"/manage/events/{event.id}/questions/{question.id}",
            data={
                "kind": "single_choice",
                "label_zh": "主要类别",
                "label_en": "Main sector",
                "required": "y",
                # reordered, one English rewording, one Chinese rewording, one new choice
                "choices_text": (
                    "机械设备 | Machinery and equipment\n"
                    "食品和饮料 | Food and beverages\n"
                    "纺织服装 | Textiles\n"
                    "医药 | Pharmaceuticals"
                ),
            },
        )
        assert response.status_code == 302
        db.session.refresh(question)
        assert [choice["value"] for choice in question.choices] == [
            "machinery",
            "food",
            "textiles",
            "pharmaceuticals",
        ]
        assert question.choices[0]["en"] == "Machinery and equipment"
        assert (question.label_en, question.required) == ("Main sector", True)

    def test_a_choice_applicants_picked_cannot_be_removed(self, client, db, organizer):
        event = make_event()
        question = make_question(event, kind="multiple_choice", choices=FOOD_AND_MACHINERY)
        make_answer(question, ["food", "textiles"])
        db.session.commit()
        response = client.post(
            f"/manage/events/{event.id}/questions/{question.id}?lang=en",
            data={
                "kind": "multiple_choice",
                "label_en": "Sectors",
                "choices_text": "食品饮料 | Food and beverages\n机械设备 | Machinery",
            },
        )
        assert response.status_code == 422
        assert "Textiles" in error_at(response.get_data(as_text=True), "choices_text")
        db.session.refresh(question)
        assert len(question.choices) == 3

    def test_kind_of_an_answered_question_cannot_change(self, client, db, organizer):
        event = make_event()
        question = make_question(event, kind="short_text")
        make_answer(question, "Chilli sauce")
        db.session.commit()
        url = f"/manage/events/{event.id}/questions/{question.id}?lang=en"
        response = client.post(url, data={"kind": "number", "label_en": "How many?"})
        assert response.status_code == 422
        assert "can no longer change" in error_at(response.get_data(as_text=True), "kind")
        # Short and long text answers read the same: that change is fine.
        assert client.post(url, data={"kind": "long_text", "label_en": "Products"}).status_code == (
            302
        )
        db.session.refresh(question)
        assert question.kind == "long_text"

    def test_reorder(self, client, db, organizer):
        event = make_event()
        first, second, third = (make_question(event, label_en=name) for name in "ABC")
        db.session.commit()
        base = f"/manage/events/{event.id}/questions"
        assert client.post(f"{base}/{third.id}/move/up").status_code == 302
        assert client.post(f"{base}/{first.id}/move/up").status_code == 302  # already first
        db.session.expire_all()
        assert [q.label_en for q in event.questions] == ["A", "C", "B"]
        assert [q.position for q in event.questions] == [0, 1, 2]
        client.post(f"{base}/{first.id}/move/down")
        db.session.expire_all()
        assert [q.label_en for q in event.questions] == ["C", "A", "B"]
        html = client.get(f"{base}?lang=en").get_data(as_text=True)
        assert html.index(">1. C") < html.index(">2. A") < html.index(">3. B")
        assert client.post(f"{base}/{first.id}/move/sideways").status_code == 404

    def test_delete_renumbers_and_removes_the_answers(self, client, db, organizer):
        event = make_event()
        first, second, third = (make_question(event, label_en=name) for name in "ABC")
        make_answer(second, "an answer")
        db.session.commit()
        response = client.post(f"/manage/events/{event.id}/questions/{second.id}/delete")
        assert response.status_code == 302
        db.session.expire_all()
        assert [(q.label_en, q.position) for q in event.questions] == [("A", 0), ("C", 1)]
        assert db.session.scalar(sa.select(sa.func.count(Answer.id))) == 0

    def test_page_links_back_and_previews_the_fields(self, client, db, organizer):
        event = make_event(title_en="Budapest Fair")
        make_question(event, kind="yes_no", label_en="First time?", required=True)
        db.session.commit()
        html = client.get(f"/manage/events/{event.id}/questions?lang=en").get_data(as_text=True)
        assert f'href="/events/{event.id}"' in html
        assert "<legend" in html and "First time?" in html
        assert html.count("<h1") == 1


class TestAccess:
    def test_anonymous_is_sent_to_sign_in(self, client, db):
        event = make_event()
        db.session.commit()
        response = client.get(f"/manage/events/{event.id}/questions")
        assert response.status_code == 302
        assert "/account/login" in response.headers["Location"]

    def test_enterprise_user_is_forbidden(self, client, db, login_as):
        event = make_event()
        question = make_question(event)
        login_as(make_user("enterprise"))
        base = f"/manage/events/{event.id}/questions"
        assert client.get(base).status_code == 403
        assert client.post(base, data={"kind": "short_text", "label_en": "x"}).status_code == 403
        assert client.post(f"{base}/{question.id}/delete").status_code == 403
        assert client.post(f"{base}/{question.id}/move/down").status_code == 403
        assert count_questions(db) == 1

    def test_question_of_another_event_is_not_found(self, client, db, organizer):
        event, other = make_event(), make_event()
        question = make_question(other)
        db.session.commit()
        base = f"/manage/events/{event.id}/questions/{question.id}"
        assert client.get(base).status_code == 404
        assert client.post(base, data={"kind": "short_text", "label_en": "x"}).status_code == 404
        assert client.post(f"{base}/delete").status_code == 404
        assert client.post(f"{base}/move/up").status_code == 404
        assert client.get("/manage/events/999999/questions").status_code == 404
        assert count_questions(db) == 1


# --- the organizer's rules, without HTTP -----------------------------------------------


class TestQuestionServices:
    def test_add_appends_at_the_end(self, db):
        event = make_event()
        make_question(event)
        question = services.add_question(
            event, services.QuestionData(kind="date", label_en="Arrival")
        )
        assert question.position == 1

    def test_every_problem_is_reported_at_once(self, db):
        event = make_event()
        with pytest.raises(InvalidInput) as caught:
            services.add_question(
                event, services.QuestionData(kind="single_choice", choices_text="只有一个")
            )
        assert set(caught.value.errors) == {"label_zh", "choices_text"}

    def test_unknown_kind(self, db):
        with pytest.raises(InvalidInput) as caught:
            services.add_question(make_event(), services.QuestionData(kind="essay", label_en="x"))
        assert set(caught.value.errors) == {"kind"}

    def test_question_data_round_trips(self, db):
        event = make_event()
        question = make_question(
            event,
            kind="single_choice",
            choices=[
                {"value": "a", "zh": "甲", "en": ""},
                {"value": "b", "zh": "", "en": "Bee"},
            ],
        )
        data = services.question_data_from(question)
        assert data.choices_text == "甲 |\n| Bee"
        services.update_question(question, data)
        assert [choice["value"] for choice in question.choices] == ["a", "b"]


# --- answers ---------------------------------------------------------------------------


@pytest.fixture()
def questionnaire(db):
    """One question of every kind, in kind order, all optional."""
    event = make_event()
    kinds = {
        "short_text": {},
        "long_text": {},
        "single_choice": {"choices": FOOD_AND_MACHINERY},
        "multiple_choice": {"choices": FOOD_AND_MACHINERY},
        "number": {},
        "yes_no": {},
        "date": {},
    }
    return {kind: make_question(event, kind=kind, **extra) for kind, extra in kinds.items()}


def field(question) -> str:
    return f"answer_{question.id}"


def refused(questions, raw, app, lang="en") -> dict[str, str]:
    with app.test_request_context(f"/?lang={lang}"):
        with pytest.raises(InvalidInput) as caught:
            answer_rules.validate_answers(questions, raw)
        return {name: str(message) for name, message in caught.value.errors.items()}


class TestValidateAnswers:
    def test_required_missing_and_optional_left_out(self, app, db, questionnaire):
        for question in questionnaire.values():
            question.required = True
        questions = list(questionnaire.values())
        errors = refused(questions, {field(questionnaire["short_text"]): "  "}, app)
        assert set(errors) == {field(q) for q in questions}
        assert set(errors.values()) == {"Answer this question."}
        for question in questions:
            question.required = False
        assert answer_rules.validate_answers(questions, {}) == {}

    def test_valid_answers_are_normalised(self, db, questionnaire):
        q = questionnaire
        raw = MultiDict(
            [
                (field(q["short_text"]), "  辣椒酱、火锅底料 \n"),
                (field(q["long_text"]), "第一行\r\n第二行  "),
                (field(q["single_choice"]), "machinery"),
                (field(q["multiple_choice"]), "textiles"),
                (field(q["multiple_choice"]), "food"),
                (field(q["multiple_choice"]), "textiles"),
                (field(q["number"]), "1,250.50"),
                (field(q["yes_no"]), "no"),
                (field(q["date"]), "2027-05-10"),
            ]
        )
        assert answer_rules.validate_answers(q.values(), raw) == {
            q["short_text"].id: "辣椒酱、火锅底料",
            q["long_text"].id: "第一行\n第二行",
            q["single_choice"].id: "machinery",
            q["multiple_choice"].id: ["food", "textiles"],  # the question's order, once each
            q["number"].id: 1250.5,
            q["yes_no"].id: False,
            q["date"].id: "2027-05-10",
        }

    def test_form_data_is_accepted_too(self, db, questionnaire):
        q = questionnaire
        raw = {
            field(q["multiple_choice"]): ["machinery"],
            field(q["yes_no"]): True,
            field(q["date"]): date(2027, 2, 28),
            field(q["number"]): 12,
        }
        assert answer_rules.validate_answers(q.values(), raw) == {
            q["multiple_choice"].id: ["machinery"],
            q["yes_no"].id: True,
            q["date"].id: "2027-02-28",
            q["number"].id: 12,
        }

    @pytest.mark.parametrize(
        ("typed", "stored"),
        [
            ("1200", 1200),
            ("-7", -7),
            ("3.50", 3.5),
            ("1e3", 1000),
            ("0.001", 0.001),
            ("999999999999", 999999999999),
            ("123456789012.345", 123456789012.345),
            ("  42  ", 42),
        ],
    )
    def test_numbers_are_json_numbers_exactly_as_typed(self, db, questionnaire, typed, stored):
        question = questionnaire["number"]
        value = answer_rules.validate_answers([question], {field(question): typed})[question.id]
        assert value == stored and type(value) is type(stored)
        if isinstance(value, float):
            assert repr(value) == str(stored)  # no binary rounding crept in

    @pytest.mark.parametrize(
        ("typed", "message"),
        [
            ("twelve", "Enter a number"),
            ("NaN", "Enter a number"),
            ("Infinity", "Enter a number"),
            ("1.2.3", "Enter a number"),
            ("1000000000000", "at most 12 digits before"),
            ("-1000000000000.5", "at most 12 digits before"),
            ("1.2345", "at most 3 digits after"),
        ],
    )
    def test_bad_numbers(self, app, db, questionnaire, typed, message):
        question = questionnaire["number"]
        assert message in refused([question], {field(question): typed}, app)[field(question)]

    @pytest.mark.parametrize(
        ("kind", "raw", "message"),
        [
            ("single_choice", "pharma", "Choose one of the options."),
            ("single_choice", ["food", "machinery"], "Choose only one."),
            ("multiple_choice", ["food", "pharma"], "Choose only among the options."),
            ("yes_no", "maybe", "Choose yes or no."),
            ("date", "2027-02-30", "This date does not exist."),
            ("date", "10/05/2027", "YYYY-MM-DD"),
            ("date", "1850-01-01", "between 1900 and 2100"),
            ("short_text", "长" * 201, "at most 200 characters"),
            ("long_text", "x" * 5001, "at most 5000 characters"),
        ],
    )
    def test_invalid_answers(self, app, db, questionnaire, kind, raw, message):
        question = questionnaire[kind]
        assert message in refused([question], {field(question): raw}, app)[field(question)]

    def test_texts_at_their_limits_pass(self, db, questionnaire):
        short, long = questionnaire["short_text"], questionnaire["long_text"]
        answers = answer_rules.validate_answers(
            [short, long], {field(short): "长" * 200, field(long): "x" * 5000}
        )
        assert len(answers[short.id]) == 200 and len(answers[long.id]) == 5000

    def test_messages_are_in_the_readers_language(self, app, db, questionnaire):
        question = questionnaire["date"]
        question.required = True
        en = refused([question], {}, app, lang="en")
        assert en[field(question)] == "Answer this question."


class TestAnswerText:
    def show(self, app, question, value, lang):
        with app.test_request_context(f"/?lang={lang}"):
            return answer_rules.answer_text(question, value)

    def test_in_english(self, app, db, questionnaire):
        q = questionnaire
        assert self.show(app, q["single_choice"], "food", "en") == "Food and beverages"
        assert (
            self.show(app, q["multiple_choice"], ["food", "textiles"], "en")
            == "Food and beverages and Textiles"
        )
        assert self.show(app, q["yes_no"], True, "en") == "Yes"
        assert self.show(app, q["yes_no"], False, "en") == "No"
        assert self.show(app, q["number"], 1250.5, "en") == "1,250.5"
        assert self.show(app, q["number"], 1200, "en") == "1,200"
        # CLDR's medium date, "May 10, 2027": review pages and exports word dates as CLDR does.
        assert self.show(app, q["date"], "2027-05-10", "en") == cldr_date(date(2027, 5, 10), "en")
        assert self.show(app, q["short_text"], "Chilli sauce", "en") == "Chilli sauce"
        assert self.show(app, q["short_text"], None, "en") == ""

    def test_in_chinese(self, app, db, questionnaire):
        q = questionnaire
        assert self.show(app, q["single_choice"], "food", "zh") == "食品饮料"
        assert (
            self.show(app, q["multiple_choice"], ["food", "machinery"], "zh")
            == "食品饮料和机械设备"
        )
        assert self.show(app, q["number"], 123456789012.345, "zh") == "123,456,789,012.345"
        # "2027年5月10日"
        assert self.show(app, q["date"], "2027-05-10", "zh") == cldr_date(date(2027, 5, 10), "zh")

    def test_yes_and_no_in_chinese(self, app, db, questionnaire):
        """Needs the Chinese catalogue to translate "Yes" and "No"."""
        with app.test_request_context("/"), force_locale("zh"):
            assert answer_rules.answer_text(questionnaire["yes_no"], True) == "是"
            assert answer_rules.answer_text(questionnaire["yes_no"], False) == "否"

    def test_an_answer_that_no_longer_fits_is_shown_as_stored(self, app, db, questionnaire):
        assert self.show(app, questionnaire["single_choice"], "gone", "en") == "gone"
        assert self.show(app, questionnaire["date"], "not a date", "en") == "not a date"

    def test_answers_list_macro(self, app, db, questionnaire):
        q = questionnaire
        template = (
            '{% from "macros/answers.html" import answers_list %}'
            "{{ answers_list(questions, answers) }}"
        )
        with app.test_request_context("/?lang=en"):
            html = render_template_string(
                template,
                questions=[q["single_choice"], q["yes_no"], q["date"]],
                answers={q["single_choice"].id: "machinery", q["yes_no"].id: True},
            )
        assert re.search(r"<dt[^>]*>Main export products</dt>\s*<dd[^>]*>Machinery</dd>", html)
        assert ">Yes</dd>" in html
        assert "Not answered" in html

    def test_answers_list_takes_the_answer_rows_too(self, app, db, questionnaire):
        question = questionnaire["multiple_choice"]
        answer = make_answer(question, ["food", "textiles"])
        with app.test_request_context("/?lang=zh"):
            html = render_template_string(
                '{% from "macros/answers.html" import answers_list %}'
                "{{ answers_list(questions, answers) }}",
                questions=[question],
                answers=answer.application.answers,
            )
        assert "食品饮料和纺织服装</dd>" in html


class TestAnswerFields:
    def build(self, questions, formdata=None, data=None):
        form_class = answer_fields.add_answer_fields(FlaskForm, questions)
        return form_class(formdata=formdata, data=data)

    def render(self, form, questions) -> str:
        return render_template_string(
            '{% from "macros/answers.html" import answer_fields %}'
            "{{ answer_fields(form, questions) }}",
            form=form,
            questions=questions,
        )

    def test_renders_a_labelled_field_for_every_question(self, app, db, questionnaire):
        for index, question in enumerate(questionnaire.values()):
            question.label_en = f"Question {index}"
            question.help_en = f"Help {index}" if index % 2 else ""
        questionnaire["yes_no"].required = True
        questionnaire["multiple_choice"].required = True
        questions = list(questionnaire.values())
        with app.test_request_context("/?lang=en"):
            html = self.render(self.build(questions), questions)
        for index, question in enumerate(questions):
            assert f"Question {index}" in html
            if question.kind in ("single_choice", "multiple_choice", "yes_no"):
                assert re.search(rf'<fieldset id="{field(question)}"[^>]*>\s*<legend', html)
            else:
                assert f'<label class="form-label" for="{field(question)}">Question {index}' in html
        assert 'inputmode="decimal"' in html and 'type="date"' in html and "<textarea" in html
        assert html.count('type="checkbox"') == 3
        assert html.count('type="radio"') == 3 + 2
        assert 'aria-describedby="answer_' in html and "Help 1" in html
        assert ">Food and beverages</label>" in html and ">Yes</label>" in html
        # Radios of a required question carry `required`; checkboxes must not, or the
        # browser would insist on every box.
        assert len(re.findall(r'<input[^>]*required[^>]*type="radio"', html)) == 2
        assert not re.search(r'<input[^>]*required[^>]*type="checkbox"', html)
        assert "(required)" in html

    def test_labels_follow_the_reader(self, app, db, questionnaire):
        question = questionnaire["short_text"]
        with app.test_request_context("/?lang=zh"):
            assert "主要出口产品" in self.render(self.build([question]), [question])

    def test_validates_a_posted_form(self, app, db, questionnaire):
        q = questionnaire
        q["yes_no"].required = True
        questions = list(q.values())
        posted = MultiDict(
            [
                (field(q["short_text"]), "Chilli sauce"),
                (field(q["multiple_choice"]), "food"),
                (field(q["multiple_choice"]), "textiles"),
                (field(q["number"]), "12.5"),
                (field(q["yes_no"]), "yes"),
                (field(q["date"]), "2027-05-10"),
            ]
        )
        with app.test_request_context("/?lang=en", method="POST", data=posted):
            form = self.build(questions, formdata=posted)
            assert form.validate(), form.errors
            answers = answer_rules.validate_answers(questions, form.data)
            assert answers == answer_rules.validate_answers(questions, posted)
        assert answers[q["multiple_choice"].id] == ["food", "textiles"]
        assert answers[q["number"].id] == 12.5

    def test_a_bad_post_gets_the_services_messages_at_the_fields(self, app, db, questionnaire):
        q = questionnaire
        q["yes_no"].required = True
        questions = list(q.values())
        posted = MultiDict(
            [
                (field(q["number"]), "lots"),
                (field(q["date"]), "2027-02-30"),
                (field(q["single_choice"]), "pharma"),
                (field(q["multiple_choice"]), "pharma"),
            ]
        )
        with app.test_request_context("/?lang=en", method="POST", data=posted):
            form = self.build(questions, formdata=posted)
            assert not form.validate()
            errors = {
                name: [str(message) for message in messages]
                for name, messages in form.errors.items()
            }
            html = self.render(form, questions)
        assert errors == {
            field(q["number"]): ["Enter a number, e.g. 1200 or 3.5."],
            field(q["date"]): ["This date does not exist."],
            field(q["single_choice"]): ["Choose one of the options."],
            field(q["multiple_choice"]): ["Choose only among the options."],
            field(q["yes_no"]): ["Answer this question."],
        }
        assert "Answer this question." in error_at(html, field(q["yes_no"]))
        assert "does not exist" in error_at(html, field(q["date"]))
        assert 'value="2027-02-30"' in html  # what was typed stays in the field

    def test_stored_answers_fill_an_edit_form(self, app, db, questionnaire):
        q = questionnaire
        questions = list(q.values())
        stored = {
            q["short_text"].id: "Chilli sauce",
            q["multiple_choice"].id: ["food", "textiles"],
            q["single_choice"].id: "machinery",
            q["number"].id: 1250.5,
            q["yes_no"].id: False,
            q["date"].id: "2027-05-10",
        }
        data = answer_rules.answer_field_data(questions, stored)
        assert data[field(q["yes_no"])] == "no" and data[field(q["number"])] == "1250.5"
        with app.test_request_context("/?lang=en"):
            form = self.build(questions, data=data)
            html = self.render(form, questions)
            # Submitting the untouched form gives back what was stored.
            assert answer_rules.validate_answers(questions, form.data) == stored
        assert 'value="Chilli sauce"' in html and 'value="2027-05-10"' in html
        assert len(re.findall(r'<input[^>]*checked[^>]*type="checkbox"', html)) == 2
        assert re.search(r'<input[^>]*checked[^>]*type="radio"[^>]*value="no"', html)

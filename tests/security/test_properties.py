"""Whatever text reaches the services that take it, they save valid data or raise the
field-keyed ``InvalidInput``, never another exception (a database error included).

Examples are few and derandomized, so CI sees the same ones every run; each is rolled
back, so none sees another's rows.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from expo.delegations import services as delegation_services
from expo.enterprises import services as enterprise_services
from expo.errors import InvalidInput
from expo.events.answers import validate_answers
from expo.extensions import db
from expo.registrations import services as registration_services
from expo.validation import has_control_characters
from tests.factories import (
    make_delegation,
    make_enterprise,
    make_enterprise_user,
    make_question,
    open_event,
    valid_credit_code,
)

PROPERTY = settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Text as people and attackers type it: any characters, the usual ones, and the known
# troublemakers (NUL, line breaks in one-line fields, very long text).
TRICKY = st.sampled_from(
    ["", " ", "王芳", "ZHANG San", "a\x00b", "x\r\nBcc: a@example.com", "\t", "x" * 6000, "²"]
)
TEXT = st.one_of(st.text(max_size=40), TRICKY)


def mostly(valid, anything: st.SearchStrategy) -> st.SearchStrategy:
    """Usually a valid value, so the examples reach the saving of the text under test."""
    return st.one_of(st.just(valid), st.just(valid), anything)


PHONES = mostly("+86 138 0000 0000", TEXT)
EMAILS = mostly("", st.one_of(TEXT, st.sampled_from(["wang@example.com", "a@b"])))
PASSPORTS = mostly("", st.one_of(TEXT, st.sampled_from(["E12345678", "e 1234 5678"])))
IDS = st.one_of(st.none(), st.integers(min_value=-(2**70), max_value=2**70))


def _long_texts_fit(values: dict[str, object], limits: dict[str, int]) -> None:
    for name, limit in limits.items():
        value = values[name]
        assert isinstance(value, str) and len(value) <= limit, name
        assert not has_control_characters(value, multiline=True), name


def holds(action: Callable[[], object], fields: set[str], check: Callable[[object], None]):
    """Run a service: what it saved is valid, or it refused with messages at ``fields``."""
    try:
        result = action()
        db.session.flush()
    except InvalidInput as refusal:
        assert refusal.errors, "a refusal names the fields at fault"
        assert set(refusal.errors) <= fields, set(refusal.errors) - fields
        assert all(str(message) for message in refusal.errors.values())
    else:
        check(result)
    finally:
        db.session.rollback()


# --- enterprise data -----------------------------------------------------------------------

ENTERPRISE_FIELDS = {name for name in enterprise_services.EnterpriseData.__dataclass_fields__}
AMOUNTS = mostly(
    Decimal("1250000.5"),
    st.one_of(
        st.none(),
        st.decimals(allow_nan=True, allow_infinity=True),
        st.sampled_from([Decimal("0"), Decimal("1e20")]),
    ),
)


@pytest.fixture()
def enterprise_user(db):
    user = make_enterprise_user()
    db.session.commit()
    return user


@PROPERTY
@given(
    data=st.builds(
        enterprise_services.EnterpriseData,
        credit_code=mostly(valid_credit_code(serial=99_999_999), TEXT),
        prefecture=mostly("510100", TEXT),
        industry=mostly("machinery", TEXT),
        name_zh=TEXT,
        name_en=TEXT,
        main_products_zh=TEXT,
        main_products_en=TEXT,
        export_value_usd=AMOUNTS,
        import_value_usd=AMOUNTS,
        target_markets=st.lists(st.one_of(TEXT, st.sampled_from(["DE", "kz"])), max_size=3),
        website=mostly(
            "", st.one_of(TEXT, st.sampled_from(["www.x.cn", "http://[::1", "ftp://x"]))
        ),
        contact_name=TEXT,
        contact_phone=PHONES,
        contact_email=EMAILS,
    )
)
def test_enterprise_profiles(enterprise_user, data) -> None:
    enterprise = enterprise_user.enterprise

    def check(saved) -> None:
        _long_texts_fit(vars(saved), enterprise_services._TEXT_LIMITS)
        assert len(saved.website) <= 255 and not has_control_characters(saved.website)

    holds(
        lambda: enterprise_services.update_profile(enterprise, data, actor=enterprise_user),
        ENTERPRISE_FIELDS,
        check,
    )


# --- application data and answers ---------------------------------------------------------

KINDS = ("short_text", "long_text", "number", "yes_no", "date", "single_choice")
CHOICES = [{"value": "tea", "zh": "茶", "en": "Tea"}, {"value": "wine", "zh": "酒", "en": "Wine"}]


@pytest.fixture()
def event_with_questions(db):
    event = open_event(moderation="first_come", capacity=5)
    for kind in (*KINDS, "multiple_choice"):
        choices = CHOICES if "choice" in kind else []
        make_question(event, kind=kind, label_en=kind, choices=choices)
    enterprise = make_enterprise()
    user = make_enterprise_user(enterprise)
    db.session.commit()
    return event, enterprise, user


def _answers(event) -> st.SearchStrategy[dict[str, object]]:
    values = st.one_of(
        TEXT,
        st.sampled_from(["12", "-3.5", "1e400", "NaN", "yes", "2027-05-10", "9999-12-31", "tea"]),
        st.lists(st.one_of(TEXT, st.just("wine")), max_size=3),
    )
    names = [f"answer_{question.id}" for question in event.questions]
    return st.fixed_dictionaries({}, optional=dict.fromkeys(names, values))


DELEGATES = st.builds(
    registration_services.DelegateData,
    name_zh=TEXT,
    name_latin=mostly("ZHANG San", TEXT),
    title=TEXT,
    mobile=PHONES,
    email=EMAILS,
    passport_number=PASSPORTS,
)


@PROPERTY
@given(data=st.data())
def test_applications(event_with_questions, data) -> None:
    event, enterprise, user = event_with_questions
    application = registration_services.ApplicationData(
        delegates=data.draw(st.lists(DELEGATES, min_size=1, max_size=4)),
        booths_requested=data.draw(
            st.one_of(st.integers(1, 5), st.integers(min_value=-(2**40), max_value=2**40))
        ),
        exhibits=data.draw(TEXT),
        consent=data.draw(mostly(True, st.booleans())),
        answers=data.draw(mostly({}, _answers(event))),
    )

    def check(saved) -> None:
        for delegate in saved.delegates:
            _long_texts_fit(vars(delegate), {"name_zh": 100, "name_latin": 100, "title": 100})
        _long_texts_fit(vars(saved), {"exhibits": registration_services.EXHIBITS_LENGTH})
        for answer in saved.answers:
            if isinstance(answer.value, str):
                assert not has_control_characters(answer.value, multiline=True)

    fields = {"delegates", "booths_requested", "exhibits", "consent"}
    fields |= {
        f"delegates-{index}-{name}"
        for index in range(4)
        for name in vars(registration_services.DelegateData())
    }
    fields |= {f"answer_{question.id}" for question in event.questions}
    holds(
        lambda: registration_services.submit_application(
            event, enterprise, application, actor=user
        ),
        fields,
        check,
    )


@PROPERTY
@given(data=st.data())
def test_answers(event_with_questions, data) -> None:
    event = event_with_questions[0]
    raw = data.draw(_answers(event))
    names = {f"answer_{question.id}" for question in event.questions}

    def check(answers) -> None:
        for value in answers.values():
            if isinstance(value, str):
                assert not has_control_characters(value, multiline=True), value

    holds(lambda: validate_answers(event.questions, raw), names, check)


# --- delegation members --------------------------------------------------------------------


@pytest.fixture()
def delegation(db):
    delegation = make_delegation()
    db.session.commit()
    return delegation


MEMBER_FIELDS = set(delegation_services.MemberData.__dataclass_fields__)


@PROPERTY
@given(
    data=st.builds(
        delegation_services.MemberData,
        name_zh=TEXT,
        name_latin=TEXT,
        enterprise_id=mostly(None, IDS),
        organization=TEXT,
        title=TEXT,
        nationality=mostly("HU", st.one_of(TEXT, st.just("cn"))),
        passport_number=PASSPORTS,
        mobile=PHONES,
        email=EMAILS,
        needs=TEXT,
        role=mostly("leader", TEXT),
    )
)
def test_delegation_members(delegation, data) -> None:
    def check(member) -> None:
        values = {name: getattr(member, name) for name in delegation_services.MEMBER_LENGTHS}
        _long_texts_fit(values, delegation_services.MEMBER_LENGTHS)

    holds(lambda: delegation_services.add_member(delegation, data), MEMBER_FIELDS, check)

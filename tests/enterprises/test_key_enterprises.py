"""The key-enterprise programme: importing the department's list, unclaimed profiles the
company takes over at sign-up, coverage per year, and inviting those not reached."""

from __future__ import annotations

import email
import email.policy
import io
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from openpyxl import Workbook, load_workbook

from expo.accounts.models import User
from expo.audit.models import AuditEntry
from expo.enterprises import key_enterprises, services
from expo.enterprises.models import Enterprise, KeyEnterpriseImport, KeyEnterpriseMembership
from expo.errors import InvalidInput, PermissionDenied
from tests.enterprises.test_services import profile
from tests.factories import (
    make_application,
    make_enterprise,
    make_enterprise_user,
    make_event,
    make_user,
    open_event,
    valid_credit_code,
)
from tests.pages import page_text

HEADINGS_ZH = ["统一社会信用代码", "企业名称", "英文名称", "市州", "行业", "纳入年份"]
HEADINGS_EN = [
    "Unified social credit code",
    "Name (Chinese)",
    "Name (English)",
    "Prefecture",
    "Industry",
    "Year included",
]


def workbook(rows, headings=HEADINGS_ZH) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(headings)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def english(report_rows) -> dict[int, list[str]]:
    with force_locale("en"):
        return {rejected.row: rejected.reasons for rejected in report_rows}


def members(db, year: int) -> dict[str, int | None]:
    rows = db.session.execute(
        sa.select(Enterprise.credit_code, KeyEnterpriseMembership.included_since)
        .join(KeyEnterpriseMembership.enterprise)
        .where(KeyEnterpriseMembership.year == year)
    ).all()
    return dict(rows)


# --- importing -------------------------------------------------------------------------


def test_rows_are_matched_created_or_refused_with_their_reasons(db, organizer):
    known = make_enterprise(key_enterprise=False)
    new_code = valid_credit_code("510700", serial=777001)
    twice = valid_credit_code("510100", serial=777002)
    file = workbook(
        [
            [known.credit_code.lower(), "已注册企业", "", "成都市", "装备制造", 2022],
            [
                new_code,
                "绵阳新企业有限公司",
                "Mianyang New Co., Ltd.",
                "绵阳",
                "电子信息",
                "2024年",
            ],
            ["91510100MA6C0XXXX", "代码错误公司", "", "成都", "装备制造", ""],
            [twice, "重复一", "", "Chengdu", "Food", ""],
            [twice, "重复二", "", "Chengdu", "Food", ""],
            [valid_credit_code("510100", serial=777003), "", "", "Atlantis", "Spaceships", 2031],
        ]
    )

    report = key_enterprises.import_key_enterprises(file, year=2026, actor=organizer)

    assert [e.id for e in report.matched] == [known.id], english(report.rejected)
    created = {enterprise.credit_code: enterprise for enterprise in report.created}
    assert set(created) == {new_code, twice}
    created = created[new_code]
    assert (created.name_en, created.prefecture, created.industry) == (
        "Mianyang New Co., Ltd.",
        "510700",
        "electronics",
    )
    assert created.unclaimed and created.key_enterprise and not created.verified
    assert db.session.get(Enterprise, known.id).key_enterprise
    reasons = english(report.rejected)
    assert sorted(reasons) == [4, 6, 7]
    assert reasons[4][0].startswith("Unified social credit code:")
    assert reasons[6] == ["Unified social credit code: The same code as row 5."]
    assert any(reason.startswith("Name (Chinese):") for reason in reasons[7])
    assert any(reason.startswith("Prefecture:") for reason in reasons[7])
    assert any(reason.startswith("Industry:") for reason in reasons[7])
    assert any(reason.startswith("Year included:") for reason in reasons[7])
    assert members(db, 2026) == {known.credit_code: 2022, new_code: 2024, twice: None}
    [batch] = db.session.scalars(sa.select(KeyEnterpriseImport)).all()
    assert (batch.year, batch.matched, batch.created, batch.rejected) == (2026, 1, 2, 3)
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "key_enterprises.imported")
    ).one()
    assert entry.subject_id == batch.id and entry.details["created"] == 2


def test_english_headings_and_a_prefecture_read_from_the_code(db, organizer):
    code = valid_credit_code("511500", serial=880001)
    file = workbook([[code, "", "Yibin Tea Co.", "", "tea", ""]], headings=HEADINGS_EN)

    report = key_enterprises.import_key_enterprises(file, year=2026, actor=organizer)

    [created] = report.created
    assert (created.name_en, created.prefecture, created.industry) == (
        "Yibin Tea Co.",
        "511500",
        "tea",
    )


def test_importing_the_same_list_again_adds_nothing(db, organizer):
    file = workbook([[valid_credit_code(serial=880101), "甲公司", "", "成都", "食品", ""]])
    key_enterprises.import_key_enterprises(file, year=2026, actor=organizer)
    again = key_enterprises.import_key_enterprises(file, year=2026, actor=organizer)

    assert len(again.matched) == 1 and not again.created
    assert len(members(db, 2026)) == 1
    # Another year's list is a membership of its own.
    key_enterprises.import_key_enterprises(file, year=2027, actor=organizer)
    assert len(members(db, 2027)) == 1


def test_a_thousand_rows(db, organizer):
    rows = [
        [valid_credit_code("510100", serial=900000 + n), f"企业{n}", "", "成都", "装备制造", 2020]
        for n in range(1000)
    ]
    report = key_enterprises.import_key_enterprises(workbook(rows), year=2026, actor=organizer)
    assert len(report.created) == 1000 and not report.rejected
    assert (
        db.session.scalar(sa.select(sa.func.count()).select_from(KeyEnterpriseMembership)) == 1000
    )


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"not a workbook", "not an Excel workbook"),
        (workbook([], headings=["Foo", "Bar"]), "column headings"),
        (workbook([]), "empty"),
        (workbook([["甲公司"]], headings=["企业名称"]), "Unified social credit code"),
    ],
    ids=["not-xlsx", "no-headings", "no-rows", "no-code-column"],
)
def test_a_file_that_is_no_list_is_refused_whole(db, organizer, content, fragment):
    with pytest.raises(InvalidInput) as refused, force_locale("en"):
        key_enterprises.import_key_enterprises(content, year=2026, actor=organizer)
    with force_locale("en"):
        assert fragment in str(refused.value.errors["file"])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(KeyEnterpriseImport)) == 0


def test_only_organizers_import(db):
    with pytest.raises(PermissionDenied):
        key_enterprises.import_key_enterprises(workbook([]), year=2026, actor=make_user())


# --- taking over an unclaimed profile --------------------------------------------------


def test_the_company_takes_over_its_unclaimed_profile_at_sign_up(db, organizer, outbox):
    code = valid_credit_code("510100", serial=881001)
    key_enterprises.import_key_enterprises(
        workbook([[code, "部门名单上的名称", "", "成都", "装备制造", 2023]]),
        year=2026,
        actor=organizer,
    )
    db.session.commit()

    user = services.sign_up(
        email="boss@company.example",
        password="long-enough",
        name="Boss",
        enterprise=profile(credit_code=code, name_zh="公司自己的名称"),
    )
    db.session.commit()

    assert user is not None
    enterprise = db.session.scalars(
        sa.select(Enterprise).where(Enterprise.credit_code == code)
    ).one()
    assert user.enterprise_id == enterprise.id
    assert enterprise.name_zh == "公司自己的名称"
    assert not enterprise.unclaimed and enterprise.key_enterprise
    assert members(db, 2026) == {code: 2023}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Enterprise)) == 1
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "enterprise.taken_over")
    ).one()
    assert entry.actor_id == user.id
    [message] = [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in outbox.glob("*.eml")
    ]
    assert "/account/verify/" in message.get_content()

    # Once taken over, the code is held like any other.
    second = services.sign_up(
        email="other@company.example",
        password="long-enough",
        name="Other",
        enterprise=profile(credit_code=code),
    )
    assert second is None


# --- coverage ----------------------------------------------------------------------------


def in_2030(month: int, **fields):
    return make_event(starts_at=datetime(2030, month, 10, 2, tzinfo=UTC), **fields)


def test_coverage_matches_a_hand_count(db, organizer):
    chengdu = [make_enterprise(prefecture="510100", industry="machinery") for _ in range(3)]
    mianyang = [make_enterprise(prefecture="510700", industry="tea") for _ in range(2)]
    outsider = make_enterprise()  # applies, but is not on the list
    for enterprise in [*chengdu, *mianyang]:
        db.session.add(KeyEnterpriseMembership(enterprise=enterprise, year=2030))
    spring, autumn = in_2030(3), in_2030(11)
    make_application(spring, chengdu[0])  # approved, event begun: took part
    make_application(autumn, chengdu[1])  # approved, event not begun yet: applied only
    make_application(spring, mianyang[0], status="rejected")  # applied
    make_application(make_event(starts_at=datetime(2029, 6, 1, tzinfo=UTC)), mianyang[1])
    make_application(spring, outsider)
    db.session.flush()

    result = key_enterprises.coverage(2030, now=datetime(2030, 6, 1, tzinfo=UTC))

    assert (result.total.members, result.total.applied, result.total.took_part) == (5, 3, 1)
    by_prefecture = {r.key: (r.members, r.applied, r.took_part) for r in result.by_prefecture}
    assert by_prefecture == {"510100": (3, 2, 1), "510700": (2, 1, 0)}
    by_industry = {r.key: (r.members, r.applied, r.took_part) for r in result.by_industry}
    assert by_industry == {"machinery": (3, 2, 1), "tea": (2, 1, 0)}
    assert {e.id for e in result.not_reached} == {chengdu[2].id, mianyang[1].id}


def test_inviting_those_not_reached(db, organizer, outbox):
    year = datetime.now(UTC).year
    reached = make_enterprise()
    signed_up = make_enterprise()
    make_enterprise_user(signed_up, email="staff@signed.example", locale="en")
    unclaimed = make_enterprise(unclaimed=True, contact_email="trade@unclaimed.example")
    for enterprise in (reached, signed_up, unclaimed):
        db.session.add(KeyEnterpriseMembership(enterprise=enterprise, year=year))
    event = open_event()
    make_application(make_event(starts_at=datetime(year, 1, 2, tzinfo=UTC)), reached)
    db.session.commit()

    invited = key_enterprises.invite_not_reached(year, event, actor=organizer)
    db.session.commit()

    assert invited == 2
    messages = {
        message["To"]: message
        for message in (
            email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            for path in outbox.glob("*.eml")
        )
    }
    assert set(messages) == {"staff@signed.example", "trade@unclaimed.example"}
    assert f"/events/{event.id}" in messages["staff@signed.example"].get_content()
    assert "/account/signup" in messages["trade@unclaimed.example"].get_content()
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "key_enterprises.invited")
    ).one()
    assert entry.subject_id == event.id and entry.details["enterprises"] == 2


def test_an_event_not_open_for_applications_is_refused(db, organizer):
    closed = make_event(starts_at=datetime(2020, 5, 1, tzinfo=UTC))
    with pytest.raises(InvalidInput):
        key_enterprises.invite_not_reached(2020, closed, actor=organizer)


# --- pages -------------------------------------------------------------------------------


@pytest.fixture()
def english_client(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_the_import_page_shows_the_report(english_client, db, login_as):
    login_as(make_user("organizer", locale="en"))
    file = workbook(
        [
            [valid_credit_code(serial=882001), "好公司", "", "成都", "食品", ""],
            ["bad", "坏公司", "", "成都", "食品", ""],
        ]
    )
    page = english_client.post(
        "/manage/key-enterprises/import",
        data={"year": "2026", "file": (io.BytesIO(file), "list.xlsx")},
        content_type="multipart/form-data",
    )
    assert page.status_code == 200
    text = page_text(page)
    assert "1 enterprise was created" in text and "1 row was not imported" in text
    assert "坏公司" in text

    overview = english_client.get("/manage/key-enterprises?year=2026")
    assert overview.status_code == 200
    assert "Key enterprises of 2026" in page_text(overview)
    assert "好公司" in page_text(overview)  # not reached yet

    template = english_client.get("/manage/key-enterprises/template.xlsx")
    sheet = load_workbook(io.BytesIO(template.data)).worksheets[0]
    assert [cell.value for cell in sheet[1]] == HEADINGS_EN


def test_the_import_page_refuses_a_missing_file_at_the_field(english_client, db, login_as):
    login_as(make_user("organizer", locale="en"))
    page = english_client.post("/manage/key-enterprises/import", data={"year": "1999"})
    assert page.status_code == 422
    assert "Choose an Excel file" in page_text(page)
    assert "between 2000 and 2100" in page_text(page)


def test_enterprise_users_do_not_reach_the_programme(client, db, login_as):
    login_as(make_enterprise_user(make_enterprise()))
    assert client.get("/manage/key-enterprises").status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1

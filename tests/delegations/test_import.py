"""Members from an Excel workbook: good rows saved, bad rows reported, whole-file mistakes."""

from __future__ import annotations

import html
import io

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from openpyxl import Workbook, load_workbook

from expo.audit.models import AuditEntry
from expo.delegations.member_import import COLUMNS, import_members, nationality_code
from expo.delegations.models import Member
from expo.errors import InvalidInput
from tests.delegations.test_services import add, make_delegation
from tests.factories import make_enterprise, make_user

ENGLISH = [
    "Name (Chinese)",
    "Name (Latin)",
    "Organization",
    "Position",
    "Nationality",
    "Passport",
    "Mobile",
    "Email",
    "Needs",
    "Role",
]
CHINESE = [
    "中文姓名",
    "拼音或英文姓名",
    "单位",
    "职务",
    "国籍",
    "护照号",
    "手机",
    "邮箱",
    "饮食及其他需求",
    "角色",
]


def workbook(*rows, headings=ENGLISH) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(list(headings))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


GOOD = (
    "",
    "Kovács Péter",
    "Budapest Import Kft.",
    "CEO",
    "HU",
    "ab1234567",
    36201234567,
    "p@example.hu",
    "vegetarian",
    "leader",
)
ALSO_GOOD = ("李四", "LI Si", "", "翻译", "中国", "", "13800000000", "", "", "翻译")
BAD_NATIONALITY = ("", "John Smith", "", "", "Atlantis", "", "", "", "", "")
NO_NAME = ("", "", "Somewhere Ltd", "", "GB", "X1234567", "", "not-an-email", "", "boss")


def members(db) -> list[Member]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Member).order_by(Member.id)))


@pytest.fixture()
def organizer(db):
    return make_user("organizer")


def test_good_rows_are_saved_and_bad_ones_reported_with_their_numbers(db, organizer):
    delegation = make_delegation()
    data = workbook(GOOD, BAD_NATIONALITY, ALSO_GOOD, NO_NAME)

    report = import_members(delegation, data, actor=organizer)
    db.session.commit()

    assert report.imported_count == 2
    with force_locale("en"):
        rejected = [(row.row, row.name, row.reasons) for row in report.rejected]
    assert rejected == [
        (
            3,
            "John Smith",
            [
                "Nationality: Use an ISO code such as CN or HU, or the country's name "
                "in Chinese or English."
            ],
        ),
        (
            5,
            "",
            [
                "Name (Chinese): Enter the name in Chinese or in Latin letters (or both).",
                "Email: Enter a valid email address, such as name@example.com.",
                "Role: Use leader, member, interpreter or staff (团长, 团员, 翻译 or 工作人员), "
                "or leave it empty.",
            ],
        ),
    ]
    saved = members(db)
    assert [(m.name_latin, m.nationality, m.role, m.position) for m in saved] == [
        ("Kovács Péter", "HU", "leader", 0),
        ("LI Si", "CN", "interpreter", 1),
    ]
    first = saved[0]
    assert first.passport_number == "AB1234567"
    assert first.mobile == "36201234567"  # a number cell, not 36201234567.0
    assert first.organization == "Budapest Import Kft." and first.needs == "vegetarian"
    entry = db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "delegation.import_members")
    )
    assert entry.details == {"imported": 2, "rejected": 2}


def test_reasons_are_in_the_readers_language(db):
    report = import_members(make_delegation(), workbook(BAD_NATIONALITY), actor=None)
    with force_locale("zh"):
        assert report.rejected[0].reasons[0].startswith("国籍: ")


def test_chinese_headings_in_another_order_and_extra_columns(db):
    enterprise = make_enterprise(name_zh="四川蜀道装备科技股份有限公司")
    headings = ["备注", "国籍", "中文姓名", "单位", "角色", "护照号码"]
    data = workbook(
        ("随便", "CHN", "王五", "四川蜀道装备科技股份有限公司", "团长", "E7654321"),
        ("", "匈牙利", "赵六", "布达佩斯公司", "", ""),
        headings=headings,
    )
    report = import_members(make_delegation(), data, actor=None)
    assert report.rejected == [] and report.ignored_columns == ["备注"]
    first, second = members(db)
    assert (first.name_zh, first.nationality, first.role) == ("王五", "CN", "leader")
    # The organization is exactly the name of one of ours: the member is linked to it.
    assert first.enterprise_id == enterprise.id and first.organization == ""
    assert (second.nationality, second.organization, second.role) == (
        "HU",
        "布达佩斯公司",
        "member",
    )


def test_a_passport_already_in_the_delegation_or_twice_in_the_file(db):
    delegation = make_delegation()
    add(delegation, passport_number="E11111111")
    data = workbook(
        ("甲", "", "", "", "", "E11111111", "", "", "", ""),
        ("乙", "", "", "", "", "E22222222", "", "", "", ""),
        ("丙", "", "", "", "", "e22222222", "", "", "", ""),
    )
    report = import_members(delegation, data, actor=None)
    assert report.imported_count == 1
    assert [row.row for row in report.rejected] == [2, 4]
    assert [m.name_zh for m in members(db)] == ["张三", "乙"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"name,nationality\nZhang,CN\n", "This is not an Excel workbook (.xlsx)."),
        (b"", "This is not an Excel workbook (.xlsx)."),
        (workbook(headings=[]), "There are no members under the headings"),
        (workbook(headings=ENGLISH), "There are no members under the headings"),
        (workbook(("a", "b"), headings=["Colour", "Size"]), "The first row of the first sheet"),
    ],
)
def test_files_that_cannot_be_read_give_a_message_and_save_nothing(db, content, message):
    with pytest.raises(InvalidInput) as caught:
        import_members(make_delegation(), content, actor=None)
    with force_locale("en"):
        assert str(caught.value.errors["file"]).startswith(message)
    assert members(db) == []


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("hu", "HU"),
        ("HUN", "HU"),
        ("Hungary", "HU"),
        ("匈牙利", "HU"),
        ("", ""),
        ("Mars", None),
        # The names the lists show are read back too.
        ("中国台湾", "TW"),
        ("Taiwan, China", "TW"),
        ("中国香港", "HK"),
        ("Macao, China", "MO"),
    ],
)
def test_nationality_codes(app, text, code):
    assert nationality_code(text) == code


# --- the pages -------------------------------------------------------------------------


@pytest.fixture()
def signed_in(db, login_as):
    return login_as(make_user("organizer", locale="en"))


def upload(client, delegation, content: bytes, filename: str = "members.xlsx"):
    return client.post(
        f"/manage/delegations/{delegation.id}/members/import?lang=en",
        data={"file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )


def test_the_page_reports_row_by_row(client, db, signed_in):
    delegation = make_delegation()
    db.session.commit()
    response = upload(client, delegation, workbook(GOOD, BAD_NATIONALITY, ALSO_GOOD, NO_NAME))
    text = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "2 members imported." in text and "2 rows were not imported." in text
    assert "<td>3</td>" in text and "<td>5</td>" in text
    assert "Nationality: Use an ISO code such as CN or HU" in text
    assert len(members(db)) == 2


def test_a_file_that_is_not_xlsx_gets_a_message_at_the_field(client, db, signed_in):
    delegation = make_delegation()
    db.session.commit()
    response = upload(client, delegation, b"%PDF-1.7 not a workbook", "members.pdf")
    text = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert 'id="file-error"' in text and "This is not an Excel workbook (.xlsx)." in text
    assert members(db) == []


def test_no_file_chosen(client, db, signed_in):
    delegation = make_delegation()
    db.session.commit()
    response = client.post(
        f"/manage/delegations/{delegation.id}/members/import?lang=en",
        data={},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "Choose an Excel file (.xlsx) to upload." in response.get_data(as_text=True)


@pytest.mark.parametrize(("language", "headings"), [("en", ENGLISH), ("zh", CHINESE)])
def test_the_template_has_the_headings_in_the_readers_language_and_imports(
    client, db, signed_in, language, headings
):
    delegation = make_delegation()
    db.session.commit()
    response = client.get(
        f"/manage/delegations/{delegation.id}/members/import-template.xlsx?lang={language}"
    )
    assert response.status_code == 200
    assert response.mimetype == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "attachment" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    sheet = book.worksheets[0]
    assert [cell.value for cell in sheet[1]] == headings == [c.heading(language) for c in COLUMNS]
    assert len(book.worksheets) == 2  # the instructions

    # Filled in, it imports as it is.
    sheet.append(["王五", "WANG Wu", "", "", "CN", "E7654321", "", "", "", ""])
    buffer = io.BytesIO()
    book.save(buffer)
    response = upload(client, delegation, buffer.getvalue())
    assert "1 member imported." in html.unescape(response.get_data(as_text=True))


def test_enterprise_users_cannot_import(client, db, login_as):
    delegation = make_delegation()
    login_as(make_user("enterprise"))
    assert upload(client, delegation, workbook(GOOD)).status_code == 403
    path = f"/manage/delegations/{delegation.id}/members/import-template.xlsx"
    assert client.get(path).status_code == 403
    assert members(db) == []

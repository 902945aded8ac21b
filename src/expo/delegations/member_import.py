"""Members from a spreadsheet: the first sheet of an .xlsx file, one member per row.

The header row names the columns, in Chinese or English (the template's headings, or a
few usual variants); columns may come in any order and unknown ones are ignored. Every
row is checked by the same rules as a member added by hand and saved in a savepoint of
its own: a refused row saves nothing of itself and does not stop the others. The report
gives each refused row's number as the spreadsheet shows it, with the reasons.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from functools import cache

import pycountry
import sqlalchemy as sa
from babel import Locale
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from expo.audit.actions import AuditAction
from expo.audit.services import record
from expo.delegations import services
from expo.delegations.models import Delegation, Member, MemberRole
from expo.enterprises.models import Enterprise
from expo.errors import InvalidInput
from expo.extensions import db
from expo.i18n import country_codes, country_name, current_language
from expo.sheet_import import Column, Columns, NoHeadings, NoRows, read_table, read_workbook
from expo.spreadsheets import (
    CellTooLong,
    ReadingTooSlow,
    ReadLimits,
    SpreadsheetRefused,
    TooManyColumns,
    TooManyRows,
    WorkbookTooLarge,
    excerpt,
)

# A delegation is tens of people; a longer sheet is the wrong file.
MAX_ROWS = 1000
# The longest member field (needs) is 5,000 characters; a longer cell is no member's.
LIMITS = ReadLimits(rows=MAX_ROWS + 1, columns=50, cell_chars=5000)


# The template's headings. They are the file format, not interface text: both languages
# are always understood, whatever the reader's language.
COLUMNS = Columns(
    (
        Column(
            "name_zh", "中文姓名", "Name (Chinese)", ("姓名", "chinese name", "name in chinese")
        ),
        Column(
            "name_latin",
            "拼音或英文姓名",
            "Name (Latin)",
            (
                "拼音姓名",
                "英文姓名",
                "护照姓名",
                "name",
                "name (latin letters)",
                "name in latin letters",
                "latin name",
                "english name",
            ),
        ),
        Column(
            "organization",
            "单位",
            "Organization",
            ("工作单位", "企业", "公司", "organisation", "company", "enterprise"),
        ),
        Column("title", "职务", "Position", ("职位", "title", "job title")),
        Column("nationality", "国籍", "Nationality", ("country", "citizenship")),
        Column(
            "passport_number",
            "护照号",
            "Passport",
            ("护照号码", "护照", "passport number", "passport no.", "passport no"),
        ),
        Column("mobile", "手机", "Mobile", ("手机号", "手机号码", "电话", "phone", "mobile phone")),
        Column("email", "邮箱", "Email", ("电子邮箱", "电子邮件", "e-mail", "email address")),
        Column(
            "needs",
            "饮食及其他需求",
            "Needs",
            ("需求", "饮食需求", "dietary and other needs", "dietary needs", "special needs"),
        ),
        Column("role", "角色", "Role", ("身份", "role in the delegation")),
    )
)

ROLE_WORDS = {
    MemberRole.LEADER: ("leader", "团长", "head", "head of delegation"),
    MemberRole.MEMBER: ("member", "团员", "成员", "delegate"),
    MemberRole.INTERPRETER: ("interpreter", "翻译", "translator"),
    MemberRole.STAFF: ("staff", "工作人员", "随团工作人员"),
}

NO_HEADINGS = _l(
    "The first row of the first sheet must hold the column headings, such as "
    "“Name (Chinese)”, “Name (Latin)” and “Nationality”. Start from the template."
)
NO_ROWS = _l("There are no members under the headings: the sheet is empty.")
TOO_MANY_ROWS = _l(
    "The sheet has more than %(max)d rows; split it into several files.", max=MAX_ROWS
)
TOO_LARGE = _l(
    "The workbook holds far more data than a list of members: keep only the members' "
    "sheet, or start from the template."
)
TOO_MANY_COLUMNS = _l(
    "The sheet has more than %(max)d columns; keep only the member columns.",
    max=LIMITS.columns,
)
TOO_SLOW = _l("Reading this file took too long; keep only the members' sheet and try again.")
UNKNOWN_ROLE = _l(
    "Use leader, member, interpreter or staff (团长, 团员, 翻译 or 工作人员), or leave it empty."
)
UNKNOWN_COUNTRY = _l(
    "Use an ISO code such as CN or HU, or the country's name in Chinese or English."
)


@dataclass
class RejectedRow:
    row: int  # as the spreadsheet numbers it: the headings are row 1
    name: str
    errors: dict[str, object]  # member field → message

    @property
    def reasons(self) -> list[str]:
        """``Nationality: Use an ISO code…`` in the reader's language."""
        return COLUMNS.reasons(self.errors)


@dataclass
class ImportReport:
    imported: list[Member] = field(default_factory=list)
    rejected: list[RejectedRow] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def imported_count(self) -> int:
        return len(self.imported)


# --- reading cells -----------------------------------------------------------------------


@cache
def _country_names() -> dict[str, str]:
    codes = set(country_codes())
    names: dict[str, str] = {}
    for language in ("en", "zh"):
        for code in codes:
            names.setdefault(country_name(code, language).casefold(), code)
    for language in ("en", "zh", "zh_Hant"):
        for code, name in Locale.parse(language).territories.items():
            if code in codes:
                names.setdefault(name.casefold(), code)
    for country in pycountry.countries:
        for attribute in ("name", "official_name", "common_name", "alpha_3"):
            value = getattr(country, attribute, None)
            if value:
                names.setdefault(value.casefold(), country.alpha_2)
    return names


def nationality_code(text: str) -> str | None:
    """``CN``, ``CHN``, ``China``, ``中国`` → ``CN``; empty → ``""``; unknown → None."""
    text = text.strip()
    if not text:
        return ""
    if len(text) == 2 and text.upper() in country_codes():
        return text.upper()
    return _country_names().get(text.casefold())


@cache
def _roles() -> dict[str, str]:
    return {word.casefold(): role.value for role, words in ROLE_WORDS.items() for word in words}


def role_value(text: str) -> str | None:
    text = text.strip()
    if not text:
        return MemberRole.MEMBER.value
    return _roles().get(text.casefold())


# --- importing ---------------------------------------------------------------------------


REFUSALS: dict[type[SpreadsheetRefused], object] = {
    WorkbookTooLarge: TOO_LARGE,
    TooManyRows: TOO_MANY_ROWS,
    TooManyColumns: TOO_MANY_COLUMNS,
    ReadingTooSlow: TOO_SLOW,
}


def _cell_too_long(refused: CellTooLong) -> object:
    return _l(
        "Cell %(cell)s holds more than %(max)d characters, which no member's details "
        "need: “%(start)s”.",
        cell=f"{refused.column}{refused.row}",
        max=LIMITS.cell_chars,
        start=refused.excerpt,
    )


def _read_rows(file_bytes: bytes) -> list[tuple[object, ...]]:
    """Every row of the first sheet as values, or InvalidInput at the ``file`` field."""
    return read_workbook(file_bytes, LIMITS, refusals=REFUSALS, cell_too_long=_cell_too_long)


class _EnterpriseNames:
    """Organization text that is exactly the name of one of ours becomes that enterprise."""

    def __init__(self) -> None:
        self._found: dict[str, int | None] = {}

    def find(self, name: str) -> int | None:
        key = name.strip().casefold()
        if not key:
            return None
        if key not in self._found:
            ids = (
                db.session.execute(
                    sa.select(Enterprise.id)
                    .where(
                        sa.or_(
                            sa.func.lower(Enterprise.name_zh) == key,
                            sa.func.lower(Enterprise.name_en) == key,
                        )
                    )
                    .limit(2)
                )
                .scalars()
                .all()
            )
            self._found[key] = ids[0] if len(ids) == 1 else None
        return self._found[key]


def import_members(delegation: Delegation, file_bytes: bytes, *, actor) -> ImportReport:
    """Add the members of a spreadsheet; a file that can't be read raises InvalidInput."""
    try:
        table = read_table(_read_rows(file_bytes), COLUMNS)
    except NoHeadings:
        raise InvalidInput({"file": NO_HEADINGS}) from None
    except NoRows:
        raise InvalidInput({"file": NO_ROWS}) from None
    report = ImportReport(ignored_columns=table.ignored_columns)

    enterprises = _EnterpriseNames()
    for number, cells in table.rows:
        own_errors: dict[str, object] = {}
        nationality = nationality_code(cells.get("nationality", ""))
        if nationality is None:
            own_errors["nationality"] = UNKNOWN_COUNTRY
        role = role_value(cells.get("role", ""))
        if role is None:
            own_errors["role"] = UNKNOWN_ROLE
        organization = cells.get("organization", "")
        data = services.MemberData(
            name_zh=cells.get("name_zh", ""),
            name_latin=cells.get("name_latin", ""),
            enterprise_id=enterprises.find(organization),
            organization=organization,
            title=cells.get("title", ""),
            # Placeholders for values already refused above, so the other fields are
            # still checked and every reason is reported at once.
            nationality=nationality or "",
            passport_number=cells.get("passport_number", ""),
            mobile=cells.get("mobile", ""),
            email=cells.get("email", ""),
            needs=cells.get("needs", ""),
            role=role or MemberRole.MEMBER.value,
        )
        try:
            if own_errors:
                services.validate_member(delegation, data)  # for its other reasons
                raise InvalidInput(own_errors)
            with db.session.begin_nested():
                report.imported.append(services.add_member(delegation, data, actor=actor))
        except InvalidInput as error:
            errors = {**error.errors, **own_errors}
            name = " / ".join(excerpt(part) for part in (data.name_zh, data.name_latin) if part)
            report.rejected.append(RejectedRow(number, name, errors))
    record(
        actor,
        AuditAction.DELEGATION_IMPORT_MEMBERS,
        delegation,
        imported=len(report.imported),
        rejected=len(report.rejected),
    )
    return report


# --- the template ------------------------------------------------------------------------


def template_workbook(language: str | None = None) -> bytes:
    """An empty sheet with the headings in ``language``, and a sheet of instructions."""
    language = language or current_language()
    workbook = Workbook()
    sheet = workbook.worksheets[0]
    sheet.title = "成员" if language == "zh" else "Members"
    bold = Font(bold=True)
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index, value=column.heading(language))
        cell.font = bold
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = 24 if column.field != "needs" else 36
    sheet.freeze_panes = "A2"
    # Long digit strings (mobiles, some passports) stay text instead of 1.38E+10.
    for index, column in enumerate(COLUMNS, start=1):
        if column.field in ("passport_number", "mobile"):
            for row in range(2, 202):
                sheet.cell(row=row, column=index).number_format = "@"

    notes = workbook.create_sheet("说明" if language == "zh" else "Instructions")
    for line in _instructions(language):
        notes.append([line])
    notes.column_dimensions["A"].width = 110
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _instructions(language: str) -> list[str]:
    if language == "zh":
        return [
            "每行一名成员，第一行是列标题，请勿修改。只读取第一个工作表。",
            "中文姓名和拼音或英文姓名至少填写一项。",
            "国籍：ISO 代码（如 CN、HU）或中文、英文国名。",
            "护照号：5 至 20 位字母和数字。",
            "单位：与平台上企业名称完全一致时，关联到该企业。",
            "角色：团长、团员、翻译或工作人员；不填即为团员。",
            "有问题的行不会导入，导入后的报告会列出行号和原因；其他行照常导入。",
        ]
    return [
        "One member per row; the first row holds the headings, keep them. "
        "Only the first sheet is read.",
        "Give the name in Chinese or in Latin letters, or both.",
        "Nationality: an ISO code (such as CN or HU) or the country's name in Chinese or English.",
        "Passport: 5 to 20 letters and digits.",
        "Organization: when it is exactly the name of an enterprise on Expo, the member "
        "is linked to that enterprise.",
        "Role: leader, member, interpreter or staff; empty means member.",
        "Rows with mistakes are not imported; the report lists their numbers and the "
        "reasons. The other rows are imported all the same.",
    ]

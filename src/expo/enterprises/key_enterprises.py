"""The key-enterprise programme (千户重点外贸企业): the department's list, year by year.

The list comes as a workbook: credit code, name, prefecture, industry and the year the
company joined the programme, with Chinese or English headings. Each row is matched to the
enterprise with its credit code; a company not on Expo yet gets a profile of its own,
marked *unclaimed*, which the company takes over when it signs up with that code. Every
row is checked as a profile typed by hand would be; the report lists what was matched,
created and refused (with the reasons), and the list of the year is recorded as
memberships, so coverage can be counted per year.

The whole file is checked before anything is written, with one query for the enterprises
already known and one for the memberships, so a list of a thousand rows takes a second.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from expo.accounts.models import User
from expo.audit.actions import AuditAction
from expo.audit.services import record
from expo.db import utcnow
from expo.enterprises import services
from expo.enterprises.industries import INDUSTRIES
from expo.enterprises.models import Enterprise, KeyEnterpriseImport, KeyEnterpriseMembership
from expo.enterprises.prefectures import PREFECTURES
from expo.errors import InvalidInput, PermissionDenied
from expo.events.models import Event, PublicationStatus
from expo.extensions import db
from expo.i18n import STAFF_TIMEZONE, current_language, pick
from expo.mail import send_templated_email
from expo.registrations.models import Application, ApplicationStatus
from expo.sheet_import import (
    Column,
    Columns,
    NoHeadings,
    NoRows,
    Table,
    normalise_heading,
    read_table,
    read_workbook,
)
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
from expo.urls import external_url

# The programme has a thousand enterprises; a few thousand rows is still a plausible list.
MAX_ROWS = 5000
LIMITS = ReadLimits(rows=MAX_ROWS + 1, columns=30, cell_chars=500)

COLUMNS = Columns(
    (
        Column(
            "credit_code",
            "统一社会信用代码",
            "Unified social credit code",
            ("信用代码", "社会信用代码", "credit code", "uscc", "代码"),
        ),
        Column(
            "name_zh",
            "企业名称",
            "Name (Chinese)",
            ("企业中文名称", "中文名称", "名称", "单位名称", "chinese name"),
        ),
        Column(
            "name_en",
            "英文名称",
            "Name (English)",
            ("企业英文名称", "english name", "name", "enterprise name"),
        ),
        Column("prefecture", "市州", "Prefecture", ("所在市州", "地区", "所属市州", "city")),
        Column("industry", "行业", "Industry", ("所属行业", "sector")),
        Column(
            "included_since",
            "纳入年份",
            "Year included",
            ("入选年份", "年份", "纳入年度", "year", "since"),
        ),
    )
)

REFUSALS: dict[type[SpreadsheetRefused], object] = {
    WorkbookTooLarge: _l("The workbook holds far more data than a list of enterprises."),
    TooManyRows: _l("The sheet has more than %(max)d rows.", max=MAX_ROWS),
    TooManyColumns: _l("The sheet has more than %(max)d columns.", max=LIMITS.columns),
    ReadingTooSlow: _l("Reading this file took too long; keep only the list and try again."),
}
NO_HEADINGS = _l(
    "The first row must hold the column headings, such as “Unified social credit code”, "
    "“Name (Chinese)” and “Prefecture”. Start from the template."
)
NO_ROWS = _l("There are no enterprises under the headings: the sheet is empty.")
NO_CODE_COLUMN = _l(
    "The sheet has no column “Unified social credit code”: it is what matches rows."
)
UNKNOWN_PREFECTURE = _l("Use one of Sichuan's 21 prefectures, such as 成都市 or Chengdu.")
UNKNOWN_INDUSTRY = _l("Use one of the industries listed in the template's instructions.")
BAD_YEAR = _l("Give a year such as 2024, no later than the list's year.")


@dataclass
class RejectedRow:
    row: int
    name: str
    errors: dict[str, object]

    @property
    def reasons(self) -> list[str]:
        return COLUMNS.reasons(self.errors)


@dataclass
class KeyImportReport:
    year: int
    matched: list[Enterprise] = field(default_factory=list)
    created: list[Enterprise] = field(default_factory=list)
    rejected: list[RejectedRow] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)


# --- reading values --------------------------------------------------------------------


@cache
def _prefecture_codes() -> dict[str, str]:
    """成都市, 成都, Chengdu, 510100 → 510100."""
    known: dict[str, str] = {}
    for prefecture in PREFECTURES:
        names = {prefecture.code, prefecture.name_zh, prefecture.name_en}
        names.add(prefecture.name_zh.removesuffix("市"))
        for name in names:
            known[normalise_heading(name)] = prefecture.code
    return known


@cache
def _industry_keys() -> dict[str, str]:
    return {
        normalise_heading(name): industry.key
        for industry in INDUSTRIES
        for name in (industry.key, industry.name_zh, industry.name_en)
    }


def _year(text: str, list_year: int) -> int | None:
    """A year no later than the list's, or None; ``2024.0`` and ``2024年`` are 2024."""
    text = text.strip().removesuffix("年").removesuffix(".0")
    if not text.isascii() or not text.isdigit():
        return None
    year = int(text)
    return year if 2000 <= year <= list_year else None


def _cell_too_long(refused: CellTooLong) -> object:
    return _l(
        "Cell %(cell)s holds more than %(max)d characters: “%(start)s”.",
        cell=f"{refused.column}{refused.row}",
        max=LIMITS.cell_chars,
        start=refused.excerpt,
    )


def _read(file_bytes: bytes) -> list[tuple[object, ...]]:
    return read_workbook(file_bytes, LIMITS, refusals=REFUSALS, cell_too_long=_cell_too_long)


# --- importing -------------------------------------------------------------------------


def _profile(cells: dict[str, str], errors: dict[str, object]) -> services.EnterpriseData:
    """The row as a profile: names of prefectures and industries become their keys.

    An empty prefecture is read from the credit code, whose third to eighth places are
    the administrative code of where the company was registered.
    """
    prefecture_text = cells.get("prefecture", "")
    if not prefecture_text:
        code = services.compact_credit_code(cells.get("credit_code", ""))
        prefecture_text = code[2:6] + "00" if len(code) == 18 else ""
    prefecture = _prefecture_codes().get(normalise_heading(prefecture_text), "")
    if cells.get("prefecture") and not prefecture:
        errors["prefecture"] = UNKNOWN_PREFECTURE
    industry = _industry_keys().get(normalise_heading(cells.get("industry", "")), "")
    if cells.get("industry") and not industry:
        errors["industry"] = UNKNOWN_INDUSTRY
    return services.EnterpriseData(
        name_zh=cells.get("name_zh", ""),
        name_en=cells.get("name_en", ""),
        credit_code=cells.get("credit_code", ""),
        prefecture=prefecture,
        industry=industry,
        # The list gives no trade figures: the company fills them in when it signs up.
        export_value_usd=Decimal(0),
        import_value_usd=Decimal(0),
    )


@dataclass
class _Row:
    number: int
    values: dict[str, object]
    since: int | None


def _checked_rows(table: Table, year: int, report: KeyImportReport) -> list[_Row]:
    """The rows that hold a valid profile; the others go to the report with every reason."""
    rows: list[_Row] = []
    first_row_of: dict[object, int] = {}
    for number, cells in table.rows:
        errors: dict[str, object] = {}
        data = _profile(cells, errors)
        values: dict[str, object] = {}
        try:
            values = services.validated_profile(data)
        except InvalidInput as invalid:
            errors = {**invalid.errors, **errors}
        since_text = cells.get("included_since", "")
        since = _year(since_text, year) if since_text else None
        if since_text and since is None:
            errors["included_since"] = BAD_YEAR
        code = values.get("credit_code")
        if code in first_row_of:
            errors["credit_code"] = _l("The same code as row %(row)d.", row=first_row_of[code])
        elif code:
            first_row_of[code] = number
        if errors:
            name = " / ".join(excerpt(part) for part in (data.name_zh, data.name_en) if part)
            report.rejected.append(RejectedRow(number, name or excerpt(data.credit_code), errors))
        else:
            rows.append(_Row(number, values, since))
    return rows


def import_key_enterprises(
    file_bytes: bytes, *, year: int, actor: User, filename: str = ""
) -> KeyImportReport:
    """Record the list of ``year``; a file that cannot be read raises InvalidInput."""
    if not actor.is_organizer:
        raise PermissionDenied()
    try:
        table = read_table(_read(file_bytes), COLUMNS)
    except NoHeadings:
        raise InvalidInput({"file": NO_HEADINGS}) from None
    except NoRows:
        raise InvalidInput({"file": NO_ROWS}) from None
    if "credit_code" not in table.rows[0][1]:
        raise InvalidInput({"file": NO_CODE_COLUMN})
    report = KeyImportReport(year=year, ignored_columns=table.ignored_columns)
    rows = _checked_rows(table, year, report)

    known = {
        enterprise.credit_code: enterprise
        for enterprise in db.session.scalars(
            sa.select(Enterprise).where(
                Enterprise.credit_code.in_([row.values["credit_code"] for row in rows])
            )
        )
    }
    members_already = set(
        db.session.scalars(
            sa.select(KeyEnterpriseMembership.enterprise_id).where(
                KeyEnterpriseMembership.year == year
            )
        )
    )
    batch = KeyEnterpriseImport(year=year, filename=excerpt(filename, 255), actor=actor)
    db.session.add(batch)
    db.session.flush()
    for row in rows:
        enterprise = known.get(str(row.values["credit_code"]))
        if enterprise is None:
            enterprise = Enterprise(**row.values, key_enterprise=True, unclaimed=True)
            db.session.add(enterprise)
            report.created.append(enterprise)
        else:
            enterprise.key_enterprise = True
            report.matched.append(enterprise)
        if enterprise.id not in members_already:
            db.session.add(
                KeyEnterpriseMembership(
                    enterprise=enterprise, year=year, included_since=row.since, import_id=batch.id
                )
            )
    batch.matched, batch.created = len(report.matched), len(report.created)
    batch.rejected = len(report.rejected)
    record(
        actor,
        AuditAction.KEY_ENTERPRISES_IMPORTED,
        batch,
        year=year,
        matched=batch.matched,
        created=batch.created,
        rejected=batch.rejected,
    )
    db.session.flush()
    return report


def list_years() -> list[int]:
    """The years a list was imported for, newest first."""
    return list(
        db.session.scalars(
            sa.select(KeyEnterpriseMembership.year)
            .distinct()
            .order_by(KeyEnterpriseMembership.year.desc())
        )
    )


# --- coverage ----------------------------------------------------------------------------


@dataclass
class CoverageRow:
    """Key enterprises of a prefecture or an industry, and how many the campaign reached."""

    key: str
    label: str
    members: int = 0
    applied: int = 0
    took_part: int = 0


@dataclass
class Coverage:
    year: int
    total: CoverageRow
    by_prefecture: list[CoverageRow]
    by_industry: list[CoverageRow]
    not_reached: list[Enterprise]


def _year_bounds(year: int) -> tuple[datetime, datetime]:
    """The year on the department's clock (China time), in UTC."""
    zone = ZoneInfo(STAFF_TIMEZONE)
    return (
        datetime(year, 1, 1, tzinfo=zone).astimezone(UTC),
        datetime(year + 1, 1, 1, tzinfo=zone).astimezone(UTC),
    )


def coverage(year: int, *, now: datetime | None = None) -> Coverage:
    """How many of the year's key enterprises applied to, and took part in, at least one
    event starting that year (took part: approved, and the event has begun), in total,
    by prefecture and by industry; and the ones not reached yet (no application at all).

    One query, whatever the number of enterprises.
    """
    now = now or utcnow()
    start, end = _year_bounds(year)
    in_year = sa.and_(
        Application.enterprise_id == Enterprise.id, Event.starts_at >= start, Event.starts_at < end
    )
    applied = sa.select(Application.id).join(Application.event).where(in_year).exists()
    took_part = (
        sa.select(Application.id)
        .join(Application.event)
        .where(
            in_year,
            Application.status == ApplicationStatus.APPROVED,
            Event.starts_at <= now,
        )
        .exists()
    )
    rows = db.session.execute(
        sa.select(Enterprise, applied.label("applied"), took_part.label("took_part"))
        .join(KeyEnterpriseMembership, KeyEnterpriseMembership.enterprise_id == Enterprise.id)
        .where(KeyEnterpriseMembership.year == year)
        .order_by(Enterprise.prefecture, Enterprise.name_zh, Enterprise.id)
    ).all()
    total = CoverageRow("", "")
    by_prefecture = {p.code: CoverageRow(p.code, pick(p.name_zh, p.name_en)) for p in PREFECTURES}
    by_industry = {i.key: CoverageRow(i.key, pick(i.name_zh, i.name_en)) for i in INDUSTRIES}
    not_reached = []
    for enterprise, has_applied, has_taken_part in rows:
        counted = [total]
        for groups, key in (
            (by_prefecture, enterprise.prefecture),
            (by_industry, enterprise.industry),
        ):
            if key in groups:
                counted.append(groups[key])
        for row in counted:
            row.members += 1
            row.applied += bool(has_applied)
            row.took_part += bool(has_taken_part)
        if not has_applied:
            not_reached.append(enterprise)
    return Coverage(
        year,
        total,
        [row for row in by_prefecture.values() if row.members],
        [row for row in by_industry.values() if row.members],
        not_reached,
    )


def invite_not_reached(year: int, event: Event, *, actor: User) -> int:
    """Mail every key enterprise of ``year`` not reached yet an invitation to ``event``
    (through the mail queue, after the commit); the number of enterprises invited.

    An enterprise's users are written to in their own language; an enterprise nobody has
    signed up for yet, at the contact address the list or its profile gives, in Chinese.
    """
    if not actor.is_organizer:
        raise PermissionDenied()
    if event.status != PublicationStatus.PUBLISHED or not (
        event.registration_opens_at <= utcnow() < event.registration_closes_at
    ):
        raise InvalidInput({"event": _l("Choose an event that is open for applications.")})
    invited = 0
    event_url = external_url("events.detail", event_id=event.id)
    for enterprise in coverage(year).not_reached:
        recipients = [(user.email, user.locale) for user in enterprise.users if user.active]
        if not recipients and enterprise.contact_email:
            recipients = [(enterprise.contact_email, "zh")]
        for address, language in recipients:
            send_templated_email(
                address,
                "key_enterprise_invitation",
                language,
                enterprise=enterprise,
                event=event,
                event_url=event_url,
                signed_up=bool(enterprise.users),
                signup_url=external_url("accounts.signup"),
            )
        invited += bool(recipients)
    record(actor, AuditAction.KEY_ENTERPRISES_INVITED, event, year=year, enterprises=invited)
    db.session.flush()
    return invited


# --- the template ----------------------------------------------------------------------


def template_workbook(language: str | None = None) -> bytes:
    """An empty list with the headings in ``language``, and a sheet of instructions."""
    language = language or current_language()
    workbook = Workbook()
    sheet = workbook.worksheets[0]
    sheet.title = "重点企业" if language == "zh" else "Key enterprises"
    bold = Font(bold=True)
    for index, column in enumerate(COLUMNS, start=1):
        sheet.cell(row=1, column=index, value=column.heading(language)).font = bold
        sheet.column_dimensions[get_column_letter(index)].width = 28
    sheet.freeze_panes = "A2"
    notes = workbook.create_sheet("说明" if language == "zh" else "Instructions")
    for line in _instructions(language):
        notes.append([line])
    notes.column_dimensions["A"].width = 110
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _instructions(language: str) -> list[str]:
    prefectures = "、".join(p.name_zh for p in PREFECTURES)
    if language == "zh":
        return [
            "每行一家企业，第一行是列标题，请勿修改。只读取第一个工作表。",
            "统一社会信用代码必填：平台按代码匹配已注册的企业；未注册的企业将建立待认领的档案，"
            "企业用该代码注册时即接管档案。",
            "企业名称和英文名称至少填写一项。",
            f"市州：{prefectures}；不填时按统一社会信用代码中的登记地确定。",
            "行业：" + "、".join(i.name_zh for i in INDUSTRIES) + "。",
            "纳入年份：企业首次纳入千户重点外贸企业的年份，如 2024；可不填。",
            "有问题的行不会导入，导入后的报告会列出行号和原因；其他行照常导入。",
        ]
    return [
        "One enterprise per row; the first row holds the headings, keep them. "
        "Only the first sheet is read.",
        "The unified social credit code is required: rows are matched to enterprises on "
        "Expo by it; an enterprise not on Expo gets an unclaimed profile, which the "
        "company takes over when it signs up with that code.",
        "Give the name in Chinese or in English, or both.",
        "Prefecture: " + ", ".join(p.name_en for p in PREFECTURES) + "; when empty, the "
        "place of registration in the credit code is used.",
        "Industry: " + "; ".join(i.name_en for i in INDUSTRIES) + ".",
        "Year included: the year the enterprise first joined the programme, such as 2024; "
        "may be empty.",
        "Rows with mistakes are not imported; the report lists their numbers and the "
        "reasons. The other rows are imported all the same.",
    ]

"""Rows from an uploaded sheet, for any area that imports a list from Excel.

The first row with anything in it holds the column headings, in Chinese or English (the
template's or a few usual variants, compared without case, spaces or a trailing colon);
columns may come in any order and unknown ones are ignored and reported. Each following
row that is not blank becomes a ``(row number as the sheet shows it, {field: text})``.
Reading the workbook safely is :mod:`expo.spreadsheets`' job; checking the values is the
importing area's.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import lazy_gettext as _l

from expo.errors import InvalidInput
from expo.i18n import current_language
from expo.spreadsheets import (
    CellTooLong,
    NotAWorkbook,
    ReadLimits,
    SpreadsheetRefused,
    UnreadableWorkbook,
    excerpt,
    read_xlsx_rows,
)

NOT_XLSX = _l(
    "This is not an Excel workbook (.xlsx). Save it in Excel as “Excel Workbook (*.xlsx)” "
    "and upload it again, or start from the template."
)
UNREADABLE = _l(
    "This file could not be read: it is damaged, cut short, or holds parts Excel does not "
    "write. Open it in Excel, save it as “Excel Workbook (*.xlsx)” and upload it again."
)


def read_workbook(
    file_bytes: bytes,
    limits: ReadLimits,
    *,
    refusals: Mapping[type[SpreadsheetRefused], object],
    cell_too_long: Callable[[CellTooLong], object],
) -> list[tuple[object, ...]]:
    """Every row of the first sheet as values, or InvalidInput at the ``file`` field with
    the importing area's words for what went wrong (``refusals``, by kind of refusal)."""
    try:
        return read_xlsx_rows(file_bytes, limits)
    except CellTooLong as refused:
        raise InvalidInput({"file": cell_too_long(refused)}) from None
    except SpreadsheetRefused as refused:
        known: dict[type[SpreadsheetRefused], object] = {
            NotAWorkbook: NOT_XLSX,
            UnreadableWorkbook: UNREADABLE,
            **refusals,
        }
        raise InvalidInput({"file": known.get(type(refused), UNREADABLE)}) from None


@dataclass(frozen=True)
class Column:
    """A column of a template: the field it fills and its headings in both languages."""

    field: str
    zh: str
    en: str
    aliases: tuple[str, ...] = ()

    def heading(self, language: str | None = None) -> str:
        return self.zh if (language or current_language()) == "zh" else self.en


def normalise_heading(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()  # full-width brackets too
    return re.sub(r"[\s*:：]+", "", text)


class Columns:
    """The columns a template has. Headings are file format, not interface text: both
    languages are always understood, whatever the reader's language."""

    def __init__(self, columns: Sequence[Column]) -> None:
        self.columns = tuple(columns)
        self.by_field = {column.field: column for column in self.columns}
        self._known = {
            normalise_heading(text): column.field
            for column in self.columns
            for text in (column.field, column.zh, column.en, *column.aliases)
        }

    def __iter__(self) -> Iterator[Column]:
        return iter(self.columns)

    def field_for(self, heading: str) -> str | None:
        return self._known.get(normalise_heading(heading)) if heading else None

    def reasons(self, errors: dict[str, object]) -> list[str]:
        """``Prefecture: Use …`` for each field's message, in the reader's language."""
        reasons = []
        for name, message in errors.items():
            column = self.by_field.get(name)
            reasons.append(f"{column.heading()}: {message}" if column else str(message))
        return reasons


def cell_text(value: object) -> str:
    """A cell as text: 13800000000 stays digits, not ``13800000000.0`` or ``1.38E+10``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


class NoHeadings(Exception):
    """No cell of the first non-blank row is a known heading."""


class NoRows(Exception):
    """Nothing under the headings (or nothing at all)."""


@dataclass
class Table:
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)


def read_table(rows: Sequence[Sequence[object]], columns: Columns) -> Table:
    """The rows under the headings, each as ``(row number, {field: text})``."""
    start = next((i for i, row in enumerate(rows) if any(cell_text(v) for v in row)), None)
    if start is None:
        raise NoRows()
    table = Table()
    positions: dict[str, int] = {}
    for index, heading in enumerate(cell_text(value) for value in rows[start]):
        name = columns.field_for(heading)
        if name is None:
            if heading:
                table.ignored_columns.append(excerpt(heading))
        else:
            positions.setdefault(name, index)
    if not positions:
        raise NoHeadings()
    for offset, row in enumerate(rows[start + 1 :]):
        if not any(cell_text(value) for value in row):
            continue
        cells = {
            name: cell_text(row[index]) if index < len(row) else ""
            for name, index in positions.items()
        }
        # The headings are row start + 1 as the sheet numbers rows, so this is start + 2 on.
        table.rows.append((start + offset + 2, cells))
    if not table.rows:
        raise NoRows()
    return table

"""Spreadsheets any area writes: CSV for any tool, XLSX for Excel, both safe to open.

Cells that a spreadsheet would take for a formula (``=``, ``+``, ``-``, ``@``, a tab or
a carriage return first) get a leading apostrophe, as OWASP recommends against CSV
injection: text someone typed into Expo must never run on an organizer's computer.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

CSV_MIMETYPE = "text/csv; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MIN_WIDTH, MAX_WIDTH = 8, 50


def neutralise(value: object) -> object:
    """``'=1+2`` for ``=1+2``: text a spreadsheet shows instead of evaluating."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def to_csv(rows: Iterable[Sequence[object]]) -> bytes:
    """UTF-8 with a byte-order mark and CRLF line ends: what Excel opens without asking."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _display_width(value: object) -> int:
    """Roughly how many columns ``value`` takes: Chinese characters count twice."""
    text = "" if value is None else str(value)
    longest_line = max(text.split("\n"), key=len) if text else ""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in longest_line)


def to_xlsx(rows: Sequence[Sequence[object]], sheet_title: str) -> bytes:
    """An Excel workbook: bold, frozen and filterable header, columns wide enough to read."""
    workbook = Workbook(write_only=True)
    # Excel refuses sheet names over 31 characters or with any of []:*?/\ in them.
    title = "".join(ch for ch in sheet_title if ch not in "[]:*?/\\")[:31] or "Sheet1"
    sheet = workbook.create_sheet(title)
    columns = max((len(row) for row in rows), default=0)
    for index in range(columns):
        width = max((_display_width(row[index]) for row in rows if index < len(row)), default=0)
        letter = get_column_letter(index + 1)
        sheet.column_dimensions[letter].width = min(max(width + 2, MIN_WIDTH), MAX_WIDTH)
    sheet.freeze_panes = "A2"
    if rows and columns:
        sheet.auto_filter.ref = f"A1:{get_column_letter(columns)}{len(rows)}"
    bold = Font(bold=True)
    for number, row in enumerate(rows):
        cells = []
        for value in row:
            if isinstance(value, str):
                # Control characters are not allowed in the file format at all.
                value = ILLEGAL_CHARACTERS_RE.sub("", value)
            cell = WriteOnlyCell(sheet, value=value)  # type: ignore[arg-type]
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
            if number == 0:
                cell.font = bold
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

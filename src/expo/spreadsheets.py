"""Spreadsheets any area writes and reads: CSV for any tool, XLSX for Excel, all safe to open.

Text someone typed into Expo must never run as a formula on an organizer's computer. An
XLSX cell says what it holds: every text is written as a string, which Excel shows as it
is and never evaluates, so a phone number "+86 138…" reads as typed. A CSV cell says
nothing, so ``to_csv`` gives the text a spreadsheet would take for a formula (``=``,
``+``, ``-``, ``@``, a tab or a carriage return first) a leading apostrophe, as OWASP
recommends against CSV injection. Callers pass the values as they are.

A workbook someone uploads is a zip of XML files, and both layers can be turned against
the server: a few kilobytes that unpack to gigabytes, XML entities that expand a line into
millions (or fetch a local file), a short shared string repeated in every cell. So
``read_xlsx_rows`` looks at the zip's table of contents before unpacking anything, parses
every XML part with defusedxml refusing any document type declaration, and only then lets
openpyxl read values, counting rows, columns and characters as it goes and watching the
clock. Each refusal is an exception of its own; the caller words it for its reader.
"""

from __future__ import annotations

import csv
import io
import time
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser
from openpyxl import Workbook, load_workbook
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
    """UTF-8 with a byte-order mark and CRLF line ends: what Excel opens without asking.

    Every text cell is neutralised (:func:`neutralise`).
    """
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([neutralise(cell) for cell in row] for row in rows)
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
                # A string, never a formula, whatever the text starts with: no apostrophe
                # needed, and none shown.
                cell.data_type = "s"
            if number == 0:
                cell.font = bold
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- reading -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReadLimits:
    """How much of an uploaded workbook is read before it is refused."""

    rows: int  # rows of the first sheet, headings and blank rows included
    columns: int = 50
    cell_chars: int = 5000
    text_chars: int = 2_000_000  # every cell read, together
    unpacked_bytes: int = 10 * 1024 * 1024  # every part of the zip, unpacked
    parts: int = 500
    # Spreadsheet XML packs 5 to 30 times; a bomb packs thousands of times.
    compression_ratio: int = 200
    seconds: float = 10.0


class SpreadsheetRefused(Exception):
    """The upload is not read; the subclass says why."""


class NotAWorkbook(SpreadsheetRefused):
    """Not a zip, or a zip that is no Excel workbook."""


class UnreadableWorkbook(SpreadsheetRefused):
    """Damaged, truncated, or XML with a document type declaration (entities)."""


class WorkbookTooLarge(SpreadsheetRefused):
    """More data once unpacked, or more text in the cells, than any honest sheet holds."""


class TooManyRows(SpreadsheetRefused):
    pass


class TooManyColumns(SpreadsheetRefused):
    pass


class ReadingTooSlow(SpreadsheetRefused):
    pass


class CellTooLong(SpreadsheetRefused):
    def __init__(self, row: int, column: str, text: str) -> None:
        super().__init__(row, column)
        self.row = row  # as the spreadsheet numbers it
        self.column = column  # its letter
        self.excerpt = excerpt(text)


EXCERPT_CHARS = 50
# Pictures and other binary parts that are not XML; every other part is checked as XML.
BINARY_SUFFIXES = (
    ".bin",
    ".bmp",
    ".emf",
    ".gif",
    ".jpeg",
    ".jpg",
    ".png",
    ".tif",
    ".tiff",
    ".wdp",
    ".wmf",
)
CHUNK_BYTES = 64 * 1024
ZIP_START = b"PK\x03\x04"


def excerpt(text: str, length: int = EXCERPT_CHARS) -> str:
    """The start of a text, with "…" when there was more: what a report may echo back."""
    return text if len(text) <= length else text[:length] + "…"


class _Clock:
    def __init__(self, seconds: float) -> None:
        self._deadline = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self._deadline:
            raise ReadingTooSlow


class _Discard:
    """A parser target that keeps nothing: the check only needs the parser's verdict."""

    def close(self) -> None:
        return None


def _check_package(archive: zipfile.ZipFile, limits: ReadLimits, clock: _Clock) -> None:
    """Refuse a bomb by its table of contents, then parse every XML part without a DTD."""
    parts = archive.infolist()
    if len(parts) > limits.parts:
        raise WorkbookTooLarge
    if sum(part.file_size for part in parts) > limits.unpacked_bytes:
        raise WorkbookTooLarge
    for part in parts:
        # zipfile never unpacks more than the declared size, so these numbers hold.
        packed = max(part.compress_size, 1)
        if part.file_size > 1024 * 1024 and part.file_size / packed > limits.compression_ratio:
            raise WorkbookTooLarge
    for part in parts:
        if part.is_dir() or part.filename.lower().endswith(BINARY_SUFFIXES):
            continue
        parser = DefusedXMLParser(target=_Discard(), forbid_dtd=True)
        with archive.open(part) as stream:
            while chunk := stream.read(CHUNK_BYTES):
                parser.feed(chunk)
                clock.check()
        parser.close()


def _row_values(
    row: tuple[object, ...], number: int, limits: ReadLimits
) -> tuple[tuple[object, ...], int]:
    """The row without its empty tail, and how many characters it holds."""
    values = list(row)
    while values and values[-1] is None:
        values.pop()
    if len(values) > limits.columns:
        raise TooManyColumns
    chars = 0
    for index, value in enumerate(values):
        if isinstance(value, str):
            if len(value) > limits.cell_chars:
                raise CellTooLong(number, get_column_letter(index + 1), value)
            chars += len(value)
    return tuple(values), chars


def read_xlsx_rows(file_bytes: bytes, limits: ReadLimits) -> list[tuple[object, ...]]:
    """The values of the first sheet's rows, or a SpreadsheetRefused saying why not."""
    clock = _Clock(limits.seconds)
    try:
        archive = zipfile.ZipFile(io.BytesIO(file_bytes))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        # A zip's first bytes, cut short or damaged further on, is a workbook gone wrong.
        raise (UnreadableWorkbook if file_bytes.startswith(ZIP_START) else NotAWorkbook) from None
    rows: list[tuple[object, ...]] = []
    try:
        with archive:
            _check_package(archive, limits, clock)
            with warnings.catch_warnings():
                # Files from other tools make openpyxl warn about styles and extensions it
                # skips; none of that matters for reading values.
                warnings.simplefilter("ignore")
                workbook = load_workbook(io.BytesIO(file_bytes), read_only=True, data_only=True)
            try:
                if not workbook.worksheets:
                    return []
                sheet = workbook.worksheets[0]
                chars = 0
                # One column past the limit, so a sheet that goes on is seen to.
                for number, row in enumerate(
                    sheet.iter_rows(max_col=limits.columns + 1, values_only=True), start=1
                ):
                    clock.check()
                    if number > limits.rows:
                        raise TooManyRows
                    values, row_chars = _row_values(row, number, limits)
                    chars += row_chars
                    if chars > limits.text_chars:
                        raise WorkbookTooLarge
                    rows.append(values)
            finally:
                workbook.close()
    except SpreadsheetRefused:
        raise
    except DefusedXmlException:
        raise UnreadableWorkbook from None
    except (KeyError, TypeError) as error:
        # A zip of other XML (a Word file, say): the parts a workbook needs are missing.
        raise NotAWorkbook from error
    except Exception as error:
        # Whatever else a damaged or hostile file makes the XML and zip readers raise
        # (truncated XML, a bad checksum, a shared string that is not there) means the
        # same to the person uploading it.
        raise UnreadableWorkbook from error
    return rows

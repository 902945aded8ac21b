"""Workbooks built to hurt the server: each is refused with a message and saves nothing.

Every file is built here, part by part, so the test shows exactly what is hostile in it.
"""

from __future__ import annotations

import html
import io
import zipfile
from dataclasses import replace

import pytest
from flask_babel import force_locale
from openpyxl.utils import get_column_letter

from expo.delegations.member_import import LIMITS, import_members
from expo.errors import InvalidInput
from expo.spreadsheets import ReadingTooSlow, read_xlsx_rows
from tests.delegations.test_import import members, upload, workbook
from tests.delegations.test_services import make_delegation
from tests.factories import make_user

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE = "http://schemas.openxmlformats.org/package/2006"
CONTENT_TYPES = f"""<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="{PACKAGE}/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/sharedStrings.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>
</Types>"""
ROOT_RELS = f"""<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="{PACKAGE}/relationships">
<Relationship Id="rId1" Type="{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
WORKBOOK = f"""<?xml version="1.0" encoding="UTF-8"?>
<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}">
<sheets><sheet name="Members" sheetId="1" r:id="rId1"/></sheets></workbook>"""
WORKBOOK_RELS = f"""<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="{PACKAGE}/relationships">
<Relationship Id="rId1" Type="{RELATIONSHIPS}/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="{RELATIONSHIPS}/sharedStrings" Target="sharedStrings.xml"/>
</Relationships>"""
HEADINGS = ["Name (Latin)", "Nationality"]


def shared_strings(*texts: str, doctype: str = "") -> str:
    items = "".join(f"<si><t>{text}</t></si>" for text in texts)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{doctype}<sst xmlns="{MAIN}">{items}</sst>'


def sheet(rows: list[list[int]]) -> str:
    """Rows of indexes into the shared strings."""
    lines = []
    for number, row in enumerate(rows, start=1):
        cells = "".join(
            f'<c r="{get_column_letter(column)}{number}" t="s"><v>{index}</v></c>'
            for column, index in enumerate(row, start=1)
        )
        lines.append(f'<row r="{number}">{cells}</row>')
    return f'<worksheet xmlns="{MAIN}"><sheetData>{"".join(lines)}</sheetData></worksheet>'


def package(strings: str, sheet_xml: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/sharedStrings.xml", strings)
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return buffer.getvalue()


# Headings, then one member: strings 0 and 1 head the columns, 2 and 3 fill them.
ONE_MEMBER = sheet([[0, 1], [2, 3]])


def good_file() -> bytes:
    return package(shared_strings(*HEADINGS, "WANG Wu", "CN"), ONE_MEMBER)


BILLION_LAUGHS = """<!DOCTYPE sst [
<!ENTITY lol "lol">
<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
"""
XXE = '<!DOCTYPE sst [<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n'


def billion_laughs() -> bytes:
    return package(shared_strings(*HEADINGS, "&lol9;", "CN", doctype=BILLION_LAUGHS), ONE_MEMBER)


def xxe() -> bytes:
    return package(shared_strings(*HEADINGS, "&secret;", "CN", doctype=XXE), ONE_MEMBER)


def zip_bomb() -> bytes:
    """50 MB of shared string that packs into about 50 kB."""
    return package(shared_strings(*HEADINGS, "A" * 50_000_000, "CN"), ONE_MEMBER)


def one_string_everywhere() -> bytes:
    """A 4,000-character string in every cell of 1,000 rows: small packed, huge read."""
    rows = [[0, 1]] + [[2] * 40 for _ in range(1000)]
    return package(shared_strings(*HEADINGS, "B" * 4000), sheet(rows))


def truncated_xml() -> bytes:
    return package(shared_strings(*HEADINGS, "WANG Wu", "CN"), ONE_MEMBER[: len(ONE_MEMBER) // 2])


def truncated_file() -> bytes:
    content = good_file()
    return content[: len(content) * 2 // 3]


def hundred_thousand_rows() -> bytes:
    # Cells without their references, as the format allows: the reader counts them.
    rows = "".join(
        f'<row r="{number}"><c t="s"><v>{0 if number == 1 else 2}</v></c></row>'
        for number in range(1, 100_001)
    )
    worksheet = f'<worksheet xmlns="{MAIN}"><sheetData>{rows}</sheetData></worksheet>'
    return package(shared_strings(*HEADINGS, "WANG Wu"), worksheet)


def too_many_columns() -> bytes:
    return package(shared_strings(*HEADINGS, "x"), sheet([[0, 1], [2] * 60]))


COULD_NOT_BE_READ = "This file could not be read"
TOO_MUCH = "The workbook holds far more data than a list of members"
HOSTILE = [
    pytest.param(zip_bomb, TOO_MUCH, id="zip bomb"),
    pytest.param(one_string_everywhere, TOO_MUCH, id="one shared string in every cell"),
    pytest.param(billion_laughs, COULD_NOT_BE_READ, id="billion laughs"),
    pytest.param(xxe, COULD_NOT_BE_READ, id="external entity"),
    pytest.param(truncated_xml, COULD_NOT_BE_READ, id="truncated sheet"),
    pytest.param(truncated_file, COULD_NOT_BE_READ, id="truncated file"),
    pytest.param(hundred_thousand_rows, "The sheet has more than 1000 rows", id="100,000 rows"),
    pytest.param(too_many_columns, "The sheet has more than 50 columns", id="60 columns"),
]


def test_the_hand_built_workbook_imports(db):
    """The hostile files below differ from this one only in what makes them hostile."""
    report = import_members(make_delegation(), good_file(), actor=None)
    assert report.imported_count == 1 and report.rejected == []
    assert [member.name_latin for member in members(db)] == ["WANG Wu"]


@pytest.mark.parametrize(("build", "message"), HOSTILE)
def test_a_hostile_workbook_is_refused_with_a_message(db, build, message):
    with pytest.raises(InvalidInput) as caught:
        import_members(make_delegation(), build(), actor=None)
    with force_locale("en"):
        text = str(caught.value.errors["file"])
    assert text.startswith(message)
    assert "root:" not in text and "lol" not in text
    assert members(db) == []


def test_reading_stops_when_time_is_up(app):
    with pytest.raises(ReadingTooSlow):
        read_xlsx_rows(good_file(), replace(LIMITS, seconds=-1))


def test_a_huge_cell_is_named_and_only_its_start_shown(db):
    content = workbook(("", "C" * 100_000, "", "", "CN", "", "", "", "", ""))
    with pytest.raises(InvalidInput) as caught:
        import_members(make_delegation(), content, actor=None)
    with force_locale("en"):
        text = str(caught.value.errors["file"])
    assert text.startswith("Cell B2 holds more than 5000 characters")
    assert "C" * 50 + "…" in text and "C" * 51 not in text
    assert members(db) == []


def test_a_refused_rows_name_is_shown_short(db):
    content = workbook(("", "D" * 3000, "", "", "CN", "", "", "", "", ""))
    report = import_members(make_delegation(), content, actor=None)
    assert report.imported_count == 0
    assert report.rejected[0].name == "D" * 50 + "…"


# --- the page ---------------------------------------------------------------------------


@pytest.fixture()
def signed_in(db, login_as):
    return login_as(make_user("organizer", locale="en"))


@pytest.mark.parametrize(("build", "message"), HOSTILE)
def test_the_page_answers_a_hostile_workbook_at_the_field(client, db, signed_in, build, message):
    delegation = make_delegation()
    db.session.commit()
    response = upload(client, delegation, build())
    text = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert 'id="file-error"' in text and message in text
    assert members(db) == []


def test_the_page_echoes_no_more_than_the_start_of_a_huge_cell(client, db, signed_in):
    delegation = make_delegation()
    db.session.commit()
    response = upload(client, delegation, workbook(("", "E" * 1_000_000, "", "", "CN")))
    assert response.status_code == 422
    assert "E" * 51 not in response.get_data(as_text=True)


class ClaimedBody(io.RawIOBase):
    """A 50 MB request body, made up as it is read, that counts what the server reads."""

    size = 50 * 1024 * 1024

    def __init__(self) -> None:
        self.position = 0
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self.position = offset + (self.size if whence == io.SEEK_END else 0)
        return self.position

    def readinto(self, buffer) -> int:
        size = min(len(buffer), self.size - self.position)
        buffer[:size] = b"x" * size
        self.position += size
        self.read_bytes += size
        return size


def test_a_body_over_the_limit_is_refused_before_it_is_read(client, db, signed_in):
    delegation = make_delegation()
    db.session.commit()
    body = ClaimedBody()
    response = client.post(
        f"/manage/delegations/{delegation.id}/members/import?lang=en",
        input_stream=body,
        content_type="multipart/form-data; boundary=xyz",
    )
    text = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 413
    assert 'id="file-error"' in text and "The file is larger than 5 MB." in text
    assert body.read_bytes < 1024 * 1024
    assert members(db) == []


def test_a_body_over_the_limit_shows_nothing_to_others(client, db, login_as):
    delegation = make_delegation()
    db.session.commit()
    login_as(make_user("enterprise"))
    response = client.post(
        f"/manage/delegations/{delegation.id}/members/import",
        input_stream=ClaimedBody(),
        content_type="multipart/form-data; boundary=xyz",
    )
    assert response.status_code == 403
    assert delegation.title not in response.get_data(as_text=True)

"""Reading PDFs as a person would: their text, their fonts, the QR code on the page.

The tools are poppler's (``pdftotext``, ``pdffonts``, ``pdfinfo``, ``pdftoppm``, installed by
``make test``), MuPDF's ``mutool`` as a second reader, pikepdf for the embedded font
programs, zxing-cpp for the QR code and zbar's ``zbarimg`` as a second reader of it (the
codes are made by zxing-cpp too).
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image

from expo.documents.models import Certificate
from expo.registrations import services as registration_services
from tests.factories import attended, make_enterprise, make_enterprise_user, open_event
from tests.registrations.test_services import application_data


def pdf_text(pdf: bytes, *, layout: bool = True) -> str:
    """The text a reader copies out of the PDF (``pdftotext``, by default ``-layout``)."""
    return subprocess.run(
        ["pdftotext", *(["-layout"] if layout else []), "-enc", "UTF-8", "-", "-"],
        input=pdf,
        capture_output=True,
        check=True,
    ).stdout.decode()


def flat(pdf: bytes) -> str:
    """The PDF's text on one line, single-spaced (wrapping and columns ignored)."""
    return " ".join(pdf_text(pdf, layout=False).split())


@dataclass(frozen=True)
class PdfFont:
    name: str
    embedded: bool
    subset: bool
    unicode: bool


def pdf_fonts(pdf: bytes, tmp_path: Path) -> list[PdfFont]:
    """``pdffonts``, one entry per font (it reads a file, not standard input)."""
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    lines = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, check=True, text=True
    ).stdout.splitlines()[2:]
    fonts = []
    for line in lines:
        # name type... encoding emb sub uni object-id generation; the type has spaces.
        parts = line.split()
        emb, sub, uni = parts[-5:-2]
        fonts.append(PdfFont(parts[0], emb == "yes", sub == "yes", uni == "yes"))
    return fonts


def pdf_info(pdf: bytes, tmp_path: Path) -> dict[str, str]:
    path = tmp_path / "info.pdf"
    path.write_bytes(pdf)
    output = subprocess.run(
        ["pdfinfo", "-enc", "UTF-8", str(path)], capture_output=True, check=True, text=True
    ).stdout
    info = {}
    for line in output.splitlines():
        key, _, value = line.partition(":")
        info[key.strip()] = value.strip()
    return info


def pdf_page_image(pdf: bytes, *, page: int = 1, dpi: int = 150) -> Image.Image:
    """One page rasterized as a printer would, by ``pdftoppm``."""
    png = subprocess.run(
        ["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-"],
        input=pdf,
        capture_output=True,
        check=True,
    ).stdout
    return Image.open(BytesIO(png))


def mupdf_page_image(pdf: bytes, tmp_path: Path, *, page: int = 1, dpi: int = 150) -> Image.Image:
    """One page rasterized by MuPDF (``mutool draw``), a reader that picks a CID-keyed
    face's glyphs by their character IDs, as the PDF specification says."""
    source, image = tmp_path / "mupdf.pdf", tmp_path / "mupdf.png"
    source.write_bytes(pdf)
    subprocess.run(
        ["mutool", "draw", "-q", "-r", str(dpi), "-o", str(image), str(source), str(page)],
        capture_output=True,
        check=True,
    )
    return Image.open(BytesIO(image.read_bytes()))


def ink(image: Image.Image) -> int:
    """How many pixels of the page are printed dark."""
    return sum(image.convert("L").histogram()[:128])


def pdf_font_programs(pdf: bytes) -> dict[str, bytes]:
    """Each embedded font's program, decoded, by the font's name (``/ABCDEF+Family``)."""
    import pikepdf

    programs = {}
    with pikepdf.open(BytesIO(pdf)) as document:
        for item in document.objects:
            if isinstance(item, pikepdf.Dictionary) and item.get("/Type") == "/FontDescriptor":
                program = item.get("/FontFile3") or item.get("/FontFile2")
                programs[str(item.FontName)] = program.read_bytes()
    return programs


def qr_codes(pdf: bytes) -> list[str]:
    """The text of every QR code on the first page, as a phone camera would read it."""
    import zxingcpp

    image = pdf_page_image(pdf)
    return [
        barcode.text
        for barcode in zxingcpp.read_barcodes(image)
        if barcode.format == zxingcpp.BarcodeFormat.QRCode
    ]


def zbar_codes(pictures: list[Image.Image], folder: Path) -> list[str]:
    """The text of the QR code in each picture, in order, as zbar reads it."""
    paths = []
    for number, picture in enumerate(pictures):
        path = folder / f"zbar-{number}.png"
        picture.save(path)
        paths.append(str(path))
    read = subprocess.run(
        ["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", *paths],
        capture_output=True,
        check=False,  # 4: a picture held no code (its line is then missing)
    )
    return read.stdout.decode().splitlines()


@pytest.fixture(autouse=True)
def documents_dir(app, tmp_path):
    """Each test stores its documents in its own folder, never in instance/."""
    previous = app.config.get("DOCUMENTS_DIR")
    app.config["DOCUMENTS_DIR"] = str(tmp_path / "documents")
    yield Path(app.config["DOCUMENTS_DIR"])
    app.config["DOCUMENTS_DIR"] = previous


def approved_application(event=None, enterprise=None, **event_fields):
    """An application approved on arrival (a first-come event with room)."""
    event = event or open_event(moderation="first_come", **event_fields)
    enterprise = enterprise or make_enterprise(
        name_zh="成都天府茶业有限公司", name_en="Chengdu Tianfu Tea Co., Ltd."
    )
    user = make_enterprise_user(enterprise)
    application = registration_services.submit_application(
        event, enterprise, application_data(), actor=user
    )
    assert application.status == "approved"
    return application


def certifiable_application(event=None, enterprise=None, **event_fields):
    """An approved application whose event was held and one of whose delegates came."""
    return attended(approved_application(event, enterprise, **event_fields))


def run_at_once(threads) -> None:
    """Start the threads together and wait for each (two minutes at most)."""
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)


def issued_serials(db) -> list[tuple[int, int]]:
    """Every certificate's serial number and application, by serial number."""
    db.session.expire_all()
    rows = db.session.scalars(sa.select(Certificate).order_by(Certificate.serial_number))
    return [(row.serial_number, row.application_id) for row in rows]

"""One way to print: a template under ``templates/documents/`` becomes PDF bytes.

Every document goes through :func:`render_pdf` (or :func:`write_pdf` for HTML made
elsewhere), so all of them share what matters on paper:

- A4 pages numbered "第 x 页 / 共 y 页 · Page x of y", from ``static/print/base.css``, plus
  the document's own small stylesheet ``static/print/<template name>.css`` if there is one
  (``documents/certificate.html`` → ``print/certificate.css``);
- Chinese set in Noto Serif/Sans CJK SC with ``lang="zh-CN"`` (without it Pango picks
  Japanese glyph forms), from the print faces of :mod:`expo.documents.fonts` (the same
  faces cut down to GB 2312, for small files and fast subsetting) with the full faces
  behind them, embedded and subset, the text extractable;
- PDF metadata: ``<title>``, ``<meta name="author">`` and ``<html lang>``, which
  WeasyPrint writes into the document information dictionary;
- the :class:`~expo.documents.fetcher.SafeFetcher`: data: URIs and static files only.

Many documents of the same kind whose page count is known beforehand (a job's
certificates, a page each; its enterprises' badge sheets) can be laid out as one document
and written out document by document with :func:`write_pdf_pages`: each file is still a
whole PDF with its own metadata and its own font subset, and the stylesheets, fonts and
fetcher are set up once for the lot. Documents numbered "page x of y" cannot: the ``pages``
counter of a layout is its total, and CSS gives no way to reset it per document.

Each PDF leaves WeasyPrint through :mod:`expo.documents.pdf_output`: its faces subset in
one pass instead of two, its streams compressed by qpdf at zlib's default level instead
of pydyf's slowest.

WeasyPrint is slow to start and leaks when misused, so each worker process keeps one
``FontConfiguration`` and parses each print stylesheet once with it. Renderings within a
process take turns (a lock): Pango's font map is shared and not meant for threads.
"""

from __future__ import annotations

import base64
import copy
import gc
import io
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import zxingcpp
from flask import current_app, render_template
from flask_babel import force_locale
from PIL import Image
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from expo.documents import fonts, pdf_output
from expo.documents.fetcher import SafeFetcher
from expo.i18n import STAFF_TIMEZONE, html_lang

# Every face subset in one pass from now on, in this process.
pdf_output.install()

AUTHORS = {"zh": "四川省商务厅", "en": "Sichuan Provincial Department of Commerce"}
# The department signs in Chengdu: documents are dated in China Standard Time.
ISSUER_TIMEZONE = STAFF_TIMEZONE
BASE_STYLESHEET = "base"
PRINT_FOLDER = "print"
# How long documents print from the full system faces before the print faces that could not
# be made are tried again.
FACES_RETRY_SECONDS = 60


class _Printer:
    """What one process keeps between renderings: fonts, parsed stylesheets, a lock."""

    def __init__(self) -> None:
        self.font_config = FontConfiguration()
        self.stylesheets: dict[Path, tuple[int, CSS]] = {}
        # By folder: when to make the rules again (None: never, they are complete), them.
        self.font_faces: dict[Path, tuple[float | None, CSS]] = {}
        self.lock = threading.Lock()
        self.warm = False

    def font_face_sheet(self, folder: Path, static: Path) -> CSS:
        """The print faces' ``@font-face`` rules, registered with the font configuration
        the first time a document is printed from ``folder``.

        Rules that lack a family (its faces could not be cut: the documents print from the
        full system faces meanwhile) are made again a minute later, not kept for the
        process's life: a cut that failed once (a killed cutter, a full disk) is tried
        again, and a machine without the fonts is not searched for them every document.
        """
        kept = self.font_faces.get(folder)
        if kept is not None and (kept[0] is None or time.monotonic() < kept[0]):
            return kept[1]
        rules = fonts.font_face_rules(folder)
        complete = rules.count("@font-face") == len(fonts.FACES)
        sheet = CSS(
            string=rules, url_fetcher=SafeFetcher(static, folder), font_config=self.font_config
        )
        retry_at = None if complete else time.monotonic() + FACES_RETRY_SECONDS
        self.font_faces[folder] = (retry_at, sheet)
        return sheet

    def warmed_up(self) -> None:
        """After the first rendering, set what the process holds aside from the collector.

        A rendering makes hundreds of thousands of objects, so Python's full collection
        runs every dozen renderings and walks everything alive: the app, SQLAlchemy's
        mappers, the fonts and stylesheets kept here. That walk costs ~90 ms (measured,
        docs/benchmarks.md). ``gc.freeze()`` moves what is alive now, all of it long-lived,
        out of the collector's sight for good; later garbage is collected as before.
        """
        if not self.warm:
            self.warm = True
            gc.collect()
            gc.freeze()

    def stylesheet(self, path: Path, static: Path) -> CSS:
        """``path`` parsed once, again only if the file changed (a designer at work)."""
        modified = path.stat().st_mtime_ns
        cached = self.stylesheets.get(path)
        if cached is None or cached[0] != modified:
            # Its own fetcher: what a stylesheet loads (@import, @font-face) is fetched
            # now, once, and is not a rendering's business.
            css = CSS(
                filename=str(path),
                url_fetcher=SafeFetcher(static),
                font_config=self.font_config,
            )
            cached = self.stylesheets[path] = (modified, css)
        return cached[1]


_printer: _Printer | None = None
_printer_pid: int | None = None
_printer_lock = threading.Lock()


def _current_printer() -> _Printer:
    """This process's printer, made on first use (after a fork: a new one, not a copy)."""
    global _printer, _printer_pid
    with _printer_lock:
        if _printer is None or _printer_pid != os.getpid():
            _printer, _printer_pid = _Printer(), os.getpid()
        return _printer


def static_folder() -> Path:
    assert current_app.static_folder is not None  # create_app always sets one
    return Path(current_app.static_folder)


def stylesheet_names(template: str) -> list[str]:
    """The base print stylesheet, then the template's own if it has one."""
    names = [BASE_STYLESHEET]
    own = Path(template).stem
    if (static_folder() / PRINT_FOLDER / f"{own}.css").is_file():
        names.append(own)
    return names


def stylesheet_paths(names: Sequence[str]) -> list[Path]:
    """The files of the named print stylesheets (``static/print/<name>.css``)."""
    return [static_folder() / PRINT_FOLDER / f"{name}.css" for name in names]


def render_html(template: str, *, language: str, title: str, **context: Any) -> str:
    """The document's HTML in ``language``, with what its ``<head>`` needs for metadata."""
    with force_locale(language):
        return render_template(
            template,
            document_title=title,
            document_author=AUTHORS.get(language, AUTHORS["en"]),
            document_lang=html_lang(language),
            language=language,
            **context,
        )


def _stylesheets(printer: _Printer, names: Sequence[str], static: Path) -> list[CSS]:
    """The print faces, then the named print stylesheets, parsed once per process."""
    sheets = [printer.font_face_sheet(fonts.font_folder(), static)]
    sheets += [printer.stylesheet(path, static) for path in stylesheet_paths(names)]
    return sheets


def write_pdf(
    html: str,
    *,
    stylesheets: Sequence[str] = (BASE_STYLESHEET,),
    fetcher: SafeFetcher | None = None,
) -> bytes:
    """PDF bytes for ``html`` with the named print stylesheets (``static/print/<name>.css``)."""
    printer = _current_printer()
    static = static_folder()
    fetcher = fetcher or SafeFetcher(static)
    with printer.lock:
        sheets = _stylesheets(printer, stylesheets, static)
        document = HTML(string=html, base_url=fetcher.base_url, url_fetcher=fetcher)
        raw = document.write_pdf(
            stylesheets=sheets, font_config=printer.font_config, uncompressed_pdf=True
        )
        printer.warmed_up()
    return pdf_output.compressed(raw)


def warm_up() -> bytes | None:
    """Load once what every document needs, before the process prints its first one; the
    sample page it printed to do so (None if the process had printed already).

    A process's first document also pays for its font configuration, the print faces
    (read and registered with Pango), every print stylesheet parsed and the first layout's
    caches: ~0.4 s on an idle machine, 1 s on a busy one, which a job worker would
    otherwise add to its first part (docs/benchmarks.md). A worker process calls this when
    it starts; what it loads is kept for the process's life anyway.
    """
    if _current_printer().warm:  # this process has printed already (another thread of it)
        return None
    names = sorted(path.stem for path in (static_folder() / PRINT_FOLDER).glob("*.css"))
    faces = "".join(
        f'.face-{number} {{ font-family: "{face.family}"; font-weight: {face.weight}; }}'
        for number, face in enumerate(fonts.FACES)
    )
    samples = "".join(
        f'<p class="face-{number}">川行天下 Sichuan Going Global 2026</p>'
        for number in range(len(fonts.FACES))
    )
    return write_pdf(f"<style>{faces}</style>{samples}", stylesheets=names)


@dataclass(frozen=True)
class PageMetadata:
    """One document of a layout shared with others: how many pages it has, and what its
    own PDF says about itself (its ``<title>`` and ``<meta>`` tags)."""

    anchor: str  # the id of an element on its first page
    title: str
    description: str = ""
    keywords: tuple[str, ...] = ()
    pages: int = 1


class PagesMismatch(Exception):
    """The layout did not give each document the pages expected (one overflowed, or an
    element was missing): the caller prints those documents one by one instead."""


def write_pdf_pages(
    html: str,
    documents: Sequence[PageMetadata],
    *,
    stylesheets: Sequence[str] = (BASE_STYLESHEET,),
) -> list[bytes]:
    """One PDF per document of ``html``, laid out once: ``documents[i]`` is the i-th.

    The documents follow each other, each ``documents[i].pages`` pages long. Each file is
    written from its own pages only, so it holds the fonts those pages use, subset to their
    glyphs, and is whole by itself; its metadata is the document's own. The layout, the
    costly half of a rendering, is done for all documents at once. Every document's first
    page must hold the element ``documents[i].anchor`` and the pages must add up (none
    overflowed onto one more page), or :class:`PagesMismatch` is raised and nothing is
    written.
    """
    printer = _current_printer()
    static = static_folder()
    fetcher = SafeFetcher(static)
    with printer.lock:
        sheets = _stylesheets(printer, stylesheets, static)
        document = HTML(string=html, base_url=fetcher.base_url, url_fetcher=fetcher).render(
            stylesheets=sheets, font_config=printer.font_config
        )
        ranges = _page_ranges(document.pages, documents)
        pdfs = [
            _write_pages(document, pages, metadata)
            for pages, metadata in zip(ranges, documents, strict=True)
        ]
        printer.warmed_up()
        # The layout's boxes point at their parents: tens of MB in reference cycles that
        # the collector would free only batches later, by when the next layout is there
        # too. Collected now (~12 ms) the worker's peak stays where printing one document
        # at a time keeps it (docs/benchmarks.md).
        del document, ranges
        gc.collect()
    return pdfs


def _page_ranges(pages: Sequence[Any], documents: Sequence[PageMetadata]) -> list[list[Any]]:
    """The laid-out ``pages`` cut into the documents', checked against what was expected."""
    expected = sum(metadata.pages for metadata in documents)
    if len(pages) != expected:
        raise PagesMismatch(f"{expected} pages expected, {len(pages)} laid out")
    ranges = []
    start = 0
    for metadata in documents:
        own = list(pages[start : start + metadata.pages])
        if metadata.pages < 1 or metadata.anchor not in own[0].anchors:
            raise PagesMismatch(f"{metadata.anchor!r} is not on page {start + 1}")
        ranges.append(own)
        start += metadata.pages
    return ranges


def _write_pages(document: Any, pages: list[Any], metadata: PageMetadata) -> bytes:
    """Some pages of a laid-out document as a PDF of its own: its fonts subset to those
    pages' glyphs, its metadata its own."""
    single = document.copy(pages)
    single.metadata = copy.copy(document.metadata)
    single.metadata.title = metadata.title
    single.metadata.description = metadata.description or None
    single.metadata.keywords = list(metadata.keywords)
    return pdf_output.compressed(single.write_pdf(uncompressed_pdf=True))


def render_pdf(template: str, *, language: str, title: str, **context: Any) -> bytes:
    """The PDF of ``templates/<template>`` in ``language`` (``"zh"`` or ``"en"``).

    ``title`` becomes the PDF's title; the author is the department, in that language.
    Future documents (badges, itineraries, invitation letters) are a template and,
    if they need one, a stylesheet of the same name under ``static/print/``.
    """
    html = render_html(template, language=language, title=title, **context)
    return write_pdf(html, stylesheets=stylesheet_names(template))


def qr_data_uri(url: str) -> str:
    """A QR code of ``url`` as a PNG data: URI, one pixel per module, with its quiet zone.

    The stylesheet scales it up with ``image-rendering: pixelated``, so the modules stay
    sharp-edged at any printer resolution; a PNG is also far cheaper for WeasyPrint than
    the equivalent SVG path. zxing-cpp makes the code (error correction M, the mask
    chosen by the standard's penalty rules, the text split into the modes that give the
    smallest symbol) in about 0.1 ms where a pure-Python encoder took 3.9 ms, most of it
    trying the eight masks: a tenth of a certificate's CPU in a bulk job.
    """
    code = zxingcpp.create_barcode(url, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    matrix = code.to_image(scale=1, add_quiet_zones=True)
    height, width = matrix.shape
    picture = Image.frombuffer("L", (width, height), matrix, "raw", "L", 0, 1).convert("1")
    png = io.BytesIO()
    picture.save(png, format="PNG")
    return "data:image/png;base64," + base64.b64encode(png.getvalue()).decode("ascii")

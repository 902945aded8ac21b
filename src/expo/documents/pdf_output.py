"""How a PDF leaves WeasyPrint: each face subset in one pass, the streams compressed by qpdf.

Two steps of WeasyPrint's writer cost every document more than they need to. Profiled on
a job's certificates (docs/benchmarks.md), they were a quarter of a certificate's CPU:

- **Subsetting a face twice.** WeasyPrint asks HarfBuzz for a subset that keeps the
  glyphs' numbers (``RETAIN_GIDS``), which already leaves out every glyph above the
  highest one used, then asks again for the glyphs up to that one, to drop the same tail
  and the hinting. The second pass finds nothing more to drop: run once, with the second
  pass's ``NO_HINTING`` in the first, the subsetter gives the same font program, byte for
  byte (tested on every print face, regular and bold, and on a full face a rare
  character falls back to), in about 40 % less time. :func:`install` puts that single pass
  in place of WeasyPrint's own (``Font._harfbuzz_subset``), once per process; where a
  subset cannot be made in one pass, WeasyPrint's own method runs as before.
- **zlib at level 9.** pydyf compresses every stream, font programs included, at zlib's
  slowest level. WeasyPrint writes the PDF uncompressed instead (its ``uncompressed_pdf``
  option) and :func:`compressed` has qpdf (pikepdf, which bundling uses already) compress
  the streams at zlib's default level and pack the objects into object streams, as
  WeasyPrint would: the files are about half a percent larger.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import pikepdf
from weasyprint.pdf import fonts as weasyprint_fonts
from weasyprint.text.ffi import ffi, harfbuzz, harfbuzz_subset
from weasyprint.text.fonts import get_hb_object_data

logger = logging.getLogger(__name__)

# The tables WeasyPrint drops from every embedded face (its own list): a PDF reader
# draws glyphs by number, so layout, baseline and bitmap tables are of no use in it.
DROPPED_TABLES = (
    b"BASE",
    b"DSIG",
    b"EBDT",
    b"EBLC",
    b"EBSC",
    b"GPOS",
    b"GSUB",
    b"JSTF",
    b"LTSH",
    b"PCLT",
    b"SVG ",
)

SubsetMethod = Callable[[Any, Mapping[int, str], bool], None]

# WeasyPrint's own method, kept for the faces one pass cannot subset (and for the tests
# that compare the two).
weasyprint_subset: SubsetMethod | None = getattr(weasyprint_fonts.Font, "_harfbuzz_subset", None)


def _add_all(hb_set: Any, values: tuple[int, ...]) -> None:
    array = ffi.new(f"hb_codepoint_t[{len(values)}]", values)
    harfbuzz.hb_set_add_sorted_array(hb_set, array, len(values))


def subset_once(font: Any, to_unicode: Mapping[int, str], hinting: bool) -> None:
    """``font``'s program cut down to the glyphs in ``to_unicode`` (their numbers kept),
    in one pass of HarfBuzz's subsetter: what WeasyPrint's two passes give."""
    subset_input = ffi.gc(
        harfbuzz_subset.hb_subset_input_create_or_fail(), harfbuzz_subset.hb_subset_input_destroy
    )
    _add_all(harfbuzz_subset.hb_subset_input_glyph_set(subset_input), tuple(sorted(to_unicode)))
    flags = (
        harfbuzz_subset.HB_SUBSET_FLAGS_RETAIN_GIDS
        | harfbuzz_subset.HB_SUBSET_FLAGS_PASSTHROUGH_UNRECOGNIZED
        | harfbuzz_subset.HB_SUBSET_FLAGS_DESUBROUTINIZE
    )
    if not hinting:
        flags |= harfbuzz_subset.HB_SUBSET_FLAGS_NO_HINTING
    if font.missing:
        flags |= harfbuzz_subset.HB_SUBSET_FLAGS_NOTDEF_OUTLINE
    harfbuzz_subset.hb_subset_input_set_flags(subset_input, flags)
    dropped = harfbuzz_subset.hb_subset_input_set(
        subset_input, harfbuzz_subset.HB_SUBSET_SETS_DROP_TABLE_TAG
    )
    _add_all(dropped, tuple(sorted(harfbuzz.hb_tag_from_string(tag, -1) for tag in DROPPED_TABLES)))
    face = harfbuzz_subset.hb_subset_or_fail(font.hb_face, subset_input)
    if face != ffi.NULL:
        face = ffi.gc(face, harfbuzz.hb_face_destroy)
        content = get_hb_object_data(face)
        if content:
            font.file_content = content
            return
    # Not in one pass: WeasyPrint's own way, with its fallbacks and warnings.
    logger.debug("Subsetting %s in WeasyPrint's two passes", font.family)
    assert weasyprint_subset is not None  # install() puts this method in place only then
    weasyprint_subset(font, to_unicode, hinting)


def install() -> bool:
    """Subset in one pass from now on, in this process; False (and WeasyPrint left as it
    is) where WeasyPrint has no HarfBuzz subsetting of its own to replace."""
    if weasyprint_subset is None or not harfbuzz_subset:
        return False
    weasyprint_fonts.Font._harfbuzz_subset = subset_once
    return True


@contextmanager
def weasyprint_as_shipped() -> Iterator[None]:
    """WeasyPrint's own subsetting for a while: for the bare baselines of the benchmarks
    and for the tests that compare the two."""
    mine = weasyprint_fonts.Font.__dict__.get("_harfbuzz_subset")
    if weasyprint_subset is not None:
        weasyprint_fonts.Font._harfbuzz_subset = weasyprint_subset
    try:
        yield
    finally:
        if mine is not None:
            weasyprint_fonts.Font._harfbuzz_subset = mine


def compressed(pdf: bytes) -> bytes:
    """``pdf``, written uncompressed by WeasyPrint, with its streams compressed at zlib's
    default level and its objects packed into object streams (as WeasyPrint's own
    compressed output is). The file's identifier follows from its content: the same
    document gives the same bytes."""
    output = io.BytesIO()
    with pikepdf.open(io.BytesIO(pdf)) as document:
        document.save(
            output,
            compress_streams=True,
            object_stream_mode=pikepdf.ObjectStreamMode.generate,
            deterministic_id=True,
        )
    return output.getvalue()

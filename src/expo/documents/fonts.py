"""Print faces: Noto CJK SC cut down to the characters Chinese documents are written in.

WeasyPrint embeds a subset of every face a document uses, but it keeps each glyph's
number, so the subset holds an empty slot for every glyph below the highest one used. Noto
CJK numbers its ideographs up to 65,000: a certificate carried ~140 KiB of empty slots per
face, and subsetting the 26 MB font files cost ~30 ms per face and document
(docs/benchmarks.md). Printing from a copy of each face that holds only what Chinese
documents are written in (the 6,763 hanzi and the symbols of GB 2312, Latin with its
accents, punctuation) keeps glyph numbers under 8,000: a certificate is a third of the
size and renders in a third of the time.

Nothing becomes unprintable: the print stylesheets name the full system face right after
the print face, and Pango takes a character the print face lacks (a rare hanzi in a
name) from the full face, character by character.

Noto CJK is CID-keyed: each glyph carries a character ID, and in the system files a glyph's
ID is its number. The cut renumbers the glyphs but HarfBuzz keeps their IDs, so each is
given its new number as ID again (:func:`number_cids`). WeasyPrint names glyphs by number
in the PDF and declares those numbers as the IDs (``Identity``); readers that follow the PDF
specification and find a glyph by its ID (MuPDF, Ghostscript) would otherwise draw the
wrong glyph or none: Chinese text left blank.

The print faces are cut with HarfBuzz's subsetter (``uharfbuzz``) from Debian's
``fonts-noto-cjk`` files, once per machine, in a process of their own,
into ``FONTS_DIR`` (``EXPO_FONTS_DIR``, by
default ``instance/fonts``). A file's name carries the source file's size and modification
time, so an upgraded font package makes new ones. They are declared to WeasyPrint as
``@font-face`` rules under their own family names ("Noto Serif CJK SC Print"), which is
also how the PDF names them.
"""

from __future__ import annotations

import fcntl
import hashlib
import io
import logging
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app

logger = logging.getLogger(__name__)

# Where Debian (and most Linux systems) keep fonts; searched in this order.
SYSTEM_FONT_DIRS = (
    "/usr/share/fonts",
    "/usr/local/share/fonts",
    "~/.local/share/fonts",
    "~/.fonts",
)
# A face takes 1-2 s to cut; a cut that has not ended by then never will.
CUT_TIMEOUT_SECONDS = 300
# Changes whenever what goes into a print face changes, so old cuts are not reused.
CUT_VERSION = "gb2312-2"
# The OpenType features Pango applies by default to horizontal Chinese and Latin text,
# without "locl": in the SC face it only swaps in Japanese, Korean and traditional forms,
# which would double the glyph count.
LAYOUT_FEATURES = ("ccmp", "liga", "clig", "calt", "rlig", "kern", "mark", "mkmk")


@dataclass(frozen=True)
class PrintFace:
    family: str  # the family documents name: "Noto Serif CJK SC Print"
    source_family: str  # the system face it is cut from: "Noto Serif CJK SC"
    weight: int  # 400 or 700
    file_pattern: str  # how the source file is named: "NotoSerifCJK*-Regular.*"

    @property
    def source_subfamily(self) -> str:
        return "Bold" if self.weight >= 700 else "Regular"


FACES = (
    PrintFace("Noto Serif CJK SC Print", "Noto Serif CJK SC", 400, "NotoSerifCJK*-Regular.*"),
    PrintFace("Noto Serif CJK SC Print", "Noto Serif CJK SC", 700, "NotoSerifCJK*-Bold.*"),
    PrintFace("Noto Sans CJK SC Print", "Noto Sans CJK SC", 400, "NotoSansCJK*-Regular.*"),
    PrintFace("Noto Sans CJK SC Print", "Noto Sans CJK SC", 700, "NotoSansCJK*-Bold.*"),
)


def print_characters() -> set[int]:
    """Every code point a print face keeps: GB 2312, Latin, punctuation and symbols."""
    ranges = (
        (0x0020, 0x007E),  # ASCII
        (0x00A0, 0x024F),  # Latin-1, Latin Extended-A and -B: foreign names and places
        (0x0370, 0x03FF),  # Greek (GB 2312 has it; units and symbols)
        (0x0400, 0x045F),  # Cyrillic (GB 2312 has it; Russian partners)
        (0x2000, 0x206F),  # general punctuation: dashes, quotes, ellipsis, bullet
        (0x20A0, 0x20CF),  # currency signs
        (0x2100, 0x218F),  # letterlike symbols, Roman numerals, №, ℃
        (0x2190, 0x21FF),  # arrows
        (0x2460, 0x24FF),  # circled numbers
        (0x3000, 0x303F),  # CJK punctuation: 、。〈〉《》「」【】
        (0xFF01, 0xFFEF),  # full-width forms: ，（）：；
    )
    characters = {code for low, high in ranges for code in range(low, high + 1)}
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                characters.add(ord(bytes((high, low)).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return characters


def font_folder() -> Path:
    configured = current_app.config.get("FONTS_DIR")
    return Path(configured or os.path.join(current_app.instance_path, "fonts"))


def _candidate_files(pattern: str, search: Iterable[str]) -> Iterator[Path]:
    for folder in search:
        root = Path(folder).expanduser()
        if root.is_dir():
            yield from sorted(root.rglob(pattern))


def _family_and_style(font: Any) -> tuple[str | None, str | None]:
    names = font["name"]
    return names.getDebugName(1), names.getDebugName(2)


def find_source(face: PrintFace, search: Iterable[str] | None = None) -> tuple[Path, int]:
    """The system file holding ``face``'s source, and the face's index inside it.

    Debian packs the Japanese, Korean, Simplified and Traditional Chinese faces of one
    weight into one ``.ttc`` collection; the simplified one is found by its family name.
    Raises ``LookupError`` when it is not installed.
    """
    from fontTools.ttLib import TTCollection, TTFont, TTLibError

    for path in _candidate_files(face.file_pattern, search or SYSTEM_FONT_DIRS):
        try:
            if path.suffix.lower() in (".ttc", ".otc"):
                with TTCollection(str(path), lazy=True) as collection:
                    names = [_family_and_style(font) for font in collection.fonts]
            else:
                with TTFont(str(path), lazy=True) as font:
                    names = [_family_and_style(font)]
        except (OSError, TTLibError):
            continue
        wanted = (face.source_family, face.source_subfamily)
        if wanted in names:
            return path, names.index(wanted)
    raise LookupError(f"{face.source_family} {face.source_subfamily} is not installed")


def cut(source: Path, index: int) -> bytes:
    """The face at ``index`` of ``source`` with only :func:`print_characters`."""
    import uharfbuzz as hb

    face = hb.Face(hb.Blob.from_file_path(str(source)), index)
    subset_input = hb.SubsetInput()
    unicodes = subset_input.unicode_set
    for code in sorted(print_characters()):
        unicodes.add(code)
    features = subset_input.sets(hb.SubsetInputSets.LAYOUT_FEATURE_TAG)
    features.clear()
    for tag in LAYOUT_FEATURES:
        features.add(int.from_bytes(tag.encode("ascii"), "big"))
    # Every name record, so the file still says what it is and whose it is (licence).
    names = subset_input.sets(hb.SubsetInputSets.NAME_ID)
    names.clear()
    names.invert()
    subset_input.flags = hb.SubsetFlags.NAME_LEGACY
    cut_face = hb.subset(face, subset_input)
    if cut_face is None:
        raise ValueError(f"HarfBuzz could not subset {source} #{index}")
    return number_cids(cut_face.blob.data)


def number_cids(data: bytes) -> bytes:
    """The CID-keyed face ``data`` with each glyph's character ID set to its number.

    Only the CFF table's charset (the IDs) changes; every other table refers to glyphs by
    number and is written as it was. A face whose glyphs are not CID-keyed is returned as
    it is.
    """
    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(data), recalcBBoxes=False, recalcTimestamp=False)
    if "CFF " not in font:
        return data
    top = font["CFF "].cff.topDictIndex[0]
    if not hasattr(top, "ROS"):
        return data
    old_names = list(top.charset)
    count = len(old_names)
    names = [".notdef", *(f"cid{number:05d}" for number in range(1, count))]
    programs = top.CharStrings.charStrings  # by name: only the names change
    top.CharStrings.charStrings = {
        name: programs[old] for name, old in zip(names, old_names, strict=True)
    }
    top.charset = names
    top.CIDCount = count
    font.setGlyphOrder(names)
    output = io.BytesIO()
    font.save(output)
    return output.getvalue()


def _cut_path(folder: Path, face: PrintFace, source: Path, index: int) -> Path:
    stat = source.stat()
    key = f"{CUT_VERSION}:{source}:{index}:{stat.st_size}:{stat.st_mtime_ns}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    stem = face.family.replace(" ", "") + f"-{face.source_subfamily}"
    return folder / f"{stem}-{digest}.otf"


def _cut_elsewhere(path: Path, source: Path, index: int) -> None:
    """Cut the face at ``index`` of ``source`` into ``path``, in a process of its own.

    A cut holds the whole source face and fontTools' tables of the cut one, some 50 MB. In
    the process that prints, that memory would stay its high-water mark for life: the
    first certificate job on a new machine peaked its worker at 377 MB instead of 328 MB
    (docs/benchmarks.md). A new interpreter (not a forked or ``multiprocessing`` child:
    the job workers are daemonic processes, which may not have those) shares nothing with
    the caller and gives all of it back when it ends.
    """
    # -P: the module is found where Expo is installed, never in the working directory.
    command = [sys.executable, "-P", "-m", __name__, str(path), str(source), str(index)]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, check=False, timeout=CUT_TIMEOUT_SECONDS
        )
    except subprocess.TimeoutExpired as error:
        raise CutError(f"cutting {source} #{index} took over {error.timeout:.0f} s") from error
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise CutError(f"cutting {source} #{index} failed: {last}")


class CutError(RuntimeError):
    """The process cutting a face failed."""


def _write_cut(path: Path, source: Path, index: int) -> None:
    """Cut the face at ``index`` of ``source`` into ``path`` (in the cutting process)."""
    data = cut(source, index)
    # Written beside and renamed into place: a second process cutting the same face at
    # the same moment writes the same bytes, and nobody reads half a file.
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".cutting-", suffix=".otf")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.chmod(temporary, 0o644)  # the web process and the workers read it
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def ensure_face(face: PrintFace, folder: Path) -> Path:
    """The print face's file, cut now if this machine has not cut it yet.

    Processes that find it missing at the same moment (every job worker starts by loading
    the faces) take turns: the first cuts, the others find the file made. One cut at a
    time keeps a new machine's memory to one cutting process's, not one per worker.
    """
    source, index = find_source(face)
    path = _cut_path(folder, face, source, index)
    if path.is_file():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".cutting.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
        if not path.is_file():
            _cut_elsewhere(path, source, index)
            logger.info("Cut print face %s %s into %s", face.family, face.weight, path)
    return path


def font_face_rules(folder: Path) -> str:
    """``@font-face`` rules for every print family whose faces could all be made.

    A family is declared whole or not at all: were only its regular face declared, bold
    text would be a regular face thickened, not the real bold one. Without a family the
    documents fall back to the full system faces named after it.
    """
    rules: list[str] = []
    for family in dict.fromkeys(face.family for face in FACES):
        members = [face for face in FACES if face.family == family]
        try:
            files = [(face, ensure_face(face, folder)) for face in members]
        except (LookupError, OSError, CutError) as error:
            logger.warning("Printing %s from the full system faces: %s", family, error)
            continue
        rules.extend(
            f'@font-face {{ font-family: "{face.family}"; font-weight: {face.weight}; '
            f'font-style: normal; src: url("{path.resolve().as_uri()}"); }}'
            for face, path in files
        )
    return "\n".join(rules)


if __name__ == "__main__":  # the cutting process: python -m expo.documents.fonts PATH SOURCE INDEX
    _write_cut(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]))

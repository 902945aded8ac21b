"""The Chinese catalogue covers every string in the source, and the app serves it.

The messages are extracted from the source as it is now (the same mapping file and
keywords as ``make i18n-extract``), so a string added without a translation fails here
rather than showing up in English on a Chinese page.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

PROJECT_ROOT = Path(__file__).resolve().parents[2]
MAPPING_FILE = PROJECT_ROOT / "babel.cfg"
CATALOGUE = PROJECT_ROOT / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
COMPILED = CATALOGUE.with_suffix(".mo")
# The keywords of `make i18n-extract`: babel's defaults plus _l, lazy_gettext, lazy_ngettext.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2)}
FIX = "run `make i18n-update`, translate in translations/zh/LC_MESSAGES/messages.po"

# A %-style conversion: %(name)s, %d, %.1f, %% ...
FORMAT_DIRECTIVE = re.compile(
    r"%(?:\((?P<name>\w+)\))?[#0 +-]*(?:\d+|\*)?(?:\.(?:\d+|\*))?(?P<conversion>[a-zA-Z%])"
)
HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
# An ASCII , ; : ! ? ( or ) touching a Chinese character: Chinese text takes the full-width
# forms (，；：！？（）). Placeholders such as %(name)s keep their ASCII brackets.
HALF_WIDTH_PUNCTUATION = re.compile(
    r"[\u4e00-\u9fff\u3001\u3002\u201c\u201d][,;:!?()]|[,;:!?()][\u4e00-\u9fff]"
)


def placeholders(text: str) -> set[str]:
    return {m.group(0) for m in FORMAT_DIRECTIVE.finditer(text) if m.group("conversion") != "%"}


def has_stray_percent(text: str) -> bool:
    """A "%" that is no directive: Jinja's new-style gettext would fail to format it."""
    return "%" in FORMAT_DIRECTIVE.sub("", text)


def forms(value) -> tuple[str, ...]:
    return tuple(value) if isinstance(value, list | tuple) else (value,)


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogue():
    """Compile the .mo when it is missing or older than the .po (`make test` does it too)."""
    if not COMPILED.exists() or COMPILED.stat().st_mtime < CATALOGUE.stat().st_mtime:
        with CATALOGUE.open("rb") as source:
            catalogue = read_po(source)
        partial = COMPILED.with_name(f"{COMPILED.name}.{os.getpid()}.tmp")
        with partial.open("wb") as target:
            write_mo(target, catalogue)
        partial.replace(COMPILED)


@pytest.fixture(scope="module")
def extracted() -> dict[tuple[str | tuple[str, ...], str | None], str]:
    """(msgid, context) -> the first place it occurs, for every message in the source."""
    with MAPPING_FILE.open() as mapping:
        method_map, options_map = parse_mapping_cfg(mapping, filename=str(MAPPING_FILE))
    messages = {}
    for filename, lineno, msgid, _comments, context in extract_from_dir(
        str(PROJECT_ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        messages.setdefault((msgid, context), f"{filename}:{lineno}")
    assert messages, "no translatable strings found: is babel.cfg still right?"
    return messages


@pytest.fixture(scope="module")
def catalogue():
    with CATALOGUE.open("rb") as source:
        return read_po(source)


def test_catalogue_header(catalogue):
    assert str(catalogue.locale) == "zh"
    assert catalogue.num_plurals == 1
    assert catalogue.plural_expr == "0"
    assert not catalogue.fuzzy, "remove '#, fuzzy' from the header of the catalogue"


def test_every_message_in_the_source_is_translated(extracted, catalogue):
    missing = []
    for (msgid, context), where in extracted.items():
        message = catalogue.get(msgid, context=context)
        if message is None or not all(s.strip() for s in forms(message.string)):
            missing.append(f"  {where}: {msgid!r}")
    assert not missing, f"{len(missing)} untranslated messages ({FIX}):\n" + "\n".join(missing)


def test_no_translation_is_fuzzy(catalogue):
    fuzzy = [repr(message.id) for message in catalogue if message.id and message.fuzzy]
    assert not fuzzy, "fuzzy translations (check them, then drop the flag):\n" + "\n".join(fuzzy)


def test_translations_keep_placeholders_and_markup(catalogue):
    wrong = []
    for message in catalogue:
        if not message.id:
            continue
        # With one plural form in Chinese, that form stands for the plural msgid.
        source = forms(message.id)[-1]
        for translation in forms(message.string):
            if not translation:
                continue
            if placeholders(translation) != placeholders(source):
                wrong.append(f"{source!r} -> {translation!r}: placeholders differ")
            if has_stray_percent(translation) and not has_stray_percent(source):
                wrong.append(f"{source!r} -> {translation!r}: a lone '%' (write '%%')")
            if sorted(HTML_TAG.findall(translation)) != sorted(HTML_TAG.findall(source)):
                wrong.append(f"{source!r} -> {translation!r}: HTML differs")
    assert not wrong, "\n".join(wrong)


def test_translations_use_chinese_punctuation(catalogue):
    wrong = [
        f"{message.id!r} -> {translation!r}"
        for message in catalogue
        if message.id
        for translation in forms(message.string)
        if HALF_WIDTH_PUNCTUATION.search(FORMAT_DIRECTIVE.sub("X", translation))
    ]
    assert not wrong, "use full-width punctuation (，；：！？（）) in Chinese:\n" + "\n".join(wrong)


def test_pages_use_the_compiled_catalogue(client):
    chinese = client.get("/events?lang=zh").get_data(as_text=True)
    assert "活动" in chinese
    assert ">Events<" not in chinese

    english = client.get("/events?lang=en").get_data(as_text=True)
    assert "Events" in english
    assert "活动" not in english

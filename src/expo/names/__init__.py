"""Names in Latin letters for people known only by their Chinese name.

A badge always carries a name in Latin letters: the one typed (as in the passport) when
there is one, else the name spelt in pinyin the way Chinese passports write it, surname
in capitals first (张三丰 → ZHANG Sanfeng, 欧阳修 → OUYANG Xiu, 吕方 → LYU Fang). The
surnames that read otherwise than their character's usual reading, and the two-character
ones, are data: ``surnames.toml`` beside this module.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib.resources import files

from pypinyin import Style, lazy_pinyin

from expo.validation import InvalidValue, check_latin_name

# The separator of transcribed names (买买提·艾力), in its common forms.
_NAME_DOTS = "·•・."


@cache
def _surnames() -> tuple[frozenset[str], dict[str, str]]:
    data = tomllib.loads(files(__name__).joinpath("surnames.toml").read_text(encoding="utf-8"))
    return frozenset(data["compound"]), {str(k): str(v) for k, v in data["readings"].items()}


def _is_han(character: str) -> bool:
    return "\u3400" <= character <= "\u9fff" or "\uf900" <= character <= "\ufaff"


def _pinyin(text: str) -> str:
    # Passports write ü as "yu" (吕 → LYU); pypinyin's plain style writes it "v".
    return "".join(lazy_pinyin(text, style=Style.NORMAL, v_to_u=False)).replace("v", "yu")


def passport_spelling(name_zh: str | None) -> str:
    """The name in pinyin as a passport writes it, or "" when it cannot be spelt so
    (no Chinese characters, or a character pinyin does not know)."""
    name = "".join((name_zh or "").split())
    if not name or not any(_is_han(character) for character in name):
        return ""
    for dot in _NAME_DOTS:
        name = name.replace(dot, "·")
    parts = [part for part in name.split("·") if part]
    if len(parts) > 1:  # a transcribed name: each part capitalised, in its order
        spelt = " ".join(_pinyin(part).capitalize() for part in parts)
    else:
        compound, readings = _surnames()
        surname = name[:2] if name[:2] in compound and len(name) > 2 else name[:1]
        given = name[len(surname) :]
        family = readings.get(surname) or _pinyin(surname)
        spelt = f"{family.upper()} {_pinyin(given).capitalize()}".strip()
    try:
        return check_latin_name(spelt)
    except InvalidValue:
        return ""


def latin_name(name_latin: str | None, name_zh: str | None) -> str:
    """The name to print in Latin letters: the one typed, else the passport spelling."""
    return (name_latin or "").strip() or passport_spelling(name_zh)

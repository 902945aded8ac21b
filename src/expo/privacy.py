"""What others see of personal data they may not read in full, and the personal-information
notice applicants agree to.

The notice is versioned: each version is a data file, ``expo/notices/<version>.toml``, with
its id, the day it takes effect and its text in both languages. A published file is never
edited; a new text is a new file. An application records the version its applicant agreed
to (``applications.consent_version``), and ``/privacy/<version>`` shows that text for as
long as the application exists.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from importlib.resources import files
from zoneinfo import ZoneInfo

NOTICE_PACKAGE = "expo.notices"
# The notices take effect on a date in China.
CHINA = ZoneInfo("Asia/Shanghai")
_VERSION = re.compile(r"[0-9A-Za-z][0-9A-Za-z.\-]{0,31}")


def mask_passport(number: str | None) -> str:
    """What non-organizers see of a passport number: enough to recognise, not to use."""
    number = number or ""
    return "" if not number else f"{number[:1]}{'•' * max(len(number) - 3, 1)}{number[-2:]}"


@dataclass(frozen=True)
class NoticeSection:
    id: str
    heading: dict[str, str]
    paragraphs: dict[str, tuple[str, ...]]
    items: dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class Notice:
    """One version of the personal-information notice, in both languages."""

    version: str
    effective: date
    title: dict[str, str]
    summary: dict[str, str]
    sections: tuple[NoticeSection, ...]


def _bilingual(data: dict, key: str) -> dict[str, str]:
    return {language: str(data[f"{key}_{language}"]) for language in ("zh", "en")}


def _bilingual_list(data: dict, key: str) -> dict[str, tuple[str, ...]]:
    return {
        language: tuple(str(text) for text in data.get(f"{key}_{language}", ()))
        for language in ("zh", "en")
    }


def _read_notice(text: str) -> Notice:
    data = tomllib.loads(text)
    version = str(data["version"])
    if not _VERSION.fullmatch(version):
        raise ValueError(f"a notice version must be a short id, not {version!r}")
    effective = data["effective"]
    if not isinstance(effective, date):
        raise ValueError(f"notice {version}: 'effective' must be a date")
    return Notice(
        version=version,
        effective=effective,
        title=_bilingual(data, "title"),
        summary=_bilingual(data, "summary"),
        sections=tuple(
            NoticeSection(
                id=str(section["id"]),
                heading=_bilingual(section, "heading"),
                paragraphs=_bilingual_list(section, "paragraphs"),
                items=_bilingual_list(section, "items"),
            )
            for section in data.get("sections", ())
        ),
    )


@cache
def notices() -> dict[str, Notice]:
    """Every version of the notice by its id, oldest first."""
    found = []
    for entry in files(NOTICE_PACKAGE).iterdir():
        if entry.name.endswith(".toml"):
            notice = _read_notice(entry.read_text(encoding="utf-8"))
            if entry.name != f"{notice.version}.toml":
                raise ValueError(f"{entry.name} holds notice version {notice.version}")
            found.append(notice)
    found.sort(key=lambda notice: (notice.effective, notice.version))
    return {notice.version: notice for notice in found}


def notice(version: str) -> Notice | None:
    """The notice of that version, or None when there is none."""
    return notices().get(version)


def current_notice(now: datetime | None = None) -> Notice:
    """The version in force at ``now`` (by the date in China, where the notices are
    published): the newest that has taken effect, or the first one before any has."""
    today = (now or datetime.now(UTC)).astimezone(CHINA).date()
    versions = list(notices().values())
    in_force = [notice for notice in versions if notice.effective <= today]
    return in_force[-1] if in_force else versions[0]

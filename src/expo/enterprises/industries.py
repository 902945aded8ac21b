"""The industries an enterprise chooses from, keyed by a stable English key.

The labels are bilingual data, like the prefectures, rather than translated strings: the
key is what is stored, filtered on and exported, and the labels follow the sector names
the provincial department uses in its own statistics.
"""

from __future__ import annotations

from typing import NamedTuple

from expo.i18n import current_language, pick


class Industry(NamedTuple):
    key: str
    name_zh: str
    name_en: str


INDUSTRIES: tuple[Industry, ...] = (
    Industry("electronics", "电子信息", "Electronics and information technology"),
    Industry("machinery", "装备制造", "Machinery and equipment"),
    Industry("automotive", "汽车及零部件", "Automotive and parts"),
    Industry("new_energy", "新能源", "New energy"),
    Industry("chemicals", "化工", "Chemicals"),
    Industry("metals", "冶金及新材料", "Metals and new materials"),
    Industry("pharmaceuticals", "医药", "Pharmaceuticals"),
    Industry("textiles", "纺织服装", "Textiles and apparel"),
    Industry("food", "食品", "Food"),
    Industry("liquor", "白酒", "Liquor (baijiu)"),
    Industry("tea", "茶叶", "Tea"),
    Industry("agriculture", "农产品", "Agricultural products"),
    Industry("culture", "文化创意", "Culture and creative products"),
    Industry("services", "服务贸易", "Trade in services"),
    Industry("other", "其他", "Other"),
)

BY_KEY: dict[str, Industry] = {industry.key: industry for industry in INDUSTRIES}


def industry_label(key: str | None, language: str | None = None) -> str:
    """The industry's name in the reader's language; an unknown key is shown as it is."""
    industry = BY_KEY.get(key or "")
    return pick(industry.name_zh, industry.name_en, language) if industry else (key or "")


def industry_choices(language: str | None = None) -> list[tuple[str, str]]:
    language = language or current_language()  # once, not once an industry
    return [(industry.key, industry_label(industry.key, language)) for industry in INDUSTRIES]

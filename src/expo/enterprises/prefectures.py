"""The 21 prefecture-level divisions of Sichuan, keyed by their administrative code.

The code is the one a unified social credit code carries in its third to eighth places.
"""

from __future__ import annotations

from typing import NamedTuple


class Prefecture(NamedTuple):
    code: str
    name_zh: str
    name_en: str


PREFECTURES: tuple[Prefecture, ...] = (
    Prefecture("510100", "成都市", "Chengdu"),
    Prefecture("510300", "自贡市", "Zigong"),
    Prefecture("510400", "攀枝花市", "Panzhihua"),
    Prefecture("510500", "泸州市", "Luzhou"),
    Prefecture("510600", "德阳市", "Deyang"),
    Prefecture("510700", "绵阳市", "Mianyang"),
    Prefecture("510800", "广元市", "Guangyuan"),
    Prefecture("510900", "遂宁市", "Suining"),
    Prefecture("511000", "内江市", "Neijiang"),
    Prefecture("511100", "乐山市", "Leshan"),
    Prefecture("511300", "南充市", "Nanchong"),
    Prefecture("511400", "眉山市", "Meishan"),
    Prefecture("511500", "宜宾市", "Yibin"),
    Prefecture("511600", "广安市", "Guang'an"),
    Prefecture("511700", "达州市", "Dazhou"),
    Prefecture("511800", "雅安市", "Ya'an"),
    Prefecture("511900", "巴中市", "Bazhong"),
    Prefecture("512000", "资阳市", "Ziyang"),
    Prefecture("513200", "阿坝藏族羌族自治州", "Ngawa Tibetan and Qiang Autonomous Prefecture"),
    Prefecture("513300", "甘孜藏族自治州", "Garzê Tibetan Autonomous Prefecture"),
    Prefecture("513400", "凉山彝族自治州", "Liangshan Yi Autonomous Prefecture"),
)

BY_CODE: dict[str, Prefecture] = {prefecture.code: prefecture for prefecture in PREFECTURES}

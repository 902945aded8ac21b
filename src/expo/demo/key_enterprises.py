"""The demo's key-enterprise lists (``data/key-enterprises.toml``): the past and the open season's.

Each list is a workbook as the department sends it (Chinese headings, prefectures and
industries by their Chinese names), made in memory and imported through
:func:`expo.enterprises.key_enterprises.import_key_enterprises`, so every row is checked
as an organizer's upload is: the demo's enterprises of standing "key" are matched by their
credit codes and the others become unclaimed profiles. Their products, markets and contact
address, which a list does not hold, are then taken from the department's records.
"""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook

from expo.accounts.models import User
from expo.demo.seasons import Seasons
from expo.enterprises.credit_codes import build_credit_code
from expo.enterprises.industries import BY_KEY as INDUSTRIES
from expo.enterprises.key_enterprises import COLUMNS, import_key_enterprises
from expo.enterprises.models import Enterprise
from expo.enterprises.prefectures import BY_CODE as PREFECTURES


class DemoListRejected(Exception):
    """A row of the demo's list did not pass the import's checks: the data file is wrong."""


def seed_key_enterprises(
    data: list[dict[str, Any]],
    enterprises: dict[str, Enterprise],
    organizer: User,
    seasons: Seasons,
) -> None:
    members = [enterprise for enterprise in enterprises.values() if enterprise.key_enterprise]
    listed = [(row, build_credit_code(row["prefecture"], row["organization"])) for row in data]
    for year, season in ((seasons.past, "past"), (seasons.open, "open")):
        rows = [
            # The demo's own key enterprises joined a few years before the past season.
            _cells(enterprise.credit_code, enterprise, seasons.past - number % 5)
            for number, enterprise in enumerate(members)
        ]
        for row, code in listed:
            lists = row.get("lists", "both")
            if lists not in ("both", season):
                continue
            since = seasons.open if lists == "open" else seasons.past - row["joined"]
            rows.append(_cells(code, row, since))
        report = import_key_enterprises(
            _workbook(rows),
            year=year,
            actor=organizer,
            filename=f"{year}年千户重点外贸企业名单.xlsx",
        )
        if report.rejected:
            raise DemoListRejected(
                "; ".join(f"row {rejected.row}: {rejected.reasons}" for rejected in report.rejected)
            )
        by_code = {enterprise.credit_code: enterprise for enterprise in report.created}
        for row, code in listed:
            enterprise = by_code.get(code)
            if enterprise is not None:
                _records(enterprise, row)


def _cells(code: str, source: Enterprise | dict[str, Any], since: int) -> list[object]:
    def value(name: str) -> str:
        return str(getattr(source, name) if isinstance(source, Enterprise) else source[name])

    return [
        code,
        value("name_zh"),
        value("name_en"),
        PREFECTURES[value("prefecture")].name_zh,
        INDUSTRIES[value("industry")].name_zh,
        since,
    ]


def _workbook(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.worksheets[0]
    sheet.append([column.heading("zh") for column in COLUMNS])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _records(enterprise: Enterprise, row: dict[str, Any]) -> None:
    """What the department knows of a company that is not on Expo yet."""
    enterprise.main_products_zh = row["products_zh"]
    enterprise.main_products_en = row["products_en"]
    enterprise.target_markets = row["markets"]
    enterprise.website = f"https://www.{row['domain']}.example"
    enterprise.contact_email = f"trade@{row['domain']}.example"

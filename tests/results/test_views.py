"""The results pages in both languages, the PDF (text and fonts, read by poppler), the
workbook (read by openpyxl), and who may see what."""

from __future__ import annotations

import base64
import io
import re
import shutil
import subprocess
from decimal import Decimal

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from expo.extensions import db
from expo.outcomes.models import Deal
from tests.factories import make_enterprise, make_enterprise_user, make_user
from tests.pages import page_text
from tests.results.conftest import deal, report


def language(client, code: str):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = code
    return client


def test_the_results_page_shows_the_figures_in_english(client, world, login_as):
    login_as(make_user("organizer", locale="en"))
    language(client, "en")
    response = client.get(f"/manage/results?campaign={world['campaign'].id}")
    assert response.status_code == 200
    text = page_text(response)
    assert "Figures count confirmed outcome reports only" in text
    assert "1 report is awaiting confirmation." in text
    assert "$16,958.60" in text  # signed in all
    assert "CN¥122,715.43" in text or "¥122,715.43" in text
    assert "Hungary" in text and "Chengdu" in text and "Mianyang" in text
    assert "Budapest Fair" in text
    assert "Key-enterprise coverage by prefecture" in text
    # Charts are images with a text alternative, drawn without pygal's script.
    images = re.findall(
        r'<img class="results-chart[^"]*" src="data:image/svg\+xml;base64,', response.text
    )
    assert len(images) == 5
    assert (
        'alt="Amounts by market: the figures are in the table beside this chart."' in response.text
    )
    assert "<script" not in response.text.split("<main", 1)[-1].split("</main>", 1)[0]
    assert " style=" not in response.text
    for svg in re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', response.text):
        assert b"<script" not in base64.b64decode(svg)


def test_the_results_page_speaks_chinese(client, world, login_as):
    login_as(make_user("organizer", locale="zh"))
    language(client, "zh")
    text = page_text(client.get(f"/manage/results?campaign={world['campaign'].id}"))
    assert "成果" in text
    assert "匈牙利" in text and "成都市" in text
    assert "122,715.43" in text


def test_filters_that_are_not_one_are_ignored(client, world, login_as):
    login_as(make_user("organizer", locale="en"))
    for query in ("year=abc", "campaign=-1", "prefecture=%3Cscript%3E", "region=mars", "key=x"):
        assert client.get(f"/manage/results?{query}").status_code == 200


def test_enterprise_users_cannot_see_the_organizers_results(client, world, login_as):
    login_as(make_enterprise_user())
    assert client.get("/manage/results").status_code == 403
    assert client.get("/manage/results.pdf").status_code == 403
    assert client.get("/manage/results.xlsx").status_code == 403


def test_an_enterprise_sees_only_its_own_results(client, world, login_as):
    budapest = world["budapest"]
    chengdu = next(
        a.enterprise for a in _applications(budapest) if a.enterprise.prefecture == "510100"
    )
    login_as(make_enterprise_user(chengdu, locale="en"))
    language(client, "en")
    text = page_text(client.get("/enterprise/results"))
    assert "Budapest Fair" in text and "Old Fair" in text
    assert "Jakarta Fair" not in text  # another enterprise's event
    assert "$16,958.10" in text and "$500.00" in text
    assert "$999.99" not in text  # another enterprise's report


def _applications(event):
    from sqlalchemy import select

    from expo.registrations.models import Application

    return db.session.scalars(select(Application).where(Application.event_id == event.id)).all()


def test_the_workbook_has_the_tables_and_a_row_per_enterprise_and_event(client, world, login_as):
    login_as(make_user("organizer", locale="en"))
    language(client, "en")
    response = client.get(f"/manage/results.xlsx?campaign={world['campaign'].id}")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == [
        "Headline",
        "Markets",
        "Regions",
        "Prefectures",
        "Industries",
        "Events",
        "Enterprises and events",
    ]
    headline = {row[0]: row[1] for row in workbook["Headline"].iter_rows(values_only=True)}
    assert Decimal(str(headline["Signed (USD)"])) == Decimal("16958.60")
    assert headline["Enterprises"] == 4
    rows = list(workbook["Enterprises and events"].iter_rows(values_only=True))
    assert len(rows) == 1 + 4  # the header, then one row per approved application
    assert rows[0][0] == "Enterprise"


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_the_pdf_is_bilingual_with_embedded_chinese_faces(client, world, login_as, tmp_path):
    login_as(make_user("organizer", locale="en"))
    response = client.get(f"/manage/results.pdf?campaign={world['campaign'].id}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    path = tmp_path / "results.pdf"
    path.write_bytes(response.data)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "成果" in text and "Results" in text
    assert "按市场统计金额" in text or "Amounts by market" in text
    assert "16,958.60" in text and "122,715.43" in text
    assert "匈牙利" in text and "Hungary" in text
    fonts = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, check=True
    ).stdout
    sc = [line for line in fonts.splitlines() if "CJK" in line and "SC" in line]
    assert sc and all(" yes " in line for line in sc)  # embedded


def test_the_page_and_the_workbook_cost_the_same_queries_at_any_size(client, world, login_as):
    from datetime import timedelta

    from tests.factories import make_enterprise
    from tests.pages import sql_statements
    from tests.results.conftest import MAY, deal, event_at, report

    login_as(make_user("organizer", locale="en"))
    campaign = world["campaign"]
    urls = [
        f"/manage/results?campaign={campaign.id}",
        f"/manage/results.xlsx?campaign={campaign.id}",
    ]
    few = [len(sql_statements(client, url)) for url in urls]
    for number in range(5):
        event = event_at(campaign, MAY + timedelta(days=number), country="FR")
        for _ in range(4):
            report(
                event,
                make_enterprise(prefecture="511100", industry="food"),
                "confirmed",
                [deal("signed_on_site", "FR", "10.00", "72.00") for _ in range(3)],
            )
    db.session.commit()
    assert [len(sql_statements(client, url)) for url in urls] == few


def test_the_results_page_shows_a_change_to_the_next_reader(client, db, world, login_as):
    login_as(make_user("organizer", locale="en"))
    language(client, "en")
    url = f"/manage/results?campaign={world['campaign'].id}"
    assert "$16,958.60" in page_text(client.get(url))
    # One confirmed report more, through the ORM.
    report(
        world["budapest"],
        make_enterprise(),
        "confirmed",
        [deal("signed_on_site", "HU", "1000.00", "7200.00")],
    )
    db.session.commit()
    assert "$17,958.60" in page_text(client.get(url))
    # A bulk statement: every amount in USD set to zero.
    db.session.execute(sa.update(Deal).values(amount_usd=Decimal("0.00")))
    db.session.commit()
    page = page_text(client.get(url))
    assert "$17,958.60" not in page and "$0.00" in page
    # The language is part of the key: the same figures, in Chinese.
    assert "已签约" in page_text(client.get(url + "&lang=zh"))

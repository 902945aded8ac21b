"""The printed schedule, table cards and A3 grid: bilingual, extractable, table numbers."""

from __future__ import annotations

import subprocess

import pypdf

from expo.matchmaking import documents, services
from expo.matchmaking.models import Side
from tests.documents.conftest import pdf_text


def scheduled(fair):
    for application, counterpart in ((fair.tea, fair.buyer), (fair.pepper, fair.other_buyer)):
        request = services.ask(fair.event, application, counterpart, side=Side.SICHUAN)
        services.respond(request, side=Side.COUNTERPART, accept=True)
    services.run_scheduler(fair.event, actor=fair.organizer, time_limit=5)
    services.publish(fair.event, actor=fair.organizer)
    return services.meetings_of(fair.event)


def test_a_personal_schedule_names_both_scripts_the_table_and_the_zone(fair):
    meetings = scheduled(fair)
    mine = [m for m in meetings if m.application_id == fair.tea.id]
    pdf = documents.render_schedule(
        fair.event, mine, side="sichuan", name_zh="川茶集团", name_en="Sichuan Tea Group"
    )
    text = pdf_text(pdf)
    assert "一对一洽谈日程" in text and "One-to-one meeting schedule" in text
    assert "多瑙食品公司" in text and "Danube Foods Kft." in text
    assert "Europe/Budapest" in text
    assert str(mine[0].table_number) in text
    fonts = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, check=True).stdout
    assert b"CJK" in fonts


def test_the_buyers_schedule_names_the_enterprise_in_both_scripts(fair):
    meetings = scheduled(fair)
    theirs = [m for m in meetings if m.counterpart_id == fair.buyer.id]
    text = pdf_text(
        documents.render_schedule(
            fair.event, theirs, side="counterpart", name_zh="", name_en="Danube Foods Kft."
        )
    )
    assert "川茶集团" in text and "Sichuan Tea Group" in text


def test_table_cards_and_the_a3_grid(fair):
    from io import BytesIO

    meetings = scheduled(fair)
    cards = documents.render_table_cards(fair.event, meetings, fair.grid.tables)
    assert len(pypdf.PdfReader(BytesIO(cards)).pages) == fair.grid.tables
    grid = documents.render_grid(
        fair.event, services.grid_slots(fair.grid), fair.grid.tables, meetings
    )
    page = pypdf.PdfReader(BytesIO(grid)).pages[0]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    assert round(width / 72 * 25.4) == 420 and round(height / 72 * 25.4) == 297  # A3 across
    assert "川茶集团" in pdf_text(grid)

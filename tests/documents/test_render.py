"""The one render function: A4, page numbers, metadata, Simplified-Chinese fonts, reuse."""

from __future__ import annotations

import base64
import re
import time
import zlib
from datetime import UTC, datetime, timedelta
from io import BytesIO
from types import SimpleNamespace

import pytest
import weasyprint
import zxingcpp
from PIL import Image

from expo.documents import fonts, render, schedules
from tests.documents.conftest import pdf_fonts, pdf_info, pdf_text, zbar_codes
from tests.factories import make_event, make_session


def pdf_objects(pdf: bytes) -> bytes:
    """The PDF with its compressed streams inflated (the catalog sits in an object stream)."""
    inflated = [pdf]
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        try:
            inflated.append(zlib.decompress(stream))
        except zlib.error:
            pass
    return b"\n".join(inflated)


A4_PORTRAIT = "595.276 x 841.89 pts (A4)"
A4_LANDSCAPE = "841.89 x 595.276 pts (A4)"


def budapest_event(sessions_per_day: int = 2, days: int = 3):
    # 07:00 UTC is 09:00 in Budapest (summer time): local days, not UTC days, group it.
    event = make_event(
        starts_at=datetime(2027, 5, 10, 7, 0, tzinfo=UTC),
        title_zh="布达佩斯国际博览会",
        title_en="Budapest International Fair",
    )
    for day in range(days):
        for number in range(sessions_per_day):
            make_session(
                event,
                starts_at=event.starts_at + timedelta(days=day, hours=1 + 2 * number),
                title_zh=f"第{day + 1}天 中匈经贸对接会 {number + 1}",
                title_en=f"Day {day + 1} China–Hungary matchmaking {number + 1}",
                place_zh="一号馆",
                place_en="Hall 1",
            )
    return event


class TestSchedule:
    def test_chinese_text_is_extractable_with_zone_and_page_numbers(self, db, tmp_path):
        event = budapest_event()
        pdf = schedules.schedule_pdf(schedules.schedule_html(event, language="zh"))
        text = pdf_text(pdf)
        assert "布达佩斯国际博览会" in text
        assert "第1天 中匈经贸对接会 1" in text and "第3天 中匈经贸对接会 2" in text
        # The zone, named in the product's own words: Budapest keeps summer time in May.
        assert "2027年5月10日星期一 UTC+02:00 Europe/Budapest" in text  # the local day heading
        facts = " ".join(text.split())
        assert "日期 2027年5月10日 09:00 – 2027年5月13日 09:00" in facts  # the event's dates
        assert "时区 UTC+02:00 Europe/Budapest" in facts
        assert "所有时间均为当地时间，即Europe/Budapest。" in facts
        assert "10:00–11:00" in text  # 08:00 UTC, shown as Budapest's wall clock
        assert "第 1 页 / 共 1 页 · Page 1 of 1" in text

    def test_long_agenda_counts_its_pages(self, db):
        event = budapest_event(sessions_per_day=12, days=3)
        text = pdf_text(schedules.schedule_pdf(schedules.schedule_html(event, language="zh")))
        pages = re.findall(r"第 (\d+) 页 / 共 (\d+) 页 · Page (\d+) of (\d+)", text)
        total = len(pages)
        assert total >= 2
        assert pages == [(str(n), str(total), str(n), str(total)) for n in range(1, total + 1)]

    def test_english_schedule(self, db):
        event = budapest_event()
        text = pdf_text(schedules.schedule_pdf(schedules.schedule_html(event, language="en")))
        assert "Budapest International Fair" in text
        assert "Day 1 China–Hungary matchmaking 1" in text
        assert "Monday, May 10, 2027 UTC+02:00 Europe/Budapest" in text
        facts = " ".join(text.split())
        assert "Dates May 10, 2027, 09:00 – May 13, 2027, 09:00" in facts
        assert "Time zone UTC+02:00 Europe/Budapest" in facts
        assert "All times are local time in Europe/Budapest." in facts
        assert "10:00–11:00" in text  # 24-hour clocks in English too

    def test_fonts_are_simplified_chinese_embedded_and_subset(self, db, tmp_path):
        pdf = schedules.schedule_pdf(schedules.schedule_html(budapest_event(), language="zh"))
        fonts = pdf_fonts(pdf, tmp_path)
        assert fonts, "no fonts listed"
        names = [font.name for font in fonts]
        assert all(re.search(r"^[A-Z]{6}\+Noto-Sans-CJK-SC", name) for name in names), names
        assert not any("JP" in name for name in names)
        assert all(font.embedded and font.subset and font.unicode for font in fonts)
        # Headings and times are set in the real bold face, not a smeared regular.
        assert any(name.endswith("-Bold") for name in names)
        assert any(not name.endswith("-Bold") for name in names)

    def test_metadata_and_page_size(self, db, tmp_path):
        event = budapest_event()
        pdf = schedules.schedule_pdf(schedules.schedule_html(event, language="zh"))
        info = pdf_info(pdf, tmp_path)
        assert info["Title"] == "布达佩斯国际博览会 · 日程"
        assert info["Author"] == "四川省商务厅"
        assert info["Page size"] == A4_PORTRAIT
        english = schedules.schedule_pdf(schedules.schedule_html(event, language="en"))
        info = pdf_info(english, tmp_path)
        assert info["Title"] == "Budapest International Fair · Schedule"
        assert info["Author"] == "Sichuan Provincial Department of Commerce"

    def test_language_is_declared_for_the_fonts(self, db):
        event = budapest_event()
        assert '<html lang="zh-CN">' in schedules.schedule_html(event, language="zh")
        assert '<html lang="en">' in schedules.schedule_html(event, language="en")
        pdf = schedules.schedule_pdf(schedules.schedule_html(event, language="zh"))
        assert b"/Lang (zh-CN)" in pdf_objects(pdf)


class TestQrCode:
    URLS = [
        "http://127.0.0.1:5000/verify/AB12",
        "https://expo.example.gov.cn/verify/EXPO-2026-000123-7K3M9QX2PLW4",
        "https://expo.example.gov.cn/verify/k3m9qx2plw4-lowercase?lang=en",
        "https://sc-expo.org.cn:8443/app/badges/" + "7K3M9QX2PLW4" * 8,
        "https://expo.example.gov.cn/check-in/12345678901234567890",
    ]

    def test_a_second_reader_reads_each_code_as_written(self, tmp_path):
        pictures = []
        for url in self.URLS:
            prefix, _, data = render.qr_data_uri(url).partition(",")
            assert prefix == "data:image/png;base64"
            picture = Image.open(BytesIO(base64.b64decode(data)))
            assert picture.mode == "1"  # black and white, a pixel a module
            # A square of 21 + 4n modules and a quiet zone of four on every side.
            modules = picture.width - 8
            assert picture.width == picture.height and (modules - 21) % 4 == 0
            side = picture.width
            border = [
                picture.getpixel((x, y))
                for x in range(side)
                for y in range(side)
                if min(x, y, side - 1 - x, side - 1 - y) < 4
            ]
            assert set(border) == {255}
            (read,) = zxingcpp.read_barcodes(picture.convert("L").resize((side * 4,) * 2))
            assert (read.text, read.ec_level) == (url, "M")  # error correction M: 15 %
            pictures.append(picture.resize((picture.width * 4,) * 2, Image.Resampling.NEAREST))
        assert zbar_codes(pictures, tmp_path) == self.URLS


class TestRenderPdf:
    def test_renders_a_template_with_the_stylesheet_of_its_name(self, db, tmp_path):
        event = budapest_event()
        pdf = render.render_pdf(
            "documents/schedule.html",
            language="zh",
            title="测试标题",
            event=event,
            days=[],
        )
        info = pdf_info(pdf, tmp_path)
        assert info["Title"] == "测试标题"
        assert "议程尚未发布" in pdf_text(pdf)
        assert render.stylesheet_names("documents/schedule.html") == ["base", "schedule"]
        assert render.stylesheet_names("documents/badges.html") == ["base", "badges"]
        assert render.stylesheet_names("documents/verify.html") == ["base"]

    def test_one_font_configuration_and_stylesheets_parsed_once(self, db, monkeypatch):
        event = budapest_event(sessions_per_day=1, days=1)
        html = schedules.schedule_html(event, language="zh")
        schedules.schedule_pdf(html)  # warm: this process's printer exists now
        printer = render._current_printer()
        parsed = []
        original = weasyprint.CSS.__init__

        def counting_init(self, *args, **kwargs):
            parsed.append(kwargs.get("filename"))
            original(self, *args, **kwargs)

        font_configs = []
        original_fc = weasyprint.text.fonts.FontConfiguration.__init__

        def counting_fc(self, *args, **kwargs):
            font_configs.append(self)
            original_fc(self, *args, **kwargs)

        monkeypatch.setattr(weasyprint.CSS, "__init__", counting_init)
        monkeypatch.setattr(weasyprint.text.fonts.FontConfiguration, "__init__", counting_fc)
        for _ in range(3):
            schedules.schedule_pdf(html)
        assert parsed == []
        assert font_configs == []
        assert render._current_printer() is printer

    def test_warming_up_loads_what_every_document_needs(self, db, monkeypatch, tmp_path):
        monkeypatch.setattr(render, "_printer", None)  # a process that has printed nothing
        sample = render.warm_up()
        # Each of the four print faces, laid out and written.
        families = {font.name.split("+")[-1] for font in pdf_fonts(sample, tmp_path)}
        assert families == {
            "Noto-Sans-CJK-SC-Print",
            "Noto-Sans-CJK-SC-Print-Bold",
            "Noto-Serif-CJK-SC-Print",
            "Noto-Serif-CJK-SC-Print-Bold",
        }
        printer = render._current_printer()
        assert printer.warm
        assert render.warm_up() is None  # once a process
        assert len(printer.font_faces) == 1  # the print faces, registered
        every_sheet = sorted((render.static_folder() / "print").glob("*.css"))
        assert sorted(printer.stylesheets) == every_sheet
        parsed = []
        original = weasyprint.CSS.__init__

        def counting_init(self, *args, **kwargs):
            parsed.append(kwargs.get("filename"))
            original(self, *args, **kwargs)

        monkeypatch.setattr(weasyprint.CSS, "__init__", counting_init)
        event = budapest_event(sessions_per_day=1, days=1)
        pdf = schedules.schedule_pdf(schedules.schedule_html(event, language="zh"))
        assert parsed == []  # the first document parses nothing
        assert render._current_printer() is printer
        assert "中匈经贸对接会" in pdf_text(pdf)

    def test_print_faces_that_could_not_be_made_are_tried_again(self, db, monkeypatch):
        monkeypatch.setattr(render, "_printer", None)
        made = []
        real_rules = fonts.font_face_rules

        def failing_once(folder):
            made.append(folder)
            return "" if len(made) == 1 else real_rules(folder)  # the first cut failed

        monkeypatch.setattr(fonts, "font_face_rules", failing_once)
        printer = render._current_printer()
        folder, static = fonts.font_folder(), render.static_folder()
        printer.font_face_sheet(folder, static)
        printer.font_face_sheet(folder, static)
        assert len(made) == 1  # the system faces, for a minute
        later = time.monotonic() + render.FACES_RETRY_SECONDS + 1
        monkeypatch.setattr(render, "time", SimpleNamespace(monotonic=lambda: later))
        printer.font_face_sheet(folder, static)
        assert len(made) == 2  # tried again: complete now
        later += 10 * render.FACES_RETRY_SECONDS
        printer.font_face_sheet(folder, static)
        assert len(made) == 2  # and kept for good


def sections(*bodies: str) -> str:
    """A document of sections, each beginning a page of its own."""
    pages = "".join(
        f'<section id="part-{number}">{body}</section>' for number, body in enumerate(bodies)
    )
    head = "<title>批</title><style>section + section { break-before: page }</style>"
    return f'<!doctype html><html lang="zh-CN"><head>{head}</head><body>{pages}</body></html>'


class TestWritePdfPages:
    def test_one_whole_pdf_per_page_with_its_own_title(self, db, tmp_path):
        pages = [
            render.PageMetadata("part-0", "第一份 · First", keywords=("ONE",)),
            render.PageMetadata("part-1", "第二份 · Second", keywords=("TWO",)),
        ]
        pdfs = render.write_pdf_pages(sections("甲乙丙", "丁戊己"), pages)
        assert len(pdfs) == 2
        for pdf, metadata, own, other in zip(
            pdfs, pages, ("甲乙丙", "丁戊己"), ("丁戊己", "甲乙丙"), strict=True
        ):
            info = pdf_info(pdf, tmp_path)
            assert (info["Pages"], info["Title"]) == ("1", metadata.title)
            assert info["Keywords"] == metadata.keywords[0]
            text = pdf_text(pdf)
            assert own in text and other not in text
            assert all(font.embedded and font.subset for font in pdf_fonts(pdf, tmp_path))

    def test_documents_of_several_pages_are_cut_at_their_own_pages(self, db, tmp_path):
        documents = [
            render.PageMetadata("part-0", "两页 · Two pages", pages=2),
            render.PageMetadata("part-1", "一页 · One page"),
        ]
        two_pages = '甲乙丙<p class="next">庚辛壬</p>'
        html = sections(two_pages, "丁戊己").replace(
            "</style>", " .next { break-before: page }</style>"
        )
        first, second = render.write_pdf_pages(html, documents)
        assert pdf_info(first, tmp_path)["Pages"] == "2"
        assert pdf_info(second, tmp_path)["Pages"] == "1"
        assert "庚辛壬" in pdf_text(first) and "丁戊己" not in pdf_text(first)
        assert "丁戊己" in pdf_text(second) and "庚辛壬" not in pdf_text(second)
        with pytest.raises(render.PagesMismatch):  # told one page where there are two
            render.write_pdf_pages(html, [render.PageMetadata("part-0", "一"), documents[1]])

    def test_a_section_running_onto_a_second_page_is_refused(self, db):
        pages = [render.PageMetadata("part-0", "一"), render.PageMetadata("part-1", "二")]
        too_long = "<p>长</p>" * 200
        with pytest.raises(render.PagesMismatch):
            render.write_pdf_pages(sections("短", too_long), pages)
        with pytest.raises(render.PagesMismatch):  # an element that is not there
            render.write_pdf_pages(sections("短", "短"), [pages[0], render.PageMetadata("x", "x")])

"""The print faces: Noto CJK SC cut down to GB 2312, the full faces behind them."""

from __future__ import annotations

import fcntl
import multiprocessing
from io import BytesIO
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from expo.documents import certificates, fonts, render, schedules
from expo.documents.fetcher import FetchRefused, SafeFetcher
from tests.documents.conftest import (
    certifiable_application,
    ink,
    mupdf_page_image,
    pdf_font_programs,
    pdf_fonts,
    pdf_page_image,
    pdf_text,
)
from tests.documents.test_render import budapest_event
from tests.factories import make_enterprise


def cut_files(folder: Path) -> dict[str, Path]:
    return {path.name.rsplit("-", 1)[0]: path for path in sorted(folder.glob("*.otf"))}


def identity_cids(count: int) -> list[str]:
    """The glyph names of a CID-keyed face whose glyphs' IDs are their numbers."""
    return [".notdef", *(f"cid{number:05d}" for number in range(1, count))]


class TestCutting:
    @pytest.fixture()
    def folder(self, tmp_path):
        folder = tmp_path / "fonts"
        rules = fonts.font_face_rules(folder)
        assert rules.count("@font-face") == 4
        return folder

    def test_four_faces_cut_once_per_machine(self, folder):
        files = cut_files(folder)
        assert sorted(files) == [
            "NotoSansCJKSCPrint-Bold",
            "NotoSansCJKSCPrint-Regular",
            "NotoSerifCJKSCPrint-Bold",
            "NotoSerifCJKSCPrint-Regular",
        ]
        modified = {path: path.stat().st_mtime_ns for path in files.values()}
        fonts.font_face_rules(folder)  # a second process, or a restart
        assert {path: path.stat().st_mtime_ns for path in folder.glob("*.otf")} == modified

    def test_a_face_keeps_gb2312_latin_and_punctuation_only(self, folder):
        with TTFont(cut_files(folder)["NotoSerifCJKSCPrint-Regular"]) as font:
            cmap = font.getBestCmap()
            glyphs = len(font.getGlyphOrder())
            family = font["name"].getDebugName(1)
        for character in "中国四川鑫淼A z,éüñ№–·，。《》（）":
            assert ord(character) in cmap, character
        # 堃 and 犇 are not in GB 2312: they come from the full face (below).
        assert ord("堃") not in cmap and ord("犇") not in cmap
        assert glyphs < 10_000
        assert family == "Noto Serif CJK SC"  # the name (and licence) records are kept

    def test_each_glyph_s_character_id_is_its_number(self, folder):
        for path in cut_files(folder).values():
            with TTFont(path) as font:
                order = font.getGlyphOrder()
                top = font["CFF "].cff.topDictIndex[0]
                assert top.ROS == ("Adobe", "Identity", 0)  # still CID-keyed
                assert order == identity_cids(len(order)), path.name
                # The glyphs are where they were: 成 drawn from its own program.
                assert font.getBestCmap()[ord("成")] in order

    def test_faces_are_cut_in_a_process_of_their_own(self, monkeypatch, tmp_path):
        # Cutting holds the whole source face: a worker that cut for itself would keep
        # that memory as its high-water mark for as long as it runs.
        def not_here(source, index):
            raise AssertionError("cut in the printing process")

        monkeypatch.setattr(fonts, "cut", not_here)
        folder = tmp_path / "fonts"
        assert fonts.font_face_rules(folder).count("@font-face") == 4
        assert len(cut_files(folder)) == 4
        assert not list(folder.glob(".cutting-*"))  # nothing half-written left behind

    def test_a_job_worker_can_cut_them(self, tmp_path):
        # The job workers are daemonic processes, which may not start multiprocessing
        # children: the first certificate job on a new machine cuts the faces there.
        folder = tmp_path / "fonts"
        worker = multiprocessing.get_context("fork").Process(
            target=fonts.font_face_rules, args=(folder,), daemon=True
        )
        worker.start()
        worker.join(timeout=300)
        assert worker.exitcode == 0
        assert len(cut_files(folder)) == 4

    def test_a_failed_cut_falls_back_to_the_system_faces(self, monkeypatch, tmp_path):
        def broken(path, source, index):
            raise fonts.CutError("cutting failed: no memory")

        monkeypatch.setattr(fonts, "_cut_elsewhere", broken)
        assert fonts.font_face_rules(tmp_path / "fonts") == ""

    def test_a_cutting_process_that_fails_says_why(self, tmp_path):
        not_a_font = tmp_path / "not-a-font.otf"
        not_a_font.write_bytes(b"plain text, no tables")
        with pytest.raises(fonts.CutError, match="not-a-font.otf #0 failed: .+"):
            fonts._cut_elsewhere(tmp_path / "cut.otf", not_a_font, 0)
        assert sorted(path.name for path in tmp_path.iterdir()) == ["not-a-font.otf"]

    def test_processes_missing_a_face_take_turns_to_cut_it(self, tmp_path):
        # Every job worker loads the faces as it starts: on a new machine they would all
        # cut at once, each cutting process holding a whole source face.
        folder = tmp_path / "fonts"
        folder.mkdir()
        face = fonts.FACES[0]
        with open(folder / ".cutting.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # another process is cutting
            # Started afresh: a forked child would share this open lock, and so hold it.
            waiting = multiprocessing.get_context("spawn").Process(
                target=fonts.ensure_face, args=(face, folder), daemon=True
            )
            waiting.start()
            waiting.join(timeout=5)
            assert waiting.is_alive() and cut_files(folder) == {}
        waiting.join(timeout=300)
        assert waiting.exitcode == 0
        assert len(cut_files(folder)) == 1

    def test_rules_point_at_the_cut_files(self, folder):
        rules = fonts.font_face_rules(folder)
        for path in cut_files(folder).values():
            assert path.resolve().as_uri() in rules
        assert 'font-family: "Noto Serif CJK SC Print"; font-weight: 700' in rules


class TestPrinting:
    def test_a_rare_character_comes_from_the_full_face(self, db, organizer, tmp_path):
        enterprise = make_enterprise(name_zh="四川犇堃科技有限公司", name_en="Sichuan Benkun Tech")
        application = certifiable_application(enterprise=enterprise)
        certificate = certificates.issue_certificate(application, actor=organizer)
        db.session.commit()
        pdf = certificates.certificate_pdf(certificate)
        assert "四川犇堃科技有限公司" in pdf_text(pdf)
        names = sorted(font.name.split("+", 1)[1] for font in pdf_fonts(pdf, tmp_path))
        # The name is bold: the print face for most of it, the full bold face for 犇堃.
        assert names == [
            "Noto-Serif-CJK-SC-Bold",
            "Noto-Serif-CJK-SC-Print",
            "Noto-Serif-CJK-SC-Print-Bold",
        ]

    def test_readers_that_find_glyphs_by_character_id_draw_the_chinese(
        self, db, organizer, tmp_path
    ):
        application = certifiable_application()
        certificate = certificates.issue_certificate(application, actor=organizer)
        db.session.commit()
        pdf = certificates.certificate_pdf(certificate)
        # WeasyPrint declares each glyph's number as its character ID (Identity): every
        # embedded face must say the same, or MuPDF, Ghostscript and the like draw
        # another glyph or none.
        for name, program in pdf_font_programs(pdf).items():
            with TTFont(BytesIO(program)) as font:
                order = font.getGlyphOrder()
            assert order == identity_cids(len(order)), name
        # MuPDF prints as much as poppler (its strokes a little darker): the Chinese is not
        # left blank (then it printed a quarter less).
        poppler = ink(pdf_page_image(pdf, dpi=72))
        mupdf = ink(mupdf_page_image(pdf, tmp_path, dpi=72))
        assert 0.9 * poppler < mupdf < 1.25 * poppler

    def test_without_print_faces_documents_use_the_full_faces(self, app, db, monkeypatch, tmp_path):
        monkeypatch.setattr(fonts, "SYSTEM_FONT_DIRS", (str(tmp_path / "no-fonts-here"),))
        monkeypatch.setattr(render, "_printer", None)  # a fresh process
        monkeypatch.setitem(app.config, "FONTS_DIR", str(tmp_path / "fonts"))
        pdf = schedules.schedule_pdf(schedules.schedule_html(budapest_event(), language="zh"))
        assert "布达佩斯国际博览会" in pdf_text(pdf)
        names = {font.name.split("+", 1)[1] for font in pdf_fonts(pdf, tmp_path)}
        assert names == {"Noto-Sans-CJK-SC", "Noto-Sans-CJK-SC-Bold"}
        assert not list((tmp_path / "fonts").glob("*.otf"))


class TestFetching:
    def test_documents_cannot_read_the_font_folder(self, app, tmp_path):
        folder = tmp_path / "fonts"
        fonts.font_face_rules(folder)
        url = next(folder.glob("*.otf")).resolve().as_uri()
        with pytest.raises(FetchRefused):
            SafeFetcher(app.static_folder).fetch(url)
        # Only the print faces' own stylesheet is given the folder.
        response = SafeFetcher(app.static_folder, folder).fetch(url)
        assert response.read()[:4] == b"OTTO"

"""How a PDF leaves WeasyPrint: one subsetting pass that gives WeasyPrint's own fonts, and
streams compressed by qpdf."""

from __future__ import annotations

import io

import pikepdf
from weasyprint.pdf import fonts as weasyprint_fonts

from expo.documents import pdf_output, render
from tests.documents.conftest import pdf_font_programs, pdf_fonts, pdf_text

# Every print face (serif and sans, regular and bold), a full face for 犇 and 堃 (not in
# GB 2312), Latin, digits and punctuation.
HTML = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<title>字体 Fonts</title>
<style>.serif { font-family: "Noto Serif CJK SC Print", "Noto Serif CJK SC", serif; }</style>
</head><body>
<h1>四川犇堃科技有限公司 Sichuan Benkun Tech Co., Ltd.</h1>
<p>布达佩斯国际博览会（川行天下·2026），2027年5月10日—12日。</p>
<p class="serif">兹证明 This is to certify that <b>成都天府茶业有限公司 № 42</b></p>
</body></html>"""


class TestSubsetting:
    def test_one_pass_gives_weasyprint_s_own_pdf_font_programs(self, db, tmp_path):
        with pdf_output.weasyprint_as_shipped():
            shipped = render.write_pdf(HTML)
        ours = render.write_pdf(HTML)
        # The single pass is what printing uses.
        assert weasyprint_fonts.Font._harfbuzz_subset is pdf_output.subset_once
        names = {name.split("+", 1)[1] for name in pdf_font_programs(ours)}
        assert names == {
            "Noto-Sans-CJK-SC-Print-Bold",
            "Noto-Sans-CJK-SC-Bold",  # 犇堃 in the heading
            "Noto-Sans-CJK-SC-Print",
            "Noto-Serif-CJK-SC-Print",
            "Noto-Serif-CJK-SC-Print-Bold",
        }
        assert pdf_font_programs(ours) == pdf_font_programs(shipped)
        # And what the fonts carry is still readable text, in embedded subsets.
        assert "四川犇堃科技有限公司" in pdf_text(ours)
        assert all(font.embedded and font.subset for font in pdf_fonts(ours, tmp_path))

    def test_a_face_one_pass_cannot_subset_goes_to_weasyprint_s_own_way(
        self, db, monkeypatch, tmp_path
    ):
        shipped = pdf_output.weasyprint_subset
        calls = []

        def recorded(font, glyphs, hinting):
            calls.append(font.family)
            shipped(font, glyphs, hinting)

        monkeypatch.setattr(pdf_output, "weasyprint_subset", recorded)
        # HarfBuzz gives nothing back for any face.
        monkeypatch.setattr(pdf_output, "get_hb_object_data", lambda face: b"")
        pdf = render.write_pdf(HTML)
        assert sorted(calls) == sorted(
            [
                "Noto Sans CJK SC Print",
                "Noto Sans CJK SC Print",
                "Noto Sans CJK SC",
                "Noto Serif CJK SC Print",
                "Noto Serif CJK SC Print",
            ]
        )
        # Subset all the same, by WeasyPrint.
        assert all(font.embedded and font.subset for font in pdf_fonts(pdf, tmp_path))
        assert "四川犇堃科技有限公司" in pdf_text(pdf)


class TestCompression:
    def test_streams_are_compressed_and_objects_packed(self, db):
        pdf = render.write_pdf(HTML)
        with pikepdf.open(io.BytesIO(pdf)) as document:
            streams = [item for item in document.objects if isinstance(item, pikepdf.Stream)]
            filters = {str(stream.get("/Filter")) for stream in streams}
            kinds = {str(stream.get("/Type")) for stream in streams}
        # Every stream deflated (fonts, pages, maps), and the small objects packed together.
        assert filters == {"/FlateDecode"}
        assert "/ObjStm" in kinds
        assert len(pdf) < len(pdf_output_uncompressed(pdf))

    def test_the_same_document_gives_the_same_bytes(self, db):
        assert render.write_pdf(HTML) == render.write_pdf(HTML)


def pdf_output_uncompressed(pdf: bytes) -> bytes:
    """The same PDF with nothing compressed, for comparison."""
    output = io.BytesIO()
    with pikepdf.open(io.BytesIO(pdf)) as document:
        document.save(
            output,
            compress_streams=False,
            stream_decode_level=pikepdf.StreamDecodeLevel.generalized,
            object_stream_mode=pikepdf.ObjectStreamMode.disable,
        )
    return output.getvalue()

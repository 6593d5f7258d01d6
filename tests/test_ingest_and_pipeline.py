"""Every input kind through the real pipeline, asserting words, boxes and text sources."""
from __future__ import annotations


import numpy as np
import pymupdf
import pytest
from PIL import Image

from socratext_llm import ocr
from socratext_llm.document import Document
from socratext_llm.ingest import sniff_media_type
from socratext_llm.ingest.pdf import MIN_REAL_TEXT_CHARS, has_real_text


def word_texts(document: Document) -> list[str]:
    return [word.text for page in document.pages for word in page.words]


@pytest.fixture(scope="module")
def scan_document(example_scan, settings) -> Document:
    return ocr(example_scan, settings=settings)


def test_born_digital_pdf_uses_text_layer(example_pdf, settings):
    document = ocr(example_pdf, settings=settings)
    page = document.pages[0]
    assert page.text_source == "text-layer"
    assert (page.width_pt, page.height_pt) == (595, 842)
    assert (page.width_px, page.height_px) == (2479, 3508)  # A4 at 300 dpi
    assert "Lefèvre" in word_texts(document)
    heading = page.blocks[0]
    assert heading.kind == "heading" and heading.text == "QUITTANCE DE LOYER"
    total = next(line for line in page.lines if line.text.startswith("Total payé"))
    assert total.text == "Total payé : 845,00 EUR"
    assert 0 < total.bbox_norm.y0 < total.bbox_norm.y1 < 1000


def test_scanned_image_is_ocred_deskewed_and_read(scan_document):
    page = scan_document.pages[0]
    assert page.text_source == "ocr:rapidocr"
    assert page.skew_angle == pytest.approx(-1.5, abs=0.3)
    text = page.text
    for expected in ("QUITTANCE DE LOYER", "François Lefèvre", "845,00", "05/10/2026", "Hélène Durand"):
        assert expected in text
    words = {word.text: word for word in page.words}
    total = words["845,00"]
    assert 0.5 < total.confidence <= 1
    assert 0 <= total.bbox.x0 < total.bbox.x1 <= page.width_px
    assert total.bbox.height < 60  # a word box, not a line box


def test_reading_order_follows_the_page(scan_document):
    lines = [line.text for line in scan_document.pages[0].lines]
    assert lines[0] == "QUITTANCE DE LOYER"
    assert lines.index("Détail du règlement") < next(i for i, t in enumerate(lines) if t.startswith("Total payé"))
    assert [line.order for line in scan_document.pages[0].lines] == list(range(len(lines)))


def test_json_round_trip_is_lossless(scan_document):
    again = Document.model_validate_json(scan_document.model_dump_json())
    assert again == scan_document


def test_type_comes_from_bytes_not_extension(tmp_path, example_scan, settings):
    disguised = tmp_path / "receipt.pdf"
    disguised.write_bytes(example_scan.read_bytes())
    document = ocr(disguised, settings=settings)
    assert document.source.media_type == "image/jpeg"
    assert "QUITTANCE" in document.pages[0].text


@pytest.mark.parametrize("head, media_type", [
    (b"%PDF-1.7\n", "application/pdf"), (b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff\xe0", "image/jpeg"),
    (b"II*\x00", "image/tiff"), (b"MM\x00*", "image/tiff"), (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
    (b"PK\x03\x04", None), (b"hello", None)])
def test_sniffing(head, media_type):
    assert sniff_media_type(head) == media_type


def test_mixed_pdf_gets_text_layer_and_ocr(tmp_path, example_pdf, example_scan, settings):
    mixed = pymupdf.open(example_pdf)
    page = mixed.new_page(width=595, height=842)
    page.insert_image(page.rect, filename=str(example_scan))
    path = tmp_path / "mixed.pdf"
    mixed.save(path)
    document = ocr(path, settings=settings)
    assert [p.text_source for p in document.pages] == ["text-layer", "ocr:rapidocr"]
    assert "Lefèvre" in document.pages[1].text
    assert document.pages[1].dpi == pytest.approx(300, abs=1)


def test_multipage_tiff_and_webp(tmp_path, example_scan, settings):
    image = Image.open(example_scan).convert("RGB")
    tiff = tmp_path / "two.tiff"
    image.save(tiff, save_all=True, append_images=[image.rotate(180)], compression="tiff_deflate")
    document = ocr(tiff, settings=settings)
    assert document.source.page_count == 2
    assert [p.rotation for p in document.pages] == [0, 180]  # the upside-down page is turned upright
    assert all("QUITTANCE DE LOYER" in p.text for p in document.pages)
    webp = tmp_path / "page.webp"
    image.save(webp, quality=90)
    assert "Lefèvre" in ocr(webp, settings=settings).pages[0].text


def test_exif_orientation_is_applied(tmp_path, example_scan, settings):
    image = Image.open(example_scan).convert("RGB").rotate(90, expand=True)
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display"
    path = tmp_path / "phone.jpg"
    image.save(path, exif=exif.tobytes(), quality=90)
    document = ocr(path, settings=settings)
    page = document.pages[0]
    assert page.height_px > page.width_px
    assert "QUITTANCE DE LOYER" in page.text


def test_page_turned_a_quarter_is_put_upright(tmp_path, example_scan, settings):
    path = tmp_path / "sideways.png"
    Image.open(example_scan).convert("RGB").rotate(-90, expand=True).save(path)
    page = ocr(path, settings=settings).pages[0]
    assert page.rotation == 270
    assert "Locataire : M. François Lefèvre" in page.text


@pytest.mark.parametrize("text, cover, real", [
    ("Bulletin de paie du mois d'octobre, salaire brut 2 500,00", 0.0, True),
    ("\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd", 0.0, False),
    ("\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19 abc", 0.0, False),
    ("3", 0.95, False),  # a scan whose page number was stamped as text
    ("", 0.0, False),
    ("Page entièrement numérisée mais avec une vraie couche texte issue d'un OCR", 1.0, True),
])
def test_text_layer_quality(text, cover, real):
    asked = []
    assert has_real_text(text, lambda: asked.append(cover) or cover) is real
    assert len(asked) == (1 if 0 < len("".join(text.split())) < MIN_REAL_TEXT_CHARS else 0)  # placed only for a little text


def test_pages_are_streamed_one_at_a_time(tmp_path, example_scan, settings):
    from socratext_llm.ingest import open_source
    from socratext_llm.pipeline import OcrOptions, iter_pages

    doc = pymupdf.open()
    for _ in range(3):
        page = doc.new_page(width=595, height=842)
        page.insert_image(page.rect, filename=str(example_scan))
    path = tmp_path / "three.pdf"
    doc.save(path)
    with open_source(path, settings) as source:
        pages = iter_pages(source, OcrOptions(), settings)
        first = next(pages)
        assert first.index == 0 and "Lefèvre" in first.text
        assert next(pages).index == 1


def test_line_reading_does_not_change_page_reading(example_scan, settings):
    """RapidOCR keeps per-call flags as defaults; a line read must not turn detection off for pages."""
    from socratext_llm.ocr import get_ocr_engine

    engine = get_ocr_engine("rapidocr", settings)
    image = np.asarray(Image.open(example_scan).convert("RGB"))
    text, confidence = engine.recognise_line(np.ascontiguousarray(image[150:260, 100:1500]))
    assert confidence > 0
    lines = engine.recognise_page(image)
    assert any("QUITTANCE DE LOYER" in line.text for line in lines)


def test_blank_pages_are_not_sent_to_ocr(tmp_path, example_pdf, settings):
    """A page with no image and no drawing holds only its text layer, however short: no OCR engine is loaded."""
    doc = pymupdf.open(example_pdf)
    doc.new_page(width=595, height=842)
    doc.new_page(width=595, height=842).insert_text((72, 72), "12")
    path = tmp_path / "blank.pdf"
    doc.save(path)
    document = ocr(path, settings=settings)
    assert [p.text_source for p in document.pages[-2:]] == ["text-layer", "text-layer"]
    assert document.pages[-2].blocks == [] and document.pages[-1].text == "12"


@pytest.mark.parametrize("text, before, dropped", [
    ("4", "Méthadone", True), ("2", "ASA > 3", True), ("1", "iSGLT2", True), ("9 10", "grades »)", True),
    ("2", "35 kg/m", False), ("3", "10 cm", False), ("9", "x 10", False), ("re", "en 1", False),
    ("10", "et ", False),
])
def test_footnote_calls_are_superscript_numbers_glued_to_a_word_not_powers(text, before, dropped):
    from socratext_llm.ingest.pdf import is_footnote_call

    assert is_footnote_call(text, True, before) is dropped
    assert is_footnote_call(text, False, before) is False

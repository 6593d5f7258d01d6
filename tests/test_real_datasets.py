"""Real documents from ../shared/datasets: words, boxes and text checked against the gold annotations."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from socratext_llm import ocr
from socratext_llm.datasets.funsd import iter_forms
from socratext_llm.datasets.tapuscorpus import clean_transcription, iter_pages
from socratext_llm.document import BBox
from socratext_llm.errors import EngineUnavailableError
from socratext_llm.metrics import cer, match_words
from socratext_llm.ocr import get_ocr_engine, ocr_engines
from socratext_llm.pipeline import read_line
from socratext_llm.settings import load_settings

pytestmark = pytest.mark.datasets


def test_funsd_form_words_match_gold_boxes(datasets, settings):
    form = next(iter_forms(settings))
    document = ocr(form.image, settings=settings)
    gold = [(w.text, BBox(x0=w.box[0], y0=w.box[1], x1=w.box[2], y1=w.box[3])) for w in form.words]
    predicted = [(w.text, w.bbox) for w in document.pages[0].words]
    result = match_words(gold, predicted)
    assert result.recall >= 0.6 and result.precision >= 0.6, result


def fullest_page(settings):
    """The Tapuscorpus page with the most typewritten lines (title pages hold a handful)."""
    return max(iter_pages(settings), key=lambda page: sum(line.kind == "Typewritten" for line in page.lines))


def test_tapuscorpus_lines_read_with_low_cer(datasets, settings):
    page = fullest_page(settings)
    image = np.asarray(Image.open(page.image).convert("RGB"))
    engine = get_ocr_engine("rapidocr", settings)
    lines = [line for line in page.lines if line.kind != "Handwritten"]
    outputs = [read_line(np.ascontiguousarray(image[l.box[1]:l.box[3], l.box[0]:l.box[2]]), engine, settings)
               for l in lines]
    assert len(lines) >= 5
    assert cer([l.text for l in lines], outputs) < 0.05


def test_tapuscorpus_underline_marks_are_dropped():
    assert clean_transcription("_B) _protection _initiale :") == "B) protection initiale :"
    assert clean_transcription("mot_composé  et  _souligné") == "mot_composé et souligné"


def test_tesseract_reads_a_full_page(datasets, settings):
    page = fullest_page(settings)
    document = ocr(page.image, engine="tesseract", settings=settings)
    assert document.pages[0].text_source == "ocr:tesseract"
    words = document.pages[0].words
    assert len(words) > 50
    assert all(0 <= w.bbox.x0 < w.bbox.x1 <= document.pages[0].width_px for w in words)
    reference = " ".join(line.text for line in page.lines)
    assert sum(w.text in reference for w in words) / len(words) > 0.7


def test_born_digital_report_keeps_heading_hierarchy(datasets, settings):
    document = ocr(datasets / "icdar2013" / "eu-008.pdf", settings=settings)
    page = document.pages[0]
    assert page.text_source == "text-layer"
    headings = {" ".join(b.text.split()): b.heading_level for b in page.blocks if b.kind == "heading"}
    assert headings.get("2. BACKGROUND") == 1
    assert headings.get("2.1 STRUCTURAL FUNDS REGULATIONS 2007-2013") == 2
    assert "Czech Republic" in page.text


def test_surya_without_weights_says_which_setting_to_set(settings):
    assert "surya" in ocr_engines.names()
    with pytest.raises(EngineUnavailableError) as error:
        ocr_engines.get("surya")(load_settings(surya_dir=None))
    assert "SOCRATEXT_SURYA_DIR" in error.value.one_line()


def test_surya_reads_the_example_when_weights_are_present(example_scan):
    surya_settings = load_settings()
    if surya_settings.surya_dir is None:
        pytest.skip("Surya weights absent: set SOCRATEXT_SURYA_DIR to a folder with its checkpoints")
    document = ocr(example_scan, engine="surya", settings=surya_settings)
    assert "QUITTANCE" in document.pages[0].text

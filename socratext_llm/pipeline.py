"""The OCR pipeline: ingest → (text layer | pre-process → OCR) → layout → Document.

Pages are produced in order; at most ``settings.page_workers`` page images are in memory. ``ocr_document`` keeps the
pages in a Document; ``streaming.read_document`` puts them in a spool for outputs written page by page.
"""
from __future__ import annotations

import statistics
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import TypeAdapter

from .document import Document, Line, MachineReadable, Page, SourceInfo
from .french.codes import read_page_codes
from .ingest import PageInput, SourceFile, display_name, file_sha256, open_source
from .layout import LineGroup, build_blocks, group_lines
from .layout.graphics import drawn_shapes
from .layout.sketch import PageSketch, apply_structure, sketch_page
from .layout.structure import annotate_sketches, cut_blocks
from .layout.tables import born_digital_tables, stitch_tables
from .layout.tables.scanned import scanned_tables
from .memory import fewer_collections, release_freed_memory
from .ocr import OcrEngine, RecognisedLine, get_ocr_engine
from .ocr.french import correct_french, load_lexicon
from .preprocess import ink_ratio, prepare_scan, unrotate_box
from .settings import Settings, load_settings

BLANK_INK_RATIO = 0.0005  # a page with less ink than this is blank: nothing to recognise
CODE_PAGES = 2  # born-digital pages whose images are searched for a 2D-Doc (printed on a first page)


@dataclass(frozen=True)
class OcrOptions:
    engine: str | None = None
    password: str | None = None
    force_ocr: bool = False


def _grid(value: float, size: float) -> float:
    """A coordinate on the 0–1000 grid, as ``BBox.normalised`` computes it."""
    return float(min(1000, max(0, round(1000 * value / size))))


def _boxes(box: tuple[float, float, float, float], width: float, height: float) -> dict:
    x0, y0, x1, y1 = box
    return {"bbox": {"x0": x0, "y0": y0, "x1": x1, "y1": y1},
            "bbox_norm": {"x0": _grid(x0, width), "y0": _grid(y0, height), "x1": _grid(x1, width),
                          "y1": _grid(y1, height)}}


def _word(text: str, box: tuple[float, float, float, float], confidence: float, width: float, height: float) -> dict:
    return {"text": text, "confidence": min(1.0, max(0.0, confidence)), **_boxes(box, width, height)}


def _line(text: str, box: tuple[float, float, float, float], confidence: float, words: list[dict], width: float,
          height: float, **fonts) -> dict:
    return {"text": text, "confidence": min(1.0, max(0.0, confidence)), "words": words, **_boxes(box, width, height),
            **fonts}


_LINES = TypeAdapter(list[Line])


def build_lines(lines: list[dict]) -> list[Line]:
    """The document model's lines from plain values, validated in one call: a page has thousands of words,
    and building them one object at a time was a fifth of a born-digital page's time."""
    return _LINES.validate_python(lines)


def _enclosing(words: list[dict]) -> tuple[float, float, float, float]:
    return (min(w["bbox"]["x0"] for w in words), min(w["bbox"]["y0"] for w in words),
            max(w["bbox"]["x1"] for w in words), max(w["bbox"]["y1"] for w in words))


def text_layer_page(page_input: PageInput) -> Page:
    """A born-digital page from its text layer; pixel boxes are at the page's nominal dpi."""
    scale = page_input.dpi / 72.0
    width = round(page_input.width_pt * scale)
    height = round(page_input.height_pt * scale)
    layer = page_input.text_layer or []
    values = []
    for block in layer:
        for layer_line in block.lines:
            words = [_word(w.text, (w.box[0] * scale, w.box[1] * scale, w.box[2] * scale, w.box[3] * scale), 1.0,
                           width, height) for w in layer_line.words]
            values.append(_line(" ".join(w["text"] for w in words), _enclosing(words), 1.0, words, width, height,
                                font_size=layer_line.font_size, bold=layer_line.bold))
    lines = iter(build_lines(values))
    groups = [LineGroup([next(lines) for _ in block.lines],
                        font_size=statistics.median(line.font_size for line in block.lines),
                        bold=all(line.bold for line in block.lines)) for block in layer]
    page = Page(index=page_input.index, width_pt=page_input.width_pt, height_pt=page_input.height_pt,
                width_px=width, height_px=height, dpi=page_input.dpi, text_source="text-layer",
                blocks=build_blocks(groups, width, height), drawings=drawn_shapes(page_input.drawings, scale))
    page.tables = born_digital_tables(page)
    return page


def _lexicon(settings: Settings) -> frozenset[str]:
    return load_lexicon(str(settings.lexicon_path) if settings.lexicon_path else None)


def french_corrected(lines: list[RecognisedLine], settings: Settings) -> list[RecognisedLine]:
    lexicon = _lexicon(settings)
    for line in lines:
        line.text = correct_french(line.text, lexicon)
        for word in line.words:
            word.text = correct_french(word.text, lexicon)
    return lines


def read_line(image: np.ndarray, engine: OcrEngine, settings: Settings) -> str:
    """Text of an image holding one line, as the pipeline reads it (engine, then French correction)."""
    text, _ = engine.recognise_line(image)
    return correct_french(text, _lexicon(settings)) if settings.french_correction else text


def ocr_page(image: np.ndarray, page_input: PageInput, engine: OcrEngine, settings: Settings) -> Page:
    """A scanned page's rendered image: pre-process, recognise, lay out (``page_input`` gives its index
    and resolution only: this runs in a worker thread, and PyMuPDF must stay on the caller's)."""
    prepared = prepare_scan(image, settings)
    del image
    height, width = prepared.image.shape[:2]
    blank = ink_ratio(prepared.image) < BLANK_INK_RATIO
    recognised = [] if blank else engine.read_page(prepared.image, settings.min_text_height_px)
    codes: list[MachineReadable] = []
    if settings.read_codes and not blank:  # before French correction: an MRZ is not French text
        codes = read_page_codes(prepared.image, [(item.text, item.box) for item in recognised],
                                lambda box: unrotate_box(box, prepared.skew_angle, width, height))
    if settings.french_correction:
        recognised = french_corrected(recognised, settings)
    if prepared.skew_angle:
        for item in recognised:
            item.box = unrotate_box(item.box, prepared.skew_angle, width, height)
            for word in item.words:
                word.box = unrotate_box(word.box, prepared.skew_angle, width, height)
    lines = build_lines([_line(item.text, item.box, item.confidence,
                               [_word(w.text, w.box, w.confidence, width, height) for w in item.words], width, height)
                         for item in recognised])
    dpi = page_input.dpi * prepared.scale
    page = Page(index=page_input.index, width_pt=width * 72.0 / dpi, height_pt=height * 72.0 / dpi,
                width_px=width, height_px=height, dpi=dpi, rotation=prepared.rotation,
                skew_angle=prepared.skew_angle, text_source=f"ocr:{engine.name}",
                blocks=build_blocks(group_lines(lines), width, height), codes=codes)
    if lines and settings.scan_tables != "off":
        page.tables = scanned_tables(prepared.image, page, settings.scan_tables, settings.ocr_threads)
    return page


def text_layer_codes(page_input: PageInput, page: Page) -> list[MachineReadable]:
    """A born-digital page's 2D-Doc is an embedded image: each one is searched (rendering the page
    would cost seconds on a busy vector page); its MRZ, if any, is text, read from the lines."""
    scale = page.width_px / page_input.width_pt
    codes = []
    for image, (x0, y0, x1, y1) in page_input.embedded_images() if page_input.embedded_images else []:
        pixels = np.asarray(image)
        sx, sy = (x1 - x0) * scale / pixels.shape[1], (y1 - y0) * scale / pixels.shape[0]
        codes += read_page_codes(pixels, None, lambda box, sx=sx, sy=sy, x0=x0, y0=y0: (
            x0 * scale + box[0] * sx, y0 * scale + box[1] * sy, x0 * scale + box[2] * sx, y0 * scale + box[3] * sy))
    return codes


def iter_pages(source: SourceFile, options: OcrOptions, settings: Settings) -> Iterator[Page]:
    """Pages of an opened source in order, with the OCR engine loaded only if a page needs it.

    Scanned pages are rendered here, one at a time, and read by ``settings.page_workers`` threads; at most
    that many rendered images are held, each released once its page is read.
    """
    engine: OcrEngine | None = None
    reading: deque[Future[Page]] = deque()
    with ThreadPoolExecutor(settings.page_workers, thread_name_prefix="page") as workers:
        for page_input in source.iter_pages():
            if page_input.text_layer is not None and not options.force_ocr:
                while reading:
                    yield _read(reading.popleft())
                page = text_layer_page(page_input)
                if settings.read_codes and page_input.index < CODE_PAGES:
                    page.codes = text_layer_codes(page_input, page)
                yield page
                continue
            if engine is None:
                engine = get_ocr_engine(options.engine or settings.ocr_engine, settings)
            while len(reading) >= settings.page_workers:
                yield _read(reading.popleft())
            image = page_input.render()
            release_freed_memory()  # rendering's copies, freed on this thread: the workers' heaps cannot reuse them
            reading.append(workers.submit(_ocr_handed_over, [image], page_input, engine, settings))
            del image
        while reading:
            yield _read(reading.popleft())


def _ocr_handed_over(image: list[np.ndarray], page_input: PageInput, engine: OcrEngine, settings: Settings) -> Page:
    """``ocr_page`` on an image handed over in a list: the executor holds a task's arguments until it ends, so
    an array passed as such stayed alive beside its deskewed copy (26 MB a page at A4 300 dpi)."""
    return ocr_page(image.pop(), page_input, engine, settings)


def _read(future: Future[Page]) -> Page:
    """A scanned page once read; what its image and the OCR's buffers took is handed back to the system."""
    page = future.result()
    release_freed_memory()
    return page


def read_pages(source: SourceFile, options: OcrOptions, settings: Settings, keep: Callable[[Page], None],
               on_page: Callable[[int, int], None] | None = None) -> list[PageSketch]:
    """Every page read, laid out and handed to ``keep`` in order, once it is final for everything but the
    cross-page structure (a table continued on the next page is stitched first: pages wait one page);
    returns the sketches ``annotate_sketches`` decides that structure on."""
    sketches: list[PageSketch] = []
    previous: Page | None = None
    with fewer_collections():
        for page in iter_pages(source, options, settings):
            if previous is not None:
                stitch_tables([previous, page])
                keep(previous)
            sketches.append(sketch_page(cut_blocks(page)))
            previous = page
            if on_page:
                on_page(len(sketches), source.page_count)
        if previous is not None:
            keep(previous)
    return sketches


def source_info(path: Path, source: SourceFile) -> SourceInfo:
    return SourceInfo(filename=display_name(path), media_type=source.media_type, sha256=file_sha256(path),
                      page_count=source.page_count)


def ocr_document(path: Path, options: OcrOptions, settings: Settings,
                 on_page: Callable[[int, int], None] | None = None) -> Document:
    """Read one file into a Document, every page in memory; ``on_page(done, total)`` reports progress.
    ``streaming.read_document`` reads long documents in bounded memory."""
    path = Path(path)
    pages: list[Page] = []
    with open_source(path, settings, options.password) as source:
        info = source_info(path, source)
        sketches = read_pages(source, options, settings, pages.append, on_page)
        outline = source.outline()
    annotate_sketches(sketches, outline)
    for page, sketch in zip(pages, sketches, strict=True):
        apply_structure(page, sketch)
    return Document(source=info, pages=pages)


def ocr(path: str | Path, engine: str | None = None, password: str | None = None, force_ocr: bool = False,
        settings: Settings | None = None) -> Document:
    """Python API: the Document of one file, as ``socratext ocr`` produces it."""
    return ocr_document(Path(path), OcrOptions(engine=engine, password=password, force_ocr=force_ocr),
                        settings or load_settings())

"""Streaming output (`socratext ocr`): the same bytes as the whole-Document renderers, in bounded memory."""
from __future__ import annotations

import gc
import io
import json
import tracemalloc
from pathlib import Path

import pymupdf
import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from socratext_llm.document import BBox, Block, Document, Line, Page, SourceInfo, Word
from socratext_llm.export import FORMATS
from socratext_llm.export.streamed import write_streamed
from socratext_llm.layout.sketch import sketch_page
from socratext_llm.pipeline import OcrOptions, ocr_document
from socratext_llm.streaming import PageJson, document_json, read_document

BOX = BBox(x0=1.5, y0=2.0, x1=30.25, y1=12.0)
SOURCE = SourceInfo(filename="a \"b\" é.pdf", media_type="application/pdf", sha256="0" * 64, page_count=1)


@pytest.mark.datasets
@pytest.mark.parametrize("name", ["eu-001.pdf", "eu-004.pdf"])  # a table stitched over two pages; 15 pages
def test_streamed_outputs_equal_the_whole_document_renderings(datasets, settings, name):
    path = datasets / "icdar2013" / name
    document = ocr_document(path, OcrOptions(), settings)
    assert len(document.pages) > 1
    with read_document(path, OcrOptions(), settings) as streamed:
        for format_name in ("json", "text", "markdown", "html", "alto"):
            out = io.StringIO()
            write_streamed(streamed, format_name, out)
            assert out.getvalue() == FORMATS[format_name][0](document), format_name
            if format_name == "json":
                assert json.loads(out.getvalue()) == document.model_dump(mode="json")


def _page(index: int, blocks: list[Block]) -> Page:
    return Page(index=index, width_pt=595, height_pt=842, width_px=2480, height_px=3508, dpi=300,
                text_source="text-layer", blocks=blocks)


texts = st.text(max_size=12)  # quotes, backslashes, control characters, any script


@st.composite
def blocks(draw) -> Block:
    words = [Word(text=draw(texts), bbox=BOX, bbox_norm=BOX, confidence=1.0)]
    line = Line(text=draw(texts), bbox=BOX, bbox_norm=BOX, confidence=0.5, words=words,
                font_size=draw(st.none() | st.floats(1, 40)))
    return Block(kind=draw(st.sampled_from(["paragraph", "heading", "list_item", "page_header"])),
                 heading_level=draw(st.none() | st.integers(1, 6)), bbox=BOX, bbox_norm=BOX,
                 order=draw(st.integers(0, 50)), lines=draw(st.lists(st.just(line), max_size=2)),
                 section=draw(st.lists(texts, max_size=3)), paragraph=draw(st.none() | st.integers(0, 10**6)))


@hypothesis_settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(blocks(), max_size=3), max_size=3))
def test_json_put_together_from_pieces_is_the_models_own(pages_blocks):
    """A page's JSON stored without the structure fields, then completed from its sketch (where the structure
    was decided), is ``model_dump_json(indent=2)`` byte for byte; so is the document put together page by page."""
    pages = [_page(index, page_blocks) for index, page_blocks in enumerate(pages_blocks)]
    texts_of_pages = []
    for page in pages:
        sketch = sketch_page(page)
        pieces = PageJson.of(page.model_copy(update={"blocks": [  # the fields left out are really taken from the sketch
            block.model_copy(update={"kind": "paragraph", "heading_level": None, "section": [], "paragraph": None})
            for block in page.blocks]}))
        texts_of_pages.append(pieces.text(sketch))
        assert texts_of_pages[-1] == page.model_dump_json(indent=2)
    assert "".join(document_json(SOURCE, iter(texts_of_pages))) == \
        Document(source=SOURCE, pages=pages).model_dump_json(indent=2)


def _long_pdf(path: Path, pages: int) -> Path:
    with pymupdf.open() as document:
        for index in range(pages):
            page = document.new_page(width=595, height=842)
            page.insert_text((72, 60), "Rapport annuel", fontsize=9)
            page.insert_text((72, 120), f"Section {index % 7 + 1}", fontsize=16)
            for row in range(4):
                page.insert_text((72, 160 + 16 * row), f"Ligne {row} de la page {index + 1}, texte courant.",
                                 fontsize=11)
            page.draw_rect(pymupdf.Rect(70, 300, 300, 340), color=(0, 0, 0))
            page.insert_text((290, 810), str(index + 1), fontsize=9)
        document.save(path)
    return path


def test_a_long_document_is_read_with_no_page_kept_in_memory(tmp_path, settings):
    """While a 200-page PDF is read into the spool, Python's memory grows by the pages' sketches only (a few
    kilobytes a page), and no page, block or word of the model outlives its page; ``ocr_document``, which
    keeps them all, grows by tens of kilobytes a page on the same file."""
    path = _long_pdf(tmp_path / "long.pdf", 200)
    growth = {}

    def watch(name):
        def on_page(done: int, total: int) -> None:
            if done in (50, total):
                growth.setdefault(name, []).append(tracemalloc.get_traced_memory()[0])
        return on_page

    gc.collect()
    before = {kind: sum(isinstance(item, kind) for item in gc.get_objects()) for kind in (Page, Block, Word)}
    tracemalloc.start()
    try:
        with read_document(path, OcrOptions(), settings, watch("streamed")) as document:
            gc.collect()
            alive = {kind: sum(isinstance(item, kind) for item in gc.get_objects()) - count
                     for kind, count in before.items()}
            assert sum(1 for _ in document.pages()) == 200
        ocr_document(path, OcrOptions(), settings, watch("whole"))
    finally:
        tracemalloc.stop()
    assert alive == {Page: 0, Block: 0, Word: 0}
    per_page = {name: (end - start) / 150 for name, (start, end) in growth.items()}
    assert per_page["streamed"] < 10_000, per_page
    assert per_page["whole"] > 5 * per_page["streamed"], per_page

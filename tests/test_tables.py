"""Drawn regions and tables: model, detection, numbers, outputs, extraction."""
from __future__ import annotations

import pytest

from socratext_llm.document import Document
from socratext_llm.ingest.base import VectorPath
from socratext_llm.layout.graphics import drawn_shapes, hex_colour, rules_of
from socratext_llm.pipeline import ocr


def test_vector_paths_become_pixel_shapes_with_colours():
    paths = [VectorPath("rect", [(10, 20), (110, 20.5)], (0.0, 0.0, 1.0), None, None),
             VectorPath("polyline", [(0, 0), (72, 0), (72, 72)], None, (0.0,), 0.5)]
    rect, poly = drawn_shapes(paths, scale=300 / 72)
    assert rect.kind == "rect" and rect.points == [] and rect.fill == "#0000ff" and rect.stroke is None
    assert rect.bbox.x0 == pytest.approx(41.7) and rect.bbox.x1 == pytest.approx(458.3)
    assert poly.points == [(0.0, 0.0), (300.0, 0.0), (300.0, 300.0)] and poly.stroke == "#000000"
    assert poly.stroke_width == pytest.approx(2.1)
    rules = rules_of([rect, poly])
    assert sum(rule.horizontal for rule in rules) == 2 and sum(not rule.horizontal for rule in rules) == 1
    assert hex_colour((0.0, 0.0, 0.0, 1.0)) == "#000000"


@pytest.mark.datasets
def test_born_digital_page_keeps_its_drawings(datasets):
    document = ocr(datasets / "icdar2013" / "eu-001.pdf")
    page = document.pages[1]
    assert len(page.drawings) > 100
    assert all(0 <= shape.bbox.x0 <= shape.bbox.x1 <= page.width_px + 1 for shape in page.drawings)
    assert any(shape.fill == "#ffcc9a" for shape in page.drawings)  # the table's header shading
    again = Document.model_validate_json(document.model_dump_json())
    assert again.pages[1].drawings == page.drawings

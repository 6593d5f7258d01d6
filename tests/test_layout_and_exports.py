"""Reading order, headings, and the output formats."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

from socratext_llm import ocr
from socratext_llm.document import BBox, Line, Word
from socratext_llm.export import to_alto, to_markdown, to_text
from socratext_llm.layout import build_blocks, group_lines, numbering_depth

from .conftest import run_cli

ALTO = "{http://www.loc.gov/standards/alto/ns-v4#}"


def make_line(text: str, x0: float, y0: float, width: float = 400, height: float = 20) -> Line:
    box = BBox(x0=x0, y0=y0, x1=x0 + width, y1=y0 + height)
    words = [Word(text=t, bbox=box, bbox_norm=box, confidence=1.0) for t in text.split()]
    return Line(text=text, bbox=box, bbox_norm=box, confidence=1.0, words=words)


def test_two_columns_read_column_by_column():
    lines = [make_line("Title across the page", 100, 50, width=900)]
    for row in range(5):
        lines.append(make_line(f"left {row}", 100, 120 + row * 26))
        lines.append(make_line(f"right {row}", 600, 120 + row * 26))
    blocks = build_blocks(group_lines(lines), 1100, 1400)
    order = [line.text for block in blocks for line in block.lines]
    assert order == ["Title across the page"] + [f"left {r}" for r in range(5)] + [f"right {r}" for r in range(5)]


def test_form_rows_read_row_by_row():
    lines = []
    for row in range(4):
        lines.append(make_line(f"Label {row} :", 100, 100 + row * 80, width=200))
        lines.append(make_line(f"value {row}", 400, 100 + row * 80, width=200))
    blocks = build_blocks(group_lines(lines), 800, 800)
    order = [line.text for block in blocks for line in block.lines]
    assert order == [t for row in range(4) for t in (f"Label {row} :", f"value {row}")]


@pytest.mark.parametrize("text, depth", [
    ("1. Introduction", 1), ("2.1 Champ d'application", 2), ("3.2.4 Critères", 3), ("IV. Recommandations", 1),
    ("B) Protection initiale", 2), ("Introduction générale", None), ("2024 en chiffres", None)])
def test_numbering_depth(text, depth):
    assert numbering_depth(text) == depth


@given(st.lists(st.integers(min_value=1, max_value=20), min_size=1, max_size=4))
def test_numbering_depth_counts_levels(parts):
    assert numbering_depth(".".join(map(str, parts)) + " Titre") == min(6, len(parts))


def test_exports_of_a_scan(example_scan, settings):
    document = ocr(example_scan, settings=settings)
    root = ET.fromstring(to_alto(document))
    strings = root.findall(f".//{ALTO}String")
    assert len(strings) == len(document.pages[0].words)
    lefevre = next(s for s in strings if s.get("CONTENT") == "Lefèvre")
    assert int(lefevre.get("WIDTH")) > 0 and 0 < float(lefevre.get("WC")) <= 1
    assert root.find(f".//{ALTO}Page").get("WIDTH") == str(document.pages[0].width_px)
    assert "Total payé : 845,00 EUR" in to_text(document)


def test_markdown_keeps_headings(example_pdf, settings):
    markdown = to_markdown(ocr(example_pdf, settings=settings))
    assert "# QUITTANCE DE LOYER" in markdown.splitlines()
    assert any(line.startswith("#") and "Détail du règlement" in line for line in markdown.splitlines())


def test_cli_writes_each_format(tmp_path, example_pdf):
    for fmt, suffix in (("json", ".json"), ("text", ".txt"), ("markdown", ".md"), ("alto", ".alto.xml")):
        result = run_cli("ocr", str(example_pdf), "-f", fmt, "-o", str(tmp_path))
        assert result.returncode == 0, result.stderr
        written = (tmp_path / f"quittance_loyer{suffix}").read_text(encoding="utf-8")
        assert "Lefèvre" in written

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


# --- numbers as numbers -------------------------------------------------------------------------

from hypothesis import given
from hypothesis import strategies as st

from socratext_llm.extract.normalize import is_missing_mark, parse_table_number


@pytest.mark.parametrize("text, value", [
    ("1 234,56", 1234.56), ("1.234,56", 1234.56), ("1,234.56", 1234.56), ("(123)", -123.0), ("12,5 %", 12.5),
    ("-12.5", -12.5), ("0,125", 0.125), ("1 234 567", 1234567.0), ("12 €", 12.0), ("−3,5", -3.5),
    ("1\u202f234,50", 1234.5), ("-", None), ("n.s.", None), ("abc", None), ("12 mg", None), ("1.2.3", None)])
def test_table_numbers_in_french_and_english_formats(text, value):
    assert parse_table_number(text) == (pytest.approx(value) if value is not None else None)


@pytest.mark.parametrize("mark", ["-", "–", "n.s.", "N.D.", "nc"])
def test_missing_marks_are_blanks_of_number_columns(mark):
    assert is_missing_mark(mark) and parse_table_number(mark) is None


def _french(value: int, cents: int, group: str) -> str:
    digits = f"{value:,}".replace(",", group)
    return f"{digits},{cents:02d}"


@given(st.integers(0, 10**9), st.integers(0, 99), st.sampled_from([" ", ".", "\u00a0", "\u202f"]))
def test_french_grouped_decimals_round_trip(value, cents, group):
    assert parse_table_number(_french(value, cents, group)) == pytest.approx(value + cents / 100)


@given(st.integers(1, 10**9), st.integers(0, 99))
def test_parenthesised_and_signed_numbers_are_negative(value, cents):
    text = _french(value, cents, " ")
    assert parse_table_number(f"({text})") == pytest.approx(-(value + cents / 100))
    assert parse_table_number(f"-{text}") == pytest.approx(-(value + cents / 100))
    assert parse_table_number(f"{text} %") == pytest.approx(value + cents / 100)


@given(st.text(alphabet=st.characters(categories=["L"]), min_size=1, max_size=12))
def test_words_are_never_numbers(word):
    assert parse_table_number(word) is None


# --- born-digital tables ------------------------------------------------------------------------

import pymupdf

from socratext_llm.export import to_html, to_markdown
from socratext_llm.export.tables import named_tables, table_csv, tables_xlsx

from .conftest import run_cli

COLUMNS = (60, 250, 380, 510)  # x of the rules, in points


def _ruled_rows(page, rows: list[list[str]], top: float, height: float = 20, spanning_header: bool = True) -> float:
    """Draw a ruled table of one label column and two value columns (the first row's value
    columns merged when ``spanning_header``); returns its bottom."""
    for number, row in enumerate(rows):
        y = top + number * height
        page.draw_line((COLUMNS[0], y), (COLUMNS[-1], y), width=0.8)
        for x, text in zip(COLUMNS, row):
            page.insert_text((x + 4, y + 14), text, fontsize=10)
    bottom = top + len(rows) * height
    page.draw_line((COLUMNS[0], bottom), (COLUMNS[-1], bottom), width=0.8)
    for x in COLUMNS:
        page.draw_line((x, top + (height if x == COLUMNS[2] and spanning_header else 0)), (x, bottom), width=0.8)
    return bottom


@pytest.fixture(scope="module")
def continued_table_pdf(tmp_path_factory):
    """A ruled table with a spanning header, running from page 1's bottom to page 2's top."""
    document = pymupdf.open()
    first = document.new_page(width=595, height=842)
    first.insert_text((60, 80), "Rapport annuel : dépenses par poste", fontsize=14)
    rows = [["Poste", "Montants (EUR)", ""], ["", "2023", "2024"]]
    rows += [[f"Poste n° {n}", f"{n} 234,5{n % 10}", f"({n}00)"] for n in range(1, 31)]
    _ruled_rows(first, rows[:-8], top=110)
    second = document.new_page(width=595, height=842)
    _ruled_rows(second, rows[-8:], top=70, spanning_header=False)
    second.insert_text((60, 300), "Fin du tableau.", fontsize=10)
    path = tmp_path_factory.mktemp("pdf") / "continued.pdf"
    document.save(path)
    return path


def test_ruled_table_with_spanning_header_continued_on_next_page(continued_table_pdf):
    document = ocr(continued_table_pdf)
    first, second = document.pages
    assert len(first.tables) == 1 and second.tables == []  # the continuation joined the first part
    table = first.tables[0]
    assert table.pages == [0, 1] and table.method == "ruled"
    assert (table.n_rows, table.n_cols, table.header_rows) == (32, 3, 2)
    assert table.column_types == ["text", "number", "number"]
    spanning = next(cell for cell in table.cells if cell.text == "Montants (EUR)")
    assert (spanning.row, spanning.col, spanning.col_span, spanning.header) == (0, 1, 2, True)
    last = max(table.cells, key=lambda cell: (cell.row, cell.col))
    assert (last.text, last.value, last.page, last.row) == ("(3000)", -3000.0, 1, 31)
    amount = next(cell for cell in table.cells if cell.text == "1 234,51")
    assert amount.value == 1234.51 and amount.page == 0
    words = first.words
    assert " ".join(words[i].text for i in amount.words) == "1 234,51"  # provenance: the cell's own words
    assert all(table.bbox.x0 - 1 <= cell.bbox.x0 and cell.bbox.x1 <= table.bbox.x1 + 1
               for cell in table.cells if cell.page == 0)


def test_tables_render_in_markdown_html_csv_and_xlsx(continued_table_pdf, tmp_path):
    document = ocr(continued_table_pdf)
    markdown = to_markdown(document)
    assert "| Poste | Montants (EUR) 2023 | 2024 |" in markdown and "|---|---:|---:|" in markdown
    assert "Poste n° 7" not in markdown.split("| Poste n° 7 |")[0]  # table rows are not repeated as text
    assert '<th colspan="2">Montants (EUR)</th>' in to_html(document)
    name, table = named_tables(document)[0]
    assert name == "p1-t1" and table_csv(table).splitlines()[2] == 'Poste n° 1,"1 234,51",(100)'
    from openpyxl import load_workbook
    workbook_path = tmp_path / "t.xlsx"
    workbook_path.write_bytes(tables_xlsx(named_tables(document)))
    sheet = load_workbook(workbook_path)["p1-t1"]
    assert sheet["B3"].value == 1234.51 and sheet["C3"].value == -100
    assert [str(r) for r in sheet.merged_cells.ranges] == ["B1:C1"]


def test_tables_command_writes_one_file_per_table(continued_table_pdf, tmp_path):
    result = run_cli("tables", str(continued_table_pdf), "-o", str(tmp_path), "--format", "markdown")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["continued-p1-t1.md"]


@pytest.mark.datasets
def test_icdar_ruled_tables_spans_and_multiline_cells(datasets):
    document = ocr(datasets / "icdar2013" / "eu-001.pdf")
    assert [len(page.tables) for page in document.pages] == [3, 1, 2]
    assert document.pages[0].tables[2].pages == [0, 1]  # continued at the top of page 2, header repeated
    table = document.pages[0].tables[1]
    header = next(cell for cell in table.cells if cell.text == "THRESHOLD FOR RELEASES")
    assert (header.row, header.col, header.col_span) == (0, 1, 3)
    assert any(cell.text == "Chlorine and inorganic compounds\n(as HCl)" for cell in table.cells)
    row = [cell.text for cell in table.cells if cell.row == 2]
    assert row == ["Ammonia (NH3)", "10 000", "-", "-"]


@pytest.mark.datasets
def test_icdar_unruled_table_from_word_alignment(datasets):
    document = ocr(datasets / "icdar2013" / "eu-026.pdf")
    table = document.pages[3].tables[0]
    assert table.method == "unruled" and table.n_cols == 5
    assert [cell.text for cell in table.cells if cell.row == table.header_rows] == [
        "I/we kept the assets", "344", "75.2", "12196", "17.4%"]


# --- scanned tables -----------------------------------------------------------------------------

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from socratext_llm.document import BBox, Word
from socratext_llm.layout.tables.scanned import image_table, ruled_grid_regions

GRID = [["Produit", "Qté", "Prix"], ["Pommes", "2", "3,50"], ["Poires", "1", "2,10"], ["Total", "", "5,60"]]


def _grid_image() -> tuple[np.ndarray, list[Word]]:
    """A ruled 4×3 grid drawn as an image, with the words a reader would give (their true boxes)."""
    image = Image.new("RGB", (620, 260), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=22)
    xs, ys = (20, 260, 420, 600), (20, 80, 130, 180, 240)
    for x in xs:
        draw.line((x, ys[0], x, ys[-1]), fill="black", width=2)
    for y in ys:
        draw.line((xs[0], y, xs[-1], y), fill="black", width=2)
    words = []
    for r, row in enumerate(GRID):
        for c, text in enumerate(row):
            if text:
                x0, y0, x1, y1 = draw.textbbox((xs[c] + 12, ys[r] + 14), text, font=font)
                draw.text((xs[c] + 12, ys[r] + 14), text, fill="black", font=font)
                box = BBox(x0=x0, y0=y0, x1=x1, y1=y1)
                words.append(Word(text=text, bbox=box, bbox_norm=box.normalised(620, 260), confidence=0.99))
    return np.asarray(image), words


def test_ruled_grid_found_in_an_image_and_structured_by_slanet():
    image, words = _grid_image()
    regions = ruled_grid_regions(image)
    assert len(regions) == 1 and regions[0].box.x0 < 25 and regions[0].box.x1 > 595
    table = image_table(image, words, regions[0].box, page=0)
    assert table.method == "model:slanet-plus" and (table.n_rows, table.n_cols) == (4, 3)
    assert table.grid() == GRID
    price = next(cell for cell in table.cells if cell.text == "3,50")
    assert price.value == 3.5 and words[price.words[0]].text == "3,50" and price.page == 0


@pytest.mark.slow
@pytest.mark.datasets
def test_rib_iban_and_bic_read_from_their_grids(datasets):
    from socratext_llm.extract.pipeline import ExtractOptions, read_and_extract
    from socratext_llm.settings import load_settings

    _, result = read_and_extract(datasets / "fr_specimens" / "bank_account_details" / "default_sample.jpg",
                                 ExtractOptions(schema="rib", engine="rules"), load_settings())
    assert result.data["iban"] == "FR7613335000400893289136106" and result.data["bic"] == "CEPAFRPP333"
    assert result.status == "success"
    assert result.evidence["/iban"].source_text == "FR76 1333 5000 4008 9328 9136 106"


# --- extraction from tables (born-digital, no OCR) ---------------------------------------------

def _grid_pdf(path, label: str, cells: list[str], rows: list[list[str]]):
    """A page with a label above a one-row grid of boxes, and an item table with a header."""
    document = pymupdf.open()
    page = document.new_page(width=595, height=842)
    page.insert_text((60, 90), label, fontsize=11)
    x = 60
    for text in cells:
        width = 14 + 7 * len(text)
        page.draw_rect((x, 100, x + width, 120), width=0.8)
        page.insert_text((x + 5, 114), text, fontsize=10)
        x += width
    top = 200
    for number, row in enumerate(rows):
        y = top + 20 * number
        page.draw_line((60, y), (460, y), width=0.8)
        for column, text in zip((60, 260, 330, 400), row):
            page.insert_text((column + 4, y + 14), text, fontsize=10)
    page.draw_line((60, top + 20 * len(rows)), (460, top + 20 * len(rows)), width=0.8)
    for column in (60, 260, 330, 400, 460):
        page.draw_line((column, top), (column, top + 20 * len(rows)), width=0.8)
    document.save(path)
    return path


def test_iban_from_the_grid_under_its_label_and_items_from_a_table(tmp_path):
    from socratext_llm.extract.pipeline import extract_document
    from socratext_llm.extract.schemas import SchemaRegistry
    from socratext_llm.settings import load_settings

    rows = [["Désignation", "Qté", "P.U.", "Montant"], ["Café moulu 250 g", "2", "3,45", "6,90"],
            ["Thé vert", "1", "4,20", "4,20"], ["TOTAL", "", "", "11,10"]]
    pdf = _grid_pdf(tmp_path / "grid.pdf", "IBAN", ["FR76", "3000", "6000", "0112", "3456", "7890", "189"], rows)
    document = ocr(pdf)
    settings = load_settings()
    registry = SchemaRegistry(settings)
    rib = extract_document(document, registry.get("rib"), "rules", settings)
    assert rib.data["iban"] == "FR7630006000011234567890189"
    assert rib.evidence["/iban"].source_text == "FR76 3000 6000 0112 3456 7890 189"
    receipt = extract_document(document, registry.get("receipt"), "rules", settings)
    assert receipt.data["items"] == [
        {"description": "Café moulu 250 g", "quantity": 2.0, "unit_price": 3.45, "total_price": 6.9},
        {"description": "Thé vert", "quantity": 1.0, "unit_price": 4.2, "total_price": 4.2}]


# --- table metrics ------------------------------------------------------------------------------

from socratext_llm.metrics import adjacency_relations, relation_counts, table_tree_from_html, teds


def test_adjacency_relations_skip_blanks_and_count_spans_once():
    cells = [(0, 0, 1, 2, "Head"), (1, 1, 0, 0, "a"), (1, 1, 1, 1, ""), (1, 1, 2, 2, "c"), (2, 2, 1, 1, "d")]
    assert sorted(adjacency_relations(cells)) == sorted(
        [("head", "d", "v"), ("head", "c", "v"), ("a", "c", "h")])
    counts = relation_counts([cells], [[(0, 0, 0, 0, "a"), (0, 0, 1, 1, "c")]])
    assert counts == {"relations_correct": 1, "relations_predicted": 1, "relations_gold": 3}


def test_teds_is_one_for_equal_tables_and_drops_with_edits():
    gold = table_tree_from_html('<table><thead><tr><td><b>A</b></td><td colspan="2">B</td></tr></thead>'
                                '<tbody><tr><td>1</td><td>2</td><td>3</td></tr></tbody></table>')
    same = table_tree_from_html("<table><thead><tr><th>A</th><th colspan=2>B</th></tr></thead>"
                                "<tbody><tr><td>1</td><td>2</td><td>3</td></tr></tbody></table>")
    other = table_tree_from_html("<table><thead><tr><td>A</td><td>B</td></tr></thead>"
                                 "<tbody><tr><td>1</td><td>2</td><td>4</td></tr></tbody></table>")
    assert teds(gold, same) == 1.0
    assert 0.5 < teds(gold, other) < 1.0 and teds(gold, other, structure_only=True) > teds(gold, other)


@pytest.mark.datasets
def test_icdar_scoring_of_one_document(datasets, settings):
    from socratext_llm.evaluation.datasets import EvalItem, open_dataset

    dataset = open_dataset("icdar2013", settings)
    pdf = datasets / "icdar2013" / "eu-009a.pdf"
    scores = dataset.table_scores(EvalItem("eu-009a", str(pdf), None), ocr(pdf))
    assert scores["tables_gold"] == 1 and scores["relations_gold"] == 40
    assert scores["relations_correct"] >= 36 and scores["area_overlap"] >= 0.9 * scores["area_gold"]


def test_demo_shows_the_tables_found(continued_table_pdf):
    from socratext_llm.service.demo import tables_markdown

    shown = tables_markdown(ocr(continued_table_pdf))
    assert shown.startswith("### Tableaux trouvés (1)") and "**p1-t1** (32 × 3)" in shown
    assert "| Poste n° 30 | 30 234,50 | (3000) |" in shown


@pytest.mark.datasets
def test_icdar_pages_with_tables_are_rendered_as_scans_for_the_speed_bench(tmp_path, datasets, settings):
    from socratext_llm.bench.tables import scanned_icdar_pages

    images = scanned_icdar_pages(settings, 2, tmp_path)
    assert len(images) == 2 and all(image.is_file() for image in images)
    with Image.open(images[0]) as page:
        assert page.width > 2000  # an A4 page at 300 dpi, as a scanner gives it
    tables = ocr(images[0], settings=settings).pages[0].tables
    assert tables and all(cell.bbox for table in tables for cell in table.cells)


def test_bench_tables_refuses_an_unknown_suite():
    result = run_cli("bench", "tables", "--suite", "camelot")
    assert result.returncode == 2 and "unknown suite camelot" in result.stderr


def test_a_few_crossing_strokes_are_no_grid_and_a_ruled_grid_still_is():
    """Under six crossings no region can be a grid (two rows of two cells): the page is not labelled."""
    image = np.full((600, 900, 3), 255, np.uint8)
    image[300:302, 100:800] = 0  # an underline, and strokes across it: five crossings
    for x in (150, 300, 450, 600, 750):
        image[150:450, x:x + 2] = 0
    assert ruled_grid_regions(image) == []
    image[420:422, 100:800] = 0  # a second rule: ten crossings, a grid
    assert len(ruled_grid_regions(image)) == 1

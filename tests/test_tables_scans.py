"""Array fields filled from tables on scans: read down from a header row printed on the page (no
region found, no rules, words glued by OCR), receipt rows cut by OCR, and PyMuPDF as a bench peer."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from socratext_llm.document import BBox, Block, Document, Line, Page, SourceInfo, Word
from socratext_llm.extract.pipeline import ExtractOptions, extract_document, read_and_extract
from socratext_llm.extract.schemas import SchemaRegistry
from socratext_llm.extract.tables import TableIndex, header_matches, value_from_tables
from socratext_llm.layout.tables.anchored import header_anchored_table
from socratext_llm.layout.tables.scanned import word_cells

WIDTH, HEIGHT = 800, 600
CHAR_PX = 8  # a monospaced 'OCR' whose words are as wide as their letters


def _line(pieces: list[tuple[float, str]], y: float) -> Line:
    """A line of words as OCR gives them: each piece starts at its x; spaces inside a piece cut words."""
    words = []
    for x, text in pieces:
        for part in text.split(" "):
            box = BBox(x0=x, y0=y, x1=x + CHAR_PX * len(part), y1=y + 18)
            words.append(Word(text=part, bbox=box, bbox_norm=box.normalised(WIDTH, HEIGHT), confidence=0.95))
            x += CHAR_PX * (len(part) + 1)
    box = BBox.enclosing([word.bbox for word in words])
    return Line(text=" ".join(word.text for word in words), bbox=box, bbox_norm=box.normalised(WIDTH, HEIGHT),
                confidence=0.95, words=words)


def _document(rows: list[list[tuple[float, str]]]) -> Document:
    lines = [_line(row, 40 + 24 * number) for number, row in enumerate(rows)]
    block = Block(bbox=BBox(x0=0, y0=0, x1=WIDTH, y1=HEIGHT), bbox_norm=BBox(x0=0, y0=0, x1=1, y1=1), lines=lines)
    page = Page(index=0, width_pt=WIDTH * 0.36, height_pt=HEIGHT * 0.36, width_px=WIDTH, height_px=HEIGHT, dpi=200,
                text_source="ocr:test", blocks=[block])
    return Document(source=SourceInfo(filename="scan.png", media_type="image/png", sha256="0" * 64, page_count=1),
                    pages=[page])


STATEMENT = [
    [(20, "Banque Exemple"), (480, "RELEVÉ DE COMPTE du 1 au 28 février 2002")],
    [(20, "Date"), (110, "Opérations"), (560, "Débit"), (680, "Crédit")],
    [(250, "Solde précédent au 31 janvier"), (688, "22,15")],
    [(20, "01/02"), (110, "Virement salaire"), (664, "1 240,00")],
    [(20, "02/02"), (110, "Virement loyer"), (552, "520,00")],
    [(20, "08/02Cotisation mensuelle carte"), (568, "3,30")],  # OCR glued the date to the label
    [(20, "09/02"), (110, "Retrait espèces DAB"), (560, "60,00")],
    [(300, "Total des opérations"), (552, "583,30"), (656, "1 240,00")],
]


def test_operations_read_down_from_a_header_without_rules_or_region(settings):
    document = _document(STATEMENT)
    assert not document.pages[0].tables  # no table region: the header row is all there is
    result = extract_document(document, SchemaRegistry(settings).get("bank_statement"), "rules", settings)
    assert result.data["operations"] == [
        {"date": "2002-02-01", "label": "Virement salaire", "debit": None, "credit": 1240.0},
        {"date": "2002-02-02", "label": "Virement loyer", "debit": 520.0, "credit": None},
        {"date": "2002-02-08", "label": "Cotisation mensuelle carte", "debit": 3.3, "credit": None},
        {"date": "2002-02-09", "label": "Retrait espèces DAB", "debit": 60.0, "credit": None}]
    assert result.evidence["/operations/2"].page == 0


def test_header_anchored_table_cuts_a_glued_word_at_the_column_boundary():
    document = _document(STATEMENT)
    page = document.pages[0]
    words = page.words
    header = [[i] for i, word in enumerate(words) if word.text in ("Date", "Opérations", "Débit", "Crédit")]
    table = header_anchored_table(page, header)
    grid = table.grid()
    assert grid[0] == ["Date", "Opérations", "Débit", "Crédit"] and table.method == "header"
    assert ["08/02", "Cotisation mensuelle carte", "3,30", ""] in grid
    glued = next(i for i, word in enumerate(words) if word.text == "08/02Cotisation")
    assert any(glued in cell.words and cell.col == 0 for cell in table.cells)  # each piece keeps its source word


def test_receipt_items_under_a_two_part_header_and_two_line_articles(settings):
    """'CODE/DESC' names the description; an article printed above its quantity and amounts joins them."""
    document = _document([
        [(20, "CODE/DESC"), (300, "PRICE"), (420, "DISC"), (560, "AMOUNT")],
        [(20, "9556939040116"), (200, "MODELLING CLAY")],
        [(40, "1 PC"), (300, "9.00"), (420, "0.00"), (576, "9.00")],
        [(20, "4006381333"), (200, "STABILO PEN")],
        [(40, "2 PC"), (300, "1.50"), (420, "0.00"), (576, "3.00")],
        [(300, "TOTAL:"), (568, "12.00")],
    ])
    result = extract_document(document, SchemaRegistry(settings).get("receipt"), "rules", settings)
    assert [(item["description"], item["unit_price"], item["total_price"]) for item in result.data["items"]] == [
        ("9556939040116 MODELLING CLAY 1 PC", 9.0, 9.0), ("4006381333 STABILO PEN 2 PC", 1.5, 3.0)]


def test_receipt_article_and_amount_cut_apart_by_ocr_are_one_item(settings):
    document = _document([[(20, "2"), (80, "Meantime Pale"), (400, "10.20")], [(20, "Total"), (400, "10.20")]])
    document.pages[0].blocks[0].lines = [_line([(20, "2"), (80, "Meantime Pale")], 40), _line([(400, "10.20")], 41),
                                         _line([(20, "Total"), (400, "10.20")], 70)]
    result = extract_document(document, SchemaRegistry(settings).get("receipt"), "rules", settings)
    assert result.data["items"] == [{"description": "Meantime Pale", "quantity": 2.0, "unit_price": 5.1,
                                     "total_price": 10.2}]


def test_header_labels_match_a_part_or_a_line_but_not_a_sentence():
    assert header_matches("CODE/DESC", "Desc") and header_matches("Amt(RM)", "Amt")
    assert header_matches("Prix\nunitaire", "Prix unitaire") and header_matches("Qty\nRM", "Qty")
    assert not header_matches("Description du produit vendu", "Description")


def test_label_index_gives_the_same_value_for_every_field_asking(settings):
    document = _document(STATEMENT)
    index = TableIndex(document)
    assert value_from_tables(index, {"type": "string", "x-socratext": {"labels": ["IBAN"]}}) is None  # no table
    assert [line.text for line in index.row_lines()][1] == "Date Opérations Débit Crédit"


# --- real scans ---------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.datasets
def test_bank_statement_scan_operations_add_up_to_the_printed_totals(datasets, settings):
    _, result = read_and_extract(datasets / "fr_specimens" / "bank_statement_fr" / "default_sample.jpg",
                                 ExtractOptions(schema="bank_statement", engine="rules"), settings)
    operations = result.data["operations"]
    assert len(operations) == 17
    assert operations[0] == {"date": "2002-02-01", "label": "Virement salaire", "debit": None, "credit": 1240.0}
    assert {"date": "2002-02-08", "label": "Cotisation mensuelle carte bancaire", "debit": 3.3,
            "credit": None} in operations  # OCR read '08/02Cotisation' as one word
    # 'Total des opérations 1 618,58 1 339,62', less the previous balance (22,15): every amount in its column
    assert round(sum(op["debit"] or 0 for op in operations), 2) == 1618.58
    assert round(sum(op["credit"] or 0 for op in operations), 2) == round(1339.62 - 22.15, 2)
    assert all(op["date"].startswith("2002-02-") for op in operations)


@pytest.mark.slow
@pytest.mark.datasets
def test_invoice_and_receipt_scans_items_filled(datasets, settings):
    specimens = datasets / "fr_specimens"
    _, invoice = read_and_extract(specimens / "invoices" / "default_sample.jpg",
                                  ExtractOptions(schema="receipt", engine="rules"), settings)
    assert [(item["quantity"], item["unit_price"], item["total_price"]) for item in invoice.data["items"]] == [
        (1.0, 65.0, 65.0), (3.0, 2100.0, 2100.0), (1.0, 250.0, 250.0)]
    assert invoice.data["items"][0]["description"] == "Platinum web hosting package Down 35mb, Up 100mb"
    _, receipt = read_and_extract(specimens / "expense_receipts" / "default_sample.jpg",
                                  ExtractOptions(schema="receipt", engine="rules"), settings)
    [item] = receipt.data["items"]
    assert item["description"].startswith("Meantime Pale") and (item["quantity"], item["total_price"]) == (2.0, 10.2)


@pytest.mark.datasets
def test_pymupdf_find_tables_scored_as_a_peer(datasets):
    from socratext_llm.bench.tables import pymupdf_reader, score_document

    pdf = datasets / "icdar2013" / "eu-001.pdf"
    found = pymupdf_reader(pdf, None)
    counts = score_document(pdf, found)
    assert found and counts["relations_gold"] > 0 and 0 < counts["relations_correct"] <= counts["relations_predicted"]


def test_pymupdf_verdict_needs_both_structure_figures_to_beat_ours():
    import pymupdf

    from socratext_llm.bench.tables import _pymupdf_verdicts

    def result(pooled, mean, seconds):
        return {"structure": {"pooled": {"f1": pooled}, "document_mean": {"f1": mean}},
                "seconds_per_page": {"mean": seconds}}

    lines = _pymupdf_verdicts({"socratext": result(0.93, 0.92, 0.06), "pymupdf-2.0-layout": result(0.95, 0.91, 2.3),
                               "pdfplumber": result(0.5, 0.6, 0.1)})
    assert lines == [("pymupdf-2.0-layout: structure F1 0.95 pooled / 0.91 document mean against ours 0.93 / 0.92, "
                      "2.3 s per page against 0.06: does not beat ours."),
                     f"None beats ours: the project keeps the PyMuPDF it pins ({pymupdf.VersionBind}).", ""]


@given(st.integers(1, 8), st.integers(1, 6), st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1)), max_size=30),
       st.floats(-500, 1500), st.floats(-500, 1500))
def test_each_word_goes_to_the_cell_holding_it_else_to_the_nearest(rows, columns, places, outside_x, outside_y):
    """Words wholly inside a cell of a grid land in that cell; a word touching no cell lands in the
    cell whose centre is nearest."""
    cells = [BBox(x0=100 * col, y0=40 * row, x1=100 * col + 90, y1=40 * row + 30)
             for row in range(rows) for col in range(columns)]
    words, expected = [], []
    for share_x, share_y in places:
        number = int(share_x * len(cells)) % len(cells)
        cell = cells[number]
        x, y = cell.x0 + share_y * 60, cell.y0 + 5
        words.append(BBox(x0=x, y0=y, x1=x + 25, y1=y + 20))
        expected.append(number)
    far = BBox(x0=outside_x, y0=outside_y, x1=outside_x + 4, y1=outside_y + 4)
    assert word_cells(words, cells) == expected
    if not any(far.x1 > c.x0 and far.x0 < c.x1 and far.y1 > c.y0 and far.y0 < c.y1 for c in cells):
        distances = [abs(far.x0 + 2 - (c.x0 + c.x1) / 2) + abs(far.y0 + 2 - (c.y0 + c.y1) / 2) for c in cells]
        assert word_cells([far], cells) == [distances.index(min(distances))]
    assert word_cells([], cells) == [] and word_cells(words, []) == []

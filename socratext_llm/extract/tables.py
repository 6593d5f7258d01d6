"""Schema fields read from tables: a label cell's value in the next cell (right, below or above),
a label printed just above or left of a grid (the RIB's IBAN and BIC boxes), and arrays of objects
filled row by row from a table whose header names the columns (``x-socratext.columns``): a table the
layout stage found, or one read down from a header row printed on the page (scans whose table no
region finder outlined, receipts without rules).

A document's label cells, label lines and text rows are indexed once (``TableIndex``) and read for
every field.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from ..document import BBox, Document, Line, Page, Table, TableCell, Word
from ..layout.tables.anchored import header_anchored_table
from ..layout.tables.textrows import TextRow, text_rows
from .normalize import normalize_date, parse_table_number
from .result import Evidence
from .textmatch import PlacedLine, fold
from .values import field_types, parse_value

LABEL_EDGE = re.compile(r"^[\s:.#°n-]*$")
HEADER_PARTS = re.compile(r"[/()\[\]]")  # 'CODE/DESC', 'Amt(RM)': a header cell naming two things
HEADER_SEARCH_ROWS = 6  # a scanned table's region may take in a few lines above its header
MAX_LABEL_GAP_LINES = 3.0  # a grid this many text heights below its label still belongs to it
MAX_LABEL_WORDS = 4  # the longest column label, in words ('Nature de l'opération')
MIN_HEADER_SHARE = 0.5  # a header row: most of its words name columns (not a sentence naming two)
WORD = re.compile(r"[^\W\d_]{3,}")  # a word of three letters: a description of its own, not '1 PC'
TAX_MARK = re.compile(r"^(.*\d)\s*(?:\*+|[A-Z]{1,2})$")
TRUST = {"ruled": 2, "unruled": 2, "header": 1}  # table methods, by how far their columns are trusted
DAY_MONTH = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})\s*$")  # a statement's '01/02': its year is the document's


@dataclass(frozen=True)
class TableText:
    """A candidate value read from a table, with where it is printed."""

    text: str
    page: int
    bbox: BBox

    def evidence(self, engine: str, confidence: float = 0.9) -> Evidence:
        return Evidence(page=self.page, bbox=self.bbox, source_text=self.text, confidence=confidence, engine=engine)


def _key(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", fold(text)).split())


def _keys_match(text: str, key: str, label: str, wanted: str) -> bool:
    return bool(wanted) and (key == wanted or (key.startswith(wanted) and bool(LABEL_EDGE.match(text[len(label):] or ""))))


def label_matches(text: str, label: str) -> bool:
    """The whole text is the label (separators and a trailing colon aside)."""
    return _keys_match(text, _key(text), label, _key(label))


def header_matches(text: str, label: str) -> bool:
    """A column header names the label: the whole text (its lines joined), one of its lines, or one
    part of a header printed as 'CODE/DESC' or 'Amt(RM)'."""
    lines = [line for line in text.split("\n") if line.strip()]
    parts = [part for line in lines for part in HEADER_PARTS.split(line) if part.strip()]
    return any(label_matches(candidate, label) for candidate in (" ".join(lines), *lines, *parts))


def _row_candidates(cells: list[TableCell]) -> Iterator[TableText]:
    cells = [cell for cell in cells if cell.text.strip()]
    if not cells:
        return
    box = BBox.enclosing([cell.bbox for cell in cells])
    page = cells[0].page
    yield TableText(" ".join(cell.text for cell in cells), page, box)
    if all(len(cell.text.strip()) <= 2 for cell in cells):  # one character per box: BIC, account numbers
        yield TableText("".join(cell.text.strip() for cell in cells), page, box)


class _Grid:
    """A table's cells by position, so that neighbours are found without scanning the table."""

    def __init__(self, table: Table):
        self.table = table
        self.at: dict[tuple[int, int], TableCell] = {}
        for cell in table.cells:
            for row in range(cell.row, cell.row + cell.row_span):
                for col in range(cell.col, cell.col + cell.col_span):
                    self.at.setdefault((row, col), cell)
        self.rows: dict[int, list[TableCell]] = {}
        for cell in sorted(table.cells, key=lambda c: c.col):
            self.rows.setdefault(cell.row, []).append(cell)

    def neighbours(self, cell: TableCell) -> Iterator[TableText]:
        """What a label cell labels: the rest of its row, else the cell below, else the cell above."""
        yield from _row_candidates([c for c in self.rows.get(cell.row, []) if c.col > cell.col])
        for row in (cell.row + cell.row_span, cell.row - 1):
            other = self.at.get((row, cell.col)) if 0 <= row < self.table.n_rows else None
            if other is not None and other is not cell and other.text.strip():
                yield TableText(other.text, other.page, other.bbox)


def _grid_after_line(page: Page, line_box: BBox) -> Table | None:
    """The table just below a label line (overlapping it horizontally), or just right of it."""
    height = max(1.0, line_box.height)
    best, best_gap = None, None
    for table in page.tables:
        below = 0 <= table.bbox.y0 - line_box.y1 + height / 2 <= MAX_LABEL_GAP_LINES * height and \
            table.bbox.x0 - height <= line_box.x0 <= table.bbox.x1
        beside = table.bbox.y0 - height <= line_box.y0 <= table.bbox.y1 and 0 <= table.bbox.x0 - line_box.x1 <= 4 * height
        if below or beside:
            gap = abs(table.bbox.y0 - line_box.y1) + abs(table.bbox.x0 - line_box.x1) * beside
            if best_gap is None or gap < best_gap:
                best, best_gap = table, gap
    return best


@dataclass
class _LabelEntry:
    """A table cell or a page line that may print a field's label, with what it would label."""

    text: str
    key: str
    found: Any  # a callable giving the candidates, computed on first use
    candidates: list[TableText] | None = dataclass_field(default=None)

    def matches(self, label: str, wanted: str) -> bool:
        return _keys_match(self.text, self.key, label, wanted)

    def values(self) -> list[TableText]:
        if self.candidates is None:
            self.candidates = list(self.found())
        return self.candidates


class TableIndex:
    """A document's tables read once for every field: label cells and label lines in reading order
    (each with the values it labels, computed when first asked), and each page's text rows."""

    def __init__(self, document: Document):
        self.document = document
        self.has_tables = any(page.tables for page in document.pages)
        self.entries: list[_LabelEntry] = []
        for page in document.pages:
            grids = [_Grid(table) for table in page.tables]
            for grid in grids:
                for cell in grid.table.cells:
                    if cell.text.strip():
                        self.entries.append(_LabelEntry(cell.text, _key(cell.text),
                                                        lambda grid=grid, cell=cell: grid.neighbours(cell)))
            if not page.tables:
                continue
            for line in page.lines:
                self.entries.append(_LabelEntry(line.text, _key(line.text),
                                                lambda page=page, box=line.bbox: _grid_first_row(page, box)))
        self._rows: dict[int, list[TextRow]] = {}
        self._row_lines: list[PlacedLine] | None = None

    def candidates(self, labels: list[str]) -> Iterator[TableText]:
        """Texts that tables give for a field's labels, labels in their order of preference."""
        for label in labels:
            wanted = _key(label)
            if not wanted:
                continue
            for entry in self.entries:
                if entry.matches(label, wanted):
                    yield from entry.values()

    def text_rows(self, page: Page) -> list[TextRow]:
        if page.index not in self._rows:
            self._rows[page.index] = text_rows(page.words, list(range(len(page.words))), [])
        return self._rows[page.index]

    def row_lines(self) -> list[PlacedLine]:
        """Each printed row of words as one line, pages in order: the pieces OCR cut at a wide gap
        ('2 Meantime Pale' | '10.20') read together."""
        if self._row_lines is None:
            self._row_lines = []
            for page in self.document.pages:
                page_words = page.words
                for row in self.text_rows(page):
                    words = [page_words[i] for segment in row.segments for i in segment.words]
                    line = Line(text=" ".join(segment.text for segment in row.segments), bbox=row.box,
                                bbox_norm=row.box.normalised(page.width_px, page.height_px),
                                confidence=min(word.confidence for word in words), words=words)
                    self._row_lines.append(PlacedLine(len(self._row_lines), page.index, line, fold(line.text)))
        return self._row_lines


def _grid_first_row(page: Page, box: BBox) -> Iterator[TableText]:
    table = _grid_after_line(page, box)
    if table is not None:
        yield from _row_candidates([c for c in table.cells if c.row == 0])


def text_with_table_rows(document: Document) -> str:
    """The document text followed by each table row read left to right: a value read across a grid's
    cells is in the document even when the text's reading order goes down the columns."""
    rows = [" ".join(" ".join(cell.text for cell in sorted(table.cells, key=lambda c: c.col) if cell.row == row).split())
            for page in document.pages for table in page.tables for row in range(table.n_rows)]
    return "\n".join([document.text, *rows])


def value_from_tables(index: TableIndex, field: dict) -> tuple[Any, TableText] | None:
    """The first table candidate that parses and validates as the field's value."""
    labels = field.get("x-socratext", {}).get("labels", [])
    if not labels or not index.has_tables:
        return None
    for candidate in index.candidates(labels):
        parsed = parse_value(candidate.text, field)
        if parsed is not None and parsed.valid:
            return parsed.value, candidate
    return None


def _column_map(table: Table, columns: dict[str, list[str]]) -> tuple[int, dict[str, int]]:
    """The header row (among the first few) naming most properties, and the column of each."""
    best: tuple[int, dict[str, int]] = (0, {})
    for row in range(min(HEADER_SEARCH_ROWS, table.n_rows)):
        found: dict[str, int] = {}
        cells = sorted((c for c in table.cells if c.row == row), key=lambda c: c.col)
        for name, labels in columns.items():
            for cell in cells:
                if cell.col not in found.values() and any(header_matches(cell.text, label) for label in labels):
                    found[name] = cell.col
                    break
        if len(found) > len(best[1]):
            best = (row, found)
    return best


def _header_cells(words: list[Word], row: TextRow, columns: dict[str, list[str]]) -> list[list[int]] | None:
    """A text row's words as header cells when most of them name columns (two at least): each
    label's words one cell, other words one cell per segment."""
    cells: list[list[int]] = []
    named: set[str] = set()
    named_words = 0
    for segment in row.segments:
        ids = segment.words
        k, loose = 0, False
        while k < len(ids):
            match = None
            for length in range(min(MAX_LABEL_WORDS, len(ids) - k), 0, -1):
                text = " ".join(words[i].text for i in ids[k:k + length])
                name = next((name for name, labels in columns.items() if name not in named
                             and any(header_matches(text, label) for label in labels)), None)
                if name is not None:
                    match = (length, name)
                    break
            if match is None:
                if loose:
                    cells[-1].append(ids[k])
                else:
                    cells.append([ids[k]])
                k, loose = k + 1, True
                continue
            length, name = match
            cells.append(ids[k:k + length])
            named.add(name)
            named_words += length
            k, loose = k + length, False
    total = sum(len(segment.words) for segment in row.segments)
    if len(named) < 2 or named_words < MIN_HEADER_SHARE * total:
        return None
    if any(parse_table_number(words[i].text) is not None for cell in cells for i in cell):
        return None  # a header prints labels, not values ('Total Qty 2' is a summary line)
    return cells


def _header_tables(index: TableIndex, columns: dict[str, list[str]]) -> Iterator[Table]:
    """Tables read down from each text row printing the columns' labels."""
    for page in index.document.pages:
        words = page.words
        for row in index.text_rows(page):
            cells = _header_cells(words, row, columns)
            if cells is not None:
                table = header_anchored_table(page, cells)
                if table is not None:
                    yield table


def document_year(document: Document) -> int | None:
    """The year most of the document's full dates print: the year of a statement's 'dd/mm' rows."""
    years: dict[int, int] = {}
    for page in document.pages:
        for line in page.lines:
            found = normalize_date(line.text)
            if found:
                years[int(found[:4])] = years.get(int(found[:4]), 0) + 1
    return max(years, key=lambda year: years[year]) if years else None


def _date(text: str, year: int | None) -> str | None:
    found = normalize_date(text)
    short = DAY_MONTH.match(text)
    if found is None and short and year is not None:
        found = normalize_date(f"{short[1]}/{short[2]}/{year}")
    return found


def _typed(cell: TableCell | None, schema: dict, year: int | None = None) -> Any:
    if cell is None or not cell.text.strip():
        return None
    types = field_types(schema)
    if types & {"number", "integer"}:
        text = cell.text.strip()
        marked = TAX_MARK.match(text)  # '3.30*', '26.00 SR': a receipt's tax code after the amount
        value = parse_table_number(marked[1] if marked else text)  # from the text: cached documents hold no value
        if value is None:
            return None
        return int(value) if "integer" in types and value == int(value) else value
    text = cell.text.replace("\n", " ").strip()
    if schema.get("format") == "date":  # a date column gives ISO dates, as every date field does
        return _date(text, year)
    return text[: schema.get("maxLength", 300)]


def _table_rows(table: Table, header: int, mapping: dict[str, int], field: dict,
                year: int | None) -> list[tuple[dict, TableText]]:
    """The objects a table's body gives, row by row, down to a stop label. A row without numbers
    just above a row with numbers but no words of its own is the first line of its text (a receipt
    printing the article, then its quantity and price below)."""
    hints = field.get("x-socratext", {})
    properties = field.get("items", {}).get("properties", {})
    grid = _Grid(table)
    stops = [_key(label) for label in hints.get("stop_labels", [])]
    numbers = [name for name in mapping if field_types(properties.get(name, {})) & {"number", "integer"}]
    texts_first = [name for name in mapping if name not in numbers]
    rows = []
    leading: list[TableCell] = []
    for row in range(header + 1, table.n_rows):
        cells = {name: grid.at.get((row, col)) for name, col in mapping.items()}
        texts = [c.text for c in cells.values() if c is not None and c.text.strip()]
        if not texts:
            continue
        printed = [c.text for c in grid.rows.get(row, []) if c.text.strip()]  # a stop label in any column
        if any(_key(text).startswith(stop) for text in printed for stop in stops if stop):
            if rows:
                break
            leading = []
            continue  # an opening balance above the items
        item = {name: _typed(cells.get(name), properties.get(name, {}), year) for name in properties}
        if numbers and all(item.get(name) is None for name in numbers):
            row_cells = sorted({id(c): c for c in grid.rows.get(row, []) if c.text.strip()}.values(), key=lambda c: c.col)
            in_text_column = any(cells.get(name) is not None and cells[name].text.strip() for name in texts_first)
            leading = row_cells if in_text_column else []  # units under a two-line header ('RM RM') lead nothing
            continue  # a section heading, or the first line of the next item
        name = next((n for n in texts_first if field_types(properties.get(n, {})) == {"string"}), None) \
            if texts_first else None
        if leading and name is not None and not WORD.search(str(item.get(name) or "")):
            printed = " ".join([*(c.text.replace("\n", " ") for c in leading), item.get(name) or ""]).strip()
            item[name] = _typed(TableCell(row=row, col=0, text=printed, bbox=leading[0].bbox, page=leading[0].page),
                                properties.get(name, {}), year)
        row_cells = [c for c in cells.values() if c is not None] + leading
        rows.append((item, TableText(" | ".join([*(c.text for c in leading), *texts]), row_cells[0].page,
                                     BBox.enclosing([c.bbox for c in row_cells]))))
        leading = []
    return rows[: field.get("maxItems", 100)]


def rows_from_tables(index: TableIndex, field: dict) -> list[tuple[dict, TableText]] | None:
    """An array field's objects from the table whose header names most of its columns (two at least):
    one the layout stage found, or one read down from a header row printed on the page. Between
    equals, a born-digital table (rules and alignment: 0.93 F1 on ICDAR 2013) comes first, then one
    read from its header, then a structure model's (its region may take in the lines above and merge
    columns), then the one giving most objects. None when no header names two columns."""
    columns: dict[str, list[str]] = field.get("x-socratext", {}).get("columns", {})
    if not columns:
        return None
    best: tuple[int, int] | None = None
    chosen: list[tuple[dict, TableText]] | None = None
    found = [table for page in index.document.pages for table in page.tables]
    year = document_year(index.document)
    for table in [*found, *_header_tables(index, columns)]:
        header, mapping = _column_map(table, columns)
        if len(mapping) < 2:
            continue
        rows = _table_rows(table, header, mapping, field, year)
        score = (len(mapping), bool(rows), TRUST.get(table.method, 0), len(rows))
        if best is None or score > best:
            best, chosen = score, rows
    return chosen

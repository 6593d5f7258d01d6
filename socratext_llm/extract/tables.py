"""Schema fields read from tables: a label cell's value in the next cell (right, below or above),
a label printed just above or left of a grid (the RIB's IBAN and BIC boxes), and arrays of objects
filled row by row from a table whose header names the columns (``x-socratext.columns``).
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..document import BBox, Document, Page, Table, TableCell
from .normalize import normalize_date, parse_table_number
from .result import Evidence
from .textmatch import fold
from .values import field_types, parse_value

LABEL_EDGE = re.compile(r"^[\s:.#°n-]*$")
HEADER_SEARCH_ROWS = 6  # a scanned table's region may take in a few lines above its header
MAX_LABEL_GAP_LINES = 3.0  # a grid this many text heights below its label still belongs to it


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


def label_matches(text: str, label: str) -> bool:
    """The whole text is the label (separators and a trailing colon aside)."""
    key, wanted = _key(text), _key(label)
    return bool(wanted) and (key == wanted or (key.startswith(wanted) and LABEL_EDGE.match(text[len(label):] or "")))


def _cell_at(table: Table, row: int, col: int) -> TableCell | None:
    return next((c for c in table.cells if c.row <= row < c.row + c.row_span and c.col <= col < c.col + c.col_span), None)


def _row_candidates(cells: list[TableCell]) -> Iterator[TableText]:
    cells = [cell for cell in cells if cell.text.strip()]
    if not cells:
        return
    box = BBox.enclosing([cell.bbox for cell in cells])
    page = cells[0].page
    yield TableText(" ".join(cell.text for cell in cells), page, box)
    if all(len(cell.text.strip()) <= 2 for cell in cells):  # one character per box: BIC, account numbers
        yield TableText("".join(cell.text.strip() for cell in cells), page, box)


def _neighbour_candidates(table: Table, cell: TableCell) -> Iterator[TableText]:
    """What a label cell labels: the rest of its row, else the cell below, else the cell above."""
    right = sorted((c for c in table.cells if c.row == cell.row and c.col > cell.col), key=lambda c: c.col)
    yield from _row_candidates(right)
    for row in (cell.row + cell.row_span, cell.row - 1):
        other = _cell_at(table, row, cell.col) if 0 <= row < table.n_rows else None
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


def table_candidates(document: Document, labels: list[str]) -> Iterator[TableText]:
    """Texts that tables give for a field's labels, labels in their order of preference."""
    for label in labels:
        for page in document.pages:
            for table in page.tables:
                for cell in table.cells:
                    if label_matches(cell.text, label):
                        yield from _neighbour_candidates(table, cell)
            if not page.tables:
                continue
            for line in page.lines:
                if label_matches(line.text, label):
                    table = _grid_after_line(page, line.bbox)
                    if table is not None:
                        yield from _row_candidates([c for c in table.cells if c.row == 0])


def text_with_table_rows(document: Document) -> str:
    """The document text followed by each table row read left to right: a value read across a grid's
    cells is in the document even when the text's reading order goes down the columns."""
    rows = [" ".join(" ".join(cell.text for cell in sorted(table.cells, key=lambda c: c.col) if cell.row == row).split())
            for page in document.pages for table in page.tables for row in range(table.n_rows)]
    return "\n".join([document.text, *rows])


def value_from_tables(document: Document, field: dict) -> tuple[Any, TableText] | None:
    """The first table candidate that parses and validates as the field's value."""
    labels = field.get("x-socratext", {}).get("labels", [])
    if not labels or not any(page.tables for page in document.pages):
        return None
    for candidate in table_candidates(document, labels):
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
                if cell.col not in found.values() and any(label_matches(cell.text, label) for label in labels):
                    found[name] = cell.col
                    break
        if len(found) > len(best[1]):
            best = (row, found)
    return best


def _typed(cell: TableCell | None, schema: dict) -> Any:
    if cell is None or not cell.text.strip():
        return None
    types = field_types(schema)
    if types & {"number", "integer"}:
        value = parse_table_number(cell.text)  # from the text: documents cached by older versions hold no value
        if value is None:
            return None
        return int(value) if "integer" in types and value == int(value) else value
    text = cell.text.replace("\n", " ").strip()
    if schema.get("format") == "date":  # a date column gives ISO dates, as every date field does
        return normalize_date(text)
    return text[: schema.get("maxLength", 300)]


def rows_from_tables(document: Document, field: dict) -> list[tuple[dict, TableText]] | None:
    """An array field's objects from the table whose header names most of its columns (two at least);
    None when no table has such a header."""
    hints = field.get("x-socratext", {})
    columns: dict[str, list[str]] = hints.get("columns", {})
    properties = field.get("items", {}).get("properties", {})
    if not columns:
        return None
    best: tuple[Table, int, dict[str, int]] | None = None
    for page in document.pages:
        for table in page.tables:
            header, mapping = _column_map(table, columns)
            if len(mapping) >= 2 and (best is None or len(mapping) > len(best[2])):
                best = (table, header, mapping)
    if best is None:
        return None
    table, header, mapping = best
    stops = [_key(label) for label in hints.get("stop_labels", [])]
    rows = []
    for row in range(header + 1, table.n_rows):
        cells = {name: _cell_at(table, row, col) for name, col in mapping.items()}
        texts = [c.text for c in cells.values() if c is not None and c.text.strip()]
        if not texts:
            continue
        if any(_key(text).startswith(stop) for text in texts for stop in stops if stop):
            if rows:
                break
            continue  # an opening balance above the items
        item = {name: _typed(cells.get(name), properties.get(name, {})) for name in properties}
        numbers = [name for name in mapping if field_types(properties.get(name, {})) & {"number", "integer"}]
        if numbers and all(item.get(name) is None for name in numbers):
            continue  # a section heading inside the table, not an item
        row_cells = [c for c in cells.values() if c is not None]
        rows.append((item, TableText(" | ".join(texts), row_cells[0].page,
                                     BBox.enclosing([c.bbox for c in row_cells]))))
    return rows[: field.get("maxItems", 100)]

"""A table read down from a known header row, on any page's words (OCR'd scans included).

When a caller knows what a table's header says (a schema's column labels), the header's cells
give the columns even where nothing is ruled and a region finder missed the table: each boundary
between two header cells goes where the fewest words below cross it (text overflows rightwards
from a left-aligned header, amounts leftwards from a right-aligned one), and the rows are the
text rows below, down to the first wide vertical gap. A word that OCR glued across a boundary
('08/02Cotisation') is cut there when its letters change kind at that point.
"""
from __future__ import annotations

import itertools
import statistics

import numpy as np

from ...document import BBox, Page, Table, Word
from ..graphics import Rule
from .grid import build_table
from .textrows import text_rows

MAX_ROW_GAP_EM = 2.5  # a wider blank band below the last row ends the table
MARGIN_EM = 3.0  # body words may start this far left or end this far right of the header
MAX_ROWS = 200
CUT_SEARCH_CHARS = 2


def _column_bounds(header: list[BBox], body: list[BBox]) -> list[float]:
    """Between each two header cells, the x crossed by the fewest body words (middle of that band)."""
    bounds: list[float] = []
    for left, right in itertools.pairwise(header):
        start, end = int(min(left.x1, right.x0)), int(np.ceil(max(left.x1, right.x0)))
        if end - start < 2:
            bounds.append((left.x1 + right.x0) / 2)
            continue
        crossings = np.zeros(end - start + 1, dtype=np.int32)
        for box in body:
            a, b = max(start, int(np.ceil(box.x0))), min(end, int(box.x1))
            if a <= b:
                crossings[a - start:b - start + 1] += 1
        lowest = crossings.min()
        best, run = (0, 0), None  # (length, start) of the longest run at the lowest count
        for x, count in enumerate(crossings):
            if count == lowest:
                run = x if run is None else run
                if x - run + 1 > best[0]:
                    best = (x - run + 1, run)
            else:
                run = None
        bounds.append(start + best[1] + (best[0] - 1) / 2)
    return bounds


def _kind(char: str) -> str:
    return "digit" if char.isdigit() else "letter" if char.isalpha() else "other"


def _cut(word: Word, bound: float, gap: tuple[float, float]) -> tuple[Word, Word] | None:
    """A word straddling a column boundary cut in two where its characters change kind, at the
    change nearest the boundary that lies between the two header cells (``gap``)."""
    text, box = word.text, word.bbox
    if len(text) < 2 or not box.x0 < bound < box.x1:
        return None
    char = box.width / len(text)
    low, high = min(gap[0], bound - CUT_SEARCH_CHARS * char), max(gap[1], bound + CUT_SEARCH_CHARS * char)
    for k in sorted(range(1, len(text)), key=lambda k: abs(box.x0 + k * char - bound)):
        if not low <= box.x0 + k * char <= high:
            continue
        if _kind(text[k - 1]) != _kind(text[k]) and text[:k].strip() and text[k:].strip():
            # the pieces meet at the boundary, so that each falls in its own column
            left = word.model_copy(update={"text": text[:k].strip(), "bbox": BBox(x0=box.x0, y0=box.y0, x1=bound - 1, y1=box.y1)})
            right = word.model_copy(update={"text": text[k:].strip(), "bbox": BBox(x0=bound + 1, y0=box.y0, x1=box.x1, y1=box.y1)})
            return left, right
    return None


def header_anchored_table(page: Page, header_cells: list[list[int]], method: str = "header") -> Table | None:
    """The table whose header row is ``header_cells`` (each a list of positions in ``page.words``,
    left to right), its first row the header; None when fewer than two columns or no body row."""
    words = page.words
    if len(header_cells) < 2:
        return None
    header_boxes = [BBox.enclosing([words[i].bbox for i in cell]) for cell in header_cells]
    header_box = BBox.enclosing(header_boxes)
    header_words = {i for cell in header_cells for i in cell}
    em = statistics.median(words[i].bbox.height for i in header_words)
    left, right = header_box.x0 - MARGIN_EM * em, header_box.x1 + MARGIN_EM * em
    below_header = header_box.y1 + 0.25 * em
    below = [i for i, word in enumerate(words) if i not in header_words
             and (word.bbox.y0 + word.bbox.y1) / 2 > below_header
             and word.bbox.x0 >= left and word.bbox.x1 <= right]
    members: list[int] = []
    bottom = header_box.y1
    for row in text_rows(words, below, [])[:MAX_ROWS]:
        if row.box.y0 - bottom > MAX_ROW_GAP_EM * em:
            break
        members += [i for segment in row.segments for i in segment.words]
        bottom = max(bottom, row.box.y1)
    if not members:
        return None
    bounds = _column_bounds(header_boxes, [words[i].bbox for i in members])
    # words glued across a boundary are cut; the pieces point back to the word they came from
    extended, origin = list(words), list(range(len(words)))
    cut_members = []
    for index in members:
        pieces = [words[index]]
        for bound, (left_cell, right_cell) in zip(bounds, itertools.pairwise(header_boxes)):
            halves = _cut(pieces[-1], bound, (left_cell.x1, right_cell.x0))
            if halves is not None:
                pieces[-1:] = list(halves)
        if len(pieces) == 1:
            cut_members.append(index)
            continue
        for piece in pieces:
            extended.append(piece)
            origin.append(index)
            cut_members.append(len(extended) - 1)
    region = BBox(x0=min(header_box.x0, *(extended[i].bbox.x0 for i in cut_members)), y0=header_box.y0,
                  x1=max(header_box.x1, *(extended[i].bbox.x1 for i in cut_members)), y1=bottom)
    # the header is its own row: a body line without numbers does not join it as a second header line
    rules = [Rule(False, x, region.y0, region.y1) for x in bounds] + [Rule(True, below_header, region.x0, region.x1)]
    table = build_table(extended, sorted(header_words) + cut_members, region, rules, page.index, method,
                        gap_columns=False)
    if table is None:
        return None
    for cell in table.cells:
        cell.words = sorted({origin[i] for i in cell.words})
    return table


__all__ = ["header_anchored_table"]

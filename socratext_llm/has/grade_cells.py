"""Grades printed beside a statement: a cell holding only the letter, or a cell coloured on the HAS key.

HAS syntheses and recommendation tables shade the grade cell: A green, B yellow, C pink, AE blue. The
letter is usually in the cell; when it is not, the colour says the grade, once the document has paired
that colour with its letter somewhere (charts and infographics use pastel boxes too).
"""
from __future__ import annotations

import re
from collections.abc import Sequence

from ..document import BBox, Block, Document, Page
from .model import Grade

LETTER_CELL = re.compile(r"^\s*(A|B|C|AE)\s*$")
MIN_LIGHTNESS = 0.45  # darker fills are banners and headings, not grade cells
MIN_SATURATION = 0.1  # greyer fills are plain shading
MAX_CELL_WIDTH = 0.15  # share of the page width
MIN_CELL_SIDE_PT = 6.0  # thinner filled rectangles are rules drawn as boxes


def colour_grade(colour: str | None) -> Grade | None:
    """The grade a pastel cell colour stands for on the HAS key ('#ccffcc' → A), else None."""
    if not colour or not re.fullmatch(r"#[0-9a-fA-F]{6}", colour):
        return None
    red, green, blue = (int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    if min(red, green, blue) < MIN_LIGHTNESS or max(red, green, blue) - min(red, green, blue) < MIN_SATURATION:
        return None
    if green > red and green > blue:
        return "A"
    if blue > red:
        return "AE"
    if red >= green and red >= blue:
        return "B" if green > blue else "C"
    return None


def grade_cells(document: Document) -> dict[int, list[tuple[Grade, BBox]]]:
    """Cells that print a grade, by page: one-line blocks holding only the letter, narrow boxes coloured on
    the key holding only their letter, and empty boxes of a colour the document itself pairs with a letter
    elsewhere (its legend, a grade column): colour alone is trusted only once the document has shown its key."""
    cells: dict[int, list[tuple[Grade, BBox]]] = {page.index: [] for page in document.pages}
    keyed: set[str] = set()
    unlettered: list[tuple[int, str, Grade, BBox]] = []
    for page in document.pages:
        for block in page.blocks:
            if block.kind == "paragraph" and len(block.lines) == 1:
                match = LETTER_CELL.match(block.lines[0].text)
                if match:
                    cells[page.index].append((match.group(1), block.bbox))
        words = None
        smallest = MIN_CELL_SIDE_PT * page.dpi / 72
        for shape in page.drawings:
            grade = colour_grade(shape.fill) if shape.kind == "rect" else None
            if grade is None or not smallest <= shape.bbox.width <= MAX_CELL_WIDTH * page.width_px \
                    or shape.bbox.height < smallest:
                continue
            words = page.words if words is None else words
            inside = [word.text for word in words if _centre_in(word.bbox, shape.bbox)]
            if not inside:
                unlettered.append((page.index, shape.fill or "", grade, shape.bbox))
            elif len(inside) == 1 and inside[0] == grade:
                keyed.add(shape.fill or "")
    for index, fill, grade, box in unlettered:
        if fill in keyed:
            cells[index].append((grade, box))
    return cells


def _centre_in(box: BBox, cell: BBox) -> bool:
    x, y = (box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2
    return cell.x0 <= x <= cell.x1 and cell.y0 <= y <= cell.y1


def cell_grade(blocks: Sequence[tuple[Page, Block]], cells: dict[int, list[tuple[Grade, BBox]]]) -> Grade | None:
    """The grade of a cell left of the passage and level with it (the letter's cell first, then a colour)."""
    for page, block in blocks:
        for grade, box in cells.get(page.index, []):
            level = min(box.y1, block.bbox.y1) - max(box.y0, block.bbox.y0) > 0
            if level and box.x1 <= block.bbox.x0 + 1:
                return grade
    return None

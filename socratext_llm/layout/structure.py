"""Document structure: block kinds, running headers and footers, paragraphs across breaks, section tree.

Each page is cut into blocks alone (``cut_blocks``); the rest runs once the pages are read, because running
headers and paragraphs continued on the next page are only visible across pages: it works on the pages'
sketches (``layout.sketch``), so that a long document's pages need not wait in memory. Text-layer blocks are re-cut at list items and paragraph breaks (PyMuPDF's
blocks mix them); lines keep their order, so the reading order every other stage sees is unchanged.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence

from ..document import FURNITURE, BBox, Block, Document, Line, Page
from ..ingest.base import OutlineEntry
from .headings import numbering_depth
from .sketch import BlockSketch, LineSketch, PageSketch
from .text_flow import ends_mid_sentence, ends_sentence, join_lines, strip_bullet

FURNITURE_BAND = 0.1  # share of the page height, top and bottom, where running headers and footers sit
MIN_REPEATS = 2
REPEAT_SHARE = 0.3
# a page's number as printed in its margin ('12', '- 3 -', 'Page 2', 'p. 4', '3/10', 'Page 2 de 2', 'page 1 of 3'):
# running furniture for the structure, and never a value for the extraction's header fields
PAGE_NUMBER = re.compile(r"^\W*(?:(?:page|p\.)\s*)?[-–]?\s*\d{1,4}\s*(?:(?:/|sur|de|of|von)\s*\d{1,4})?\s*[-–]?\W*$",
                         re.IGNORECASE)
CAPTION = re.compile(r"^\s*(?:Tableau|Table|Figure|Fig\.|Graphique|Schéma|Illustration|Encadré)\s+\d+[a-z]?\s*[.:–-]",
                     re.IGNORECASE)
MARGIN_CELL_CHARS = 12  # a grade or a number printed in a cell beside the text ('AE', 'B', 'R.12')
SIZE_CHANGE = 0.15  # relative change of type size between rows that starts a new block
AnyLine = Line | LineSketch  # the row helpers read pages and their sketches alike
PARAGRAPH_GAP = 0.6  # a blank this many line heights tall between two rows of a block starts a paragraph


def line_rows(lines: Sequence[AnyLine]) -> list[list[AnyLine]]:
    """Lines of one printed row together (a bullet and its text are separate lines in a PDF), left to right."""
    rows: list[list[AnyLine]] = []
    for line in lines:
        if rows:
            last = rows[-1][-1].bbox
            shared = min(line.bbox.y1, last.y1) - max(line.bbox.y0, last.y0)
            if shared > 0.5 * min(line.bbox.height, last.height):
                rows[-1].append(line)
                continue
        rows.append([line])
    return [sorted(row, key=lambda item: item.bbox.x0) for row in rows]


def row_text(row: Sequence[AnyLine]) -> str:
    """A printed row's text; a bullet glyph drawn twice over its own text (a common PDF trick) is read once."""
    parts: list[str] = []
    for line in row:
        glyph, rest = strip_bullet(line.text + " x")
        if glyph is not None and rest == "x" and parts and any(
                other is not line and other.bbox.x0 <= line.bbox.x0 <= other.bbox.x1 for other in row):
            continue
        parts.append(line.text.strip())
    return " ".join(part for part in parts if part)


def block_text(block: Block | BlockSketch) -> str:
    """The running text of a block: rows joined, line-end hyphens resolved."""
    return join_lines([row_text(row) for row in line_rows(block.lines)])


def _new_block(kind: str, lines: list[Line], page: Page, level: int | None = None) -> Block:
    box = BBox.enclosing([line.bbox for line in lines])
    return Block(kind=kind, heading_level=level, bbox=box, bbox_norm=box.normalised(page.width_px, page.height_px),
                 lines=lines)


def _row_size(row: Sequence[AnyLine]) -> float | None:
    sizes = [line.font_size for line in row if line.font_size]
    return max(sizes) if sizes else None


def _resized(row: Sequence[AnyLine], previous: Sequence[AnyLine]) -> bool:
    """Type size changes between two rows (a heading and the first line of its text in one PDF block)."""
    size, before = _row_size(row), _row_size(previous)
    return size is not None and before is not None and abs(size - before) > SIZE_CHANGE * max(size, before)


def _segments(block: Block, page: Page) -> list[Block]:
    """A text-layer block cut where a list item starts, the type size changes, or a blank separates two
    paragraphs; the first piece keeps the block's kind (a heading stays one)."""
    if block.kind not in ("paragraph", "heading"):
        return [block]
    pieces: list[list[list[Line]]] = []
    previous: list[Line] | None = None
    for row in line_rows(block.lines):
        text = row_text(row)
        starts_item = strip_bullet(text)[0] is not None and block.kind == "paragraph"
        gap = row[0].bbox.y0 - previous[0].bbox.y1 if previous else 0.0
        height = max(1.0, row[0].bbox.height)
        broken = previous is not None and (
            (gap > PARAGRAPH_GAP * height and ends_sentence(row_text(previous))) or _resized(row, previous))
        if not pieces or starts_item or broken:
            pieces.append([row])
        else:
            pieces[-1].append(row)
        previous = row
    if len(pieces) == 1:
        return [block]
    first = _new_block(block.kind, [line for row in pieces[0] for line in row], page, block.heading_level)
    return [first] + [_new_block("paragraph", [line for row in rows for line in row], page) for rows in pieces[1:]]


def _furniture_key(text: str) -> str:
    return re.sub(r"\d+", "#", "".join(text.lower().split()))


def mark_furniture(pages: Sequence[PageSketch]) -> None:
    """Running headers and footers: text in the top or bottom band repeated across pages (page numbers
    varying), and lone page numbers there (a lone number on a single page may be an amount)."""
    def band(page: PageSketch, block: BlockSketch) -> str | None:
        if block.bbox.y1 <= FURNITURE_BAND * page.height_px:
            return "page_header"
        if block.bbox.y0 >= (1 - FURNITURE_BAND) * page.height_px:
            return "page_footer"
        return None

    seen: dict[str, set[int]] = defaultdict(set)
    for page in pages:
        for block in page.blocks:
            if band(page, block):
                seen[_furniture_key(block_text(block))].add(page.index)
    needed = max(MIN_REPEATS, round(REPEAT_SHARE * len(pages)))
    for page in pages:
        for block in page.blocks:
            where = band(page, block)
            if where is None or block.kind in ("table", "figure"):
                continue
            text = block_text(block)
            if (PAGE_NUMBER.match(text) and len(pages) > 1) or len(seen[_furniture_key(text)]) >= needed:
                block.kind = where
                block.heading_level = None


def _fold(text: str) -> str:
    return re.sub(r"\W+", "", text.lower())


def apply_outline(pages: Sequence[PageSketch], outline: Sequence[OutlineEntry]) -> None:
    """Bookmarked titles are headings at their outline level, whatever their font says."""
    by_page: dict[int, list[OutlineEntry]] = defaultdict(list)
    for entry in outline:
        by_page[entry.page].append(entry)
    for page in pages:
        for entry in by_page.get(page.index, []):
            title = _fold(entry.title)
            if not title:
                continue
            for block in page.blocks:
                text = _fold(block_text(block))
                if block.kind not in FURNITURE and text and (text.startswith(title) or title.startswith(text)) \
                        and len(text) <= 2 * len(title):
                    block.kind, block.heading_level = "heading", min(6, entry.level)
                    break


def _is_margin_cell(block: BlockSketch, text: str, beside: BlockSketch | None) -> bool:
    """A short cell printed beside the paragraph in progress (a grade, a number), not a short line of it."""
    if len(text) > MARGIN_CELL_CHARS or len(text.split()) > 2 or block.kind != "paragraph":
        return False
    return beside is None or block.bbox.x1 <= beside.bbox.x0 or block.bbox.x0 >= beside.bbox.x1


def _continues(text: str, before: str) -> bool:
    """Whether a block's text reads as the middle of the sentence before it ('en charge initiale…',
    '(grade AE) :', or anything after '… en lien avec un')."""
    first = text[:1]
    return first.islower() or first in "(«[" or (first.isdigit() and numbering_depth(text) is None) \
        or ends_mid_sentence(before)


def link_paragraphs(pages: Sequence[PageSketch]) -> None:
    """Kinds (list item, caption) and paragraph indices: a block continues the paragraph before it
    (across a column, a page, or a cell printed beside it) when that one did not end a sentence and
    this one reads as its middle. A one-block 'heading' so continued was the bold first line of a
    paragraph and becomes one."""
    number = 0
    current: BlockSketch | None = None
    for page in pages:
        for block in page.blocks:
            if block.kind in FURNITURE or block.kind in ("table", "figure"):
                continue
            text = block_text(block)
            glyph, _ = strip_bullet(text)
            if block.kind == "heading":
                current = block
            elif CAPTION.match(text):
                block.kind, current = "caption", None
            elif glyph is None and _is_margin_cell(block, text, current):
                pass
            else:
                before = block_text(current) if current is not None else ""
                if glyph is None and current is not None and _continues(text, before) and not ends_sentence(
                        before) and not _resized(block.lines[0:1], current.lines[-1:]):
                    if current.kind == "heading":
                        current.kind, current.heading_level = "paragraph", None
                    block.kind, block.paragraph = current.kind, current.paragraph
                    current = block
                    continue
                block.kind = "list_item" if glyph is not None else "paragraph"
                current = block
            block.paragraph = number
            number += 1


def _title_continues(previous: BlockSketch, block: BlockSketch) -> bool:
    """A heading printed over two blocks: same level, same type size, the second right below the first."""
    if previous.kind != "heading" or previous.heading_level != block.heading_level:
        return False
    sizes = [line.font_size for line in (previous.lines[-1], block.lines[0])]
    same_size = None in sizes or abs(sizes[0] - sizes[1]) < 0.5
    return same_size and 0 <= block.bbox.y0 - previous.bbox.y1 < 1.2 * previous.lines[-1].bbox.height


def _size_key(block: BlockSketch) -> float | None:
    size = block.lines[0].font_size if block.lines else None
    return round(size * 2) / 2 if size else None


def level_by_size(pages: Sequence[PageSketch]) -> None:
    """Unnumbered headings take the level of the numbered headings printed in the same size, so that one
    document's levels agree from page to page ('Préambule' set like '1. Antalgie' is level 1)."""
    votes: dict[float, Counter[int]] = defaultdict(Counter)
    headings = [block for page in pages for block in page.blocks if block.kind == "heading" and block.heading_level]
    for block in headings:
        depth, size = numbering_depth(block_text(block)), _size_key(block)
        if depth is not None and size is not None:
            votes[size][depth] += 1
    for block in headings:
        size = _size_key(block)
        if numbering_depth(block_text(block)) is None and size in votes:
            block.heading_level = votes[size].most_common(1)[0][0]


def assign_sections(pages: Sequence[PageSketch]) -> None:
    """The section tree: every block gets the path of headings above it; consecutive headings of one
    level (a title printed over several blocks) are one heading."""
    stack: list[tuple[int, str]] = []
    previous: BlockSketch | None = None
    previous_page: PageSketch | None = None
    for page in pages:
        for block in page.blocks:
            if block.kind in FURNITURE:
                continue
            if block.kind == "heading" and block.heading_level:
                text = block_text(block)
                level = numbering_depth(text) or block.heading_level
                numbered = [depth for depth, title in stack if numbering_depth(title) is not None]
                if strip_bullet(text)[0] is not None and numbered:
                    level = min(6, max(level, numbered[-1] + 1))  # '► Kétamine' under '1.1.3 Co-antalgie'
                block.heading_level = level
                if previous is not None and previous_page is page and _title_continues(previous, block) \
                        and stack and stack[-1][0] == level and numbering_depth(text) is None \
                        and numbering_depth(stack[-1][1]) is None and strip_bullet(text)[0] is None:
                    stack[-1] = (level, f"{stack[-1][1]} {text}")
                    block.paragraph = previous.paragraph
                    block.section = list(previous.section)
                    previous, previous_page = block, page
                    continue
                while stack and stack[-1][0] >= level:
                    stack.pop()
                block.section = [title for _, title in stack]
                stack.append((level, text))
            else:
                block.section = [title for _, title in stack]
            previous, previous_page = block, page


def cut_blocks(page: Page) -> Page:
    """The part of the structure a page settles alone (in place, returned): text-layer blocks re-cut at list
    items and paragraph breaks, blocks numbered in reading order."""
    if page.text_source == "text-layer":
        page.blocks = [piece for block in page.blocks for piece in _segments(block, page)]
    for order, block in enumerate(page.blocks):
        block.order = order
    return page


def annotate_sketches(pages: Sequence[PageSketch], outline: Sequence[OutlineEntry] = ()) -> None:
    """The cross-page part, on the pages' sketches (in place): running headers and footers, bookmarked
    headings, paragraphs across breaks, heading levels, sections."""
    mark_furniture(pages)
    apply_outline(pages, outline)
    link_paragraphs(pages)
    level_by_size(pages)
    assign_sections(pages)


def paragraphs(document: Document) -> list[list[tuple[Page, Block]]]:
    """Logical paragraphs in reading order, each as its blocks with their pages."""
    return paragraph_groups(document.pages)


def paragraph_groups(pages: Sequence[Page] | Sequence[PageSketch]) -> list[list[tuple]]:
    """``paragraphs`` of pages or of their sketches."""
    groups: dict[int, list[tuple]] = {}
    for page in pages:
        for block in page.blocks:
            if block.paragraph is not None:
                groups.setdefault(block.paragraph, []).append((page, block))
    return [groups[key] for key in sorted(groups)]


def paragraph_text(blocks: Sequence[tuple[Page, Block]]) -> str:
    return join_lines([row_text(row) for _, block in blocks for row in line_rows(block.lines)])

"""A page's outline for the cross-page structure stages: its blocks and lines without words, drawings or tables.

Running headers, paragraphs continued on the next page and heading levels are decided on the whole document;
a sketch holds what those decisions read (line texts, boxes and type sizes; block kinds, levels, paragraphs,
sections), about a twentieth of a page's memory, so that a long document's pages need not stay in memory
until it is read (``socratext_llm.streaming``). The decisions are copied back onto the page with
``apply_structure``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..document import Block, BlockKind, Extent, Page


@dataclass(slots=True)
class SketchBox(Extent):
    """The coordinates of a ``BBox``, with the properties the structure stages read."""

    x0: float
    y0: float
    x1: float
    y1: float


@dataclass(slots=True)
class LineSketch:
    text: str
    bbox: SketchBox
    font_size: float | None


@dataclass(slots=True)
class BlockSketch:
    kind: BlockKind
    heading_level: int | None
    bbox: SketchBox
    order: int
    lines: list[LineSketch]
    section: list[str] = field(default_factory=list)
    paragraph: int | None = None


@dataclass(slots=True)
class PageSketch:
    index: int
    width_px: int
    height_px: int
    blocks: list[BlockSketch]

    @property
    def text(self) -> str:
        """As ``Page.text``."""
        return "\n".join(line.text for block in self.blocks for line in block.lines)


def _box(box) -> SketchBox:
    return SketchBox(box.x0, box.y0, box.x1, box.y1)


def sketch_block(block: Block) -> BlockSketch:
    return BlockSketch(block.kind, block.heading_level, _box(block.bbox), block.order,
                       [LineSketch(line.text, _box(line.bbox), line.font_size) for line in block.lines],
                       list(block.section), block.paragraph)


def sketch_page(page: Page) -> PageSketch:
    return PageSketch(page.index, page.width_px, page.height_px, [sketch_block(block) for block in page.blocks])


def apply_structure(page: Page, sketch: PageSketch) -> Page:
    """The structure decided on the sketch (kinds, heading levels, paragraphs, sections), onto its page."""
    for block, decided in zip(page.blocks, sketch.blocks, strict=True):
        block.kind, block.heading_level = decided.kind, decided.heading_level
        block.section, block.paragraph = list(decided.section), decided.paragraph
    return page

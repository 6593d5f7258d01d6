"""Finding labels and values in a document's lines, tolerant to case, accents and OCR spacing."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from ..document import BBox, Document, Line


def fold(text: str) -> str:
    """Lower case without accents, one character for one: offsets in the folded text are offsets in the text."""
    return "".join((unicodedata.normalize("NFD", c)[0] if c.strip() else " ").lower() for c in text)


@lru_cache(maxsize=2048)
def label_pattern(label: str) -> re.Pattern[str]:
    """A label as a whole-word pattern over folded text; its words may be glued or split by punctuation."""
    words = re.findall(r"\w+|[^\w\s]", fold(label))
    body = r"[\s.:_\-]*".join(re.escape(word) for word in words)
    return re.compile(rf"(?<![a-z0-9]){body}(?![a-z0-9])")


@dataclass
class PlacedLine:
    """A line with its page and its position in the document's reading order."""

    position: int
    page: int
    line: Line
    folded: str
    line_count: int = 1  # printed lines in it (a form's piece of text joined from several: ``form_links``)

    @property
    def text(self) -> str:
        return self.line.text

    @property
    def bbox(self) -> BBox:
        return self.line.bbox


def placed_lines(document: Document) -> list[PlacedLine]:
    lines = []
    for page in document.pages:
        for line in page.lines:
            lines.append(PlacedLine(len(lines), page.index, line, fold(line.text)))
    return lines


def find_label(placed: PlacedLine, labels: list[str]) -> tuple[int, int] | None:
    """Span of the first of the labels found in the line (labels are tried in order), else None."""
    for label in labels:
        match = label_pattern(label).search(placed.folded)
        if match:
            return match.span()
    return None


def contains_any(placed: PlacedLine, labels: list[str]) -> bool:
    return any(label_pattern(label).search(placed.folded) for label in labels)


def span_box(line: Line, start: int, end: int) -> tuple[BBox, float]:
    """Box and lowest confidence of the words covering characters start..end of the line's text."""
    covered = []
    cursor = 0
    for word in line.words:
        position = line.text.find(word.text, cursor)
        if position < 0:
            break
        cursor = position + len(word.text)
        if position < end and cursor > start:
            covered.append(word)
    if not covered:
        return line.bbox, line.confidence
    return BBox.enclosing([w.bbox for w in covered]), min(w.confidence for w in covered)


def right_neighbours(lines: list[PlacedLine], anchor: PlacedLine, count: int = 3) -> list[PlacedLine]:
    """Up to count lines on the same row to the right of the anchor, nearest first (a receipt prints
    'TOTAL | RM | 14.10' as three pieces)."""
    box = anchor.bbox
    found = []
    for other in lines:
        if other.page != anchor.page or other is anchor:
            continue
        shared = min(box.y1, other.bbox.y1) - max(box.y0, other.bbox.y0)
        gap = other.bbox.x0 - box.x1
        if shared > 0.5 * min(box.height, other.bbox.height) and gap > -0.2 * box.height:
            found.append((gap, other))
    return [line for _, line in sorted(found, key=lambda item: item[0])[:count]]


def lines_below(lines: list[PlacedLine], anchor: PlacedLine, count: int = 2) -> list[PlacedLine]:
    """Up to count lines just below the anchor that overlap it horizontally, nearest first."""
    box = anchor.bbox
    below = []
    for other in lines:
        if other.page != anchor.page or other is anchor:
            continue
        gap = other.bbox.y0 - box.y1
        overlap = min(box.x1, other.bbox.x1) - max(box.x0, other.bbox.x0)
        if -0.3 * box.height < gap < 2.5 * max(box.height, 1.0) and overlap > 0:
            below.append((gap, other))
    return [line for _, line in sorted(below, key=lambda item: item[0])[:count]]

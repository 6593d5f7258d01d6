"""Headings of born-digital pages: level from numbering, font size and weight."""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .reading_order import LineGroup

NUMBERING = re.compile(
    r"^\s*(?:(?P<decimal>\d{1,2}(?:\.\d{1,2}){0,4})\.?|(?P<roman>[IVXLC]{1,6})\.|(?P<letter>[A-H])[.)])\s+\S")
MAX_HEADING_WORDS = 20


def numbering_depth(text: str) -> int | None:
    """Heading depth from its numbering: '1.' → 1, '1.2' → 2, 'II.' → 1, 'B)' → 2."""
    match = NUMBERING.match(text)
    if not match:
        return None
    if match["decimal"]:
        return min(6, match["decimal"].count(".") + 1)
    return 1 if match["roman"] else 2


def body_font_size(groups: Sequence[LineGroup]) -> float | None:
    """The font size carrying the most characters on the page."""
    sizes: Counter[float] = Counter()
    for group in groups:
        if group.font_size:
            sizes[round(group.font_size, 1)] += sum(len(line.text) for line in group.lines)
    return sizes.most_common(1)[0][0] if sizes else None


def heading_level(group: LineGroup, body_size: float | None) -> int | None:
    """Level of a text-layer block that looks like a heading, else None."""
    if body_size is None or group.font_size is None:
        return None
    text = " ".join(line.text for line in group.lines)
    if len(text.split()) > MAX_HEADING_WORDS or len(group.lines) > 3 or text.rstrip().endswith((",", ";")):
        return None
    if sum(char.isalpha() for char in text) < 3:
        return None  # page numbers, footnote marks, a grade printed in its own cell ('AE')
    ratio = group.font_size / body_size
    depth = numbering_depth(text)
    if ratio >= 1.15 or (group.bold and ratio >= 0.95 and (depth is not None or len(group.lines) == 1)):
        if depth is not None:
            return depth
        if ratio >= 1.6:
            return 1
        if ratio >= 1.3:
            return 2
        return 3
    return None

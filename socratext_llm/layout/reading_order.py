"""Reading order: lines into blocks, blocks into reading order.

Reading order is a recursive XY-cut: a page is split at horizontal white bands
first (rows, full-width titles), then at vertical ones (columns), so a
two-column report reads column by column while a form reads row by row.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..document import BBox, Block, Line
from .headings import body_font_size, heading_level


@dataclass
class LineGroup:
    """Lines believed to form one block, with the font facts a text layer gives."""

    lines: list[Line]
    font_size: float | None = None
    bold: bool = False

    @property
    def bbox(self) -> BBox:
        return BBox.enclosing([line.bbox for line in self.lines])


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return min(a1, b1) - max(a0, b0)


def group_lines(lines: Sequence[Line]) -> list[LineGroup]:
    """Blocks from OCR lines: a line joins the block above when close below it and overlapping in x."""
    groups: list[LineGroup] = []
    for line in sorted(lines, key=lambda item: (item.bbox.y0, item.bbox.x0)):
        height = max(1.0, line.bbox.height)
        home = None
        for group in reversed(groups[-12:]):
            last = group.lines[-1].bbox
            gap = line.bbox.y0 - last.y1
            similar = 0.6 < height / max(1.0, last.height) < 1.6
            if -0.5 * height < gap < 0.8 * height and similar and \
                    _overlap(line.bbox.x0, line.bbox.x1, last.x0, last.x1) > 0:
                home = group
                break
        if home is None:
            groups.append(LineGroup([line]))
        else:
            home.lines.append(line)
    return groups


def _split(groups: list[LineGroup], axis: int) -> list[list[LineGroup]]:
    """Cut where no group spans the gap along an axis (0: x, 1: y)."""
    def start(group: LineGroup) -> float:
        box = group.bbox
        return box.x0 if axis == 0 else box.y0

    def end(group: LineGroup) -> float:
        box = group.bbox
        return box.x1 if axis == 0 else box.y1

    ordered = sorted(groups, key=start)
    parts: list[list[LineGroup]] = [[ordered[0]]]
    reach = end(ordered[0])
    for group in ordered[1:]:
        if start(group) >= reach:
            parts.append([group])
        else:
            parts[-1].append(group)
        reach = max(reach, end(group))
    return parts


def reading_order(groups: list[LineGroup]) -> list[LineGroup]:
    """Recursive XY-cut over block boxes."""
    if len(groups) <= 1:
        return list(groups)
    for axis in (1, 0):
        parts = _split(groups, axis)
        if len(parts) > 1:
            return [group for part in parts for group in reading_order(part)]
    return sorted(groups, key=lambda g: (g.bbox.y0, g.bbox.x0))


def rows_in_order(lines: Sequence[Line]) -> list[Line]:
    """Lines top to bottom; lines sharing a row (overlapping by half their height) left to right."""
    rows: list[list[Line]] = []
    for line in sorted(lines, key=lambda item: (item.bbox.y0 + item.bbox.y1) / 2):
        if rows:
            last = rows[-1][-1].bbox
            shared = _overlap(line.bbox.y0, line.bbox.y1, last.y0, last.y1)
            if shared > 0.5 * min(line.bbox.height, last.height):
                rows[-1].append(line)
                continue
        rows.append([line])
    return [line for row in rows for line in sorted(row, key=lambda item: item.bbox.x0)]


def build_blocks(groups: list[LineGroup], page_width: float, page_height: float) -> list[Block]:
    """Blocks in reading order, with order indices on blocks, lines and words."""
    body_size = body_font_size(groups)
    blocks: list[Block] = []
    line_order = 0
    word_order = 0
    for block_order, group in enumerate(reading_order(groups)):
        lines = rows_in_order(group.lines)
        for line in lines:
            line.order = line_order
            line_order += 1
            for word in sorted(line.words, key=lambda w: w.bbox.x0):
                word.order = word_order
                word_order += 1
        level = heading_level(group, body_size)
        box = group.bbox
        blocks.append(Block(kind="heading" if level else "paragraph", heading_level=level, bbox=box,
                            bbox_norm=box.normalised(page_width, page_height), order=block_order, lines=lines))
    return blocks

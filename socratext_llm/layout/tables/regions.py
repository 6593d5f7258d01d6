"""Where tables are on a born-digital page: grids of vector rules, and runs of text rows whose
words line up in columns (booktabs rules above and below pull the region out to them)."""
from __future__ import annotations

import statistics

from ...document import BBox, Word
from ..graphics import Rule
from .grid import RULE_TOLERANCE_PX
from .textrows import TextRow, text_rows

MIN_GRID_SIDE_PX = 20.0
MAX_ROW_GAP_EM = 2.2
MAX_HEADER_ROWS_ABOVE = 4
MAX_SECTION_GAP_EM = 4.0
SAME_WIDTH_SHARE = 0.9
MIN_TABULAR_ROWS = 3
WIDE_SEGMENT_SHARE = 0.3  # both pieces of a row this wide: two page columns of prose, not cells


def _touch(a: Rule, b: Rule) -> bool:
    tolerance = RULE_TOLERANCE_PX
    if a.horizontal == b.horizontal:
        return (abs(a.position - b.position) <= tolerance
                and a.start - tolerance <= b.end and b.start - tolerance <= a.end)
    horizontal, vertical = (a, b) if a.horizontal else (b, a)
    return (horizontal.start - tolerance <= vertical.position <= horizontal.end + tolerance
            and vertical.start - tolerance <= horizontal.position <= vertical.end + tolerance)


def _reach(rule: Rule) -> tuple[float, float, float, float]:
    """The box a rule can touch another within: its extent grown by the tolerance."""
    tolerance = RULE_TOLERANCE_PX
    if rule.horizontal:
        return rule.start - tolerance, rule.position - tolerance, rule.end + tolerance, rule.position + tolerance
    return rule.position - tolerance, rule.start - tolerance, rule.position + tolerance, rule.end + tolerance


def _near_pairs(rules: list[Rule]):
    """Pairs of rules whose reach boxes overlap (the only ones that can touch), by a sweep along x
    instead of every pair: a page of ruled forms has thousands of rules."""
    reaches = [_reach(rule) for rule in rules]
    order = sorted(range(len(rules)), key=lambda i: reaches[i][0])
    active: list[int] = []
    for i in order:
        x0, y0, _, y1 = reaches[i]
        active = [j for j in active if reaches[j][2] >= x0]
        for j in active:
            if reaches[j][1] <= y1 and y0 <= reaches[j][3]:
                yield j, i
        active.append(i)


def _box(rules: list[Rule]) -> BBox:
    xs = [v for rule in rules for v in ((rule.start, rule.end) if rule.horizontal else (rule.position,))]
    ys = [v for rule in rules for v in ((rule.position,) if rule.horizontal else (rule.start, rule.end))]
    return BBox(x0=min(xs), y0=min(ys), x1=max(xs), y1=max(ys))


def ruled_regions(rules: list[Rule]) -> list[BBox]:
    """Boxes of connected sets of rules with at least two horizontal and two vertical ones."""
    parent = list(range(len(rules)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in _near_pairs(rules):
        if _touch(rules[i], rules[j]):
            parent[find(i)] = find(j)
    groups: dict[int, list[Rule]] = {}
    for i, rule in enumerate(rules):
        groups.setdefault(find(i), []).append(rule)
    regions = []
    for group in groups.values():
        horizontal = len({round(rule.position) for rule in group if rule.horizontal})
        vertical = len({round(rule.position) for rule in group if not rule.horizontal})
        box = _box(group)
        if horizontal >= 2 and vertical >= 2 and box.width >= MIN_GRID_SIDE_PX and box.height >= MIN_GRID_SIDE_PX:
            regions.append(box)
    return regions


def _tabular(row: TextRow, page_width: float) -> bool:
    if len(row.segments) < 2:
        return False
    return not all(segment.box.width > WIDE_SEGMENT_SHARE * page_width for segment in row.segments)


def _block_box(rows: list[TextRow]) -> BBox:
    return BBox.enclosing([row.box for row in rows])


def _rule_across(rules: list[Rule], box: BBox, above: bool, em: float) -> float | None:
    """The y of a horizontal rule spanning most of ``box`` just above (or below) it."""
    best = None
    for rule in rules:
        if not rule.horizontal or min(rule.end, box.x1) - max(rule.start, box.x0) < 0.7 * box.width:
            continue
        distance = box.y0 - rule.position if above else rule.position - box.y1
        if -0.5 * em <= distance <= 3.5 * em and (best is None or distance < best[0]):
            best = (distance, rule.position)
    return None if best is None else best[1]


def aligned_regions(words: list[Word], free: list[int], rules: list[Rule], page_width: float) -> list[BBox]:
    """Runs of text rows cut in several cells, grown upwards over their header rows."""
    rows = text_rows(words, free, rules)
    if not rows:
        return []
    em = statistics.median(row.height for row in rows)
    regions: list[BBox] = []
    number = 0
    while number < len(rows):
        if not _tabular(rows[number], page_width):
            number += 1
            continue
        start = end = number
        probe = number + 1
        while probe < len(rows) and rows[probe].box.y0 - rows[end].box.y1 <= MAX_ROW_GAP_EM * em:
            if _tabular(rows[probe], page_width):
                end = probe
            elif (probe + 1 >= len(rows) or not _tabular(rows[probe + 1], page_width)
                  or rows[probe].box.width > 0.6 * _block_box(rows[start:end + 1]).width):
                break
            probe += 1
        if end - start + 1 >= MIN_TABULAR_ROWS:
            block = _block_box(rows[start:end + 1])
            for _ in range(MAX_HEADER_ROWS_ABOVE):
                if start == 0 or block.y0 - rows[start - 1].box.y1 > 1.5 * em:
                    break
                above = rows[start - 1]
                inside = above.box.x0 >= block.x0 - em and above.box.x1 <= block.x1 + em
                if not inside or (len(above.segments) < 2 and above.box.x0 <= block.x0 + 0.1 * block.width):
                    break
                start -= 1
                block = block.union(above.box)
            top = _rule_across(rules, block, above=True, em=em)
            bottom = _rule_across(rules, block, above=False, em=em)
            block = BBox(x0=block.x0, y0=min(block.y0, top) if top is not None else block.y0,
                         x1=block.x1, y1=max(block.y1, bottom) if bottom is not None else block.y1)
            regions.append(block)
        number = end + 1
    return _joined_sections(regions, em)


def _joined_sections(regions: list[BBox], em: float) -> list[BBox]:
    """Stacked blocks of the same width a section title apart are one table cut in sections."""
    joined: list[BBox] = []
    for region in regions:
        if joined:
            last = joined[-1]
            overlap = min(last.x1, region.x1) - max(last.x0, region.x0)
            if (0 <= region.y0 - last.y1 <= MAX_SECTION_GAP_EM * em
                    and overlap >= SAME_WIDTH_SHARE * max(last.width, region.width)):
                joined[-1] = last.union(region)
                continue
        joined.append(region)
    return joined

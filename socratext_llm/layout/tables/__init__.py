"""Tables: found on born-digital pages from vector rules and word alignment, on scans by models
(``scanned``); continued tables stitched across pages (``stitch``)."""
from __future__ import annotations

import itertools

from ...document import BBox, DrawnShape, Page, Table
from ..graphics import rules_of
from .grid import build_table
from .regions import aligned_regions, ruled_regions
from .stitch import stitch_tables

MIN_CHART_STROKES = 3


def _inside(word_box: BBox, region: BBox) -> bool:
    x, y = (word_box.x0 + word_box.x1) / 2, (word_box.y0 + word_box.y1) / 2
    return region.x0 - 1 <= x <= region.x1 + 1 and region.y0 - 1 <= y <= region.y1 + 1


def _slanted(shape: DrawnShape) -> bool:
    """A curve, or a line with a segment neither horizontal nor vertical: a chart's, not a table's."""
    if shape.kind == "curve":
        return True
    return any(abs(x1 - x0) > 2 and abs(y1 - y0) > 2 for (x0, y0), (x1, y1) in itertools.pairwise(shape.points))


def _chart(region: BBox, slanted: list[BBox]) -> bool:
    return sum(_inside(box, region) for box in slanted) >= MIN_CHART_STROKES


def born_digital_tables(page: Page) -> list[Table]:
    """Ruled grids first, then aligned text among the words no grid took; regions holding a chart's
    slanted strokes are left out (tick labels and legends line up like cells)."""
    words = page.words
    rules = rules_of(page.drawings)
    slanted = [shape.bbox for shape in page.drawings if shape.kind != "rect" and _slanted(shape)]
    tables: list[Table] = []
    taken: set[int] = set()
    for method, regions in (("ruled", ruled_regions(rules)), ):
        for region in regions:
            if _chart(region, slanted):
                continue
            members = [i for i, word in enumerate(words) if i not in taken and _inside(word.bbox, region)]
            table = build_table(words, members, region, rules, page.index, method)
            if table is not None:
                tables.append(table)
                taken.update(members)
    free = [i for i in range(len(words)) if i not in taken]
    for region in aligned_regions(words, free, rules, page.width_px):
        if _chart(region, slanted):
            continue
        members = [i for i in free if _inside(words[i].bbox, region)]
        table = build_table(words, members, region, rules, page.index, "unruled")
        if table is not None:
            tables.append(table)
            taken.update(members)
    tables.sort(key=lambda table: (table.bbox.y0, table.bbox.x0))
    return tables


__all__ = ["born_digital_tables", "stitch_tables"]

"""A table continued on the next page joins its first part when their columns match and nothing
but running headers and footers stands between the two parts."""
from __future__ import annotations

import itertools
import math

from ...document import Page, Table

COLUMN_MATCH_PX_SHARE = 0.03  # column starts may move this share of the page width between pages
MARGIN_SHARE = 0.1  # running headers and footers live in this share of the page height


def _column_starts(table: Table) -> list[float]:
    starts = []
    for col in range(table.n_cols):
        xs = [cell.bbox.x0 for cell in table.cells if cell.col == col and cell.col_span == 1]
        starts.append(min(xs) if xs else float("nan"))
    return starts


def _matches(first: Table, second: Table, width: float) -> bool:
    if first.n_cols != second.n_cols:
        return False
    pairs = [(a, b) for a, b in zip(_column_starts(first), _column_starts(second), strict=True)
             if not (math.isnan(a) or math.isnan(b))]
    return bool(pairs) and all(abs(a - b) <= COLUMN_MATCH_PX_SHARE * width for a, b in pairs)


def _repeated_header(first: Table, second: Table) -> int:
    """Rows at the top of the continuation that repeat the first part's header."""
    if not first.header_rows or second.header_rows != first.header_rows:
        return 0
    head = [row for row in first.grid()[:first.header_rows]]
    return first.header_rows if second.grid()[:second.header_rows] == head else 0


def stitch_tables(pages: list[Page]) -> None:
    """Join, in place, each page's last table to the next page's first when it continues it."""
    for page, following in itertools.pairwise(pages):
        if not page.tables or not following.tables or following.index != page.index + 1:
            continue
        first = max(page.tables, key=lambda table: table.bbox.y1)
        second = min(following.tables, key=lambda table: table.bbox.y0)
        ends_low = not any(first.bbox.y1 < word.bbox.y0 < (1 - MARGIN_SHARE) * page.height_px for word in page.words)
        starts_high = not any(MARGIN_SHARE * following.height_px < word.bbox.y1 < second.bbox.y0
                              for word in following.words)
        if not (ends_low and starts_high and _matches(first, second, page.width_px)):
            continue
        skip = _repeated_header(first, second)
        offset = first.n_rows - skip
        for cell in second.cells:
            if cell.row >= skip:
                first.cells.append(cell.model_copy(update={"row": cell.row + offset, "header": False}))
        first.n_rows = offset + second.n_rows
        first.pages = sorted({*first.pages, *second.pages})
        following.tables.remove(second)

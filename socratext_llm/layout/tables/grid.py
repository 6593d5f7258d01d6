"""A table region's words as a grid of cells: columns, rows, spans, multi-line cells, header rows.

Columns come from vertical rules when the region has them, else from the vertical gaps that
the multi-cell rows leave free; rows from horizontal rules when every row is ruled, else from
the text rows, a wrapped line joining the cell above it. A cell stretches over the columns it
covers (and, in a ruled grid, over the rules missing beside it).
"""
from __future__ import annotations

import itertools
import re
import statistics
from dataclasses import dataclass, field

import numpy as np

from ...document import BBox, Table, TableCell, Word
from ...extract.normalize import is_missing_mark, parse_table_number
from ..graphics import Rule
from .textrows import Segment, TextRow, text_rows

FULL_RULE_SHARE = 0.4  # a rule crossing this share of the region separates rows or columns everywhere
RULE_TOLERANCE_PX = 3.0
MIN_COLUMN_GAP_EM = 0.5
NUMBER_COLUMN_SHARE = 0.6
MIN_FILLED_SHARE = 0.3
YEAR = re.compile(r"(?:19|20)\d\d")


@dataclass
class _Cell:
    first: int
    last: int
    segments: list[Segment] = field(default_factory=list)

    @property
    def box(self) -> BBox:
        return BBox.enclosing([segment.box for segment in self.segments])


@dataclass
class _Row:
    rows: list[TextRow]
    cells: list[_Cell]

    @property
    def box(self) -> BBox:
        return BBox.enclosing([row.box for row in self.rows])


def _cluster(values: list[float], tolerance: float) -> list[float]:
    clusters: list[list[float]] = []
    for value in sorted(values):
        if clusters and value - clusters[-1][-1] <= tolerance:
            clusters[-1].append(value)
        else:
            clusters.append([value])
    return [statistics.mean(cluster) for cluster in clusters]


def _inside(region: BBox, rule: Rule) -> bool:
    if rule.horizontal:
        return (region.y0 - RULE_TOLERANCE_PX <= rule.position <= region.y1 + RULE_TOLERANCE_PX
                and rule.end > region.x0 and rule.start < region.x1)
    return (region.x0 - RULE_TOLERANCE_PX <= rule.position <= region.x1 + RULE_TOLERANCE_PX
            and rule.end > region.y0 and rule.start < region.y1)


def _rule_present(rules: list[Rule], position: float, along: float) -> bool:
    return any(abs(rule.position - position) <= RULE_TOLERANCE_PX
               and rule.start - RULE_TOLERANCE_PX <= along <= rule.end + RULE_TOLERANCE_PX for rule in rules)


def _gap_separators(rows: list[TextRow], region: BBox, em: float) -> list[float]:
    """Middles of the vertical bands no multi-cell row writes into (a few spanning rows allowed)."""
    multi = [row for row in rows if len(row.segments) >= 2] or rows
    origin = int(region.x0)
    coverage = np.zeros(int(region.x1) - origin + 2, dtype=np.int32)
    for row in multi:
        for segment in row.segments:
            coverage[max(0, int(segment.box.x0) - origin):max(0, int(np.ceil(segment.box.x1)) - origin)] += 1
    allowance = max(0, round(0.1 * len(multi))) if len(multi) >= 5 else 0
    covered = np.nonzero(coverage)[0]
    if len(covered) == 0:
        return []
    free = coverage <= allowance
    separators, start = [], None
    for x in range(covered[0], covered[-1] + 1):
        if free[x] and start is None:
            start = x
        elif not free[x] and start is not None:
            if x - start >= MIN_COLUMN_GAP_EM * em:
                separators.append(origin + (start + x) / 2)
            start = None
    return separators


def _splits_ruled_column(x: float, ruled_x: list[float], rows: list[TextRow], region: BBox, em: float) -> bool:
    """Whether a blank band at ``x`` separates text inside one drawn column (a column the drawing
    left out), rather than lying in the margin beside a drawn rule."""
    if not ruled_x:
        return True
    if any(abs(x - position) <= em for position in ruled_x):
        return False
    left = max([region.x0, *(p for p in ruled_x if p < x)])
    right = min([region.x1, *(p for p in ruled_x if p > x)])
    centres = [(s.box.x0 + s.box.x1) / 2 for row in rows for s in row.segments]
    return any(left < c < x for c in centres) and any(x < c < right for c in centres)


def _without_lone_columns(gaps: list[float], ruled_x: list[float], rows: list[TextRow], region: BBox) -> list[float]:
    """Gap boundaries whose column right of them holds text in two rows at least: a word alone
    past a gap (a header's widely spaced last word) belongs to its left neighbour."""
    if len(rows) < 4:
        return gaps
    kept = list(gaps)
    for gap in sorted(gaps, reverse=True):
        right = min([region.x1 + 1, *(x for x in (*kept, *ruled_x) if x > gap)])
        filled = sum(any(gap < (s.box.x0 + s.box.x1) / 2 < right for s in row.segments) for row in rows)
        if filled < 2:
            kept.remove(gap)
    return kept


def _is_number(text: str) -> bool:
    return parse_table_number(text) is not None


def _horizontal_between(rules: list[Rule], upper: BBox, lower: BBox, region: BBox) -> bool:
    """Whether a rule across most of the region passes between two rows (word boxes of PDF text
    include the line spacing, so rows may overlap the rule: their middles decide)."""
    top, bottom = (upper.y0 + upper.y1) / 2, (lower.y0 + lower.y1) / 2
    return any(top < rule.position < bottom
               and min(rule.end, region.x1) - max(rule.start, region.x0) >= FULL_RULE_SHARE * region.width
               for rule in rules)


def _cells_of(row: TextRow, bounds: list[float], ruled: list[bool], verticals: list[Rule]) -> list[_Cell]:
    """Segments of a row as cells over the column ranges they cover; segments in one slot are one cell.

    ``ruled[k]`` says the boundary ``bounds[k]`` is drawn: where its rule is missing beside a
    cell, the cell spans over it (merged cells of a ruled grid).
    """
    cells: list[_Cell] = []
    columns = len(bounds) - 1
    for segment in row.segments:
        first = next((j for j in range(columns) if bounds[j + 1] > segment.box.x0 + 1), columns - 1)
        last = max(first, next((j for j in range(columns - 1, -1, -1) if bounds[j] < segment.box.x1 - 1), first))
        if cells and first <= cells[-1].last:
            cells[-1].last = max(cells[-1].last, last)
            cells[-1].segments.append(segment)
        else:
            cells.append(_Cell(first, last, [segment]))
    middle = (row.box.y0 + row.box.y1) / 2
    taken = {j for cell in cells for j in range(cell.first, cell.last + 1)}

    def open_boundary(k: int) -> bool:
        return ruled[k] and not _rule_present(verticals, bounds[k], middle)

    for cell in cells:
        while cell.first > 0 and cell.first - 1 not in taken and open_boundary(cell.first):
            cell.first -= 1
            taken.add(cell.first)
        while cell.last < columns - 1 and cell.last + 1 not in taken and open_boundary(cell.last + 1):
            cell.last += 1
            taken.add(cell.last)
    return cells


def _continues(upper: _Row, lower: _Row, em: float, in_header: bool) -> bool:
    """Whether the lower text row is the wrapped second line of cells of the upper one: it fills
    fewer cells of the upper row's, or any of them above the first numbers (a header's second line)."""
    if lower.rows[0].box.y0 - upper.box.y1 > 0.6 * em:
        return False
    if any(_is_number(segment.text) for cell in lower.cells for segment in cell.segments):
        return False
    upper_columns = {cell.first for cell in upper.cells}
    lower_columns = {cell.first for cell in lower.cells}
    if not lower_columns <= upper_columns:
        return False
    return len(lower_columns) < len(upper_columns) or in_header


def build_table(words: list[Word], indices: list[int], region: BBox, rules: list[Rule], page: int,
                method: str, gap_columns: bool = True) -> Table | None:
    """The table printed in ``region``, or None when its words do not form two rows and two columns.
    Without ``gap_columns`` the vertical rules alone make the columns (a header gave them)."""
    if not indices:
        return None
    region_rules = [rule for rule in rules if _inside(region, rule)]
    rows = text_rows(words, indices, region_rules)
    em = statistics.median(row.height for row in rows)
    verticals = [rule for rule in region_rules if not rule.horizontal
                 and min(rule.end, region.y1) - max(rule.start, region.y0) >= 0.3 * region.height]
    horizontals = [rule for rule in region_rules if rule.horizontal]
    inner_x = [x for x in _cluster([rule.position for rule in verticals], RULE_TOLERANCE_PX)
               if region.x0 + RULE_TOLERANCE_PX < x < region.x1 - RULE_TOLERANCE_PX]
    gaps = [x for x in _gap_separators(rows, region, em) if _splits_ruled_column(x, inner_x, rows, region, em)] \
        if gap_columns else []
    gaps = _without_lone_columns(gaps, inner_x, rows, region)
    separators = sorted([(x, True) for x in inner_x] + [(x, False) for x in gaps])
    bounds = [min(region.x0, *(row.box.x0 for row in rows)), *(x for x, _ in separators),
              max(region.x1, *(row.box.x1 for row in rows))]
    ruled = [False, *(drawn for _, drawn in separators), False]
    all_verticals = [rule for rule in region_rules if not rule.horizontal]
    grid_rows = [_Row([row], _cells_of(row, bounds, ruled, all_verticals)) for row in rows]
    ruled_pairs = sum(_horizontal_between(horizontals, upper.box, lower.box, region)
                      for upper, lower in itertools.pairwise(rows))
    ruled_rows = len(rows) > 1 and ruled_pairs >= 0.5 * (len(rows) - 1)  # every row ruled: a band is one row
    numbers_seen = False
    merged: list[_Row] = []
    for row in grid_rows:
        in_header = not numbers_seen
        numbers_seen = numbers_seen or any(_is_number(s.text) for c in row.cells for s in c.segments)
        if (merged and not _horizontal_between(horizontals, merged[-1].box, row.box, region)
                and (ruled_rows or _continues(merged[-1], row, em, in_header))):
            _absorb(merged[-1], row)
            continue
        merged.append(row)
    used = sorted({j for row in merged for cell in row.cells for j in range(cell.first, cell.last + 1)})
    starts = sorted({cell.first for row in merged for cell in row.cells})
    multi_cell_rows = sum(len(row.cells) >= 2 for row in merged)
    filled = sum(cell.last - cell.first + 1 for row in merged for cell in row.cells)
    min_rows = 1 if method == "ruled" and len(inner_x) >= 2 else 2  # a row of three boxes or more (IBAN) is a grid too
    if (len(merged) < min_rows or len(starts) < 2 or multi_cell_rows < min_rows
            or filled < MIN_FILLED_SHARE * len(merged) * len(used)):
        return None  # a chart's axes, a framed paragraph: no grid of values
    renumber = {old: new for new, old in enumerate(used)}
    return _table(words, merged, renumber, page, method)


def _absorb(upper: _Row, lower: _Row) -> None:
    upper.rows.extend(lower.rows)
    for cell in lower.cells:
        target = next((c for c in upper.cells if c.first <= cell.first <= c.last or cell.first <= c.first <= cell.last),
                      None)
        if target is None:
            upper.cells.append(cell)
            upper.cells.sort(key=lambda c: c.first)
        else:
            target.segments.extend(cell.segments)
            target.first, target.last = min(target.first, cell.first), max(target.last, cell.last)


def cell_text(words: list[Word], indices: list[int]) -> str:
    """A cell's words as text: lines top to bottom (words whose middles are close), each left to right."""
    lines: list[list[int]] = []
    for index in sorted(indices, key=lambda i: (words[i].bbox.y0 + words[i].bbox.y1) / 2):
        box = words[index].bbox
        middle = (box.y0 + box.y1) / 2
        if lines:
            last = words[lines[-1][0]].bbox
            if abs(middle - (last.y0 + last.y1) / 2) < 0.5 * max(1.0, box.height, last.height):
                lines[-1].append(index)
                continue
        lines.append([index])
    return "\n".join(" ".join(words[i].text for i in sorted(line, key=lambda i: words[i].bbox.x0)) for line in lines)


def _table(words: list[Word], rows: list[_Row], renumber: dict[int, int], page: int, method: str) -> Table:
    n_cols = len(renumber)
    cells: list[TableCell] = []
    for number, row in enumerate(rows):
        for cell in row.cells:
            indices = [i for segment in cell.segments for i in segment.words]
            text = cell_text(words, indices)
            first, last = renumber[cell.first], renumber[cell.last]
            cells.append(TableCell(row=number, col=first, col_span=last - first + 1, text=text,
                                   value=parse_table_number(text), bbox=cell.box, page=page, words=sorted(indices)))
    types = column_types(cells, n_cols)
    header_rows = _header_rows(cells, types, len(rows))
    for cell in cells:
        cell.header = cell.row < header_rows
    box = BBox.enclosing([cell.bbox for cell in cells])
    return Table(page=page, pages=[page], bbox=box, n_rows=len(rows), n_cols=n_cols, header_rows=header_rows,
                 method=method, column_types=types, cells=cells)


def column_types(cells: list[TableCell], n_cols: int) -> list[str]:
    """'number' where most non-blank single-column cells print numbers (or '-', 'n.s.'), else 'text'."""
    types = []
    for col in range(n_cols):
        texts = [cell for cell in cells if cell.col == col and cell.col_span == 1 and cell.text.strip()]
        numbers = sum(cell.value is not None for cell in texts)
        blanks = sum(is_missing_mark(cell.text) for cell in texts)
        if not texts:
            types.append("empty")
        elif (numbers or blanks) and (numbers + blanks) >= NUMBER_COLUMN_SHARE * len(texts):
            types.append("number")
        else:
            types.append("text")
    return types


def _is_year_heading(cells: list[TableCell]) -> bool:
    """A row of years ('2023', '2024') over number columns, its first column blank: a header row."""
    values = [cell for cell in cells if cell.value is not None]
    return (bool(values) and not any(cell.col == 0 for cell in cells)
            and all(YEAR.fullmatch(cell.text.strip()) for cell in values))


def _header_rows(cells: list[TableCell], types: list[str], n_rows: int) -> int:
    """Rows above the first one printing a value ('12', '-', 'n.s.') in a number column beyond the
    first (rows of years excepted); one row when no column holds numbers."""
    value_rows = sorted({cell.row for cell in cells if cell.col > 0 and types[cell.col] == "number"
                         and (cell.value is not None or is_missing_mark(cell.text))})
    if not value_rows:
        return 1 if n_rows > 2 else 0
    first = value_rows[0]
    while first in value_rows and _is_year_heading([cell for cell in cells if cell.row == first]):
        first += 1
    return min(first, n_rows - 1)

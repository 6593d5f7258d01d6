"""Graded statements of a HAS recommendation, read from the document structure by rules.

A statement is one sentence, or a lead-in with the bullets that only complete it; bullets that carry
their own grade or are whole prescriptive clauses are statements of their own. A sentence counts when
it carries a grade (inline, a grade cell beside it, a graded heading) or prescribes ('est recommandé',
'il faut', 'doit', 'peut être proposé', 'est contre-indiqué'); descriptive sentences, grade legends,
footnotes and front matter do not. The phrasing rules live in ``has/phrasing.py``.
"""
from __future__ import annotations

import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..document import BBox, Block, Document, Page
from ..layout.structure import block_text, line_rows, paragraphs, row_text
from ..layout.text_flow import join_lines_with_offsets, split_sentences, strip_bullet
from .grade_cells import cell_grade, grade_cells
from .metadata import extract_metadata
from .model import Grade, GradeSource, Statement
from .phrasing import condition_and_action, direction, grade_marker, is_legend, is_prescriptive, strip_markers

__all__ = ["extract_metadata", "extract_statements"]

PRINTED_ID = re.compile(r"^\s*(?:(?P<cell>A|B|C|AE)\s+)?(?P<id>R\s?\.?\s?\d{1,3})\b[.:)]?\s*")
SKIPPED_SECTIONS = re.compile(
    r"^\W*(?:\d+\.?\s*)?(?:sommaire|table des mati[eè]res|abr[ée]viations|glossaire|participants|remerciements|"
    r"fiche descriptive|descriptif de la publication|r[ée]f[ée]rences|bibliographie|grade des recommandations|"
    r"m[ée]thode|liste des (?:tableaux|figures))", re.IGNORECASE)
LEADERS = re.compile(r"\.{4,}|…{2,}")
MIN_WORDS = 4  # shorter is a fragment of a table or a chart ('recommandé.')
FOOTNOTE_RATIO = 0.88  # text this much smaller than the body is a footnote
INDENT_TOLERANCE = 10.0  # pixels: a paragraph indented under a numbered recommendation's text belongs to it


@dataclass
class Passage:
    """Running text over printed rows, each row's start offset kept to find a span's page and box."""

    text: str
    rows: list[tuple[int, Page, BBox]]
    kind: str = "paragraph"
    x0: float = 0.0
    items: list[Passage] = field(default_factory=list)

    def evidence(self, start: int, end: int) -> tuple[int, tuple[float, float, float, float]]:
        """1-based page and box in PDF points of the rows a span covers (on its first page)."""
        touched = [row for index, row in enumerate(self.rows)
                   if row[0] < end and (index + 1 == len(self.rows) or self.rows[index + 1][0] > start)]
        touched = touched or self.rows[-1:]
        page = touched[0][1]
        box = BBox.enclosing([bbox for _, row_page, bbox in touched if row_page is page])
        scale = 72.0 / page.dpi
        return page.index + 1, (round(box.x0 * scale, 1), round(box.y0 * scale, 1), round(box.x1 * scale, 1),
                                round(box.y1 * scale, 1))


def _passage(blocks: Sequence[tuple[Page, Block]], kind: str) -> Passage:
    rows = [(page, row) for page, block in blocks for row in line_rows(block.lines)]
    text, starts = join_lines_with_offsets([row_text(row) for _, row in rows])
    boxes = [(start, page, BBox.enclosing([line.bbox for line in row])) for start, (page, row) in zip(starts, rows)]
    return Passage(text=text, rows=boxes, kind=kind, x0=min(block.bbox.x0 for _, block in blocks))


def _body_size(document: Document) -> float | None:
    sizes = [line.font_size for page in document.pages for line in page.lines if line.font_size]
    return statistics.median(sizes) if sizes else None


@dataclass
class Unit:
    """A passage to cut into statements, with what it inherits: printed id, section, grade of a cell or heading."""

    passage: Passage
    section: list[str]
    printed_id: str | None
    grade: Grade | None
    grade_source: GradeSource | None


def _units(document: Document) -> list[Unit]:
    body = _body_size(document)
    cells = grade_cells(document)
    units: list[Unit] = []
    current_id: tuple[str, float] | None = None
    heading_grade: Grade | None = None
    for blocks in paragraphs(document):
        first = blocks[0][1]
        kind = first.kind
        if kind == "heading" and not PRINTED_ID.match(block_text(first)):
            text = " ".join(row_text(row) for _, block in blocks for row in line_rows(block.lines))
            marker = grade_marker(text)
            heading_grade = marker[0] if marker else None
            current_id = None
            continue
        if kind == "caption":
            current_id = None
            continue
        if kind not in ("paragraph", "list_item", "heading") or _skipped(first.section):
            continue
        passage = _passage(blocks, kind)
        text = passage.text
        match = PRINTED_ID.match(text)
        sizes = [line.font_size for _, block in blocks for line in block.lines if line.font_size]
        if not match and body and sizes and statistics.median(sizes) < FOOTNOTE_RATIO * body:
            continue
        if len(text) <= 2 or LEADERS.search(text) or text.startswith("*") or is_legend(text):
            continue
        glyph, rest = strip_bullet(text)
        if glyph is not None:
            passage = _cut_front(passage, len(text) - len(rest))
        if match:
            printed = re.sub(r"\s", "", match["id"])
            printed = printed if "." in printed else printed.replace("R", "R.", 1)
            current_id = (printed, passage.x0)
            if match.end() >= len(text):
                continue  # the number alone in its cell: the text beside it follows
            passage = _cut_front(passage, match.end())
        elif current_id is not None and passage.x0 <= current_id[1] + INDENT_TOLERANCE:
            current_id = None
        cell = match["cell"] if match and match["cell"] else cell_grade(blocks, cells)
        source: GradeSource | None = ("table" if current_id else "margin") if cell else None
        if cell is None and heading_grade:
            cell, source = heading_grade, "heading"
        units.append(Unit(passage, list(first.section), current_id[0] if current_id else None, cell, source))
    return _attach_lists(_share_cell_grades(units))


def _share_cell_grades(units: list[Unit]) -> list[Unit]:
    """A numbered recommendation's grade cell stands level with one of its paragraphs: all of them take it."""
    by_id: dict[str, tuple[Grade, GradeSource]] = {}
    for unit in units:
        if unit.printed_id and unit.grade and unit.grade_source == "table":
            by_id.setdefault(unit.printed_id, (unit.grade, unit.grade_source))
    for unit in units:
        if unit.printed_id in by_id and unit.grade_source != "table":
            unit.grade, unit.grade_source = by_id[unit.printed_id]
    return units


def _skipped(section: Sequence[str]) -> bool:
    return any(SKIPPED_SECTIONS.match(title) for title in section)


def _cut_front(passage: Passage, offset: int) -> Passage:
    rows = [(max(0, start - offset), page, box) for start, page, box in passage.rows]
    return Passage(text=passage.text[offset:], rows=rows, kind=passage.kind, x0=passage.x0)


def _attach_lists(units: list[Unit]) -> list[Unit]:
    """Bullets follow the unit whose text ends with a colon (their lead-in)."""
    attached: list[Unit] = []
    lead: Unit | None = None
    for unit in units:
        if unit.passage.kind == "list_item" and lead is not None and unit.section == lead.section:
            lead.passage.items.append(unit.passage)
            continue
        attached.append(unit)
        lead = unit if unit.passage.text.rstrip().endswith(":") else None
    return attached


def _item_text(item: Passage) -> tuple[str, int]:
    """An item's text without its bullet glyph, and the glyph's length."""
    _, rest = strip_bullet(item.text)
    return rest, len(item.text) - len(rest)


def _statement(passage: Passage, start: int, end: int, unit: Unit, text: str | None = None,
               inherited: tuple[Grade, GradeSource] | None = None) -> Statement | None:
    body = text if text is not None else passage.text[start:end]
    marker = grade_marker(body)
    grade: Grade | None
    source: GradeSource | None
    if marker:
        grade, source = marker[0], "inline"
    elif unit.grade:
        grade, source = unit.grade, unit.grade_source
    elif inherited:
        grade, source = inherited
    else:
        grade, source = None, None
    beside = unit.grade_source in ("table", "margin")  # a statement boxed beside its grade cell
    if not (marker or inherited or beside or unit.printed_id or is_prescriptive(body)):
        return None  # descriptive, even under a graded heading
    if len(body.split()) < MIN_WORDS or is_legend(body):
        return None
    clean = " ".join(body.split())
    page, box = passage.evidence(start, end)
    condition, action = condition_and_action(strip_markers(clean))
    return Statement(id=unit.printed_id, section=unit.section, text=clean, grade=grade, grade_source=source,
                     direction=direction(clean), condition=condition, action=action, page=page, bbox=box)


def _closing_grades(text: str, spans: list[tuple[int, int]]) -> list[tuple[Grade, GradeSource] | None]:
    """For each sentence, the grade of the next marker in the paragraph when that marker closes its sentence."""
    found: list[tuple[Grade, GradeSource] | None] = [None] * len(spans)
    pending: tuple[Grade, GradeSource] | None = None
    for index in range(len(spans) - 1, -1, -1):
        start, end = spans[index]
        marker = grade_marker(text[start:end])
        if marker:
            pending = (marker[0], "inline") if marker[1] else None
        found[index] = pending
    return found


def _unit_statements(unit: Unit) -> list[Statement]:
    passage = unit.passage
    spans = split_sentences(passage.text)
    closing = _closing_grades(passage.text, spans)
    statements: list[Statement] = []
    items = passage.items
    own_items = items and sum(bool(grade_marker(item.text)) or _complete_clause(item) for item in items) * 2 > len(items)
    for index, (start, end) in enumerate(spans):
        last = index == len(spans) - 1
        if last and own_items:
            continue  # the lead-in of bullets that are statements of their own
        if last and items:
            whole = " ".join([passage.text[start:end]] + [_item_text(item)[0] for item in items])
            found = _statement(passage, start, end, unit, text=whole, inherited=closing[index])
        else:
            found = _statement(passage, start, end, unit, inherited=closing[index])
        if found:
            statements.append(found)
    if own_items:
        lead_grade = grade_marker(passage.text)
        for item in items:
            _, glyph = _item_text(item)
            item_unit = Unit(_cut_front(item, glyph), unit.section, unit.printed_id,
                             lead_grade[0] if lead_grade else unit.grade,
                             "inline" if lead_grade else unit.grade_source)
            statements.extend(_unit_statements(item_unit))
    return statements


def _complete_clause(item: Passage) -> bool:
    _, rest = strip_bullet(item.text)
    return rest[:1].isupper() and is_prescriptive(rest)


def extract_statements(document: Document) -> list[Statement]:
    """The statements of a HAS recommendation, in reading order."""
    statements: list[Statement] = []
    for unit in _units(document):
        statements.extend(_unit_statements(unit))
    return statements

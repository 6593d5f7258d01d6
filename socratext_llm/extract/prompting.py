"""Prompts: the document as compact layout-aware text, cut to a token budget, in a Jinja template.

Templates live in prompts/: ``<document type>.j2`` when present, else ``default.j2``.
Undefined variables are errors (StrictUndefined), so a broken template fails loudly.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateNotFound

from ..document import BBox, Document, Line, Page
from .schemas import DocumentType
from .values import field_types

PROJECT_PROMPTS = Path(__file__).resolve().parents[2] / "prompts"
CHARS_PER_TOKEN = 3.5  # French text through common BPE vocabularies


def estimate_tokens(text: str) -> int:
    return int(len(text) / CHARS_PER_TOKEN) + 1


def layout_lines(document: Document) -> list[str]:
    """One line per text line: '[p1 y12 x05] text' (position on a 0-99 grid)."""
    rows = []
    for page in document.pages:
        for line in page.lines:
            rows.append(f"[p{page.index + 1} y{int(line.bbox_norm.y0 // 10):02d} x{int(line.bbox_norm.x0 // 10):02d}] "
                        f"{line.text}")
    return rows


def chunk_document(document: Document, budget_tokens: int) -> list[str]:
    """The layout text in pieces that each fit the token budget, cut between lines."""
    chunks: list[list[str]] = [[]]
    used = 0
    for row in layout_lines(document):
        cost = estimate_tokens(row) + 1
        if chunks[-1] and used + cost > budget_tokens:
            chunks.append([])
            used = 0
        chunks[-1].append(row)
        used += cost
    return ["\n".join(rows) for rows in chunks]


def fence(document_text: str) -> str:
    """Document text that cannot close or reopen the <document> block it is placed in."""
    return re.sub(r"</?\s*document\s*>", "[balise retirée]", document_text, flags=re.IGNORECASE)


TABLE_SEPARATOR = " | "
PAIR_SEPARATOR = "   "
PAIR_MAX_GAP = 0.3  # of the page width: short texts further apart on a row are not kept together
LABEL_MAX_GAP = 0.7  # the same for a label ending with ':' (a value printed at the right margin)
PAIR_MAX_LABEL = 40  # characters: longer text on the left is prose, not a label


@dataclass(frozen=True)
class PromptLine:
    """One numbered line of a prompt: a text line, a label with the value printed on its right, or a table
    row; the model cites its id for each value, and the value is checked against its text."""

    id: int
    page: int
    text: str
    bbox: BBox
    lines: tuple[Line, ...]


def _same_row(left: BBox, right: BBox) -> bool:
    shared = min(left.y1, right.y1) - max(left.y0, right.y0)
    return shared > 0.5 * min(left.height, right.height) and right.x0 > left.x1 - 0.2 * left.height


def _table_rows(page: Page, line_of_word: list[int]) -> list[tuple[int, list[str], BBox, set[int]]]:
    """Each table row of the page: (first line index, cell texts, box, line indexes it covers)."""
    rows = []
    for table in page.tables:
        grid = table.grid()
        for row_index, texts in enumerate(grid):
            cells = [c for c in table.cells if c.row == row_index and c.page == page.index]
            if not cells or not any(t.strip() for t in texts):
                continue
            covered = {line_of_word[w] for c in cells for w in c.words if 0 <= w < len(line_of_word)}
            first = min(covered) if covered else len(line_of_word)
            rows.append((first, texts, BBox.enclosing([c.bbox for c in cells]), covered))
    return rows


def _page_prompt_lines(page: Page, first_id: int) -> list[PromptLine]:
    lines = page.lines
    line_of_word = [index for index, line in enumerate(lines) for _ in line.words]
    rows = _table_rows(page, line_of_word)
    in_table = set().union(*(covered for *_, covered in rows)) if rows else set()
    rows_at: dict[int, list] = {}
    for first, texts, box, covered in rows:
        rows_at.setdefault(first, []).append((texts, box, covered))
    used: set[int] = set()
    found: list[PromptLine] = []

    def add(text: str, box: BBox, members: list[Line]) -> None:
        found.append(PromptLine(first_id + len(found), page.index, text, box, tuple(members)))

    for index, line in enumerate(lines):
        for texts, box, covered in rows_at.pop(index, []):
            add(TABLE_SEPARATOR.join(t.strip() for t in texts), box, [lines[i] for i in sorted(covered)])
        if index in used or index in in_table:
            continue
        members, current = [index], line
        while len(current.text) <= PAIR_MAX_LABEL or current.text.rstrip().endswith(":"):
            reach = (LABEL_MAX_GAP if current.text.rstrip().endswith(":") else PAIR_MAX_GAP) * page.width_px
            right = [(other.bbox.x0 - current.bbox.x1, other_index) for other_index, other in enumerate(lines)
                     if other_index not in used and other_index not in in_table and other_index not in members
                     and _same_row(current.bbox, other.bbox) and other.bbox.x0 - current.bbox.x1 < reach]
            if not right or len(members) == 4:
                break
            members.append(min(right)[1])
            current = lines[members[-1]]
        used.update(members)
        chosen = [lines[i] for i in members]
        add(PAIR_SEPARATOR.join(m.text for m in chosen), BBox.enclosing([m.bbox for m in chosen]), chosen)
    for leftover in rows_at.values():  # rows whose words no line holds (a table found on the image alone)
        for texts, box, covered in leftover:
            add(TABLE_SEPARATOR.join(t.strip() for t in texts), box, [lines[i] for i in sorted(covered)])
    return found


def prompt_lines(document: Document) -> list[PromptLine]:
    """The document as numbered lines in reading order (ids from 1): table rows as rows of cells, a label
    and the value printed on its right on one line."""
    found: list[PromptLine] = []
    for page in document.pages:
        found.extend(_page_prompt_lines(page, len(found) + 1))
    return found


def render_lines(lines: list[PromptLine]) -> str:
    """'[id] text' per line, a page marker where a page starts."""
    rows, page = [], None
    for line in lines:
        if line.page != page:
            page = line.page
            rows.append(f"--- page {page + 1} ---")
        rows.append(f"[{line.id}] {line.text}")
    return "\n".join(rows)


def chunk_prompt_lines(lines: list[PromptLine], budget_tokens: int) -> list[list[PromptLine]]:
    """Numbered lines in pieces that each fit the token budget, cut between lines."""
    chunks: list[list[PromptLine]] = [[]]
    used = 0
    for line in lines:
        cost = estimate_tokens(line.text) + 3
        if chunks[-1] and used + cost > budget_tokens:
            chunks.append([])
            used = 0
        chunks[-1].append(line)
        used += cost
    return chunks


def field_labels(field: dict, count: int = 4) -> list[str]:
    """The first labels a schema gives a field (x-socratext hints): words to look for in the document."""
    labels = field.get("x-socratext", {}).get("labels", [])
    return [label for label in labels if isinstance(label, str)][:count]


class PromptBuilder:
    def __init__(self, folders: list[Path] | None = None):
        self.env = Environment(loader=FileSystemLoader([str(f) for f in (folders or [PROJECT_PROMPTS])]),
                               undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)
        self.env.globals["field_types"] = field_types
        self.env.globals["field_labels"] = field_labels

    def template_for(self, doctype: DocumentType):
        try:
            return self.env.get_template(f"{doctype.name}.j2")
        except TemplateNotFound:
            return self.env.get_template("default.j2")

    def messages(self, doctype: DocumentType, document_text: str, part: int = 1, part_count: int = 1,
                 names: list[str] | None = None, line_ids: bool = False, printed_dates: bool = False) -> list[dict]:
        """The chat messages for one part of a document; ``names`` limits the fields asked, ``line_ids``
        says the text is numbered lines whose id the answer gives for each value, ``printed_dates`` that dates
        are copied as printed rather than written in ISO 8601."""
        fields = [(name, field) for name, field in doctype.fields.items() if names is None or name in names]
        prompt = self.template_for(doctype).render(doctype=doctype, fields=fields, document_text=fence(document_text),
                                                   part=part, part_count=part_count, line_ids=line_ids,
                                                   printed_dates=printed_dates)
        return [{"role": "user", "content": prompt}]


def merge_cited(parts: list[tuple[dict, dict[str, int]]], doctype: DocumentType,
                names: list[str] | None = None) -> tuple[dict, dict[str, int]]:
    """Answers to the parts of a document, each with the line ids its values cite (by JSON pointer), merged
    field by field: a scalar's first non-empty value, lists concatenated without duplicates."""
    merged: dict = {}
    cited: dict[str, int] = {}
    for name, field in doctype.fields.items():
        if names is not None and name not in names:
            continue
        if "array" in field_types(field):
            seen, items = set(), []
            for data, lines in parts:
                for index, item in enumerate(data.get(name) or []):
                    key = repr(item)
                    if key not in seen:
                        seen.add(key)
                        if f"/{name}/{index}" in lines:
                            cited[f"/{name}/{len(items)}"] = lines[f"/{name}/{index}"]
                        items.append(item)
            merged[name] = items
        else:
            found = next(((data[name], lines) for data, lines in parts if data.get(name) not in (None, "")), None)
            merged[name] = found[0] if found else None
            if found and f"/{name}" in found[1]:
                cited[f"/{name}"] = found[1][f"/{name}"]
    return merged, cited


def merge_partial_results(parts: list[dict], doctype: DocumentType) -> dict:
    """Answers to the parts of a document merged field by field (see merge_cited)."""
    return merge_cited([(part, {}) for part in parts], doctype)[0]

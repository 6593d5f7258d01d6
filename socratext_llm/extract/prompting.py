"""Prompts: the document as compact layout-aware text, cut to a token budget, in a Jinja template.

Templates live in prompts/: ``<document type>.j2`` when present, else ``default.j2``.
Undefined variables are errors (StrictUndefined), so a broken template fails loudly.
"""
from __future__ import annotations

import re
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateNotFound

from ..document import Document
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


class PromptBuilder:
    def __init__(self, folders: list[Path] | None = None):
        self.env = Environment(loader=FileSystemLoader([str(f) for f in (folders or [PROJECT_PROMPTS])]),
                               undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)
        self.env.globals["field_types"] = field_types

    def template_for(self, doctype: DocumentType):
        try:
            return self.env.get_template(f"{doctype.name}.j2")
        except TemplateNotFound:
            return self.env.get_template("default.j2")

    def messages(self, doctype: DocumentType, document_text: str, part: int = 1, part_count: int = 1) -> list[dict]:
        prompt = self.template_for(doctype).render(doctype=doctype, fields=list(doctype.fields.items()),
                                                   document_text=fence(document_text), part=part,
                                                   part_count=part_count)
        return [{"role": "user", "content": prompt}]


def merge_partial_results(parts: list[dict], doctype: DocumentType) -> dict:
    """Field by field: the first non-empty value of a scalar, the concatenation of lists (no duplicates)."""
    merged: dict = {}
    for name, field in doctype.fields.items():
        if "array" in field_types(field):
            seen, items = set(), []
            for part in parts:
                for item in part.get(name) or []:
                    key = repr(item)
                    if key not in seen:
                        seen.add(key)
                        items.append(item)
            merged[name] = items
        else:
            merged[name] = next((part[name] for part in parts if part.get(name) not in (None, "")), None)
    return merged

"""The HAS gold files, built from the annotations in `eval/gold/has/anchors.py` and the PDFs.

A person chose each statement's span on the rendered page (page, first words, last words, grade,
printed id) and drew each tree by hand; this module only copies the verbatim text between those
words from the PDF (line-break hyphens joined, bullet glyphs dropped). The repository keeps the
annotations, never the documents' text (copyright HAS); the built files go to an ignored folder.
"""
from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pymupdf

from ..errors import DatasetError
from ..settings import Settings

ANCHORS = Path(__file__).resolve().parents[2] / "eval" / "gold" / "has" / "anchors.py"
# compound words whose hyphen fell at a line end, and footnote calls glued to a word
FIXES = {"résectionanastomose": "résection-anastomose", "sportsanté": "sport-santé", "complications1,": "complications,",
         "ASA > 32 ;": "ASA > 3 ;"}
BULLETS = ("■", "‒", "¼")


def page_text(document: pymupdf.Document, page: int) -> str:
    text = document[page - 1].get_text()
    text = text.replace("\u00ad\n", "").replace("\u00ad", "").replace("\u2019", "'")
    text = re.sub(r"(\w)-\s*\n\s*(\w)", r"\1\2", text)
    return " ".join(text.split())


def clean(text: str) -> str:
    for glyph in BULLETS:
        text = text.replace(glyph, " ")
    for wrong, right in FIXES.items():
        text = text.replace(wrong, right)
    return " ".join(text.split())


class GoldBuilder:
    """What the annotations call: statements, spans, trees, and writing one document's gold."""

    def __init__(self, has_dir: Path, output: Path):
        self.has_dir, self.output = has_dir, output

    def document(self, stem: str) -> pymupdf.Document:
        path = self.has_dir / f"{stem}.pdf"
        if not path.is_file():
            raise DatasetError(f"{path}: the HAS document of the gold is missing")
        return pymupdf.open(path)

    @staticmethod
    def span(document: pymupdf.Document, page: int, start: str, end: str) -> str:
        text = page_text(document, page)
        start, end = start.replace("\u2019", "'"), end.replace("\u2019", "'")
        first = text.find(start)
        last = text.find(end, max(first, 0))
        if first < 0 or last < 0:
            raise DatasetError(f"HAS gold: page {page} no longer holds the span starting {start[:40]!r}",
                               hint="the document changed: update eval/gold/has/anchors.py")
        return text[first:last + len(end)]

    def statements(self, stem: str, rows: list[tuple]) -> list[dict]:
        with self.document(stem) as document:
            return [{"id": row[4] if len(row) > 4 else None, "text": clean(self.span(document, *row[:3])),
                     "grade": row[3], "page": row[0]} for row in rows]

    @staticmethod
    def tree(tree_id: str, title: str, page: int, nodes: dict, edges: list[tuple]) -> dict:
        return {"id": tree_id, "title": title, "source": "vector", "pages": [page],
                "nodes": [{"id": f"{tree_id}.{key}", "text": text, "kind": kind, "page": page}
                          for key, (text, kind) in nodes.items()],
                "edges": [{"source": f"{tree_id}.{a}", "target": f"{tree_id}.{b}", "label": label}
                          for a, b, label in edges]}

    def write(self, stem: str, statements: list[dict], trees: list[dict], scope: dict) -> None:
        gold = {"metadata": {}, "statements": statements, "decision_trees": trees, "x-scope": scope}
        (self.output / f"{stem}.json").write_text(json.dumps(gold, ensure_ascii=False, indent=1) + "\n",
                                                  encoding="utf-8")


def build_has_gold(settings: Settings, output: Path) -> Path:
    """The gold files in ``output``, built from the annotations and the shared HAS PDFs."""
    has_dir = Path(settings.datasets_dir) / "has"
    if not has_dir.is_dir():
        raise DatasetError(f"{has_dir}: the HAS documents are missing")
    spec = importlib.util.spec_from_file_location("has_gold_anchors", ANCHORS)
    anchors = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(anchors)
    output.mkdir(parents=True, exist_ok=True)
    anchors.main(GoldBuilder(has_dir, output))
    return output

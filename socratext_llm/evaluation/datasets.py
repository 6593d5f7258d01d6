"""What the harness evaluates on: each dataset gives items (a document and its gold), and knows
its own OCR (``--ocr-engine gold``) and how to score an OCR reading against its gold text.

Built-in: ``sroie`` (sroie_receipt), ``funsd`` (form_kv, question/answer pairs from the entity links),
``tapuscorpus`` (OCR lines only), and any folder of ``document + <stem>.json`` gold pairs.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image

from ..datasets import dataset_dir
from ..datasets.french_sets import iter_invoices_fr
from ..datasets.funsd import FunsdForm, iter_forms
from ..datasets.icdar2013 import iter_documents as iter_icdar2013
from ..datasets.icdar2013 import read_gold as read_icdar2013
from ..datasets.pubtabnet import iter_samples as iter_pubtabnet
from ..datasets.sroie import Receipt, iter_receipts
from ..datasets.tapuscorpus import read_alto
from ..document import BBox, Document, Table
from ..errors import DatasetError
from ..metrics import TableNode, line_errors, match_words, region_overlap, relation_counts, table_tree_from_html, teds
from ..settings import Settings
from .gold import document_gold_pairs, read_gold


@dataclass(frozen=True)
class EvalItem:
    """One document to evaluate: an id unique in its dataset, the file, and its gold data (None for OCR-only sets)."""

    id: str
    source: str
    gold: dict | None
    schema: str | None = None  # the item's own document type, in sets that mix types (then detection is scored too)


class EvalDataset:
    name = ""
    task = "fields"  # or "ocr": nothing to extract, the reading itself is scored; or "tables"
    schema: str | None = None
    partial_gold = False  # True: a field an item's gold leaves out is unknown (not scored), not absent

    def scores_field(self, item: EvalItem, name: str) -> bool:
        """Whether a top-level field of this item is scored (with partial gold, only those the gold gives)."""
        return not self.partial_gold or (item.gold or {}).get(name) not in (None, "", [])

    def __init__(self, settings: Settings, schema: str | None = None):
        self.settings = settings
        self.schema = schema or self.schema

    def items(self, limit: int | None = None) -> Iterator[EvalItem]:
        raise NotImplementedError

    def gold_document(self, item: EvalItem) -> Document:
        raise DatasetError(f"dataset '{self.name}' ships no OCR of its own",
                           hint="choose an OCR engine (--ocr-engine rapidocr)")

    def ocr_scores(self, item: EvalItem, document: Document) -> dict | None:
        """Counts that add up over documents (edits, matches), or None when there is no gold text."""
        return None

    def table_scores(self, item: EvalItem, document: Document) -> dict | None:
        """Counts that add up over documents (relations, areas) for a 'tables' dataset."""
        return None


def _normalised_lines(image: Path, lines) -> list[tuple[str, BBox]]:
    with Image.open(image) as opened:
        width, height = opened.size
    return [(text, BBox(x0=box[0], y0=box[1], x1=box[2], y1=box[3]).normalised(width, height)) for text, box in lines]


def _normalised_words(document: Document) -> list[tuple[str, BBox]]:
    return [(word.text, word.bbox_norm) for page in document.pages[:1] for word in page.words]


class SroieDataset(EvalDataset):
    name = "sroie"
    schema = "sroie_receipt"

    def _receipt(self, item: EvalItem) -> Receipt:
        image = Path(item.source)
        return Receipt(image, item.gold or {}, dataset_dir(self.settings, "sroie") / "box" / f"{image.stem}.csv")

    def items(self, limit: int | None = None) -> Iterator[EvalItem]:
        for receipt in iter_receipts(self.settings, limit):
            yield EvalItem(receipt.image.stem, str(receipt.image), receipt.gold)

    def gold_document(self, item: EvalItem) -> Document:
        return self._receipt(item).gold_document()

    def ocr_scores(self, item: EvalItem, document: Document) -> dict:
        lines = _normalised_lines(Path(item.source), self._receipt(item).gold_lines())
        return line_errors(lines, _normalised_words(document), ignore_case=True).as_dict()  # gold in capitals


class FunsdDataset(EvalDataset):
    name = "funsd"
    schema = "form_kv"

    def _form(self, item: EvalItem) -> FunsdForm:
        import json
        image = Path(item.source)
        annotation = dataset_dir(self.settings, "funsd") / "annotations" / f"{image.stem}.json"
        return FunsdForm(image, json.loads(annotation.read_text(encoding="utf-8")))

    def items(self, limit: int | None = None) -> Iterator[EvalItem]:
        for form in iter_forms(self.settings, limit):
            yield EvalItem(form.image.stem, str(form.image), {"pairs": form.pairs})

    def gold_document(self, item: EvalItem) -> Document:
        return self._form(item).gold_document()

    def ocr_scores(self, item: EvalItem, document: Document) -> dict:
        gold = [(w.text, BBox(x0=w.box[0], y0=w.box[1], x1=w.box[2], y1=w.box[3])) for w in self._form(item).words]
        predicted = [(word.text, word.bbox) for word in document.pages[0].words]
        match = match_words(gold, predicted)
        return {"words_matched": match.matched, "words_predicted": match.predicted, "words_gold": match.gold}


class TapuscorpusDataset(EvalDataset):
    name = "tapuscorpus"
    task = "ocr"

    def items(self, limit: int | None = None) -> Iterator[EvalItem]:
        folder = dataset_dir(self.settings, "tapuscorpus")
        xml_files = [path for path in sorted(folder.glob("*/*.xml")) if path.with_suffix(".jpg").exists()]
        for path in xml_files[:limit]:
            yield EvalItem(f"{path.parent.name}/{path.stem}", str(path.with_suffix(".jpg")), None)

    def ocr_scores(self, item: EvalItem, document: Document) -> dict:
        lines = [(line.text, line.box) for line in read_alto(Path(item.source).with_suffix(".xml"))
                 if line.kind != "Handwritten"]
        return line_errors(_normalised_lines(Path(item.source), lines), _normalised_words(document)).as_dict()


def table_cell_specs(document: Document) -> list[list[tuple[int, int, int, int, str]]]:
    """Our tables as (first row, last row, first column, last column, text) cells, for scoring."""
    return [[(cell.row, cell.row + cell.row_span - 1, cell.col, cell.col + cell.col_span - 1, cell.text)
             for cell in table.cells] for page in document.pages for table in page.tables]


class Icdar2013Dataset(EvalDataset):
    """Born-digital table regions (area overlap) and structures (adjacency relations with their content)."""

    name = "icdar2013"
    task = "tables"

    def items(self, limit: int | None = None) -> Iterator[EvalItem]:
        for pdf in iter_icdar2013(self.settings, limit):
            yield EvalItem(pdf.stem, str(pdf), None)

    def table_scores(self, item: EvalItem, document: Document) -> dict:
        gold = read_icdar2013(Path(item.source))
        scores = relation_counts([table.cells for table in gold], table_cell_specs(document))
        areas: dict[str, float] = {"area_overlap": 0.0, "area_predicted": 0.0, "area_gold": 0.0}
        for page in document.pages:
            gold_boxes = [region.box_px(page.height_pt, page.dpi) for table in gold for region in table.regions
                          if region.page == page.index]
            for key, value in region_overlap(gold_boxes, [table.bbox for table in page.tables]).items():
                areas[key] += value
        return {**scores, **{key: round(value, 1) for key, value in areas.items()},
                "tables_gold": len(gold), "tables_predicted": sum(len(page.tables) for page in document.pages)}


def table_tree(table: Table) -> TableNode:
    """Our table as TEDS compares it: header rows in <thead>, the others in <tbody>."""
    rows = [TableNode("tr") for _ in range(table.n_rows)]
    for cell in sorted(table.cells, key=lambda c: (c.row, c.col)):
        rows[cell.row].children.append(TableNode("td", cell.col_span, cell.row_span, cell.text))
    root = TableNode("table")
    if table.header_rows:
        root.children.append(TableNode("thead", children=rows[:table.header_rows]))
    root.children.append(TableNode("tbody", children=rows[table.header_rows:]))
    return root


class PubtabnetDataset(EvalDataset):
    """Table images, each one whole table: its structure and contents scored by TEDS against the HTML gold."""

    name = "pubtabnet"
    task = "tables"

    def items(self, limit: int | None = None) -> Iterator[EvalItem]:
        for image, html in iter_pubtabnet(self.settings, limit):
            yield EvalItem(image.stem, str(image), {"html": html})

    def table_scores(self, item: EvalItem, document: Document) -> dict:
        import numpy as np

        from ..layout.tables.scanned import image_table
        page = document.pages[0]
        with Image.open(item.source) as opened:
            image = np.asarray(opened.convert("RGB").resize((page.width_px, page.height_px)))
        table = image_table(image, page.words, BBox(x0=0, y0=0, x1=page.width_px, y1=page.height_px), 0)
        gold = table_tree_from_html(item.gold["html"])
        predicted = table_tree(table) if table is not None else TableNode("table")
        return {"teds_sum": round(teds(gold, predicted), 4), "teds_struct_sum": round(teds(gold, predicted, True), 4),
                "tables_scored": 1}


class FolderDataset(EvalDataset):
    """A user's own annotated set: documents with ``<stem>.json`` gold beside them; the document type
    comes from ``--schema`` or from ``dataset.json`` (``{"schema": "payslip"}``) in the folder."""

    name = "folder"

    def __init__(self, settings: Settings, folder: Path, schema: str | None = None):
        self.folder = Path(folder)
        config = self.folder / "dataset.json"
        if schema is None and config.is_file():
            import json
            schema = json.loads(config.read_text(encoding="utf-8")).get("schema")
        if schema is None:
            raise DatasetError(f"no document type for the folder {self.folder}",
                               hint='pass --schema NAME or write dataset.json with {"schema": NAME} in the folder')
        super().__init__(settings, schema)

    def items(self, limit: int | None = None) -> Iterator[EvalItem]:
        pairs = document_gold_pairs(self.folder)
        if not pairs:
            raise DatasetError(f"no document with a gold JSON beside it in {self.folder}",
                               hint="put <name>.json next to each <name>.pdf|png|jpg")
        for document, gold in pairs[:limit]:
            yield EvalItem(document.name, str(document), read_gold(gold).data)


class SyntheticFrDataset(EvalDataset):
    """The generated French set (`socratext datasets synthetic-fr`): every type and variant, each item
    with its own type; ``synthetic_fr:born_digital`` or ``synthetic_fr:scan`` for one variant."""

    name = "synthetic_fr"
    schema = "auto"

    def __init__(self, settings: Settings, schema: str | None = None, variant: str | None = None):
        super().__init__(settings, schema)
        self.variant = variant

    def folder(self) -> Path:
        for candidate in (Path(self.settings.datasets_dir) / "synthetic_fr", SYNTHETIC_FR_DEFAULT):
            if candidate.is_dir():
                return candidate
        raise DatasetError(f"no synthetic French set in {SYNTHETIC_FR_DEFAULT} or {Path(self.settings.datasets_dir) / 'synthetic_fr'}",
                           hint=f"generate it: socratext datasets synthetic-fr -o {SYNTHETIC_FR_DEFAULT}")

    def items(self, limit: int | None = None) -> Iterator[EvalItem]:
        import json
        root = self.folder()
        configs = sorted(root.glob("*/*/dataset.json"))
        if self.variant:
            configs = [c for c in configs if c.parent.parent.name == self.variant]
        items = []
        for config in configs:
            doctype = json.loads(config.read_text(encoding="utf-8"))["schema"]
            for document, gold in document_gold_pairs(config.parent):
                items.append(EvalItem(f"{config.parent.parent.name}/{doctype}/{document.stem}", str(document),
                                      read_gold(gold).data, doctype))
        yield from items[:limit]


class InvoicesFrDataset(EvalDataset):
    """The invoices of ``invoices_fr`` whose expected fields are known, renamed to the invoice schema's
    (``datasets/french_sets.py``). Each file gives some fields only: only those are scored, as the
    French benchmark does (``bench/french.py``)."""

    name = "invoices_fr"
    schema = "invoice"
    partial_gold = True

    def items(self, limit: int | None = None) -> Iterator[EvalItem]:
        for invoice in list(iter_invoices_fr(self.settings))[:limit]:
            yield EvalItem(invoice.path.name, str(invoice.path), invoice.expected)


SYNTHETIC_FR_DEFAULT = Path("build/synthetic_fr")
BUILT_IN = {cls.name: cls for cls in (SroieDataset, FunsdDataset, TapuscorpusDataset, SyntheticFrDataset,
                                       Icdar2013Dataset, PubtabnetDataset, InvoicesFrDataset)}


@lru_cache(maxsize=4)
def open_dataset(name: str, settings: Settings, schema: str | None = None) -> EvalDataset:
    """A built-in dataset by name, or a folder of documents with gold (a path)."""
    if name in BUILT_IN:
        return BUILT_IN[name](settings, schema)
    if name.startswith(f"{SyntheticFrDataset.name}:"):
        return SyntheticFrDataset(settings, schema, name.split(":", 1)[1])
    if Path(name).is_dir():
        return FolderDataset(settings, Path(name), schema)
    raise DatasetError(f"unknown dataset '{name}'",
                       hint=f"choose {', '.join(BUILT_IN)} or give a folder of documents with <name>.json gold")

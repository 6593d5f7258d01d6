"""SROIE task 3: scanned receipts with the four key fields and line-level OCR boxes."""
from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from ..document import BBox, Document, Line, Page, SourceInfo, Word
from ..ingest import file_sha256
from ..layout import build_blocks, group_lines
from ..ocr.base import split_words
from ..settings import Settings
from . import dataset_dir

FIELDS = ("company", "date", "address", "total")


@dataclass
class Receipt:
    image: Path
    gold: dict[str, str]
    boxes: Path

    def gold_document(self) -> Document:
        """The dataset's own OCR (line boxes and texts) as a Document, to score extraction alone."""
        with Image.open(self.image) as image:
            width, height = image.size
        lines = []
        with self.boxes.open(encoding="utf-8", errors="replace") as stream:
            for row in csv.reader(stream):
                if len(row) < 9:
                    continue
                xs, ys = [float(v) for v in row[0:8:2]], [float(v) for v in row[1:8:2]]
                text = " ".join(",".join(row[8:]).split())
                if not text:
                    continue
                box = (min(xs), min(ys), max(xs), max(ys))
                bbox = BBox(x0=box[0], y0=box[1], x1=box[2], y1=box[3])
                words = [_gold_word(w, width, height) for w in split_words(text, box, 1.0)]
                lines.append(Line(text=text, bbox=bbox, bbox_norm=bbox.normalised(width, height), confidence=1.0,
                                  words=words))
        page = Page(index=0, width_pt=width * 72 / 300, height_pt=height * 72 / 300, width_px=width, height_px=height,
                    dpi=300, text_source="ocr:gold", blocks=build_blocks(group_lines(lines), width, height))
        source = SourceInfo(filename=self.image.name, media_type="image/jpeg", sha256=file_sha256(self.image),
                            page_count=1)
        return Document(source=source, pages=[page])


def _gold_word(word, width: int, height: int) -> Word:
    bbox = BBox(x0=word.box[0], y0=word.box[1], x1=word.box[2], y1=word.box[3])
    return Word(text=word.text, bbox=bbox, bbox_norm=bbox.normalised(width, height), confidence=1.0)


def iter_receipts(settings: Settings, limit: int | None = None) -> Iterator[Receipt]:
    folder = dataset_dir(settings, "sroie")
    for count, key in enumerate(sorted((folder / "key").glob("*.json"))):
        if limit is not None and count >= limit:
            return
        gold = json.loads(key.read_text(encoding="utf-8", errors="replace"))
        yield Receipt(folder / "img" / f"{key.stem}.jpg", {f: gold.get(f, "") for f in FIELDS},
                      folder / "box" / f"{key.stem}.csv")

"""SROIE task 3: scanned receipts with the four key fields and line-level OCR boxes."""
from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..document import Document
from ..settings import Settings
from . import dataset_dir, gold_ocr_document

FIELDS = ("company", "date", "address", "total")


@dataclass
class Receipt:
    image: Path
    gold: dict[str, str]
    boxes: Path

    def gold_lines(self) -> list[tuple[str, tuple[float, float, float, float]]]:
        """The dataset's own OCR: each line's text and box in image pixels."""
        lines = []
        with self.boxes.open(encoding="utf-8", errors="replace") as stream:
            for row in csv.reader(stream):
                if len(row) < 9:
                    continue
                xs, ys = [float(v) for v in row[0:8:2]], [float(v) for v in row[1:8:2]]
                text = " ".join(",".join(row[8:]).split())
                if text:
                    lines.append((text, (min(xs), min(ys), max(xs), max(ys))))
        return lines

    def gold_document(self) -> Document:
        """The dataset's own OCR as a Document, to score extraction alone."""
        return gold_ocr_document(self.image, [(text, box, None) for text, box in self.gold_lines()], "image/jpeg")


def iter_receipts(settings: Settings, limit: int | None = None) -> Iterator[Receipt]:
    folder = dataset_dir(settings, "sroie")
    for count, key in enumerate(sorted((folder / "key").glob("*.json"))):
        if limit is not None and count >= limit:
            return
        gold = json.loads(key.read_text(encoding="utf-8", errors="replace"))
        yield Receipt(folder / "img" / f"{key.stem}.jpg", {f: gold.get(f, "") for f in FIELDS},
                      folder / "box" / f"{key.stem}.csv")

"""FUNSD: scanned forms with word boxes and entity links."""
from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..document import Document
from ..settings import Settings
from . import dataset_dir, gold_ocr_document


@dataclass
class GoldWord:
    text: str
    box: tuple[float, float, float, float]


@dataclass
class FunsdForm:
    image: Path
    annotation: dict

    @property
    def pairs(self) -> list[dict[str, str]]:
        """Question/answer pairs from the entity links, in the form's order: the `form_kv` gold."""
        entities = {entity["id"]: entity for entity in self.annotation["form"]}
        pairs = []
        for entity in self.annotation["form"]:
            if entity["label"] != "question" or not entity["text"].strip():
                continue
            for link in entity.get("linking", []):
                other = entities.get(link[1] if link[0] == entity["id"] else link[0])
                if other and other["label"] == "answer" and other["text"].strip():
                    pairs.append({"key": " ".join(entity["text"].split()), "value": " ".join(other["text"].split())})
        return pairs

    def gold_document(self) -> Document:
        """The dataset's own OCR, one line per entity with its word boxes, to score extraction alone."""
        lines = []
        for entity in self.annotation["form"]:
            words = [(w["text"].strip(), tuple(float(v) for v in w["box"])) for w in entity["words"] if w["text"].strip()]
            if words:
                lines.append((" ".join(text for text, _ in words), tuple(float(v) for v in entity["box"]), words))
        return gold_ocr_document(self.image, lines, "image/png")

    @property
    def words(self) -> list[GoldWord]:
        return [GoldWord(word["text"].strip(), tuple(float(v) for v in word["box"]))
                for entity in self.annotation["form"] for word in entity["words"] if word["text"].strip()]


def iter_forms(settings: Settings, limit: int | None = None) -> Iterator[FunsdForm]:
    folder = dataset_dir(settings, "funsd")
    for count, path in enumerate(sorted((folder / "annotations").glob("*.json"))):
        if limit is not None and count >= limit:
            return
        yield FunsdForm(folder / "images" / f"{path.stem}.png", json.loads(path.read_text(encoding="utf-8")))

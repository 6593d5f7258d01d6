"""FUNSD: scanned forms with word boxes and entity links."""
from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..settings import Settings
from . import dataset_dir


@dataclass
class GoldWord:
    text: str
    box: tuple[float, float, float, float]


@dataclass
class FunsdForm:
    image: Path
    annotation: dict

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

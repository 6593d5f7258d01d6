"""Tapuscorpus: French typewritten pages with ALTO v4 line transcriptions."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..settings import Settings
from . import dataset_dir

ALTO = "{http://www.loc.gov/standards/alto/ns-v4#}"
UNDERLINE_MARK = re.compile(r"(?:(?<=\s)|^)_(?=\S)")


@dataclass
class GoldLine:
    text: str
    box: tuple[int, int, int, int]
    kind: str  # Typewritten, Handwritten, Print


@dataclass
class TapusPage:
    image: Path
    lines: list[GoldLine]


def clean_transcription(text: str) -> str:
    """Drop the corpus's underline marks ('_word'), which no OCR engine outputs, and collapse spaces."""
    return " ".join(UNDERLINE_MARK.sub("", text).split())


def read_alto(path: Path) -> list[GoldLine]:
    root = ET.parse(path).getroot()
    kinds = {tag.get("ID"): tag.get("LABEL", "").split(":")[-1] for tag in root.iter(f"{ALTO}OtherTag")}
    lines = []
    for line in root.iter(f"{ALTO}TextLine"):
        strings = [s.get("CONTENT", "") for s in line.iter(f"{ALTO}String")]
        text = clean_transcription(" ".join(strings))
        if not text:
            continue
        x, y = int(float(line.get("HPOS"))), int(float(line.get("VPOS")))
        w, h = int(float(line.get("WIDTH"))), int(float(line.get("HEIGHT")))
        lines.append(GoldLine(text, (x, y, x + w, y + h), kinds.get(line.get("TAGREFS"), "Unknown")))
    return lines


def iter_pages(settings: Settings, limit: int | None = None) -> Iterator[TapusPage]:
    folder = dataset_dir(settings, "tapuscorpus")
    for count, xml_path in enumerate(sorted(folder.glob("*/*.xml"))):
        if limit is not None and count >= limit:
            return
        image = xml_path.with_suffix(".jpg")
        if image.exists():
            yield TapusPage(image, read_alto(xml_path))

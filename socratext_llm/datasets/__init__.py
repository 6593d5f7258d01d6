"""Adapters for the real datasets kept in ``../shared/datasets`` (path from settings, never copied)."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PIL import Image

from ..document import BBox, Document, Line, Page, SourceInfo, Word
from ..errors import DatasetError
from ..ingest import file_sha256
from ..layout import build_blocks, group_lines
from ..ocr.base import Box, split_words
from ..settings import Settings

GoldWords = Sequence[tuple[str, Box]]


def dataset_dir(settings: Settings, name: str) -> Path:
    """The folder of one dataset, or a clear error naming the setting that locates it."""
    folder = Path(settings.datasets_dir) / name
    if not folder.is_dir():
        raise DatasetError(f"dataset '{name}' not found at {folder}")
    return folder


def _word(text: str, box: Box, width: int, height: int) -> Word:
    bbox = BBox(x0=box[0], y0=box[1], x1=box[2], y1=box[3])
    return Word(text=text, bbox=bbox, bbox_norm=bbox.normalised(width, height), confidence=1.0)


def gold_ocr_document(image: Path, lines: Sequence[tuple[str, Box, GoldWords | None]], media_type: str) -> Document:
    """A dataset's own OCR (line texts and boxes, with word boxes when it has them) as a Document,
    so that extraction can be scored alone. Lines without word boxes get boxes split by character."""
    with Image.open(image) as opened:
        width, height = opened.size
    document_lines = []
    for text, box, words in lines:
        words = words or [(w.text, w.box) for w in split_words(text, box, 1.0)]
        bbox = BBox(x0=box[0], y0=box[1], x1=box[2], y1=box[3])
        document_lines.append(Line(text=text, bbox=bbox, bbox_norm=bbox.normalised(width, height), confidence=1.0,
                                   words=[_word(t, b, width, height) for t, b in words]))
    page = Page(index=0, width_pt=width * 72 / 300, height_pt=height * 72 / 300, width_px=width, height_px=height,
                dpi=300, text_source="ocr:gold", blocks=build_blocks(group_lines(document_lines), width, height))
    source = SourceInfo(filename=image.name, media_type=media_type, sha256=file_sha256(image), page_count=1)
    return Document(source=source, pages=[page])

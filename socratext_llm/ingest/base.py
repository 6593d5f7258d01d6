"""What every input backend hands to the pipeline."""
from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image


def display_name(path: Path) -> str:
    """A file's name as it can be printed and written to JSON/CSV: bytes that are not UTF-8 (a
    Latin-1 name on a Linux disk) become U+FFFD instead of breaking the output."""
    return os.fsencode(Path(path).name).decode("utf-8", "replace")


def third_party_message(error: BaseException, path: Path) -> str:
    """A library's error text without the file's path (a server's upload folder is nobody's business)."""
    text = str(error).replace(str(path), "the file").replace(os.fspath(Path(path).name), "the file")
    return " ".join(text.split())[:160]


@dataclass
class TextSpanWord:
    """A word of an embedded PDF text layer, in PDF points."""

    text: str
    box: tuple[float, float, float, float]


@dataclass
class TextLayerLine:
    words: list[TextSpanWord]
    font_size: float
    bold: bool


@dataclass
class TextLayerBlock:
    lines: list[TextLayerLine]


@dataclass(frozen=True)
class OutlineEntry:
    """A bookmark of the PDF outline: its level (1 = top), title and 0-based page."""

    level: int
    title: str
    page: int


@dataclass
class VectorPath:
    """One drawn item of a PDF page, in PDF points: a rectangle, a line, a polyline or a curve."""

    kind: str
    points: list[tuple[float, float]]
    fill: tuple[float, ...] | None
    stroke: tuple[float, ...] | None
    width: float | None


@dataclass
class PageInput:
    """One page as ingested: either a usable text layer, or an image to OCR."""

    index: int
    width_pt: float
    height_pt: float
    dpi: float
    render: Callable[[], np.ndarray]  # the page as an RGB array
    text_layer: list[TextLayerBlock] | None = None
    # raster images placed on a text-layer page (with their boxes in points): where a 2D-Doc is looked for
    embedded_images: Callable[[], list[tuple[Image.Image, tuple[float, float, float, float]]]] | None = None
    notes: list[str] = field(default_factory=list)
    drawings: list[VectorPath] = field(default_factory=list)


class SourceFile(ABC):
    """An opened input document."""

    media_type: str
    path: Path

    @property
    @abstractmethod
    def page_count(self) -> int: ...

    @abstractmethod
    def iter_pages(self) -> Iterator[PageInput]: ...

    def outline(self) -> list[OutlineEntry]:
        """The document's bookmarks; formats that have none return an empty list."""
        return []

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release file handles; backends that hold none keep this no-op."""

    def __enter__(self) -> SourceFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

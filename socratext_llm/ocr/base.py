"""The interface every OCR engine implements."""
from __future__ import annotations

import statistics
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from ..imaging import resize
from ..settings import Settings

Box = tuple[float, float, float, float]
MAX_UPSCALE = 3.0


@dataclass
class RecognisedWord:
    text: str
    box: Box
    confidence: float


@dataclass
class RecognisedLine:
    text: str
    box: Box
    confidence: float
    words: list[RecognisedWord] = field(default_factory=list)


class OcrEngine(ABC):
    """Reads an upright RGB page image (H×W×3 uint8) into lines of words, boxes in its pixels."""

    name: ClassVar[str]

    def __init__(self, settings: Settings):
        self.settings = settings

    @abstractmethod
    def recognise_page(self, image: np.ndarray, small_text: bool = False) -> list[RecognisedLine]:
        """Lines of a page; ``small_text`` says the page was enlarged because its text is small, so an engine
        that shrinks pages for text detection must not shrink this one."""

    @abstractmethod
    def recognise_line(self, image: np.ndarray) -> tuple[str, float]:
        """Text and confidence of an image holding one text line (no detection)."""

    def read_page(self, image: np.ndarray, min_text_height: float) -> list[RecognisedLine]:
        """Lines of a page read at a size the recogniser likes: when the median line is shorter than
        ``min_text_height`` pixels the page is read again enlarged. Boxes are in ``image``'s pixels.

        Engines that can detect lines without reading them override this to choose the size first.
        """
        lines = self.recognise_page(image)
        factor = enlargement([line.box[3] - line.box[1] for line in lines], min_text_height)
        return self.read_enlarged(image, factor) if factor else lines

    def read_enlarged(self, image: np.ndarray, factor: float) -> list[RecognisedLine]:
        """Lines of ``image`` read at ``factor`` times its size, boxes brought back to its pixels."""
        lines = self.recognise_page(resize(image, factor), small_text=True)
        for line in lines:
            line.box = scaled_box(line.box, 1 / factor)
            for word in line.words:
                word.box = scaled_box(word.box, 1 / factor)
        return lines


def enlargement(heights: Sequence[float], min_text_height: float) -> float | None:
    """How much to enlarge a page whose text lines have these heights (None: read it as it is)."""
    if not heights:
        return None
    median_height = statistics.median(heights)
    if median_height <= 0 or median_height >= min_text_height:
        return None
    return min(MAX_UPSCALE, min_text_height / median_height)


def scaled_box(box: Box, factor: float) -> Box:
    return (box[0] * factor, box[1] * factor, box[2] * factor, box[3] * factor)


def split_words(text: str, box: Box, confidence: float) -> list[RecognisedWord]:
    """Word boxes by sharing a line box in proportion to characters, for engines that give only lines."""
    tokens = text.split()
    if not tokens:
        return []
    x0, y0, x1, y1 = box
    per_char = (x1 - x0) / max(1, len(text))
    words, cursor = [], 0
    for token in tokens:
        start = text.index(token, cursor)
        cursor = start + len(token)
        words.append(RecognisedWord(token, (x0 + start * per_char, y0, x0 + cursor * per_char, y1), confidence))
    return words

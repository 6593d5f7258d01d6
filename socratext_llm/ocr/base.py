"""The interface every OCR engine implements."""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from ..settings import Settings

Box = tuple[float, float, float, float]


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

"""Tesseract through its command line (Debian's tesseract-ocr with fra + eng data)."""
from __future__ import annotations

import numpy as np

from ...settings import Settings
from .. import ocr_engines
from ..base import OcrEngine, RecognisedLine, RecognisedWord
from ..tesseract_cli import run_tesseract_tsv, tesseract_binary


@ocr_engines.register
class TesseractEngine(OcrEngine):
    name = "tesseract"

    def __init__(self, settings: Settings):
        super().__init__(settings)
        self.binary = tesseract_binary()
        self.languages = settings.ocr_languages

    def recognise_page(self, image: np.ndarray, small_text: bool = False) -> list[RecognisedLine]:
        rows = run_tesseract_tsv(self.binary, image, self.languages, page_segmentation=3)
        grouped: dict[tuple[int, int, int], list[RecognisedWord]] = {}
        for row in rows:
            text = row["text"].strip()
            if row["level"] != 5 or not text:
                continue
            box = (row["left"], row["top"], row["left"] + row["width"], row["top"] + row["height"])
            key = (row["block_num"], row["par_num"], row["line_num"])
            grouped.setdefault(key, []).append(RecognisedWord(text, box, max(0.0, row["conf"]) / 100.0))
        lines = []
        for words in grouped.values():
            box = (min(w.box[0] for w in words), min(w.box[1] for w in words),
                   max(w.box[2] for w in words), max(w.box[3] for w in words))
            confidence = sum(w.confidence for w in words) / len(words)
            lines.append(RecognisedLine(" ".join(w.text for w in words), box, confidence, words))
        return lines

    def recognise_line(self, image: np.ndarray) -> tuple[str, float]:
        rows = run_tesseract_tsv(self.binary, image, self.languages, page_segmentation=7)
        words = [row for row in rows if row["level"] == 5 and row["text"].strip()]
        if not words:
            return "", 0.0
        text = " ".join(row["text"].strip() for row in words)
        return text, sum(max(0.0, row["conf"]) for row in words) / (100.0 * len(words))

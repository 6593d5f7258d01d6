"""RapidOCR 3.x: PP-OCR ONNX models shipped inside the wheel (French accents, €, « », œ)."""
from __future__ import annotations

import numpy as np

from ...errors import EngineUnavailableError
from ...settings import Settings
from .. import ocr_engines
from ..base import Box, OcrEngine, RecognisedLine, RecognisedWord, split_words


def polygon_box(points) -> Box:
    xs = [float(p[0]) for p in points]
    ys = [float(p[1]) for p in points]
    return (min(xs), min(ys), max(xs), max(ys))


def words_from_tokens(text: str, tokens, line_box: Box, confidence: float) -> list[RecognisedWord]:
    """Whitespace-separated words with tight boxes from RapidOCR's per-token boxes.

    RapidOCR cuts a line into tokens at CTC boundaries (sometimes single
    letters); every non-space character gets its token's share of the box, and a
    word's box is the union of its characters'.
    """
    char_boxes: list[tuple[str, Box, float]] = []
    for token_text, token_score, token_points in tokens:
        chars = [c for c in token_text if not c.isspace()]
        if not chars:
            continue
        x0, y0, x1, y1 = polygon_box(token_points)
        step = (x1 - x0) / len(chars)
        for i, char in enumerate(chars):
            char_boxes.append((char, (x0 + i * step, y0, x0 + (i + 1) * step, y1), float(token_score)))
    if "".join(c for c, _, _ in char_boxes) != "".join(text.split()):
        return split_words(text, line_box, confidence)
    words: list[RecognisedWord] = []
    cursor = 0
    for word_text in text.split():
        pieces = char_boxes[cursor:cursor + len(word_text)]
        cursor += len(word_text)
        box = (min(b[0] for _, b, _ in pieces), min(b[1] for _, b, _ in pieces),
               max(b[2] for _, b, _ in pieces), max(b[3] for _, b, _ in pieces))
        words.append(RecognisedWord(word_text, box, min(s for _, _, s in pieces)))
    return words


@ocr_engines.register
class RapidOcrEngine(OcrEngine):
    name = "rapidocr"

    def __init__(self, settings: Settings):
        super().__init__(settings)
        try:
            from rapidocr import RapidOCR
        except ImportError as error:
            raise EngineUnavailableError("the rapidocr package is not installed",
                                         hint="pip install 'rapidocr>=3,<4' onnxruntime") from error
        threads = settings.ocr_threads or -1
        detection = {"Det.limit_type": "max", "Det.limit_side_len": settings.ocr_detection_side_px} \
            if settings.ocr_detection_side_px else {}
        self.engine = RapidOCR(params={
            **detection,
            "Global.log_level": "error",
            "EngineConfig.onnxruntime.intra_op_num_threads": threads,
            "EngineConfig.onnxruntime.inter_op_num_threads": threads,
            "Global.return_word_box": True,
            "Global.use_cls": False,  # page orientation is settled before OCR; per-line flips misfire
        })

    def recognise_page(self, image: np.ndarray) -> list[RecognisedLine]:
        # RapidOCR keeps call flags as its new defaults: pass them all, every time
        result = self.engine(image[:, :, ::-1].copy(), use_det=True, use_cls=False, use_rec=True)  # BGR in
        if result.boxes is None or result.txts is None:
            return []
        word_results = result.word_results or [()] * len(result.txts)
        lines = []
        for points, text, score, tokens in zip(result.boxes, result.txts, result.scores, word_results, strict=False):
            text = " ".join(text.split())
            if not text:
                continue
            box = polygon_box(points)
            lines.append(RecognisedLine(text, box, float(score), words_from_tokens(text, tokens, box, float(score))))
        return lines

    def recognise_line(self, image: np.ndarray) -> tuple[str, float]:
        result = self.engine(image[:, :, ::-1].copy(), use_det=False, use_cls=False, use_rec=True)
        if not result.txts:
            return "", 0.0
        return " ".join(result.txts[0].split()), float(result.scores[0])

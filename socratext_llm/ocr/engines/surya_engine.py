"""Surya (OCR + line detection): the real adapter, loading weights from a local folder.

Surya downloads its checkpoints from a model hub, which these machines cannot
reach. Point ``SOCRATEXT_SURYA_DIR`` at a folder holding ``text_detection/``
and ``text_recognition/`` checkpoints copied from a machine that can.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from ...errors import EngineUnavailableError
from ...settings import Settings
from .. import ocr_engines
from ..base import OcrEngine, RecognisedLine, RecognisedWord, split_words

CHECKPOINTS = ("text_detection", "text_recognition")


def surya_checkpoints(settings: Settings) -> dict[str, Path]:
    """The local checkpoint folders, or a clear error naming the setting to fix."""
    root = settings.surya_dir
    if root is None:
        raise EngineUnavailableError("Surya's weights are not available offline",
                                     hint="set SOCRATEXT_SURYA_DIR to a folder with text_detection/ and "
                                          "text_recognition/ checkpoints")
    found = {name: Path(root) / name for name in CHECKPOINTS}
    missing = [name for name, path in found.items() if not path.is_dir()]
    if missing:
        raise EngineUnavailableError(f"SOCRATEXT_SURYA_DIR={root} lacks {', '.join(missing)}",
                                     hint="copy Surya's checkpoints there (one folder per model)")
    return found


@ocr_engines.register
class SuryaEngine(OcrEngine):
    name = "surya"

    def __init__(self, settings: Settings):
        super().__init__(settings)
        checkpoints = surya_checkpoints(settings)
        try:
            from surya.detection import DetectionPredictor
            from surya.foundation import FoundationPredictor
            from surya.recognition import RecognitionPredictor
        except ImportError as error:
            raise EngineUnavailableError("the surya-ocr package is not installed",
                                         hint="pip install 'socratext-llm[surya]'") from error
        self.detector = DetectionPredictor(checkpoint=str(checkpoints["text_detection"]))
        self.recogniser = RecognitionPredictor(FoundationPredictor(checkpoint=str(checkpoints["text_recognition"])))

    def recognise_page(self, image: np.ndarray, small_text: bool = False) -> list[RecognisedLine]:
        prediction = self.recogniser([Image.fromarray(image)], det_predictor=self.detector)[0]
        lines = []
        for line in prediction.text_lines:
            text = " ".join(line.text.split())
            if not text:
                continue
            box = tuple(float(v) for v in line.bbox)
            words = [RecognisedWord(w.text.strip(), tuple(float(v) for v in w.bbox), float(w.confidence or 0.0))
                     for w in (getattr(line, "words", None) or []) if w.text.strip()]
            confidence = float(line.confidence or 0.0)
            lines.append(RecognisedLine(text, box, confidence, words or split_words(text, box, confidence)))
        return lines

    def recognise_line(self, image: np.ndarray) -> tuple[str, float]:
        height, width = image.shape[:2]
        prediction = self.recogniser([Image.fromarray(image)], bboxes=[[[0, 0, width, height]]])[0]
        if not prediction.text_lines:
            return "", 0.0
        line = prediction.text_lines[0]
        return " ".join(line.text.split()), float(line.confidence or 0.0)

"""OCR engines behind one interface, chosen by name."""
from __future__ import annotations

import threading
from functools import lru_cache

from ..registry import Registry
from ..settings import Settings
from .base import OcrEngine, RecognisedLine, RecognisedWord

ocr_engines: Registry[OcrEngine] = Registry("OCR", "socratext_llm.ocr.engines", "socratext_llm.ocr_engines")


_building = threading.Lock()


@lru_cache(maxsize=8)
def _engine(name: str, settings: Settings) -> OcrEngine:
    return ocr_engines.get(name)(settings)


def get_ocr_engine(name: str, settings: Settings) -> OcrEngine:
    """The engine instance for a name, built once per process (models load once, even when
    several API threads ask at the same time)."""
    with _building:
        return _engine(name, settings)


__all__ = ["OcrEngine", "RecognisedLine", "RecognisedWord", "ocr_engines", "get_ocr_engine"]

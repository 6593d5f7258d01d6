"""RapidOCR 3.x: PP-OCR ONNX models shipped inside the wheel (French accents, €, « », œ)."""
from __future__ import annotations

import copy
import dataclasses
import functools
import logging
import math
import threading
from pathlib import Path

import numpy as np

from ...errors import EngineUnavailableError
from ...settings import Settings
from .. import ocr_engines
from ..base import Box, OcrEngine, RecognisedLine, RecognisedWord, enlargement, split_words
from ..narrowed_recogniser import narrowed_recogniser
from ..openvino_runtime import detector_on_openvino, use_openvino

log = logging.getLogger("socratext.ocr")


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


_PATCHING = threading.Lock()
RECOGNITION_BATCH = 6  # RapidOCR's batch size
RECOGNITION_HEIGHT_PX = 48  # the height every line crop is brought to for the recogniser
BATCH_WIDTH_SLACK = 0.1


def similar_width_batches(widths: list[int], size: int = RECOGNITION_BATCH,
                          slack: float = BATCH_WIDTH_SLACK) -> list[list[int]]:
    """Indices of line crops in batches of at most ``size``, narrowest first, the widest of a batch at most
    ``1 + slack`` times its narrowest (widths as the recogniser reads them: 48 px high, padded to its minimum).

    RapidOCR pads a batch to its widest crop: that padding costs columns, and it changes what the model reads
    (FUNSD word precision and recall half a point lower with RapidOCR's batches of six of any width).
    """
    batches: list[list[int]] = []
    for index in sorted(range(len(widths)), key=widths.__getitem__):
        if batches and len(batches[-1]) < size and widths[index] <= widths[batches[-1][0]] * (1 + slack):
            batches[-1].append(index)
        else:
            batches.append([index])
    return batches


def word_confidences(text: str, words: list[list[str]], char_confidences: list[float]) -> list[list[float]] | None:
    """The confidences of each word's characters, found in the line's text (RapidOCR gives one per character of
    the text, spaces included); None when the words' characters are not the text's, in order."""
    if len(char_confidences) != len(text):
        return None
    found, cursor = [], 0
    for word in words:
        confidences = []
        for char in word:
            while cursor < len(text) and text[cursor].isspace():
                cursor += 1
            if cursor >= len(text) or text[cursor] != char:
                return None
            confidences.append(char_confidences[cursor])
            cursor += 1
        found.append(confidences)
    return found


def aligned_confidences(text: str, info):
    """RapidOCR's word information with its confidences lined up with the pieces it will pair them with: the
    lowest of each word's characters where its pieces are whole words (a line of Latin script only: one
    uncertain letter makes the word uncertain), each character's own where they are characters (a line with
    CJK, whose Latin words are cut into characters too).

    RapidOCR pairs its n-th piece with the n-th character's confidence, spaces counted: 'Maëlis-Gaëlle,' got
    the 'M''s 0.9997, though its 'ë' read 0.47. Where the characters cannot be found in the text (right-to-left
    text, reordered for display), every piece gets the line's least sure character's."""
    if info is None or not info.words:
        return info
    whole_words = all(kind.value == "en&num" for kind in info.word_types)
    per_word = word_confidences(text, info.words, info.confs)
    if per_word is None:
        pieces = len(info.words) if whole_words else sum(len(word) for word in info.words)
        return dataclasses.replace(info, confs=[min(info.confs, default=0.0)] * pieces)
    confidences = [min(word, default=0.0) for word in per_word] if whole_words else \
        [value for word in per_word for value in word]
    return dataclasses.replace(info, confs=confidences)


def batched_by_width(recognize_txt, min_width: int):
    """RapidOCR's ``recognize_txt`` run on batches of crops of similar width (``similar_width_batches``)."""
    from rapidocr.ch_ppocr_rec import TextRecOutput

    @functools.wraps(recognize_txt)
    def recognise(crops: list[np.ndarray]):
        widths = [max(min_width, math.ceil(RECOGNITION_HEIGHT_PX * crop.shape[1] / max(1, crop.shape[0])))
                  for crop in crops]
        read: list = [None] * len(crops)
        elapse = 0.0
        for batch in similar_width_batches(widths):
            output = recognize_txt([crops[index] for index in batch])
            elapse += output.elapse or 0.0
            for index, text, score, words in zip(batch, output.txts, output.scores, output.word_results, strict=True):
                read[index] = (text, score, aligned_confidences(text, words))
        texts, scores, words = zip(*read, strict=True) if read else ((), (), ())
        return TextRecOutput(imgs=crops, txts=texts, scores=list(scores), word_results=words, elapse=elapse)
    return recognise


def rapidocr_detection_sizing() -> tuple[int, str]:
    """RapidOCR's own detection sizing (its configuration's defaults: the shorter side brought to 736 px)."""
    from rapidocr.main import DEFAULT_CFG_PATH
    from rapidocr.utils.parse_parameters import ParseParams

    detection = ParseParams.load(DEFAULT_CFG_PATH).Det
    return int(detection.limit_side_len), str(detection.limit_type)


@functools.cache
def float32_detector(detector_class: type) -> type:
    """RapidOCR's detector, normalising the page in float32: its own arithmetic promotes the page to float64
    (its mean and standard deviation are float64 arrays) and casts back, a tenth of a second on a large page
    for the same input to the model (float32 rounding aside)."""
    from rapidocr.ch_ppocr_det.utils import DetPreProcess

    class Float32PreProcess(DetPreProcess):
        def normalize(self, img: np.ndarray) -> np.ndarray:
            return (img.astype(np.float32) * np.float32(self.scale) - self.mean.astype(np.float32)) \
                / self.std.astype(np.float32)

    class Float32Detector(detector_class):
        def get_preprocess(self):
            return Float32PreProcess(self.limit_side_len, self.limit_type, self.mean, self.std)

    return Float32Detector


def shipped_recogniser(engine) -> tuple[Path, str]:
    """The recogniser file a RapidOCR instance would load (its models folder, the name its model table gives)
    and the SHA-256 the table gives for it (RapidOCR checks it when it fetches the file)."""
    from rapidocr.inference_engine.base import FileInfo
    from rapidocr.inference_engine.onnxruntime.main import OrtInferSession

    rec = engine.cfg.Rec
    info = OrtInferSession.get_model_url(FileInfo(engine_type=rec.engine_type, ocr_version=rec.ocr_version,
                                                  task_type=rec.task_type, lang_type=rec.lang_type,
                                                  model_type=rec.model_type))
    return Path(engine.cfg.Global.model_root_dir) / Path(info["model_dir"]).name, str(info["SHA256"])


LARGE_PAGE_PX = 2400  # A4 at 200 dpi and above


def without_spinning(engine) -> None:
    """Load a RapidOCR instance's models with ONNX Runtime's thread spinning off.

    By default ONNX Runtime's worker threads spin while they wait for work: on a machine whose cores are
    shared (or busy with a second page) that burnt about a third more CPU for the same pages, with no
    gain in wall time (docs/speed.md). RapidOCR has no setting for it, so its session-options hook is
    wrapped while this instance loads its detection and recognition models (RapidOCR would otherwise load
    them at the first page); an unknown RapidOCR layout just keeps its defaults.
    """
    from rapidocr.inference_engine.onnxruntime import main as onnx_engine

    session_class = getattr(onnx_engine, "OrtInferSession", None)
    loaders = [getattr(engine, name, None) for name in ("_load_det_model", "_load_rec_model")]
    if session_class is None or not hasattr(session_class, "_init_sess_opts") or None in loaders:
        return
    original = session_class.__dict__["_init_sess_opts"]

    def options(config):
        built = original.__func__(config)
        built.add_session_config_entry("session.intra_op.allow_spinning", "0")
        return built

    with _PATCHING:
        session_class._init_sess_opts = staticmethod(options)
        try:
            for load in loaders:
                load()
        finally:
            session_class._init_sess_opts = original


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
        self.params = {
            "Global.log_level": "error",
            "EngineConfig.onnxruntime.intra_op_num_threads": settings.ocr_threads or -1,
            "EngineConfig.onnxruntime.inter_op_num_threads": settings.ocr_threads or -1,
            "Global.return_word_box": True,
            "Global.use_cls": False,  # page orientation is settled before OCR; per-line flips misfire
            "Rec.rec_img_shape": [3, RECOGNITION_HEIGHT_PX, settings.ocr_min_crop_width_px],  # the padding of a batch of short crops
        }
        bounded = {"Det.limit_type": "max", "Det.limit_side_len": settings.ocr_detection_side_px} \
            if settings.ocr_detection_side_px else {}
        self.engine = RapidOCR(params={**self.params, **bounded})
        self._loaded(self.engine)
        self._whole_page = self._detecting_at(*rapidocr_detection_sizing()) if bounded else self.engine
        self._large_page = self._detecting_at(settings.ocr_large_page_detection_side_px) \
            if bounded and settings.ocr_large_page_detection_side_px else self.engine

    def _loaded(self, engine) -> None:
        """Load an instance's models now, with the recogniser and the runtime the settings choose."""
        if self.settings.ocr_recogniser_scripts == "latin":
            self._narrow_recogniser(engine)
        without_spinning(engine)
        engine.recognize_txt = batched_by_width(engine.recognize_txt, self.settings.ocr_min_crop_width_px)
        engine.text_det.__class__ = float32_detector(type(engine.text_det))
        if self.settings.ocr_runtime == "openvino":
            use_openvino(engine, self.settings.ocr_threads)
        elif self.settings.ocr_runtime == "openvino-detector":
            detector_on_openvino(engine, self.settings.ocr_threads)

    def _narrow_recogniser(self, engine) -> None:
        """Have the instance load the recogniser narrowed to Latin script (``narrowed_recogniser``); should it
        not be derivable here (a read-only models folder), the shipped one is kept and the log says why."""
        try:
            engine.cfg.Rec.model_path = str(narrowed_recogniser(*shipped_recogniser(engine),
                                                                self.settings.models_dir / "rapidocr"))
        except (OSError, ValueError, ImportError) as error:
            log.warning("OCR keeps the whole recogniser (%s: %s); set SOCRATEXT_MODELS_DIR to a writable folder",
                        type(error).__name__, error)

    def _detecting_at(self, side: int, limit_type: str = "max"):
        """The engine with its detector sized otherwise: the same models and sessions, shared."""
        engine = copy.copy(self.engine)
        engine.text_det = copy.copy(self.engine.text_det)
        engine.text_det.limit_side_len, engine.text_det.limit_type = side, limit_type
        return engine

    def _engine_for(self, small_text: bool):
        """Small text (a page enlarged to be re-read) is detected on the whole enlarged page, at RapidOCR's own
        sizing; other pages are detected at the bounded side."""
        return self._whole_page if small_text else self.engine

    def recognise_page(self, image: np.ndarray, small_text: bool = False) -> list[RecognisedLine]:
        # RapidOCR keeps call flags as its new defaults: pass them all, every time
        return self._lines(self._engine_for(small_text)(image[:, :, ::-1].copy(), use_det=True, use_cls=False,
                                                        use_rec=True))  # BGR in

    def read_page(self, image: np.ndarray, min_text_height: float) -> list[RecognisedLine]:
        """Detect, then read at the right size: a page of small text is recognised once, enlarged, rather
        than read as it is and then again (recognition is most of the OCR cost on such pages)."""
        from rapidocr.ch_ppocr_cls import TextClsOutput
        from rapidocr.main import RapidOCRError

        engine = self._large_page if max(image.shape[:2]) >= LARGE_PAGE_PX else self.engine
        engine.update_params(use_det=True, use_cls=False, use_rec=True)
        prepared, record = engine.preprocess_img(image)  # brought within RapidOCR's bound, then made BGR:
        prepared = prepared[:, :, ::-1].copy()  # a copy of the smaller image, not of the page (26 MB at A4 300 dpi)
        try:
            crops, detection = engine.detect_and_crop(prepared, record)
            scale = record["preprocess"]["ratio_h"]
            factor = enlargement([float(box[:, 1].max() - box[:, 1].min()) * scale for box in detection.boxes],
                                 min_text_height)
            if factor:
                return self.read_enlarged(image, factor)
            recognition = engine.recognize_txt(crops)
        except RapidOCRError:  # nothing detected, or nothing read
            return []
        return self._lines(engine.build_final_output(image, detection, TextClsOutput(), recognition, crops,
                                                     record))  # the page's size is all it reads of it

    @staticmethod
    def _lines(result) -> list[RecognisedLine]:
        if getattr(result, "boxes", None) is None or getattr(result, "txts", None) is None:
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

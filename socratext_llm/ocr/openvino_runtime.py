"""OpenVINO as the runtime of RapidOCR's detection and recognition models (the same ONNX files).

Two uses, both opt in (docs/speed.md):
- ``SOCRATEXT_OCR_RUNTIME=openvino-detector``: the text detector alone runs on OpenVINO in float32, compiled for
  each page size it meets (``FixedShapeSession``). On an Intel Xeon its convolutions cost a third of ONNX
  Runtime's, and float32 keeps the detector's output; OpenVINO holds 170 to 350 MB more than ONNX Runtime,
  which keeps nothing between pages, so the 800 MB bound on long scans is kept by the default runtime.
- ``SOCRATEXT_OCR_RUNTIME=openvino``: both models, in bfloat16 on CPUs that have it (a throughput setting:
  faster still, but a date was lost on a small photo), with shapes left free.

RapidOCR's own OpenVINO session keeps one inference request for every caller and looks for its character list
in OpenVINO metadata, so RapidOCR loads its models with ONNX Runtime as usual (the character list comes from the
ONNX metadata) and the loaded models then get these sessions in place of theirs.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np

from ..errors import EngineUnavailableError

KEPT_SHAPES = 2  # compiled detectors kept, one a page size: the pages of a document mostly share one


def _openvino():
    try:
        import openvino
    except ImportError as error:
        raise EngineUnavailableError("the openvino package is not installed",
                                     hint="pip install 'socratext-llm[openvino]', or set SOCRATEXT_OCR_RUNTIME=onnxruntime") from error
    return openvino


class _Compiled:
    """A compiled model and one inference request per calling thread (pages are read in parallel)."""

    def __init__(self, compiled):
        self.compiled = compiled
        self._requests = threading.local()

    def __call__(self, inputs: np.ndarray) -> np.ndarray:
        request = getattr(self._requests, "request", None)
        if request is None:
            request = self._requests.request = self.compiled.create_infer_request()
        request.infer({0: inputs})
        return request.get_output_tensor(0).data.copy()  # the request reuses its buffer on the next call


class OpenVinoSession(_Compiled):
    """A model compiled once for any input shape, in the precision OpenVINO picks (bfloat16 where it can)."""

    def __init__(self, model_path: Path, threads: int = 0):
        # no cache of kernels built per input shape: line crops come in ever new widths, and the default 5,000
        # shapes kept 210 MB more on 8 scanned pages at the same CPU time (docs/speed.md, "Memory")
        config = {"PERFORMANCE_HINT": "LATENCY", "CPU_RUNTIME_CACHE_CAPACITY": 0}
        if threads:
            config["INFERENCE_NUM_THREADS"] = threads
        super().__init__(_openvino().Core().compile_model(str(model_path), "CPU", config))
        self.precision = str(self.compiled.get_property("INFERENCE_PRECISION_HINT"))


class FixedShapeSession:
    """A model run in float32, compiled for each input shape it is given (the last ``KEPT_SHAPES`` kept).

    Compiled for one shape, OpenVINO plans its buffers once: left free to take any page size, the detector
    held about 350 MB after four page sizes and re-planned at each new one (a quarter of a second); fixed, it
    holds about 125 MB and runs a tenth faster. A new page size costs one compilation (about 0.45 s)."""

    def __init__(self, model_path: Path, threads: int = 0):
        openvino = _openvino()
        self._core = openvino.Core()
        self._model = self._core.read_model(str(model_path))
        self._config = {"PERFORMANCE_HINT": "LATENCY", "INFERENCE_PRECISION_HINT": "f32"}
        if threads:
            self._config["INFERENCE_NUM_THREADS"] = threads
        self._compiled: OrderedDict[tuple[int, ...], _Compiled] = OrderedDict()
        self._lock = threading.Lock()

    def _for_shape(self, shape: tuple[int, ...]) -> _Compiled:
        with self._lock:
            compiled = self._compiled.get(shape)
            if compiled is None:
                model = self._model.clone()
                model.reshape(list(shape))
                compiled = self._compiled[shape] = _Compiled(self._core.compile_model(model, "CPU", self._config))
                while len(self._compiled) > KEPT_SHAPES:
                    self._compiled.popitem(last=False)
            self._compiled.move_to_end(shape)
            return compiled

    def __call__(self, inputs: np.ndarray) -> np.ndarray:
        return self._for_shape(tuple(inputs.shape))(inputs)


def _model_path(model) -> Path:
    path = getattr(getattr(model.session, "session", None), "_model_path", None)
    if not isinstance(path, (str, Path)) or not Path(path).is_file():
        raise EngineUnavailableError("RapidOCR's model files could not be found for OpenVINO",
                                     hint="set SOCRATEXT_OCR_RUNTIME=onnxruntime")
    return Path(path)


def use_openvino(engine, threads: int = 0) -> None:
    """Give a loaded RapidOCR instance's detector and recogniser OpenVINO sessions of their ONNX models."""
    for model in (engine.text_det, engine.text_rec):
        model.session = OpenVinoSession(_model_path(model), threads)


def detector_on_openvino(engine, threads: int = 0) -> None:
    """Give a loaded RapidOCR instance's detector a float32 OpenVINO session fixed per page size."""
    engine.text_det.session = FixedShapeSession(_model_path(engine.text_det), threads)

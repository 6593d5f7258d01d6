"""OpenVINO as the runtime of RapidOCR's detection and recognition models (the same ONNX files).

On CPUs with bfloat16 instructions (AVX-512 BF16, AMX) OpenVINO runs these models in bfloat16 by default,
which costs about a third less CPU than ONNX Runtime in float32 (docs/speed.md); elsewhere it runs them in
float32, about as fast as ONNX Runtime. RapidOCR's own OpenVINO session keeps one inference request for
every caller and looks for its character list in OpenVINO metadata, so RapidOCR loads its models with ONNX
Runtime as usual (the character list comes from the ONNX metadata) and the loaded detector and recogniser
then get this session in place of theirs.
"""
from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from ..errors import EngineUnavailableError


class OpenVinoSession:
    """A model compiled once, one inference request per calling thread (pages are read in parallel)."""

    def __init__(self, model_path: Path, threads: int = 0):
        try:
            import openvino
        except ImportError as error:
            raise EngineUnavailableError("the openvino package is not installed",
                                         hint="pip install 'socratext-llm[openvino]', or set SOCRATEXT_OCR_RUNTIME=onnxruntime") from error
        # no cache of kernels built per input shape: line crops come in ever new widths, and the default 5,000
        # shapes kept 210 MB more on 8 scanned pages at the same CPU time (docs/speed.md, "Memory")
        config = {"PERFORMANCE_HINT": "LATENCY", "CPU_RUNTIME_CACHE_CAPACITY": 0}
        if threads:
            config["INFERENCE_NUM_THREADS"] = threads
        self.compiled = openvino.Core().compile_model(str(model_path), "CPU", config)
        self.precision = str(self.compiled.get_property("INFERENCE_PRECISION_HINT"))
        self._requests = threading.local()

    def __call__(self, inputs: np.ndarray) -> np.ndarray:
        request = getattr(self._requests, "request", None)
        if request is None:
            request = self._requests.request = self.compiled.create_infer_request()
        request.infer({0: inputs})
        return request.get_output_tensor(0).data.copy()  # the request reuses its buffer on the next call


def use_openvino(engine, threads: int = 0) -> None:
    """Give a loaded RapidOCR instance's detector and recogniser OpenVINO sessions of their ONNX models."""
    for model in (engine.text_det, engine.text_rec):
        path = getattr(getattr(model.session, "session", None), "_model_path", None)
        if not isinstance(path, (str, Path)) or not Path(path).is_file():
            raise EngineUnavailableError("RapidOCR's model files could not be found for OpenVINO",
                                         hint="set SOCRATEXT_OCR_RUNTIME=onnxruntime")
        model.session = OpenVinoSession(Path(path), threads)

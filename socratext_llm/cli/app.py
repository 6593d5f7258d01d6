"""Entry point: thin commands that call one library function each."""
from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from tqdm import tqdm

from ..bench.speed import SUITES as SPEED_SUITES
from ..errors import SocratextError
from ..export import FORMATS
from ..export.streamed import write_streamed
from ..ingest import display_name
from ..ocr import ocr_engines
from ..pipeline import OcrOptions
from ..settings import load_settings
from ..streaming import read_document
from .batch import report, run_batch
from .dataset_cmds import datasets_app
from .eval_cmds import eval_app
from .extract_cmds import extract_command, schemas_app
from .has_cmds import has_command
from .models_cmds import models_app
from .serve_cmds import serve_app
from .tables_cmds import tables_command

app = typer.Typer(name="socratext", help="French administrative documents into schema-valid JSON.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
bench_app = typer.Typer(help="Benchmarks on the real datasets; figures go to eval/results/.", no_args_is_help=True)
app.add_typer(bench_app, name="bench")
app.add_typer(schemas_app, name="schemas")
app.add_typer(eval_app, name="eval")
app.add_typer(datasets_app, name="datasets")
app.add_typer(serve_app, name="serve")
app.add_typer(models_app, name="models")
app.command("extract")(extract_command)
app.command("has")(has_command)
app.command("tables")(tables_command)

OutputFormat = Enum("OutputFormat", {name: name for name in FORMATS}, type=str)
SpeedSuite = Enum("SpeedSuite", {name: name for name in SPEED_SUITES}, type=str)


def output_path(output: Path | None, source: Path, extension: str, many: bool) -> Path | None:
    """Where one input's result goes: stdout (None), the given file, or a file inside the given folder."""
    if output is None:
        return None
    if many or output.is_dir():
        output.mkdir(parents=True, exist_ok=True)
        return output / (source.stem + extension)
    return output


@app.command()
def ocr(
    files: Annotated[list[Path], typer.Argument(help="PDF or image files.")],
    engine: Annotated[Optional[str], typer.Option(help="OCR engine for scanned pages (see `socratext engines`).")] = None,
    format: Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")] = "json",
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Output file, or folder for several inputs.")] = None,
    password: Annotated[Optional[str], typer.Option(help="Password of encrypted PDFs.")] = None,
    force_ocr: Annotated[bool, typer.Option(help="OCR every page, even those with a text layer.")] = False,
) -> None:
    """Read documents into the document model (JSON), text, Markdown or ALTO XML."""
    settings = load_settings()
    options = OcrOptions(engine=engine, password=password, force_ocr=force_ocr)
    if engine is not None:
        _check_engine(engine)
    format_name = OutputFormat(format).value
    extension = FORMATS[format_name][1]
    many = len(files) > 1
    progress = tqdm(total=None, unit="page", disable=None, file=sys.stderr)

    def on_page(done: int, total: int) -> None:
        if done == 1:  # a new file: its page count is known once it is open
            progress.reset(total=total)
        progress.update(1)

    def one(path: Path) -> None:
        """Pages are read into a spool, then written one at a time: memory does not grow with length."""
        progress.set_description(display_name(path))
        with read_document(path, options, settings, on_page=on_page) as document:
            target = output_path(output, path, extension, many)
            if target is None:
                write_streamed(document, format_name, sys.stdout)
            else:
                with target.open("w", encoding="utf-8") as out:
                    write_streamed(document, format_name, out)

    outcome = run_batch(files, one)
    progress.close()
    raise typer.Exit(outcome.exit_code)


@app.command()
def engines() -> None:
    """List the OCR engines this installation knows."""
    for name in ocr_engines.names():
        print(name)


def _check_engine(name: str) -> None:
    try:
        ocr_engines.get(name)
    except SocratextError as error:
        report(error)
        raise typer.Exit(error.exit_code) from None


@bench_app.command("ocr")
def bench_ocr(
    suite: Annotated[list[str], typer.Option("--suite", help="tapuscorpus, funsd (repeatable; default all).")] = [],
    data_dir: Annotated[Optional[Path], typer.Option(help="Datasets folder (default SOCRATEXT_DATASETS_DIR).")] = None,
    limit: Annotated[Optional[int], typer.Option(help="Documents per dataset (default all).")] = None,
    engines: Annotated[list[str], typer.Option("--engine", help="Raw engines to compare (default rapidocr, tesseract).")] = [],
) -> None:
    """OCR quality and speed: raw engines and the default pipeline side by side."""
    from ..bench.ocr import run_ocr_benchmark

    _bench(run_ocr_benchmark, load_settings(datasets_dir=data_dir), suite or None, limit, engines or None)


@bench_app.command("speed")
def bench_speed(
    data_dir: Annotated[Optional[Path], typer.Option(help="Datasets folder (default SOCRATEXT_DATASETS_DIR).")] = None,
    quick: Annotated[bool, typer.Option("--quick", help="Small samples everywhere (a smoke run of a few minutes).")] = False,
    scans: Annotated[Optional[int], typer.Option(help="Scanned A4 pages (default 6, quick 2).")] = None,
    documents: Annotated[Optional[int], typer.Option(help="Born-digital ICDAR PDFs (default 10, quick 3).")] = None,
    long_pages: Annotated[Optional[int], typer.Option(help="Pages of the long born-digital PDF (default 2000, quick 200).")] = None,
    long_scans: Annotated[Optional[int], typer.Option(help="Pages of the long scanned PDF (default 200, quick 10).")] = None,
    only: Annotated[Optional[SpeedSuite], typer.Option(help="Run one suite; its figures go to speed-<suite>.json/.md.")] = None,
) -> None:
    """Speed and memory, ours beside raw RapidOCR, Tesseract, OCRmyPDF, PyMuPDF, pymupdf4llm, pdfplumber."""
    from ..bench.speed import run_speed_benchmark

    path = _bench(run_speed_benchmark, load_settings(datasets_dir=data_dir), quick, scans, documents, long_pages,
                  long_scans, None, only.value if only else None)
    print(f"wrote {path} and {path.with_suffix('.md')}", file=sys.stderr)


@bench_app.command("extract")
def bench_extract(
    engine: Annotated[str, typer.Option(help="Extraction engine.")] = "rules",
    ocr_engine: Annotated[list[str], typer.Option("--ocr-engine", help="OCR engines, or 'gold' for the dataset's own OCR (repeatable).")] = [],
    data_dir: Annotated[Optional[Path], typer.Option(help="Datasets folder (default SOCRATEXT_DATASETS_DIR).")] = None,
    limit: Annotated[Optional[int], typer.Option(help="Documents (default all).")] = None,
) -> None:
    """SROIE field scores (company, date, address, total) with our OCR and with the gold OCR."""
    from ..bench.extraction import bench_sroie

    _bench(bench_sroie, load_settings(datasets_dir=data_dir), engine, ocr_engine or ["gold", "rapidocr"], limit)


@bench_app.command("harness")
def bench_harness(
    data_dir: Annotated[Optional[Path], typer.Option(help="Datasets folder (default SOCRATEXT_DATASETS_DIR).")] = None,
    limit: Annotated[int, typer.Option(help="Receipts in the scaling runs.")] = 40,
    documents: Annotated[int, typer.Option(help="Documents in the memory run.")] = 1000,
) -> None:
    """Evaluation harness: speed-up with 2 workers (local and Ray), overhead, memory over a long run."""
    from ..bench.extraction import run_harness_benchmark

    path = _bench(run_harness_benchmark, load_settings(datasets_dir=data_dir), limit, documents)
    print(f"wrote {path}", file=sys.stderr)


@bench_app.command("french")
def bench_french(
    data_dir: Annotated[Optional[Path], typer.Option(help="Datasets folder (default SOCRATEXT_DATASETS_DIR).")] = None,
    limit: Annotated[Optional[int], typer.Option(help="Synthetic documents per variant (default all generated).")] = None,
) -> None:
    """French documents: type detection side by side, synthetic_fr field F1, invoices_fr, specimen label audit."""
    from ..bench.french import run_french_benchmark

    print(f"wrote {_bench(run_french_benchmark, load_settings(datasets_dir=data_dir), limit)}", file=sys.stderr)


@bench_app.command("llm")
def bench_llm(
    limit: Annotated[int, typer.Option(help="Documents per dataset (the model reads ~20 s per page on 2 cores).")] = 5,
    suite: Annotated[list[str], typer.Option("--suite", help="sroie, funsd, invoices_fr, synthetic_fr, has (repeatable; default all; the others keep their last figures).")] = [],
    engine: Annotated[list[str], typer.Option("--engine", help="rules, llm, hybrid (repeatable; default all three).")] = [],
    data_dir: Annotated[Optional[Path], typer.Option(help="Datasets folder (default SOCRATEXT_DATASETS_DIR).")] = None,
) -> None:
    """rules vs llm vs hybrid on the same documents: per-field F1, tokens, seconds, memory (eval/results/llm.*)."""
    from ..bench.llm import run_llm_benchmark

    path = _bench(run_llm_benchmark, load_settings(datasets_dir=data_dir), limit, suite or None, engine or None)
    print(f"wrote {path}", file=sys.stderr)


@bench_app.command("codes")
def bench_codes(
    data_dir: Annotated[Optional[Path], typer.Option(help="Datasets folder (default SOCRATEXT_DATASETS_DIR).")] = None,
) -> None:
    """MRZ (17 specimens: RapidOCR, Tesseract-MRZ, combined) and 2D-Doc (13 crops: decoded, parsed, verified)."""
    from ..bench.codes import run_codes_benchmark

    print(f"wrote {_bench(run_codes_benchmark, load_settings(datasets_dir=data_dir))}", file=sys.stderr)


@bench_app.command("api")
def bench_api(
    rounds: Annotated[int, typer.Option(help="Sequential requests for the overhead measure.")] = 30,
    clients: Annotated[int, typer.Option(help="Concurrent clients.")] = 20,
) -> None:
    """REST API: overhead over the library call, and concurrent clients (statuses, p95 latency)."""
    from ..bench.service import run_api_benchmark

    print(f"wrote {_bench(run_api_benchmark, load_settings(), rounds, clients)}", file=sys.stderr)


@bench_app.command("tables")
def bench_tables(
    data_dir: Annotated[Optional[Path], typer.Option(help="Datasets folder (default SOCRATEXT_DATASETS_DIR).")] = None,
    limit: Annotated[Optional[int], typer.Option(help="ICDAR 2013 PDFs (default all).")] = None,
    reader: Annotated[list[str], typer.Option("--reader", help="socratext, camelot-lattice, camelot-stream, pdfplumber, pymupdf (repeatable; default all).")] = [],
    pubtabnet_limit: Annotated[Optional[int], typer.Option(help="PubTabNet images (default all).")] = None,
    skip_pubtabnet: Annotated[bool, typer.Option(help="Only the born-digital comparison.")] = False,
    pymupdf_python: Annotated[Optional[Path], typer.Option(help="Python of another virtual environment whose PyMuPDF (e.g. 2.0 with pymupdf4llm) joins the comparison.")] = None,
    suite: Annotated[list[str], typer.Option("--suite", help="icdar2013, speed, pubtabnet (repeatable; default all; the others keep their last figures).")] = [],
) -> None:
    """Tables: ours, Camelot (lattice, stream), pdfplumber and PyMuPDF on ICDAR 2013, same pages, same run; PubTabNet TEDS."""
    from ..bench.tables import SUITES, run_tables_benchmark

    unknown = sorted(set(suite) - set(SUITES))
    if unknown:
        raise typer.BadParameter(f"unknown suite {', '.join(unknown)}: choose among {', '.join(SUITES)}",
                                 param_hint="--suite")
    path = _bench(run_tables_benchmark, load_settings(datasets_dir=data_dir), limit, reader or None,
                  pubtabnet_limit, skip_pubtabnet, pymupdf_python, suite or None)
    print(f"wrote {path}", file=sys.stderr)


def _bench(function, *args):
    try:
        return function(*args)
    except SocratextError as error:
        report(error)
        raise typer.Exit(error.exit_code) from None


def main() -> None:
    app()

"""`socratext eval`: run a dataset, compare two runs, check a gold set."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import QualityRegressionError, SocratextError
from ..settings import load_settings
from .batch import report, run_batch

# the HAS gold is kept as annotations (eval/gold/has/anchors.py); the files quoting the documents are
# built from them into this ignored folder (copyright HAS): see docs/has.md
HAS_GOLD_BUILD = Path("build/has_gold")

eval_app = typer.Typer(help="Evaluation on datasets with gold: runs, reports, comparisons.", no_args_is_help=True)


@eval_app.command("run")
def eval_run(
    dataset: Annotated[str, typer.Option(help="sroie, funsd, tapuscorpus, icdar2013, pubtabnet, or a folder of documents with <name>.json gold.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Run folder (resumed if it holds the same run).")],
    data_dir: Annotated[Optional[Path], typer.Option(help="Datasets folder (default SOCRATEXT_DATASETS_DIR).")] = None,
    schema: Annotated[Optional[str], typer.Option(help="Document type (default: the dataset's own).")] = None,
    engine: Annotated[str, typer.Option(help="Extraction engine.")] = "rules",
    ocr_engine: Annotated[str, typer.Option(help="OCR engine, or 'gold' for the dataset's own OCR.")] = "rapidocr",
    limit: Annotated[Optional[int], typer.Option(help="First N documents only.")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Parallel workers.")] = 1,
    backend: Annotated[str, typer.Option(help="local (process pool) or ray.")] = "local",
    ray_address: Annotated[Optional[str], typer.Option(help="Ray cluster address (default: a local Ray instance).")] = None,
    cache_dir: Annotated[Optional[Path], typer.Option(help="OCR cache folder (content-hash keys).")] = Path(".cache/ocr"),
    no_cache: Annotated[bool, typer.Option(help="Do not read or write the OCR cache.")] = False,
    tolerance: Annotated[float, typer.Option(help="Numeric tolerance for amounts.")] = 0.005,
    fuzzy_threshold: Annotated[float, typer.Option(help="Similarity (0–1) at which a text counts as a fuzzy match.")] = 0.8,
    gold: Annotated[Optional[Path], typer.Option(help="HAS gold folder (--dataset has only; see docs/has.md).")] = None,
) -> None:
    """Evaluate an engine configuration on a dataset: predictions.jsonl, metrics.json, report.md, report.html
    (``--dataset has``: has.json and has.md, statements and decision trees against the HAS gold)."""
    from ..evaluation.runner import run_eval
    from ..evaluation.scoring import ScoringOptions
    from ..evaluation.worker import EvalJob

    settings = load_settings(datasets_dir=data_dir)
    if dataset == "has":
        _run_has(settings, gold, output)
        return
    job = EvalJob(dataset=str(dataset), engine=engine, ocr_engine=ocr_engine, settings=settings, schema=schema,
                  scoring=ScoringOptions(tolerance, fuzzy_threshold),
                  cache_dir=None if no_cache or cache_dir is None else str(cache_dir))
    try:
        metrics = run_eval(job, output, limit=limit, workers=workers, backend=backend, ray_address=ray_address)
    except SocratextError as error:
        report(error)
        raise typer.Exit(error.exit_code) from None
    averages = metrics["averages"]["exact"]
    scores = (f"micro F1 {averages['micro']['f1']:.3f}, macro F1 {averages['macro_f1']:.3f}"
              if metrics["fields"] else ", ".join(f"{k} {v}" for k, v in metrics["ocr"].items()))
    if metrics.get("tables"):
        scores = "tables: " + json.dumps(metrics["tables"])
    print(f"{metrics['documents']} documents, {metrics['failures']} failed; {scores}; report: {output / 'report.html'}")


def _run_has(settings, gold: Path | None, output: Path) -> None:
    from ..evaluation.has_gold import build_has_gold
    from ..evaluation.has_run import run_has_eval

    try:
        metrics = run_has_eval(settings, gold or build_has_gold(settings, HAS_GOLD_BUILD), output)
    except SocratextError as error:
        report(error)
        raise typer.Exit(error.exit_code) from None
    print(json.dumps(metrics["scores"], indent=2))


@eval_app.command("compare")
def eval_compare(
    before: Annotated[Path, typer.Argument(help="Reference run folder.")],
    after: Annotated[Path, typer.Argument(help="Candidate run folder.")],
    threshold: Annotated[float, typer.Option(help="Largest allowed F1 drop of any field.")] = 0.02,
    mode: Annotated[str, typer.Option(help="exact or fuzzy scores.")] = "exact",
) -> None:
    """Per-field F1 deltas; exits 20 when a field drops more than the threshold (a CI quality guard)."""
    from ..evaluation.compare import compare_runs, load_metrics, regressions

    try:
        rows = compare_runs(load_metrics(before), load_metrics(after), mode)
    except SocratextError as error:
        report(error)
        raise typer.Exit(error.exit_code) from None
    print(f"{'field':32} {'before':>8} {'after':>8} {'delta':>8}")
    for row in rows:
        cells = [f"{v:8.3f}" if isinstance(v, float) else f"{'—':>8}" for v in (row.before, row.after, row.delta)]
        print(f"{row.field:32} {' '.join(cells)}")
    dropped = regressions(rows, threshold)
    if dropped:
        report(QualityRegressionError(f"{len(dropped)} field(s) dropped more than {threshold}: "
                                      + ", ".join(row.field for row in dropped)))
        raise typer.Exit(QualityRegressionError.exit_code)


@eval_app.command("check-gold")
def eval_check_gold(
    folder: Annotated[Path, typer.Argument(help="Folder of documents with <name>.json gold beside each.")],
    schema: Annotated[Optional[str], typer.Option(help="Document type (default: dataset.json in the folder).")] = None,
) -> None:
    """Check every gold JSON of a folder against its document type's schema."""
    from ..evaluation.datasets import FolderDataset
    from ..evaluation.gold import document_gold_pairs, gold_problems, read_gold
    from ..extract.pipeline import resolve_doctype

    settings = load_settings()
    try:
        dataset = FolderDataset(settings, folder, schema)
        doctype = resolve_doctype(dataset.schema, settings)
        pairs = document_gold_pairs(folder)
    except SocratextError as error:
        report(error)
        raise typer.Exit(error.exit_code) from None

    def check(gold_path: Path) -> None:
        problems = gold_problems(read_gold(gold_path), doctype)
        if problems:
            raise SocratextError(f"{gold_path.name}: {len(problems)} problem(s): " + "; ".join(problems[:5]),
                                 hint=f"fix it against `socratext schemas show {doctype.name}`")
        print(f"{gold_path.name}: ok")

    outcome = run_batch([gold for _, gold in pairs], check)
    print(f"{len(outcome.done)} of {len(pairs)} gold files valid against {doctype.name}")
    raise typer.Exit(14 if outcome.failed else 0)


@eval_app.command("fit-links")
def eval_fit_links(
    output: Annotated[Path, typer.Option("--output", "-o", help="Linker to write (the package's: "
                                         "socratext_llm/extract/data/form_links.json).")],
    data_dir: Annotated[Path | None, typer.Option(help="Datasets folder (default SOCRATEXT_DATASETS_DIR).")] = None,
    results: Annotated[Path, typer.Option(help="Folder for form_links.json (figures).")] = Path("eval/results"),
    cache_dir: Annotated[Path | None, typer.Option(help="OCR cache folder (content-hash keys).")] = Path(".cache/ocr"),
    limit: Annotated[int | None, typer.Option(help="First N forms only.")] = None,
) -> None:
    """Fit the form linker (which line is the key of which value, for `form_kv`) on FUNSD's annotated forms read
    by our OCR; prints and writes its pairs F1, held out (two folds) and in sample, on our OCR's reading and on
    the dataset's."""
    import tempfile

    from ..evaluation.link_fitting import fit_and_measure

    settings = load_settings()
    if data_dir is not None:
        settings = settings.model_copy(update={"datasets_dir": data_dir})
    try:
        with tempfile.TemporaryDirectory(prefix="socratext-links-") as folder:
            model, figures = fit_and_measure(settings, cache_dir, Path(folder), limit)
    except SocratextError as error:
        report(error)
        raise typer.Exit(error.exit_code) from None
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(model.model_dump_json(indent=1) + "\n", encoding="utf-8")
    results.mkdir(parents=True, exist_ok=True)
    (results / "form_links.json").write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    ours, dataset = figures["our_ocr"], figures["dataset_ocr"]
    print(f"{figures['forms']} forms: pairs F1 with our OCR held out {ours['held_out']['f1']} (precision "
          f"{ours['held_out']['precision']}, recall {ours['held_out']['recall']}), in sample "
          f"{ours['in_sample']['f1']}; with the dataset's OCR held out {dataset['held_out']['f1']}, in sample "
          f"{dataset['in_sample']['f1']}; linker written to {output}")


@eval_app.command("calibrate")
def eval_calibrate(
    runs: Annotated[list[Path], typer.Argument(help="Run folders of `socratext eval run` (datasets with gold).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Calibration map to write (the package's: "
                                         "socratext_llm/extract/data/calibration.json).")],
    results: Annotated[Path, typer.Option(help="Folder for calibration.json and calibration.md (figures).")] = Path("eval/results"),
    specimens: Annotated[bool, typer.Option(help="Also list the fr_specimens values shown as valid with the new map.")] = True,
    cache_dir: Annotated[Optional[Path], typer.Option(help="OCR cache folder for the specimens.")] = Path(".cache/ocr"),
) -> None:
    """Fit the confidence calibration (isotonic) on runs' values and choose the review threshold; writes the
    map, and the held-out and in-sample ECE and precision above the threshold per dataset."""
    from ..evaluation.calibration import calibrate, calibration_markdown, specimen_markdown, specimen_review
    from ..evaluation.report import reliability_svg

    try:
        calibration, figures = calibrate(runs)
    except SocratextError as error:
        report(error)
        raise typer.Exit(error.exit_code) from None
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(calibration.as_dict(), indent=1) + "\n", encoding="utf-8")
    results.mkdir(parents=True, exist_ok=True)
    markdown = calibration_markdown(figures)
    settings = load_settings()
    if specimens and (settings.datasets_dir / "fr_specimens").is_dir():
        settings = settings.model_copy(update={"calibration_file": output, "review_threshold": None})
        figures["fr_specimens"] = specimen_review(settings, cache_dir)
        markdown += specimen_markdown(figures["fr_specimens"])
    (results / "calibration.json").write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (results / "calibration.md").write_text(markdown, encoding="utf-8")
    for name, summary in figures["held_out"].items():
        if summary:
            slug = re.sub(r"[^A-Za-z0-9_-]+", "_", name).strip("_")  # "sroie (gold OCR)" -> sroie_gold_OCR
            (results / f"calibration-{slug}.svg").write_text(
                reliability_svg(summary) + "\n", encoding="utf-8")
    for name, summary in figures["held_out"].items():
        above = (summary or {}).get("above_threshold") or {}
        print(f"{name}: held-out ECE {summary and summary['ece']}, precision above {figures['review_threshold']}: "
              f"{above.get('precision')}")
    print(f"map written to {output} (review threshold {figures['review_threshold']})")

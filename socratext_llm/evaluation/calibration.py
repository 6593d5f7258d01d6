"""Fitting the confidence calibration on evaluation runs (`socratext eval calibrate`), and measuring it.

Every value a run showed with a confidence is a point: its raw score (recorded by the worker) and whether
it was right (exact match with the gold). Every dataset weighs alike in the fit, however many values it
has (``dataset_weights``). Documents of each run are sorted by id and split by parity:
a map fitted on the even-indexed documents of every run is measured on the odd ones (held out), the
review threshold is the lowest that keeps the held-out values above it right at least ``TARGET_PRECISION``
of the time, pooled and on every dataset with enough of them, and the map shipped is refitted on all
documents (its in-sample figures are reported beside the held-out ones). Held-out ECE and precision come
with 95 % bootstrap intervals over documents (``bootstrap_interval``): a set of eleven invoices is reported
with how little it can tell.
"""
from __future__ import annotations

import json
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import DatasetError
from ..extract.confidence import CalibrationMap, fit_isotonic
from ..metrics import expected_calibration_error, precision_above
from .metrics import calibration_summary
from .runner import CONFIG, PREDICTIONS

TARGET_PRECISION = 0.95
MIN_VALUES_ABOVE = 50  # fewer values cannot tell 95 % from 90 % (one standard error is 3 %); such sets are reported, not used
THRESHOLD_GRID = [round(0.5 + step / 100, 2) for step in range(50)]  # 0.50 … 0.99
BOOTSTRAP_ROUNDS = 1000


@dataclass(frozen=True)
class RunPoints:
    """The values of one run: its dataset, and per document (sorted by id) its (raw score, right) pairs."""

    run: str
    job: dict
    documents: list[tuple[str, list[tuple[float, bool]]]]

    @property
    def dataset(self) -> str:
        """The dataset's name, with its OCR when it is not ours ('sroie (gold OCR)': the dataset's own)."""
        name, ocr = str(self.job.get("dataset")), self.job.get("ocr_engine")
        return name if ocr in (None, "rapidocr") else f"{name} ({ocr} OCR)"

    def part(self, parity: int | None) -> tuple[list[float], list[bool]]:
        """Scores and outcomes of the even (0), odd (1) or all (None) documents."""
        chosen = [points for index, (_, points) in enumerate(self.documents) if parity is None or index % 2 == parity]
        pairs = [pair for points in chosen for pair in points]
        return [score for score, _ in pairs], [right for _, right in pairs]


def read_run(run_dir: Path) -> RunPoints:
    predictions, config = Path(run_dir) / PREDICTIONS, Path(run_dir) / CONFIG
    if not predictions.is_file() or not config.is_file():
        raise DatasetError(f"{run_dir} holds no evaluation run", hint="run `socratext eval run ... -o RUN_DIR` first")
    job = json.loads(config.read_text(encoding="utf-8"))["job"]
    documents = []
    for line in predictions.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        points = [(float(o["raw_confidence"]), bool(o["exact"])) for o in record.get("fields", [])
                  if "raw_confidence" in o]
        documents.append((record["id"], points))
    if not any(points for _, points in documents):
        raise DatasetError(f"{run_dir} records no confidence", hint="rerun it with this version (`eval run`)")
    return RunPoints(str(run_dir), job, sorted(documents))


def _measure(runs: list[RunPoints], calibration: CalibrationMap, parity: int | None, threshold: float) -> dict:
    """Per dataset: the calibration summary of the chosen documents' values through the map."""
    by_dataset: dict[str, tuple[list[float], list[bool]]] = {}
    for run in runs:
        scores, outcomes = run.part(parity)
        confidences, rights = by_dataset.setdefault(run.dataset, ([], []))
        confidences += [calibration(score) for score in scores]
        rights += outcomes
    return {name: calibration_summary(confidences, rights, threshold) for name, (confidences, rights) in by_dataset.items()}


def choose_threshold(runs: list[RunPoints], calibration: CalibrationMap, parity: int | None,
                     target: float = TARGET_PRECISION) -> float:
    """The lowest threshold of the grid at which the values at or above it are right at least ``target``
    of the time, pooled and in every dataset with at least ``MIN_VALUES_ABOVE`` of them above it."""
    for threshold in THRESHOLD_GRID:
        summaries = [s["above_threshold"] for s in _measure(runs, calibration, parity, threshold).values() if s]
        kept = sum(s["values"] for s in summaries)
        right = sum(s["values"] * (s["precision"] or 0.0) for s in summaries)
        if kept and right / kept >= target and all(
                s["values"] < MIN_VALUES_ABOVE or s["precision"] >= target for s in summaries):
            return threshold
    return THRESHOLD_GRID[-1]


def dataset_weights(sizes: Mapping[str, int]) -> dict[str, float]:
    """Each value's weight in the fit so that every dataset weighs alike (a set of 1,500 generated values
    must not decide the map alone): ``total / (datasets × size)``, so the weights still sum to the values."""
    kept = {name: size for name, size in sizes.items() if size > 0}
    total = sum(kept.values())
    return {name: total / (len(kept) * size) for name, size in kept.items()}


def _fit(runs: list[RunPoints], parity: int | None, threshold: float, fitted_on: list) -> CalibrationMap:
    by_dataset: dict[str, tuple[list[float], list[bool]]] = {}
    for run in runs:
        part_scores, part_outcomes = run.part(parity)
        scores, outcomes = by_dataset.setdefault(run.dataset, ([], []))
        scores += part_scores
        outcomes += part_outcomes
    weight = dataset_weights({name: len(scores) for name, (scores, _) in by_dataset.items()})
    scores, outcomes, weights = [], [], []
    for name, (part_scores, part_outcomes) in by_dataset.items():
        scores += part_scores
        outcomes += part_outcomes
        weights += [weight.get(name, 1.0)] * len(part_scores)
    return fit_isotonic(scores, outcomes, threshold, fitted_on, weights)


def bootstrap_interval(documents: Sequence[Sequence[tuple[float, bool]]], statistic: Callable[[list, list], float | None],
                       rounds: int = BOOTSTRAP_ROUNDS, seed: int = 0, level: float = 0.95) -> tuple[float, float] | None:
    """The ``level`` percentile interval of a statistic of (confidences, outcomes) over documents drawn with
    replacement (values of one document are not independent: the document is the unit drawn). None when
    the statistic is undefined on every draw."""
    if not documents:
        return None
    generator = random.Random(seed)
    found = []
    for _ in range(rounds):
        drawn = [pair for _ in documents for pair in documents[generator.randrange(len(documents))]]
        value = statistic([c for c, _ in drawn], [o for _, o in drawn]) if drawn else None
        if value is not None:
            found.append(value)
    if not found:
        return None
    found.sort()
    low, high = (1 - level) / 2, 1 - (1 - level) / 2
    return (round(found[int(low * (len(found) - 1))], 4), round(found[int(round(high * (len(found) - 1)))], 4))


def _intervals(runs: list[RunPoints], calibration: CalibrationMap, parity: int | None, threshold: float) -> dict:
    """Per dataset: 95 % bootstrap intervals (documents drawn) of the ECE and of the precision above the threshold."""
    by_dataset: dict[str, list[list[tuple[float, bool]]]] = {}
    for run in runs:
        chosen = [points for index, (_, points) in enumerate(run.documents) if parity is None or index % 2 == parity]
        by_dataset.setdefault(run.dataset, []).extend(
            [[(calibration(score), right) for score, right in points] for points in chosen if points])

    def precision(confidences, outcomes):
        return precision_above(confidences, outcomes, threshold)["precision"]

    return {name: {"documents": len(documents),
                   "ece_95": bootstrap_interval(documents, expected_calibration_error),
                   "precision_above_95": bootstrap_interval(documents, precision)}
            for name, documents in by_dataset.items()}


def calibrate(run_dirs: list[Path]) -> tuple[CalibrationMap, dict]:
    """The map to ship (fitted on every document, with the threshold chosen on held-out documents) and
    the figures: per dataset, held-out (fit on even, measure on odd) and in-sample (fit and measure on all)."""
    runs = [read_run(path) for path in run_dirs]
    fitted_on = [{"run": run.run, "dataset": run.dataset, "engine": run.job.get("engine"),
                  "ocr_engine": run.job.get("ocr_engine"), "documents": len(run.documents),
                  "values": len(run.part(None)[0])} for run in runs]
    held_out_map = _fit(runs, 0, 0.0, fitted_on)
    threshold = choose_threshold(runs, held_out_map, 1)  # chosen where the map was not fitted
    shipped = _fit(runs, None, threshold, fitted_on)
    identity = CalibrationMap()
    figures = {
        "split": "documents of each run sorted by id: the map is fitted on the even-indexed ones and measured "
                 "on the odd ones (held out); the shipped map is refitted on all of them (in sample)",
        "weighting": "each dataset weighs alike in the fit (a value weighs total values / (datasets × its "
                     "dataset's values)), so that the largest set does not decide the map alone",
        "target_precision_above_threshold": TARGET_PRECISION,
        "review_threshold": threshold,
        "threshold_rule": f"lowest of {THRESHOLD_GRID[0]}…{THRESHOLD_GRID[-1]} (step 0.01) at which the held-out values "
                          f"(map fitted on even documents, odd ones measured) at or above it are right at least {TARGET_PRECISION:.0%} of the time, pooled and on every "
                          f"dataset with at least {MIN_VALUES_ABOVE} values above it",
        "fitted_on": fitted_on,
        "held_out": _measure(runs, held_out_map, 1, threshold),
        "held_out_intervals": _intervals(runs, held_out_map, 1, threshold),
        "in_sample": _measure(runs, shipped, None, threshold),
        "uncalibrated_raw_score": _measure(runs, identity, None, threshold),
    }
    return shipped, figures


def _interval(pair) -> str:
    return f"{pair[0]:.3f}–{pair[1]:.3f}" if pair else "—"


def calibration_markdown(figures: dict) -> str:
    """The figures for people: ECE and precision above the threshold per dataset, held out (with their 95 %
    intervals over documents) and in sample."""
    out = ["# Confidence calibration", "",
           f"Written by `socratext eval calibrate` (see docs/confidence.md). {figures['split']}. "
           f"{figures['weighting']}.", "",
           f"Review threshold **{figures['review_threshold']}**: {figures['threshold_rule']}.", "",
           "The 95 % intervals draw the held-out documents with replacement (1,000 draws): a set of a few "
           "documents cannot pin its ECE or its precision down, and says so there.", "",
           "| dataset | values | right | ECE held out (95 % interval) | ECE in sample | ECE raw score "
           "| above threshold (held out) | precision above, held out (95 % interval) | precision above (in sample) |",
           "|---|---|---|---|---|---|---|---|---|"]
    for name, in_sample in figures["in_sample"].items():
        held, raw = figures["held_out"].get(name) or {}, figures["uncalibrated_raw_score"].get(name) or {}
        intervals = figures.get("held_out_intervals", {}).get(name, {})
        held_above, in_above = held.get("above_threshold", {}), in_sample["above_threshold"]
        out.append(f"| {name} | {in_sample['values']} | {in_sample['accuracy']:.3f} | {held.get('ece', '—')} "
                   f"({_interval(intervals.get('ece_95'))}) | {in_sample['ece']} | {raw.get('ece', '—')} | "
                   f"{held_above.get('values', '—')} ({held_above.get('share', 0) or 0:.0%}) | "
                   f"{held_above.get('precision')} ({_interval(intervals.get('precision_above_95'))}) | "
                   f"{in_above['precision']} |")
    out += ["", "Fitted on:", ""]
    out += [f"- `{run['run']}`: {run['dataset']}, engine {run['engine']}, OCR {run['ocr_engine']}, "
            f"{run['documents']} documents, {run['values']} values" for run in figures["fitted_on"]]
    for name, summary in figures["held_out"].items():
        if summary:
            out += ["", f"## {name}: reliability, held out", "",
                    "| confidence | values | mean confidence | share right |", "|---|---|---|---|"]
            out += [f"| {row['low']:.1f}–{row['high']:.1f} | {row['count']} | {row['mean_confidence']:.3f} | "
                    f"{row['accuracy']:.3f} |" for row in summary["reliability"]]
    return "\n".join(out) + "\n"


def specimen_review(settings, cache_dir: Path | None) -> dict:
    """Every fr_specimens document through `auto` and the rules engine: the values shown as valid
    (no failed check, confidence at or above the threshold), for a person to judge against the page
    (the specimens have no verified gold), and those among them that read as printed labels."""
    from ..datasets.french_sets import iter_specimens
    from ..extract.classify import decide_doctype, label_vocabularies
    from ..extract.confidence import value_problems
    from ..extract.pipeline import extract_document
    from ..extract.result import value_at
    from ..extract.schemas import SchemaRegistry
    from ..ocr_cache import cached_ocr
    from ..pipeline import OcrOptions
    from .label_audit import label_values

    registry = SchemaRegistry(settings)
    vocabularies = list(label_vocabularies(registry).values())
    rows = []
    for path, _ in iter_specimens(settings):
        document = cached_ocr(path, OcrOptions(), settings, cache_dir)
        decision = decide_doctype(document, registry, settings.doctype_detector)
        doctype = registry.get(decision.schema_name)
        result = extract_document(document, doctype, "rules", settings, decision)
        shown = [pointer for pointer, problems in value_problems(result).items() if not problems]
        labels = set(label_values(result, vocabularies, doctype))
        rows.append({"file": f"{path.parent.name}/{path.name}", "schema": doctype.name, "status": result.status,
                     "values": len(result.evidence), "shown_valid": {p: value_at(result.data, p) for p in shown},
                     "labels_shown_valid": sorted(labels & set(shown))})
    return {"files": len(rows), "values": sum(r["values"] for r in rows),
            "shown_valid": sum(len(r["shown_valid"]) for r in rows),
            "labels_shown_valid": sum(len(r["labels_shown_valid"]) for r in rows), "rows": rows}


def specimen_markdown(review: dict) -> str:
    out = ["", "## fr_specimens: values shown as valid", "",
           f"{review['files']} specimens, {review['values']} values, {review['shown_valid']} shown \"✔ valide\" "
           f"(the others \"à vérifier\"); printed labels among them: {review['labels_shown_valid']}. The specimens "
           "have no verified gold: each value below is to be judged against its page (see docs/confidence.md).", "",
           "| specimen | type | status | values shown valid |", "|---|---|---|---|"]
    for row in review["rows"]:
        shown = "; ".join(f"{p.strip('/')} = {json.dumps(v, ensure_ascii=False)[:60]}" for p, v in row["shown_valid"].items())
        out.append(f"| {row['file']} | {row['schema']} | {row['status']} | {shown.replace('|', '/') or '—'} |")
    return "\n".join(out) + "\n"

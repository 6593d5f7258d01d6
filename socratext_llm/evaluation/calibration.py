"""Fitting the confidence calibration on evaluation runs (`socratext eval calibrate`), and measuring it.

Every value a run showed with a confidence is a point: its raw score (recorded by the worker) and whether
it was right (exact match with the gold). Every dataset weighs alike in a fit, however many values it has
(``dataset_weights``); a document type with enough values of its own gets its own map beside the map of
every type (``types_fitted_apart``). Documents of each run are sorted by id and split by parity into two
folds: each half is measured through the map fitted on the other (held out). The review threshold is the
lowest that keeps the values above it right at least ``TARGET_PRECISION`` of the time, held out and in
sample, pooled and on every dataset with enough of them; the map shipped is fitted on all documents.
The held-out ECE comes with a 95 % bootstrap interval over documents (``bootstrap_interval``), the precision
above the threshold with its Wilson interval (``wilson_interval``): a set of eleven invoices is reported
with how little it can tell.
"""
from __future__ import annotations

import json
import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import DatasetError
from ..extract.confidence import CalibrationMap, fit_isotonic
from ..metrics import expected_calibration_error
from .metrics import calibration_summary
from .runner import CONFIG, PREDICTIONS

TARGET_PRECISION = 0.95
MIN_VALUES_ABOVE = 50  # fewer values cannot tell 95 % from 90 % (one standard error is 3 %); such sets are reported, not used
THRESHOLD_GRID = [round(0.5 + step / 100, 2) for step in range(50)]  # 0.50 … 0.99
BOOTSTRAP_ROUNDS = 1000
MIN_TYPE_VALUES = 300  # a document type with this many values gets its own map (fewer: the map of every type)


@dataclass(frozen=True)
class RunPoints:
    """The values of one run: its dataset, and per document (sorted by id) its document type and its
    (raw score, right) pairs."""

    run: str
    job: dict
    documents: list[tuple[str, str | None, list[tuple[float, bool]]]]

    @property
    def dataset(self) -> str:
        """The dataset's name, with its OCR when it is not ours ('sroie (gold OCR)': the dataset's own)."""
        name, ocr = str(self.job.get("dataset")), self.job.get("ocr_engine")
        return name if ocr in (None, "rapidocr") else f"{name} ({ocr} OCR)"

    def part(self, parity: int | None, kept: Callable[[str | None], bool] = lambda kind: True
             ) -> tuple[list[float], list[bool]]:
        """Scores and outcomes of the even (0), odd (1) or all (None) documents whose type is ``kept``."""
        pairs = [pair for index, (_, kind, points) in enumerate(self.documents)
                 if (parity is None or index % 2 == parity) and kept(kind) for pair in points]
        return [score for score, _ in pairs], [right for _, right in pairs]

    def typed(self) -> list[tuple[str | None, list[tuple[float, bool]]]]:
        """Each document's type and points, in order."""
        return [(kind, points) for _, kind, points in self.documents]


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
        documents.append((record["id"], record.get("schema") or job.get("schema"), points))
    if not any(points for _, _, points in documents):
        raise DatasetError(f"{run_dir} records no confidence", hint="rerun it with this version (`eval run`)")
    return RunPoints(str(run_dir), job, sorted(documents, key=lambda document: document[0]))


def types_fitted_apart(runs: list[RunPoints], least: int = MIN_TYPE_VALUES) -> list[str]:
    """The document types with at least ``least`` values over all runs: each gets a map of its own
    (a receipt read by OCR is not right as often as a generated payslip with the same signals)."""
    counts: dict[str, int] = {}
    for run in runs:
        for kind, points in run.typed():
            if kind:
                counts[kind] = counts.get(kind, 0) + len(points)
    return sorted(kind for kind, count in counts.items() if count >= least)


Maps = tuple[CalibrationMap, CalibrationMap]  # the map for the even-indexed documents, the one for the odd ones


def _documents(runs: list[RunPoints], maps: Maps) -> dict[str, list[list[tuple[float, bool]]]]:
    """Per dataset, per document: (confidence, right) of each value, through the map its parity is given
    (its document type's map, where the type has one)."""
    by_dataset: dict[str, list[list[tuple[float, bool]]]] = {}
    for run in runs:
        documents = by_dataset.setdefault(run.dataset, [])
        for index, (kind, points) in enumerate(run.typed()):
            calibration = maps[index % 2].for_type(kind)
            documents.append([(calibration(score), right) for score, right in points])
    return by_dataset


def _measure(runs: list[RunPoints], maps: Maps, threshold: float) -> dict:
    """Per dataset: the calibration summary of every document's values through the map its parity is given."""
    out = {}
    for name, documents in _documents(runs, maps).items():
        pairs = [pair for points in documents for pair in points]
        out[name] = calibration_summary([c for c, _ in pairs], [r for _, r in pairs], threshold)
    return out


def choose_threshold(runs: list[RunPoints], measured: list[Maps], target: float = TARGET_PRECISION) -> float:
    """The lowest threshold of the grid at which the values at or above it are right at least ``target``
    of the time, pooled and in every dataset with at least ``MIN_VALUES_ABOVE`` of them above it, under
    each of the ``measured`` pairs of maps (held out, and in sample)."""
    for threshold in THRESHOLD_GRID:
        if all(_precise_enough(_measure(runs, maps, threshold), target) for maps in measured):
            return threshold
    return THRESHOLD_GRID[-1]


def _precise_enough(figures: dict, target: float) -> bool:
    summaries = [s["above_threshold"] for s in figures.values() if s]
    kept = sum(s["values"] for s in summaries)
    right = sum(s["values"] * (s["precision"] or 0.0) for s in summaries)
    return bool(kept) and right / kept >= target and all(
        s["values"] < MIN_VALUES_ABOVE or s["precision"] >= target for s in summaries)


def dataset_weights(sizes: Mapping[str, int]) -> dict[str, float]:
    """Each value's weight in the fit so that every dataset weighs alike (a set of 1,500 generated values
    must not decide the map alone): ``total / (datasets × size)``, so the weights still sum to the values."""
    kept = {name: size for name, size in sizes.items() if size > 0}
    total = sum(kept.values())
    return {name: total / (len(kept) * size) for name, size in kept.items()}


def _fit_one(runs: list[RunPoints], parity: int | None, kept: Callable[[str | None], bool], threshold: float,
             fitted_on: list) -> CalibrationMap:
    """One map on the chosen documents whose type is ``kept``, every dataset weighing alike."""
    by_dataset: dict[str, tuple[list[float], list[bool]]] = {}
    for run in runs:
        part_scores, part_outcomes = run.part(parity, kept)
        if not part_scores:
            continue
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


def _fit(runs: list[RunPoints], parity: int | None, threshold: float, fitted_on: list, apart: list[str]) -> CalibrationMap:
    """The maps of the types fitted apart, and beside them the map of every other type (fitted on the values
    of the types not fitted apart: forms linked badly must not lower payslips; on all values when there are
    no others), which any type absent from the runs uses too."""
    others = _fit_one(runs, parity, lambda kind: kind not in apart, threshold, fitted_on)
    if not others.xs:
        others = _fit_one(runs, parity, lambda kind: True, threshold, fitted_on)
    own = tuple((kind, _fit_one(runs, parity, lambda found, kind=kind: found == kind, threshold, [])) for kind in apart)
    return replace(others, by_type=tuple((kind, calibration) for kind, calibration in own if calibration.xs))


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
    return (round(found[int(low * (len(found) - 1))], 4), round(found[round(high * (len(found) - 1))], 4))


def _intervals(runs: list[RunPoints], maps: Maps, threshold: float) -> dict:
    """Per dataset: the 95 % interval of the ECE (bootstrap, documents drawn) and of the precision above the
    threshold (Wilson: a bootstrap of values all right would say 1.00–1.00)."""

    out = {}
    for name, documents in _documents(runs, maps).items():
        above = [right for points in documents for confidence, right in points if confidence >= threshold]
        confidences = [confidence for points in documents for confidence, _ in points]
        out[name] = {"documents": len(documents),
                     "ece_95": bootstrap_interval([d for d in documents if d], expected_calibration_error),
                     "ece_if_calibrated": ece_by_chance(confidences),
                     "precision_above_95": wilson_interval(sum(above), len(above))}
    return out


def ece_by_chance(confidences: Sequence[float], rounds: int = BOOTSTRAP_ROUNDS, seed: int = 0) -> dict | None:
    """The ECE a perfectly calibrated map would show on these confidences by chance alone (each value right
    with its confidence's probability): its mean and 95th percentile. On 60 values it is about 0.06: an ECE
    target of 0.05 cannot be told apart there."""
    if not confidences:
        return None
    generator = random.Random(seed)
    found = sorted(expected_calibration_error(confidences, [generator.random() < c for c in confidences])
                   for _ in range(rounds))
    return {"mean": round(sum(found) / len(found), 4), "p95": round(found[int(0.95 * (len(found) - 1))], 4)}


def wilson_interval(right: int, count: int, z: float = 1.96) -> tuple[float, float] | None:
    """The Wilson score interval of a share right (95 % by default): 34 right of 34 is 0.90–1.00, not 1.00."""
    if count <= 0:
        return None
    share = right / count
    centre = share + z * z / (2 * count)
    spread = z * math.sqrt(share * (1 - share) / count + z * z / (4 * count * count))
    scale = 1 + z * z / count
    return (round(max(0.0, (centre - spread) / scale), 4), round(min(1.0, (centre + spread) / scale), 4))


def calibrate(run_dirs: list[Path]) -> tuple[CalibrationMap, dict]:
    """The map to ship (fitted on every document, with the threshold chosen on held-out documents) and
    the figures: per dataset, held-out (fit on even, measure on odd) and in-sample (fit and measure on all)."""
    runs = [read_run(path) for path in run_dirs]
    fitted_on = [{"run": run.run, "dataset": run.dataset, "engine": run.job.get("engine"),
                  "ocr_engine": run.job.get("ocr_engine"), "documents": len(run.documents),
                  "values": len(run.part(None)[0])} for run in runs]
    apart = types_fitted_apart(runs)
    # two folds: the even documents measured through the map fitted on the odd ones, and the other way round
    held_out: Maps = (_fit(runs, 1, 0.0, fitted_on, apart), _fit(runs, 0, 0.0, fitted_on, apart))
    every = _fit(runs, None, 0.0, fitted_on, apart)
    threshold = choose_threshold(runs, [held_out, (every, every)])
    shipped = replace(every, review_threshold=threshold,
                      by_type=tuple((kind, replace(own, review_threshold=threshold)) for kind, own in every.by_type))
    identity = CalibrationMap()
    figures = {
        "split": "Documents of each run sorted by id; held out: the even-indexed ones measured through the map "
                 "fitted on the odd ones and the odd ones through the map fitted on the even ones (two folds); "
                 "the shipped map is fitted on all of them (in sample)",
        "weighting": "Each dataset weighs alike in the fit (a value weighs total values / (datasets × its "
                     "dataset's values)), so that the largest set does not decide the map alone",
        "types_fitted_apart": apart,
        "grouping": f"A document type with at least {MIN_TYPE_VALUES} values over all runs gets a map of its own "
                    f"({', '.join(apart) or 'none'}); every other type (and any type absent from the runs) shares "
                    f"the map fitted on the values of the types not fitted apart",
        "target_precision_above_threshold": TARGET_PRECISION,
        "review_threshold": threshold,
        "threshold_rule": f"lowest of {THRESHOLD_GRID[0]}…{THRESHOLD_GRID[-1]} (step 0.01) at which the values at or "
                          f"above it are right at least {TARGET_PRECISION:.0%} of the time, held out and in sample, "
                          f"pooled and on every dataset with at least {MIN_VALUES_ABOVE} values above it",
        "fitted_on": fitted_on,
        "held_out": _measure(runs, held_out, threshold),
        "held_out_intervals": _intervals(runs, held_out, threshold),
        "in_sample": _measure(runs, (shipped, shipped), threshold),
        "uncalibrated_raw_score": _measure(runs, (identity, identity), threshold),
    }
    return shipped, figures


def _interval(pair) -> str:
    return f"{pair[0]:.3f}–{pair[1]:.3f}" if pair else "—"


def calibration_markdown(figures: dict) -> str:
    """The figures for people: ECE and precision above the threshold per dataset, held out (with their 95 %
    intervals over documents) and in sample."""
    out = ["# Confidence calibration", "",
           f"Written by `socratext eval calibrate` (see docs/confidence.md). {figures['split']}. "
           f"{figures['weighting']}. {figures['grouping']}.", "",
           f"Review threshold **{figures['review_threshold']}**: {figures['threshold_rule']}.", "",
           "95 % intervals: for the ECE, held-out documents drawn with replacement (1,000 draws); for the "
           "precision, the Wilson interval of the share right. A set of a few documents cannot pin either "
           "down, and says so there; the ECE a perfectly calibrated map would show by chance on the same "
           "confidences (each value right with its confidence's probability, 1,000 draws) says what ECE the set "
           "can tell apart.", "",
           "| dataset | values | right | ECE held out (95 % interval) | ECE if perfectly calibrated (mean, 95th pct) "
           "| ECE in sample | ECE raw score | above threshold (held out) | precision above, held out (95 % interval) "
           "| precision above (in sample) |",
           "|---|---|---|---|---|---|---|---|---|---|"]
    for name, in_sample in figures["in_sample"].items():
        held, raw = figures["held_out"].get(name) or {}, figures["uncalibrated_raw_score"].get(name) or {}
        intervals = figures.get("held_out_intervals", {}).get(name, {})
        held_above, in_above = held.get("above_threshold", {}), in_sample["above_threshold"]
        chance = intervals.get("ece_if_calibrated") or {}
        out.append(f"| {name} | {in_sample['values']} | {in_sample['accuracy']:.3f} | {held.get('ece', '—')} "
                   f"({_interval(intervals.get('ece_95'))}) | {chance.get('mean', '—')}, {chance.get('p95', '—')} | "
                   f"{in_sample['ece']} | {raw.get('ece', '—')} | "
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

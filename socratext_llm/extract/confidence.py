"""Each value's confidence: a raw score from its signals, mapped through a calibration fitted on evaluation runs.

The raw score (``raw_score``) orders values by how much their signals vouch for them: a value beside its
label, passing its validator, read from confident OCR, found in the text, confirmed by a second engine or
read from an MRZ or 2D-Doc scores high; a failed check pulls it down. It is not a probability. The
calibration map (isotonic regression, ``fit_isotonic``) turns it into one: the share of values with that
score that were right on the runs it was fitted on (``socratext eval calibrate``). The fitted map ships as
``data/calibration.json``, with the runs it was fitted on and the review threshold chosen from them.
Everything here is a pure function of its arguments, except ``load_calibration`` and ``shipped_calibration``
which read a map's file (once per version of it).
"""
from __future__ import annotations

import bisect
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

CALIBRATION_FILE = Path(__file__).with_name("data") / "calibration.json"
DEFAULT_REVIEW_THRESHOLD = 0.9  # used only when no calibration file says which threshold its data chose
CHECK_KINDS_THAT_COUNT = ("domain", "consistency", "grounding", "schema", "engine")
LOW_CONFIDENCE = "low_confidence"

# log-odds each signal adds; hand-set to order values, the calibration map makes them probabilities
BIAS = -1.0
LABEL_WEIGHT = 2.5  # times label_score (0 found by form alone, 1 beside its label)
UNKNOWN_LABEL_SCORE = 0.5  # an engine that does not say how it found the value (an LLM citing no label)
VALIDATOR = {True: 1.5, False: -3.0}
OCR_WEIGHT = 3.0  # times (ocr_confidence - 1): a word read at 0.6 costs 1.2
GROUNDING = {"line": 1.0, "exact": 0.8, "fuzzy": -0.5, "none": -2.5}
AGREEMENT = {True: 1.5, False: -1.5}
PRINTED_AGAIN = {True: 0.75, False: -0.75}  # an amount printed on a second line (a total paid) or only once
AUTHORITATIVE = 4.0
FAILED_CHECK = -3.0  # per kind of check the value failed
PASSED_CONSISTENCY = 1.5  # a total that equals the sum of its parts vouches for all of them
COMPLETENESS_WEIGHT = 4.0  # times (completeness - 1): an item missing a quarter of its fields costs 1
# signs of a label or a stray number read ('2022' of a date read as an invoice number, the same words read
# as two fields)
SUSPECT = {"label_like": -3.0, "bare_amount": -2.0, "in_prose": -1.5, "in_date": -3.0, "read_twice": -2.0}


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z))))


def _number(signals: Mapping, name: str) -> float | None:
    value = signals.get(name)
    return min(1.0, max(0.0, float(value))) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def raw_score(signals: Mapping[str, float | bool | str], failed_checks: Iterable[str] = (),
              passed_consistency: bool = False) -> float:
    """The uncalibrated score (0-1) of a value from its evidence signals, the kinds of check it failed,
    and whether a consistency check (a sum, an order) about it passed.

    Absent signals count for nothing (an engine that fills fewer signals gets a flatter score)."""
    z = BIAS
    label = _number(signals, "label_score")
    z += LABEL_WEIGHT * (label if label is not None else UNKNOWN_LABEL_SCORE)
    validator = signals.get("validator")
    if isinstance(validator, bool):
        z += VALIDATOR[validator]
    ocr = _number(signals, "ocr_confidence")
    if ocr is not None:
        z += OCR_WEIGHT * (ocr - 1.0)
    completeness = _number(signals, "completeness")
    if completeness is not None:
        z += COMPLETENESS_WEIGHT * (completeness - 1.0)
    z += GROUNDING.get(str(signals.get("grounding", "")), 0.0)
    agree = signals.get("engines_agree")
    if isinstance(agree, bool):
        z += AGREEMENT[agree]
    again = signals.get("printed_again")
    if isinstance(again, bool):
        z += PRINTED_AGAIN[again]
    z += sum(weight for name, weight in SUSPECT.items() if signals.get(name) is True)
    if signals.get("authoritative"):
        z += AUTHORITATIVE
    failed = set(failed_checks) & set(CHECK_KINDS_THAT_COUNT)
    z += FAILED_CHECK * len(failed)
    if passed_consistency and "consistency" not in failed:
        z += PASSED_CONSISTENCY
    return round(_sigmoid(z), 6)


@dataclass(frozen=True)
class CalibrationMap:
    """A monotone map from raw score to probability of being right: the fit's own steps (a score takes the share
    right of the pooled block it falls in, or of the block below when it falls between two; interpolating
    between block means showed a header value scoring 0.05 below a block at nearly that block's share), flat
    beyond them. No points: the identity (an uncalibrated install). ``by_type``: the maps of the
    document types that had enough values of their own to be fitted apart (``for_type``)."""

    xs: tuple[float, ...] = ()
    ys: tuple[float, ...] = ()
    review_threshold: float = DEFAULT_REVIEW_THRESHOLD
    fitted_on: tuple = field(default=(), compare=False)
    by_type: tuple[tuple[str, CalibrationMap], ...] = ()

    def __call__(self, raw: float) -> float:
        raw = min(1.0, max(0.0, float(raw)))
        if not self.xs:
            return raw
        if raw <= self.xs[0]:
            return self.ys[0]
        if raw >= self.xs[-1]:
            return self.ys[-1]
        return self.ys[bisect.bisect_right(self.xs, raw) - 1]

    def for_type(self, name: str | None) -> CalibrationMap:
        """The map fitted on this document type's own values, else this one (fitted on every type's)."""
        return next((own for type_name, own in self.by_type if type_name == name), self)

    def as_dict(self) -> dict:
        out = {"method": "isotonic", "x": list(self.xs), "y": list(self.ys),
               "review_threshold": self.review_threshold, "fitted_on": list(self.fitted_on)}
        if self.by_type:
            out["by_document_type"] = {name: {"x": list(own.xs), "y": list(own.ys)} for name, own in self.by_type}
        return out

    @classmethod
    def from_dict(cls, data: Mapping) -> CalibrationMap:
        threshold = float(data.get("review_threshold", DEFAULT_REVIEW_THRESHOLD))
        by_type = data.get("by_document_type") or {}
        if not isinstance(by_type, Mapping):
            raise ValueError("by_document_type maps document type names to maps")
        return cls(*_points(data), threshold, tuple(data.get("fitted_on", ())),
                   tuple((str(name), cls(*_points(own), threshold)) for name, own in sorted(by_type.items())))


def _points(data: Mapping) -> tuple[tuple[float, ...], tuple[float, ...]]:
    xs, ys = [float(x) for x in data.get("x", [])], [float(y) for y in data.get("y", [])]
    if len(xs) != len(ys) or any(b < a for a, b in zip(xs, xs[1:])) or any(b < a for a, b in zip(ys, ys[1:])) \
            or any(not 0.0 <= v <= 1.0 for v in xs + ys):
        raise ValueError("a calibration map needs as many x as y, both non-decreasing, within 0-1")
    return tuple(xs), tuple(ys)


def fit_isotonic(scores: Sequence[float], outcomes: Sequence[bool], review_threshold: float = DEFAULT_REVIEW_THRESHOLD,
                 fitted_on: Sequence = (), weights: Sequence[float] | None = None) -> CalibrationMap:
    """Pool adjacent violators: the non-decreasing step function closest (weighted least squares) to the
    outcomes ordered by score; each pooled block becomes one step (from its lowest score, at its weighted share
    right). ``weights`` (default 1 each) let every dataset count alike however many values it has."""
    weights = [1.0] * len(scores) if weights is None else [float(w) for w in weights]
    if len(scores) != len(outcomes) or len(weights) != len(scores):
        raise ValueError("as many scores as outcomes and weights")
    if any(not w > 0 for w in weights):
        raise ValueError("weights must be positive")
    if not scores:
        return CalibrationMap(review_threshold=review_threshold, fitted_on=tuple(fitted_on))
    # equal scores are one observation with their mean outcome (ties must map to one value)
    grouped: dict[float, list[float]] = {}
    for score, outcome, weight in zip(scores, outcomes, weights):
        sums = grouped.setdefault(float(score), [0.0, 0.0])
        sums[0] += weight * float(bool(outcome))
        sums[1] += weight
    blocks: list[list[float]] = []  # [lowest score, sum of y·w, sum of w]
    for score in sorted(grouped):
        right, weight = grouped[score]
        blocks.append([score, right, weight])
        # equal shares pool too (within rounding: weights of 0.1 add up to 0.30000000000000004)
        while len(blocks) > 1 and blocks[-2][1] / blocks[-2][2] >= blocks[-1][1] / blocks[-1][2] - 1e-9:
            last = blocks.pop()
            blocks[-1][1] += last[1]
            blocks[-1][2] += last[2]
    xs = tuple(math.floor(b[0] * 1e6) / 1e6 for b in blocks)  # rounded down: each score stays in its block
    ys = tuple(round(b[1] / b[2], 6) for b in blocks)
    return CalibrationMap(xs, ys, review_threshold, tuple(fitted_on))


def value_confidence(signals: Mapping[str, float | bool | str], failed_checks: Iterable[str] = (),
                     passed_consistency: bool = False, calibration: CalibrationMap | None = None) -> float:
    """The calibrated confidence of one value (what users see, and what the review threshold applies to)."""
    calibration = calibration if calibration is not None else shipped_calibration()
    return round(calibration(raw_score(signals, failed_checks, passed_consistency)), 4)


def load_calibration(path: Path) -> CalibrationMap:
    """A calibration file's map, parsed once per version of the file (every document applies it)."""
    stat = Path(path).stat()
    return _parsed_calibration(Path(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _parsed_calibration(path: Path, mtime_ns: int, size: int) -> CalibrationMap:
    return CalibrationMap.from_dict(json.loads(path.read_text(encoding="utf-8")))


def shipped_calibration() -> CalibrationMap:
    """The map fitted by `socratext eval calibrate` and shipped with the package; the identity when absent."""
    return load_calibration(CALIBRATION_FILE) if CALIBRATION_FILE.is_file() else CalibrationMap()


def calibration_of(settings) -> CalibrationMap:
    """The map the settings name (``SOCRATEXT_CALIBRATION_FILE``), else the shipped one."""
    return load_calibration(settings.calibration_file) if settings.calibration_file else shipped_calibration()


def review_threshold_of(settings, calibration: CalibrationMap) -> float:
    """``SOCRATEXT_REVIEW_THRESHOLD`` when set, else the threshold chosen with the calibration map."""
    return settings.review_threshold if settings.review_threshold is not None else calibration.review_threshold


def _about(check, pointer: str) -> bool:
    return bool(check.field) and (check.field == pointer or check.field.startswith(pointer + "/"))


def failed_kinds(checks: Iterable, pointer: str) -> set[str]:
    """Kinds of the failed checks about a value or anything inside it (an item's total, an item's field)."""
    return {check.kind for check in checks if not check.ok and _about(check, pointer)}


def consistency_passed(checks: Sequence, pointer: str) -> bool:
    """A consistency check that names the value (a sum's total, an order's first field) passed; the
    parts of a sum are not named by its check and get nothing from it."""
    return any(check.ok and check.kind == "consistency" and _about(check, pointer) for check in checks)


def value_raw_score(evidence, checks: Sequence, pointer: str) -> float:
    """The raw score of the value at ``pointer`` given the result's checks (what calibration is fitted on)."""
    return raw_score(evidence.signals, failed_kinds(checks, pointer), consistency_passed(checks, pointer))


def value_signals(evidence, checks: Sequence, pointer: str) -> dict:
    """Everything the raw score of the value at ``pointer`` is computed from (recorded by evaluation runs,
    so that a change of weights can be measured without rerunning them)."""
    return {**evidence.signals, "failed_checks": sorted(failed_kinds(checks, pointer)),
            "passed_consistency": consistency_passed(checks, pointer)}


def score_evidence(evidence: Mapping, checks: Sequence, calibration: CalibrationMap) -> None:
    """Set every evidence's confidence, in place, to its value's calibrated confidence."""
    for pointer, item in evidence.items():
        item.confidence = round(calibration(value_raw_score(item, checks, pointer)), 4)


def value_problems(result) -> dict[str, list[str]]:
    """For each value with evidence, why it must be checked by a person: the kinds of check it failed
    and 'low_confidence' below the result's review threshold; an empty list is a value shown as valid."""
    threshold = result.review_threshold
    problems = {}
    for pointer, evidence in result.evidence.items():
        found = sorted(failed_kinds(result.checks, pointer))
        if threshold is not None and evidence.confidence < threshold:
            found.append(LOW_CONFIDENCE)
        problems[pointer] = found
    return problems

"""Field-level scores of extracted values against gold values, at two tolerances."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz

from .extract.normalize import normalize_date, normalize_identifier, normalize_text, parse_amount

AMOUNT_TOLERANCE = 0.005
IDENTIFIER_NORMALISERS = ("siret", "siren", "iban", "nir", "bic", "identifier")


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def _amount_match(gold: Any, predicted: Any, tolerance: float = AMOUNT_TOLERANCE) -> bool:
    a = gold if isinstance(gold, (int, float)) else parse_amount(str(gold))
    b = predicted if isinstance(predicted, (int, float)) else parse_amount(str(predicted))
    return a is not None and b is not None and abs(float(a) - float(b)) <= tolerance


def _comparable(value: Any, field: dict) -> tuple[str, Any]:
    """The kind of comparison a field calls for, and the value put in the form it is compared in."""
    normalizer = field.get("x-socratext", {}).get("normalizer")
    if normalizer == "date" or field.get("format") == "date":
        return "exact", normalize_date(str(value)) or str(value)
    if normalizer == "amount" or isinstance(value, (int, float)) or field.get("type") in ("number", "integer"):
        return "amount", value
    if normalizer in IDENTIFIER_NORMALISERS:
        return "exact", normalize_identifier(str(value))
    return "text", normalize_text(str(value))


def normalised_match(gold: Any, predicted: Any, field: dict, tolerance: float = AMOUNT_TOLERANCE) -> bool:
    """Equal after the field's normalisation: dates to ISO, amounts to numbers within a tolerance,
    identifiers compacted, text without case, accents, punctuation or spacing differences."""
    kind, a = _comparable(gold, field)
    if kind == "amount":
        return _amount_match(gold, predicted, tolerance)
    return a == _comparable(predicted, field)[1]


def similarity(gold: Any, predicted: Any, field: dict, tolerance: float = AMOUNT_TOLERANCE) -> float:
    """0–1: normalised text similarity (rapidfuzz ratio) for text fields; 1 or 0 for numbers, dates
    and identifiers, which are right or wrong."""
    if is_empty(gold) or is_empty(predicted):
        return 0.0
    kind, a = _comparable(gold, field)
    if kind == "amount":
        return float(_amount_match(gold, predicted, tolerance))
    b = _comparable(predicted, field)[1]
    if kind == "exact":
        return float(a == b)
    return fuzz.ratio(a, b) / 100


@dataclass
class FieldScore:
    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0

    def add(self, gold: Any, predicted: Any, matched: bool) -> None:
        if is_empty(predicted):
            self.false_negative += not is_empty(gold)
        elif matched and not is_empty(gold):
            self.true_positive += 1
        else:
            self.false_positive += 1
            self.false_negative += not is_empty(gold)

    def merge(self, other: FieldScore) -> None:
        self.true_positive += other.true_positive
        self.false_positive += other.false_positive
        self.false_negative += other.false_negative

    @property
    def precision(self) -> float:
        found = self.true_positive + self.false_positive
        return self.true_positive / found if found else 0.0

    @property
    def recall(self) -> float:
        expected = self.true_positive + self.false_negative
        return self.true_positive / expected if expected else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict:
        return {"precision": round(self.precision, 4), "recall": round(self.recall, 4), "f1": round(self.f1, 4),
                "tp": self.true_positive, "fp": self.false_positive, "fn": self.false_negative}

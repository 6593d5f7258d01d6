"""Field-level scores of extracted values against gold values, at two tolerances."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .extract.normalize import normalize_date, normalize_identifier, normalize_text, parse_amount

AMOUNT_TOLERANCE = 0.005


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def strict_match(gold: Any, predicted: Any) -> bool:
    """Equal once spaces are collapsed (numbers compared as numbers)."""
    if isinstance(gold, (int, float)) or isinstance(predicted, (int, float)):
        return _amount_match(gold, predicted)
    return " ".join(str(gold).split()) == " ".join(str(predicted).split())


def _amount_match(gold: Any, predicted: Any) -> bool:
    a = gold if isinstance(gold, (int, float)) else parse_amount(str(gold))
    b = predicted if isinstance(predicted, (int, float)) else parse_amount(str(predicted))
    return a is not None and b is not None and abs(float(a) - float(b)) <= AMOUNT_TOLERANCE


def normalised_match(gold: Any, predicted: Any, field: dict) -> bool:
    """Equal after the field's normalisation: dates to ISO, amounts to numbers, identifiers compacted,
    text without case, accents, punctuation or spacing differences."""
    hints = field.get("x-socratext", {})
    normalizer = hints.get("normalizer")
    if normalizer == "date" or field.get("format") == "date":
        return (normalize_date(str(gold)) or str(gold)) == (normalize_date(str(predicted)) or str(predicted))
    if normalizer == "amount" or isinstance(gold, (int, float)):
        return _amount_match(gold, predicted)
    if normalizer in ("siret", "siren", "iban", "nir", "bic", "identifier"):
        return normalize_identifier(str(gold)) == normalize_identifier(str(predicted))
    return normalize_text(str(gold)) == normalize_text(str(predicted))


@dataclass
class FieldScore:
    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0

    def add(self, gold: Any, predicted: Any, matched: bool) -> None:
        if _empty(predicted):
            self.false_negative += not _empty(gold)
        elif matched and not _empty(gold):
            self.true_positive += 1
        else:
            self.false_positive += 1
            self.false_negative += not _empty(gold)

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

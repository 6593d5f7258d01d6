"""Scoring one prediction against its gold, field by field, lists aligned one-to-one first.

A field is named by its path with list positions dropped (``items[].total``), so
scores add up over every item of every document. Lists are aligned with the
Hungarian algorithm on field similarity, so the order of items never matters.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..field_metrics import is_empty, normalised_match, similarity


@dataclass(frozen=True)
class ScoringOptions:
    amount_tolerance: float = 0.005
    fuzzy_threshold: float = 0.8


@dataclass
class FieldOutcome:
    """One gold value and the value predicted for it (either may be missing)."""

    field: str
    pointer: str | None  # JSON pointer of the predicted value, to find its evidence
    gold: Any
    predicted: Any
    exact: bool
    fuzzy: bool
    similarity: float

    def as_dict(self) -> dict:
        return {"field": self.field, "pointer": self.pointer, "gold": self.gold, "predicted": self.predicted,
                "exact": self.exact, "fuzzy": self.fuzzy, "similarity": round(self.similarity, 3)}


def _is_object(node: dict, value: Any) -> bool:
    return isinstance(value, dict) or node.get("type") == "object" or "properties" in node


def _is_array(node: dict, value: Any) -> bool:
    kind = node.get("type")
    return isinstance(value, list) or kind == "array" or (isinstance(kind, list) and "array" in kind)


def _leaves(field: str, pointer: str | None, value: Any, node: dict) -> list[tuple[str, str | None, Any, dict]]:
    """Every scalar inside a value, with its field name, pointer and schema node."""
    if isinstance(value, dict):
        properties = node.get("properties", {})
        return [leaf for key, child in value.items()
                for leaf in _leaves(f"{field}.{key}" if field else key, None if pointer is None else f"{pointer}/{key}",
                                    child, properties.get(key, {}))]
    if isinstance(value, list):
        item = node.get("items", {})
        return [leaf for index, child in enumerate(value)
                for leaf in _leaves(f"{field}[]", None if pointer is None else f"{pointer}/{index}", child, item)]
    return [(field, pointer, value, node)]


def item_similarity(gold: Any, predicted: Any, node: dict, options: ScoringOptions) -> float:
    """Mean similarity of the scalars two list items share: the cost the alignment maximises."""
    gold_leaves = {field: (value, leaf_node) for field, _, value, leaf_node in _leaves("", "", gold, node)}
    predicted_leaves = {field: value for field, _, value, _ in _leaves("", "", predicted, node)}
    if not gold_leaves:
        return 0.0
    return sum(similarity(value, predicted_leaves.get(field), leaf_node, options.amount_tolerance)
               for field, (value, leaf_node) in gold_leaves.items()) / len(gold_leaves)


def align(gold: list, predicted: list, node: dict, options: ScoringOptions) -> list[tuple[int | None, int | None]]:
    """Optimal one-to-one pairs (Hungarian); pairs with nothing in common are left unmatched."""
    from scipy.optimize import linear_sum_assignment  # a quarter of a second to import, which only lists need

    pairs: list[tuple[int | None, int | None]] = []
    if gold and predicted:
        scores = np.array([[item_similarity(g, p, node, options) for p in predicted] for g in gold])
        rows, cols = linear_sum_assignment(scores, maximize=True)
        pairs = [(int(r), int(c)) for r, c in zip(rows, cols) if scores[r, c] > 0]
    matched_gold = {g for g, _ in pairs}
    matched_predicted = {p for _, p in pairs}
    pairs += [(g, None) for g in range(len(gold)) if g not in matched_gold]
    pairs += [(None, p) for p in range(len(predicted)) if p not in matched_predicted]
    return pairs


def compare(gold: Any, predicted: Any, node: dict, options: ScoringOptions, field: str = "",
            pointer: str = "") -> list[FieldOutcome]:
    """Outcomes for every scalar of gold and prediction; each list item also scores as a whole
    (``items[]`` is right when all its fields are)."""
    if _is_object(node, gold if gold is not None else predicted):
        gold_map = gold if isinstance(gold, dict) else {}
        predicted_map = predicted if isinstance(predicted, dict) else {}
        keys = list(node.get("properties", {})) or sorted(set(gold_map) | set(predicted_map))
        return [outcome for key in keys
                for outcome in compare(gold_map.get(key), predicted_map.get(key), node.get("properties", {}).get(key, {}),
                                       options, f"{field}.{key}" if field else key, f"{pointer}/{key}")]
    if _is_array(node, gold if gold is not None else predicted):
        gold_list = gold if isinstance(gold, list) else []
        predicted_list = predicted if isinstance(predicted, list) else []
        item_node = node.get("items", {})
        outcomes = []
        for g, p in align(gold_list, predicted_list, item_node, options):
            gold_item = gold_list[g] if g is not None else None
            predicted_item = predicted_list[p] if p is not None else None
            item_pointer = f"{pointer}/{p}" if p is not None else None
            inner = compare(gold_item, predicted_item, item_node, options, f"{field}[]", item_pointer or "")
            if item_pointer is None:
                for outcome in inner:
                    outcome.pointer = None
            whole = gold_item is not None and predicted_item is not None
            outcomes.append(FieldOutcome(
                f"{field}[]", item_pointer, gold_item, predicted_item, whole and all(o.exact for o in inner),
                whole and all(o.fuzzy for o in inner),
                item_similarity(gold_item, predicted_item, item_node, options) if whole else 0.0))
            if _is_object(item_node, gold_item if gold_item is not None else predicted_item):
                outcomes += inner
        return outcomes
    if is_empty(gold) and is_empty(predicted):
        return []
    exact = not is_empty(gold) and not is_empty(predicted) and normalised_match(gold, predicted, node,
                                                                                 options.amount_tolerance)
    score = similarity(gold, predicted, node, options.amount_tolerance)
    return [FieldOutcome(field, pointer, gold, predicted, exact, exact or score >= options.fuzzy_threshold, score)]

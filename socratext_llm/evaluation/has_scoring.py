"""Scores of a read HAS recommendation against its gold (docs/has.md): statements and drawn trees.

- Statements match one to one (Hungarian, most similar first) when their token-set similarity is at
  least 0.8: the Dice coefficient of the two sets of normalised tokens (accents, case and
  punctuation dropped), so a fragment of a statement does not match the whole of it.
- Grade accuracy is over matched statements.
- Flowchart nodes match one to one on the same page at text similarity ≥ 0.8 (normalised character
  ratio); an edge matches when both its ends are matched nodes joined by a predicted edge in the same
  direction; edge-label accuracy is over matched edges (no label on both sides counts as equal).

Everything here is a pure function of plain data, so that the counts add up over documents.
"""
from __future__ import annotations

import re
import unicodedata

import numpy as np
from rapidfuzz import fuzz
from scipy.optimize import linear_sum_assignment

THRESHOLD = 0.8


def normalise(text: str | None) -> str:
    """Lower case, accents and punctuation dropped, spaces collapsed."""
    folded = unicodedata.normalize("NFD", (text or "").lower())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w]+", " ", folded).split())


def token_set_similarity(a: str, b: str) -> float:
    """Dice coefficient of the two texts' sets of normalised tokens."""
    left, right = set(normalise(a).split()), set(normalise(b).split())
    if not left and not right:
        return 1.0
    return 2 * len(left & right) / (len(left) + len(right))


def text_similarity(a: str, b: str) -> float:
    return fuzz.ratio(normalise(a), normalise(b)) / 100


def match(similarity: np.ndarray, threshold: float = THRESHOLD) -> list[tuple[int, int]]:
    """One-to-one pairs (gold, predicted) maximising total similarity, each at least the threshold."""
    if similarity.size == 0:
        return []
    weights = np.where(similarity >= threshold, similarity, 0.0)
    rows, cols = linear_sum_assignment(-weights)
    return [(int(r), int(c)) for r, c in zip(rows, cols) if similarity[r, c] >= threshold]


def statement_counts(gold: list[dict], predicted: list[dict], pages: set[int] | None = None) -> dict:
    """Counts for recall, precision and grade accuracy; predictions outside the gold's pages are not scored."""
    scored = [p for p in predicted if pages is None or p["page"] in pages]
    similarity = np.array([[token_set_similarity(g["text"], p["text"]) for p in scored] for g in gold]).reshape(
        len(gold), len(scored))
    pairs = match(similarity)
    grades = sum(1 for g, p in pairs if gold[g].get("grade") == scored[p].get("grade"))
    return {"gold": len(gold), "predicted": len(scored), "matched": len(pairs), "grade_correct": grades}


def _nodes(trees: list[dict], pages: set[int] | None) -> list[dict]:
    return [node for tree in trees if tree.get("source", "vector") != "text" for node in tree["nodes"]
            if pages is None or node["page"] in pages]


def _edges(trees: list[dict], node_ids: set[str]) -> dict[tuple[str, str], str | None]:
    return {(e["source"], e["target"]): e.get("label") for tree in trees if tree.get("source", "vector") != "text"
            for e in tree["edges"] if e["source"] in node_ids and e["target"] in node_ids}


def tree_counts(gold_trees: list[dict], predicted_trees: list[dict], pages: set[int] | None = None) -> dict:
    """Counts for node F1, edge F1 and edge-label accuracy over the drawn trees (text trees are not scored)."""
    gold_nodes, predicted_nodes = _nodes(gold_trees, pages), _nodes(predicted_trees, pages)
    similarity = np.array([[text_similarity(g["text"], p["text"]) if g["page"] == p["page"] else 0.0
                            for p in predicted_nodes] for g in gold_nodes]).reshape(len(gold_nodes), len(predicted_nodes))
    pairs = match(similarity)
    to_predicted = {gold_nodes[g]["id"]: predicted_nodes[p]["id"] for g, p in pairs}
    gold_edges = _edges(gold_trees, {n["id"] for n in gold_nodes})
    predicted_edges = _edges(predicted_trees, {n["id"] for n in predicted_nodes})
    matched_edges = labels = 0
    for (source, target), label in gold_edges.items():
        key = (to_predicted.get(source), to_predicted.get(target))
        if key in predicted_edges:
            matched_edges += 1
            labels += normalise(label) == normalise(predicted_edges[key])
    return {"gold_nodes": len(gold_nodes), "predicted_nodes": len(predicted_nodes), "matched_nodes": len(pairs),
            "gold_edges": len(gold_edges), "predicted_edges": len(predicted_edges), "matched_edges": matched_edges,
            "labels_correct": labels}


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _f1(precision: float | None, recall: float | None) -> float | None:
    if precision is None or recall is None:
        return None
    return round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0


def summary(counts: dict) -> dict:
    """Rates from summed counts."""
    recall, precision = _ratio(counts["matched"], counts["gold"]), _ratio(counts["matched"], counts["predicted"])
    node_recall = _ratio(counts["matched_nodes"], counts["gold_nodes"])
    node_precision = _ratio(counts["matched_nodes"], counts["predicted_nodes"])
    edge_recall = _ratio(counts["matched_edges"], counts["gold_edges"])
    edge_precision = _ratio(counts["matched_edges"], counts["predicted_edges"])
    return {"statement_recall": recall, "statement_precision": precision, "statement_f1": _f1(precision, recall),
            "grade_accuracy": _ratio(counts["grade_correct"], counts["matched"]),
            "node_recall": node_recall, "node_precision": node_precision, "node_f1": _f1(node_precision, node_recall),
            "edge_recall": edge_recall, "edge_precision": edge_precision, "edge_f1": _f1(edge_precision, edge_recall),
            "edge_label_accuracy": _ratio(counts["labels_correct"], counts["matched_edges"])}

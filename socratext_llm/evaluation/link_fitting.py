"""Fitting the form linker (`extract/form_links.py`) on annotated forms: `socratext eval fit-links`.

FUNSD's forms name, for each key ('question'), the values ('answers') it links to, word by word with boxes.
Our OCR's lines are mapped onto those entities (each OCR word to the gold word box covering most of it; a line
or a piece belongs to the entity most of its words belong to). A line and the one under it are a true
continuation when they belong to the same entity: a logistic model (L2 penalty) is fitted on them. The lines
are then joined into pieces by that model, and a candidate pair of pieces is a true link when the key piece's
entity is a question linked to the value piece's answer: a one-hidden-layer perceptron is fitted on them, with
the threshold that gives the best pairs F1 on the forms it was fitted on. Forms are sorted by id and split by
parity: each half is linked by the models fitted on the other, through the rules engine, and scored as
`socratext eval run` scores `form_kv` (pairs F1, held out); the models written are fitted on all. Both are
measured on two readings of the forms: our OCR's, and the dataset's own words (one line per entity, what
`socratext bench llm` scores FUNSD on); the models are fitted on our OCR's reading only.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..datasets.funsd import FunsdForm, iter_forms
from ..document import Document
from ..errors import DatasetError, EngineUnavailableError
from ..extract.form_links import (
    CONTINUATION_FEATURES,
    FEATURE_NAMES,
    LinkModel,
    Scorer,
    candidates,
    continuation_candidates,
    continuation_features,
    features,
    keep_pairs,
    linkable_lines,
    segments,
)
from ..extract.textmatch import PlacedLine, placed_lines
from ..settings import Settings

L2_PENALTY = 1.0  # the continuation's logistic model
HIDDEN_UNITS = 32  # the link scorer's perceptron (a logistic model linked 2-3 points fewer pairs right, held out)
WEIGHT_DECAY = 1e-3
ADAM_STEPS = 400
MIN_FORMS = 4
WORD_OVERLAP = 0.3  # share of an OCR word's box a gold word must cover to be the same word
LINE_MAJORITY = 0.6  # share of a line's words that must belong to one entity for the line to belong to it
THRESHOLDS = [round(0.05 + step / 40, 3) for step in range(31)]  # 0.05 … 0.80


@dataclass
class AnnotatedForm:
    """A form read by our OCR, its linkable lines, and its gold: the entity of each word box, the links."""

    form: FunsdForm
    document: Document
    lines: list[PlacedLine]

    @property
    def form_id(self) -> str:
        return self.form.image.stem


def _covered(word: tuple[float, float, float, float], other: list[float]) -> float:
    width = max(0.0, min(word[2], other[2]) - max(word[0], other[0]))
    height = max(0.0, min(word[3], other[3]) - max(word[1], other[1]))
    return width * height / max(1e-6, (word[2] - word[0]) * (word[3] - word[1]))


def line_entities(form: FunsdForm, lines: list[PlacedLine]) -> dict[int, int]:
    """id() of each line -> the FUNSD entity id most of its words belong to (lines of no one entity left out)."""
    gold_words = [(word["box"], entity["id"]) for entity in form.annotation["form"] for word in entity["words"]
                  if word["text"].strip()]
    owners: dict[int, int] = {}
    for placed in lines:
        votes: Counter[int] = Counter()
        for word in placed.line.words:
            box = (word.bbox.x0, word.bbox.y0, word.bbox.x1, word.bbox.y1)
            share, entity = max(((_covered(box, gold), owner) for gold, owner in gold_words), default=(0.0, -1))
            if share > WORD_OVERLAP:
                votes[entity] += 1
        if votes:
            entity, count = votes.most_common(1)[0]
            if count >= LINE_MAJORITY * len(placed.line.words):
                owners[id(placed)] = entity
    return owners


def continuation_examples(annotated: AnnotatedForm) -> tuple[np.ndarray, np.ndarray]:
    """Each line and the one under it: a true continuation when both belong to the same entity."""
    owners = line_entities(annotated.form, annotated.lines)
    found = continuation_candidates(annotated.lines)
    labels = np.array([float(owners.get(id(upper), -1) == owners.get(id(lower), -2)) for upper, lower in found])
    rows = continuation_features(found, annotated.lines) if found else np.zeros((0, len(CONTINUATION_FEATURES)))
    return rows, labels


@dataclass
class LinkExamples:
    """One form's candidate pairs of pieces: their features, which are true links (and the gold link each one
    is, as entity ids: two pieces of one answer name the same link), and how many links the form has."""

    found: list
    rows: np.ndarray
    labels: np.ndarray
    gold_links: int
    links: list[tuple[int, int] | None]


def link_examples(annotated: AnnotatedForm, continuation: Scorer) -> LinkExamples:
    """The form's pieces (lines joined by ``continuation``) and their candidate pairs: a true link when the key
    piece's entity is a question linked to the value piece's answer."""
    form = annotated.form
    pieces = segments(annotated.lines, continuation)
    owners = line_entities(form, pieces)
    entities = {entity["id"]: entity for entity in form.annotation["form"]}
    links = {(min(a, b), max(a, b)) for entity in form.annotation["form"] for a, b in entity.get("linking", [])}
    found = candidates(pieces)
    labels = np.zeros(len(found))
    truth: list[tuple[int, int] | None] = [None] * len(found)
    for index, candidate in enumerate(found):
        key, value = owners.get(id(candidate.key)), owners.get(id(candidate.value))
        if key is not None and value is not None and key != value and entities[key]["label"] == "question" \
                and entities[value]["label"] == "answer" and (min(key, value), max(key, value)) in links:
            labels[index], truth[index] = 1.0, (key, value)
    rows = features(found, pieces) if found else np.zeros((0, len(FEATURE_NAMES)))
    return LinkExamples(found, rows, labels, len(form.pairs), truth)


def _standardisation(rows: np.ndarray, names: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Each feature's mean and spread (the intercepts, features named 'bias', left as plain ones)."""
    mean, scale = rows.mean(axis=0), rows.std(axis=0)
    intercepts = [index for index, name in enumerate(names) if name.endswith("bias")]
    mean[intercepts], scale[intercepts] = 0.0, 1.0
    scale[scale < 1e-6] = 1.0
    return mean, scale


def fit_logistic(rows: np.ndarray, labels: np.ndarray, names: tuple[str, ...]) -> Scorer:
    """An L2-penalised logistic regression on standardised features, with 0.5 as its threshold."""
    from scipy.optimize import minimize
    mean, scale = _standardisation(rows, names)
    standard = (rows - mean) / scale

    def loss(weights: np.ndarray) -> tuple[float, np.ndarray]:
        z = standard @ weights
        probability = 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))
        value = np.sum(np.logaddexp(0.0, z) - labels * z) + 0.5 * L2_PENALTY * weights @ weights
        return float(value), standard.T @ (probability - labels) + L2_PENALTY * weights

    fitted = minimize(loss, np.zeros(rows.shape[1]), jac=True, method="L-BFGS-B", options={"maxiter": 2000})
    if not fitted.success:
        raise DatasetError(f"the form linker did not converge on these forms ({fitted.message})")
    return Scorer(features=list(names), mean=mean.tolist(), scale=scale.tolist(), weights=fitted.x.tolist(),
                  threshold=0.5)


def fit_perceptron(rows: np.ndarray, labels: np.ndarray, names: tuple[str, ...]) -> Scorer:
    """A one-hidden-layer perceptron (``HIDDEN_UNITS`` rectified units, weight decay), fitted by full-batch Adam
    from a fixed seed on one thread: the same forms give the same weights (torch's own random state is left as
    it was)."""
    import torch
    mean, scale = _standardisation(rows, names)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with torch.random.fork_rng():
            torch.manual_seed(0)
            network = torch.nn.Sequential(torch.nn.Linear(rows.shape[1], HIDDEN_UNITS), torch.nn.ReLU(),
                                          torch.nn.Linear(HIDDEN_UNITS, 1))
            optimiser = torch.optim.Adam(network.parameters(), lr=0.01, weight_decay=WEIGHT_DECAY)
            inputs = torch.tensor((rows - mean) / scale, dtype=torch.float32)
            targets = torch.tensor(labels, dtype=torch.float32)[:, None]
            for _ in range(ADAM_STEPS):
                optimiser.zero_grad()
                torch.nn.functional.binary_cross_entropy_with_logits(network(inputs), targets).backward()
                optimiser.step()
        hidden, output = network[0], network[2]
        return Scorer(features=list(names), mean=mean.tolist(), scale=scale.tolist(),
                      hidden=hidden.weight.detach().double().tolist(), hidden_bias=hidden.bias.detach().double().tolist(),
                      weights=output.weight.detach().double()[0].tolist(), bias=float(output.bias.detach()[0]),
                      threshold=0.5)
    finally:
        torch.set_num_threads(threads)


def _kept_right(examples: list[LinkExamples], model: Scorer) -> tuple[int, int, int]:
    """Pairs kept on these forms with this link model, how many gold links they find (a key kept with two
    pieces of one answer finds one), and the forms' links."""
    kept = right = gold = 0
    for form in examples:
        gold += form.gold_links
        if not form.found:
            continue
        truth = {(id(c.key), id(c.value)): link for c, link in zip(form.found, form.links, strict=True) if link}
        pairs = keep_pairs(form.found, model.probabilities(form.rows), model.threshold)
        kept += len(pairs)
        right += len({truth[(id(key), id(value))] for key, value, _, _ in pairs if (id(key), id(value)) in truth})
    return kept, right, gold


def fit_link_model(forms: list[AnnotatedForm], fitted_on: str) -> LinkModel:
    """Both models fitted on these forms: the continuations first, then the links between the pieces they
    make, with the threshold that gives the best pairs F1 on these forms."""
    continuation_data = [continuation_examples(form) for form in forms]
    if not any(len(labels) for _, labels in continuation_data):
        raise DatasetError("these forms hold no two lines one under the other: nothing to fit the linker on")
    continuation = fit_logistic(np.vstack([rows for rows, _ in continuation_data]),
                                np.concatenate([labels for _, labels in continuation_data]), CONTINUATION_FEATURES)
    examples = [link_examples(form, continuation) for form in forms]
    if not any(len(form.labels) for form in examples):
        raise DatasetError("these forms hold no candidate pair: nothing to fit the linker on")
    link_model = fit_perceptron(np.vstack([form.rows for form in examples]),
                                np.concatenate([form.labels for form in examples]), FEATURE_NAMES)
    best = (-1.0, 0.5)
    for threshold in THRESHOLDS:
        kept, right, gold = _kept_right(examples, link_model.model_copy(update={"threshold": threshold}))
        best = max(best, (2 * right / max(1, kept + gold), threshold))
    return LinkModel(continuation=continuation, link=link_model.model_copy(update={"threshold": best[1]}),
                     fitted_on=fitted_on)


def funsd_forms(settings: Settings, cache_dir: Path | None, limit: int | None = None) -> list[AnnotatedForm]:
    """FUNSD's forms read by our OCR (through the evaluation's cache), sorted by id."""
    from ..ocr_cache import cached_ocr
    from ..pipeline import OcrOptions
    found = []
    for form in iter_forms(settings, limit):
        document = cached_ocr(form.image, OcrOptions(engine=settings.ocr_engine), settings, cache_dir)
        found.append(AnnotatedForm(form, document, linkable_lines(placed_lines(document))))
    return sorted(found, key=lambda annotated: annotated.form_id)


def pairs_scores(forms: list[tuple[FunsdForm, Document]], settings: Settings) -> dict[str, float]:
    """Pairs precision, recall and F1 of the rules engine on these forms (each as read by some OCR), scored as
    `socratext eval run` does."""
    from ..extract.base import get_extraction_engine
    from ..extract.pipeline import resolve_doctype
    from .scoring import ScoringOptions, compare
    doctype = resolve_doctype("form_kv", settings)
    engine = get_extraction_engine("rules", settings)
    right = predicted = gold = 0
    for form, document in forms:
        data = engine.extract(document, doctype).data
        for outcome in compare({"pairs": form.pairs}, data, doctype.schema, ScoringOptions()):
            if outcome.field == "pairs[]":
                right += outcome.exact
                predicted += outcome.predicted is not None
                gold += outcome.gold is not None
    return {**_scores(right, predicted, gold), "right": right, "predicted": predicted, "gold": gold}


def _scores(right: int, predicted: int, gold: int) -> dict[str, float]:
    return {"precision": round(right / max(1, predicted), 4), "recall": round(right / max(1, gold), 4),
            "f1": round(2 * right / max(1, predicted + gold), 4)}


def fit_and_measure(settings: Settings, cache_dir: Path | None, folder: Path, limit: int | None = None
                    ) -> tuple[LinkModel, dict]:
    """The model fitted on every form, and its figures: pairs F1 held out (each half of the forms linked by the
    model fitted on the other half) and in sample, on the forms read by our OCR and on the dataset's own OCR
    (its words, one line per entity: the models are fitted on our OCR's reading only)."""
    if limit is not None and limit < MIN_FORMS:
        raise DatasetError(f"the form linker needs {MIN_FORMS} forms at least (two halves to measure it held out)",
                           hint=f"give --limit {MIN_FORMS} or more")
    try:
        import torch  # noqa: F401 — the perceptron's fitting; checked before any form is read
    except ImportError as error:
        raise EngineUnavailableError("fitting the form linker needs torch",
                                     hint="pip install 'socratext-llm[llm]'") from error
    data = funsd_forms(settings, cache_dir, limit)
    readings = {"our_ocr": [(annotated.form, annotated.document) for annotated in data],
                "dataset_ocr": [(annotated.form, annotated.form.gold_document()) for annotated in data]}
    held_out: dict[str, list[dict]] = {reading: [] for reading in readings}
    for parity in (0, 1):
        model = fit_link_model(_half(data, 1 - parity), f"FUNSD, forms of parity {1 - parity}")
        path = folder / f"form_links_fold{parity}.json"
        path.write_text(model.model_dump_json(), encoding="utf-8")
        linked_by_it = settings.model_copy(update={"form_link_model": path})
        for reading, forms in readings.items():
            held_out[reading].append(pairs_scores(_half(forms, parity), linked_by_it))
    model = fit_link_model(data, f"FUNSD, {len(data)} forms read by {settings.ocr_engine}")
    path = folder / "form_links_all.json"
    path.write_text(model.model_dump_json(), encoding="utf-8")
    linked_by_it = settings.model_copy(update={"form_link_model": path})
    figures = {"forms": len(data), "ocr": settings.ocr_engine, "threshold": model.link.threshold}
    for reading, forms in readings.items():
        folds = held_out[reading]
        summed = [sum(fold[count] for fold in folds) for count in ("right", "predicted", "gold")]
        figures[reading] = {"held_out": {**_scores(*summed), "folds": folds},
                            "in_sample": pairs_scores(forms, linked_by_it)}
    return model.model_copy(update={"figures": figures}), figures


def _half(items: list, parity: int) -> list:
    """The items at even (0) or odd (1) positions: forms sorted by id, split in two for held-out figures."""
    return items[parity::2]

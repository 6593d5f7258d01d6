"""Hybrid: rules first; the LLM asked only about the fields rules could not settle (empty, failing their
validator, or read with low confidence); where both answer and disagree, the validated or line-grounded
value wins and the disagreement is a check; values read from an MRZ or a 2D-Doc are never overridden."""
from __future__ import annotations

from typing import Any

from ...document import Document
from ...errors import LlmOutputError, LlmUnavailableError
from ...field_metrics import normalised_match
from ...french.authority import MACHINE_READ
from ..base import ExtractionEngine, FieldValues, extraction_engines, get_extraction_engine
from ..normalize import normalize_identifier
from ..result import Check, Evidence
from ..schemas import DocumentType
from ..validators import VALIDATORS

# fields read by means of their own (machine-readable zones, a recommendation's structure): never asked
NOT_ASKED_STRATEGIES = {"mrz", "has_metadata", "has_decision_trees", "graded_statements"}
GROUNDED = ("line", "exact")
MIN_GROUNDED_SHARE = 0.8  # of a list's items, for the LLM's list to replace the rules' one


def empty(value: Any) -> bool:
    return value in (None, "", [])


def validates(value: Any, field: dict) -> bool | None:
    """The field's validator on the value; None when the field has none (or the value is not a scalar)."""
    validator = field.get("x-socratext", {}).get("validator")
    if validator not in VALIDATORS or empty(value) or isinstance(value, (list, dict)):
        return None
    return bool(VALIDATORS[validator](normalize_identifier(str(value))))


def _pointers(evidence: dict[str, Evidence], name: str) -> dict[str, Evidence]:
    return {k: v for k, v in evidence.items() if k == f"/{name}" or k.startswith(f"/{name}/")}


def _authority(evidence: dict[str, Evidence], name: str) -> str | None:
    found = evidence.get(f"/{name}")
    return {"mrz": "mrz", "2d-doc": "2ddoc"}.get(found.engine) if found is not None and found.engine in MACHINE_READ \
        else None


def _confidence(evidence: dict[str, Evidence], name: str) -> float | None:
    found = _pointers(evidence, name)
    return min(e.confidence for e in found.values()) if found else None


def fields_to_ask(doctype: DocumentType, rules: FieldValues, review_confidence: float) -> list[str]:
    """The fields rules left empty, gave failing their validator, or read below the review confidence.

    A form's key/value list that rules filled is not asked about: with the 1.5B local model the LLM's pairs
    scored far below the rules' on FUNSD (eval/results/llm.md), and replaced them when asked."""
    asked = []
    for name, field in doctype.fields.items():
        strategy = field.get("x-socratext", {}).get("strategy")
        if _authority(rules.evidence, name) or strategy in NOT_ASKED_STRATEGIES:
            continue
        value, confidence = rules.data.get(name), _confidence(rules.evidence, name)
        if strategy == "key_values" and not empty(value):
            continue
        if empty(value) or validates(value, field) is False or (confidence is not None and confidence < review_confidence):
            asked.append(name)
    return asked


def _grounding(evidence: dict[str, Evidence], name: str) -> str:
    found = _pointers(evidence, name)
    kinds = [e.signals.get("grounding", "none") for e in found.values()]
    if not kinds:
        return "none"
    return next((kind for kind in ("none", "fuzzy", "exact", "line") if kind in kinds), "none")


def _grounded_share(evidence: dict[str, Evidence], name: str, count: int) -> float:
    found = _pointers(evidence, name)
    return sum(e.signals.get("grounding") in GROUNDED for e in found.values()) / count if count else 0.0


def _llm_wins(name: str, field: dict, rules: FieldValues, llm: FieldValues, review_confidence: float) -> tuple[bool, str]:
    """Which of two different values to keep, and why: the validated one; else the LLM's when it is printed
    on the line it cited and rules read theirs with low confidence; else the rules'."""
    ours, theirs = rules.data.get(name), llm.data.get(name)
    if isinstance(ours, list):
        share = _grounded_share(llm.evidence, name, len(theirs))
        return share >= MIN_GROUNDED_SHARE, f"{share:.0%} of the LLM's items grounded"
    ours_valid, theirs_valid = validates(ours, field), validates(theirs, field)
    if ours_valid is False and theirs_valid:
        return True, "the rules' value fails its validator"
    if theirs_valid is False and ours_valid:
        return False, "the LLM's value fails its validator"
    confidence = _confidence(rules.evidence, name)
    if _grounding(llm.evidence, name) == "line" and confidence is not None and confidence < review_confidence:
        return True, f"the LLM's value is on the line it cited, the rules' read with confidence {confidence:.2f}"
    return False, "rules kept unless the LLM's value is validated or grounded on its line"


def _with_signals(evidence: dict[str, Evidence], name: str, **signals) -> dict[str, Evidence]:
    return {pointer: item.model_copy(update={"signals": {**item.signals, **signals}})
            for pointer, item in _pointers(evidence, name).items()}


def merge_answers(doctype: DocumentType, rules: FieldValues, llm: FieldValues, asked: list[str],
                  review_confidence: float) -> FieldValues:
    """Rules' values, with the LLM's where it settles an asked field; each value's evidence says who gave it
    (source), whether both engines agreed, its grounding, and the authority it came from."""
    data, evidence, checks = {}, {}, list(rules.checks) + list(llm.checks)  # MRZ / 2D-Doc cross-checks stand
    for name, field in doctype.fields.items():
        ours, theirs = rules.data.get(name), llm.data.get(name)
        authority = _authority(rules.evidence, name)
        if authority or name not in asked or empty(theirs):
            data[name] = ours
            evidence.update(_with_signals(rules.evidence, name, source="rules",
                                          **({"authoritative": authority} if authority else {})))
            continue
        if empty(ours):
            data[name] = theirs
            evidence.update(_with_signals(llm.evidence, name, source="llm"))
            continue
        agree = (ours == theirs if isinstance(ours, list) else normalised_match(ours, theirs, field))
        if agree:
            data[name] = ours
            evidence.update(_with_signals(rules.evidence, name, source="rules", engines_agree=True))
            checks.append(Check(kind="consistency", field=f"/{name}", ok=True, message="rules and LLM agree"))
            continue
        wins, why = _llm_wins(name, field, rules, llm, review_confidence)
        source = llm if wins else rules
        data[name] = theirs if wins else ours
        evidence.update(_with_signals(source.evidence, name, source="llm" if wins else "rules", engines_agree=False))
        checks.append(Check(kind="consistency", field=f"/{name}", ok=False,
                            message=f"rules and LLM disagree (kept {'LLM' if wins else 'rules'}: {why})"))
    return FieldValues(data, evidence, llm.llm_tokens, checks)


@extraction_engines.register
class HybridEngine(ExtractionEngine):
    name = "hybrid"

    def extract(self, document: Document, doctype: DocumentType) -> FieldValues:
        rules = get_extraction_engine("rules", self.settings).extract(document, doctype)
        asked = fields_to_ask(doctype, rules, self.settings.hybrid_review_confidence)
        if not asked:
            return merge_answers(doctype, rules, FieldValues({}, llm_tokens=0), [], 1.0)
        try:
            llm = get_extraction_engine("llm", self.settings).extract_fields(document, doctype, asked)
        except (LlmUnavailableError, LlmOutputError) as error:  # the rules engine is the fallback
            what = "unavailable" if isinstance(error, LlmUnavailableError) else "gave no usable answer"
            rules.checks.append(Check(kind="engine", ok=False, message=f"LLM {what}, rules only: {error.message}"))
            return merge_answers(doctype, rules, FieldValues({}, llm_tokens=0), [], 1.0)
        return merge_answers(doctype, rules, llm, asked, self.settings.hybrid_review_confidence)

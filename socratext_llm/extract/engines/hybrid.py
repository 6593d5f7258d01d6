"""Hybrid: rules first; the LLM for what rules could not fill or validate; each field cross-checked."""
from __future__ import annotations

from ...document import Document
from ...errors import LlmUnavailableError
from ...field_metrics import normalised_match
from ..base import ExtractionEngine, FieldValues, extraction_engines, get_extraction_engine
from ..result import Check
from ..normalize import normalize_identifier
from ..schemas import DocumentType
from ..validators import VALIDATORS


def _unusable(value, field: dict) -> bool:
    """Empty, or failing the field's validator: the LLM gets a say."""
    if value in (None, "", []):
        return True
    validator = field.get("x-socratext", {}).get("validator")
    return validator in VALIDATORS and not VALIDATORS[validator](normalize_identifier(str(value)))


@extraction_engines.register
class HybridEngine(ExtractionEngine):
    name = "hybrid"

    def extract(self, document: Document, doctype: DocumentType) -> FieldValues:
        rules = get_extraction_engine("rules", self.settings).extract(document, doctype)
        try:
            llm = get_extraction_engine("llm", self.settings).extract(document, doctype)
        except LlmUnavailableError as error:  # the rules engine is the fallback
            rules.checks.append(Check(kind="engine", ok=False, message=f"LLM unavailable, rules only: {error.message}"))
            return rules
        data, evidence, checks = {}, {}, list(rules.checks)  # the rules' MRZ / 2D-Doc cross-checks stand
        for name, field in doctype.fields.items():
            ours, theirs = rules.data.get(name), llm.data.get(name)
            use_llm = _unusable(ours, field) and not _unusable(theirs, field)
            data[name] = theirs if use_llm else ours
            source = llm if use_llm else rules
            evidence.update({k: v for k, v in source.evidence.items() if k == f"/{name}" or k.startswith(f"/{name}/")})
            if ours not in (None, "", []) and theirs not in (None, "", []) and not isinstance(ours, list):
                agree = normalised_match(ours, theirs, field)
                checks.append(Check(kind="consistency", field=f"/{name}", ok=agree,
                                    message="rules and LLM agree" if agree else
                                    f"rules and LLM disagree (kept {'LLM' if use_llm else 'rules'})"))
        return FieldValues(data, evidence, llm.llm_tokens, checks)

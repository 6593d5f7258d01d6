"""What an extraction returns: the data, evidence for every value, and the checks it passed or failed."""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from ..document import BBox, SourceInfo


class Evidence(BaseModel):
    """Where a value was read: page (0-based), box in page pixels, the source text, and who read it."""

    page: int | None = None
    bbox: BBox | None = None
    source_text: str = ""
    confidence: float = Field(0.0, ge=0.0, le=1.0, description="Calibrated probability that the value is right "
                              "(extract/confidence.py); below the result's review_threshold it needs review.")
    engine: str
    signals: dict[str, float | bool | str] = Field(
        default_factory=dict,
        description="What the confidence is computed from: validator (bool, absent without a validator), "
        "label_score (0-1), ocr_confidence (0-1, the source words), grounding ('line', 'exact', 'fuzzy', "
        "'none'), engines_agree (bool, only when rules and an LLM both answered), authoritative ('mrz', "
        "'2ddoc'), source (the engine whose value was kept).",
    )


CheckKind = Literal["schema", "domain", "consistency", "grounding", "engine"]


class Check(BaseModel):
    kind: CheckKind
    field: str | None = Field(None, description="JSON pointer of the field, e.g. /items/0/total_price.")
    ok: bool
    message: str


# success: every value valid and confident; needs_review: a person must look (a check failed, a required
# field is missing, a value is below the review threshold); partial: what is there is sound but an engine
# could not run in full (an LLM unavailable, rules only); failure: no usable result. See docs/confidence.md.
Status = Literal["success", "needs_review", "partial", "failure"]


class DoctypeDecision(BaseModel):
    """How `--schema auto` chose: the type detected (or `other`), the schema used (form_kv when unsure), why."""

    detected: str
    schema_name: str
    confidence: float = Field(ge=0.0, le=1.0)
    method: str
    reason: str
    scores: dict[str, float] = Field(default_factory=dict, description="The best candidates' scores.")


class ExtractionResult(BaseModel):
    schema_name: str
    source: SourceInfo | None = None
    engine: str
    status: Status
    data: dict[str, Any]
    evidence: dict[str, Evidence] = Field(default_factory=dict, description="By JSON pointer of the value.")
    checks: list[Check] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list)
    review: list[str] = Field(default_factory=list, description="Why the status is not success, one line each.")
    review_threshold: float | None = Field(None, description="Values with a lower confidence need review.")
    timings_ms: dict[str, float] = Field(default_factory=dict)
    llm_tokens: int | None = None
    doctype: DoctypeDecision | None = Field(None, description="Set when the type was detected (schema 'auto').")

    @property
    def failed_checks(self) -> list[Check]:
        return [check for check in self.checks if not check.ok]


def value_at(data: Any, pointer: str) -> Any:
    """The value a JSON pointer names in extracted data ('/items/0/total'), None where there is none."""
    for part in pointer.strip("/").split("/") if pointer.strip("/") else []:
        if isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        elif isinstance(data, dict):
            data = data.get(part)
        else:
            return None
    return data

"""Direction, condition and action of HAS statements asked of the LLM engine, when one is configured.

The rules (``has/phrasing.py``) always run first. The model then reads the statements in small
numbered batches and chooses, under a JSON Schema built for the batch, each one's direction and, among
the statement's own clauses, the one that states its condition and the one that states its action: a
model may pick but never invent, so every answer is grounded and short (a small model's answer stays
valid JSON). The model goes through the same litellm path as the `llm` extraction engine (vLLM in
production), with its retries and re-asks; a batch still unanswered after them keeps the rules' reading
(the LLM is an addition here, never a condition).
"""
from __future__ import annotations

import re

from ..errors import LlmOutputError
from ..extract.engines.llm import LlmEngine
from ..extract.schemas import DocumentType
from ..settings import Settings
from .model import Statement

BATCH = 4
MAX_CLAUSES = 12
DIRECTIONS = ["recommended", "not_recommended", "may_be_considered"]
CLAUSE_BREAK = re.compile(r"\s*[,;:()]\s*|\s+(?=(?:si|sauf|lorsque|chez|en cas de|afin de|pour)\s)", re.IGNORECASE)
INSTRUCTIONS = (
    "Tu lis des énoncés de recommandations de la Haute Autorité de Santé. Pour chaque énoncé numéroté (s1, s2…), "
    "choisis : direction (recommended : recommandé ; not_recommended : non recommandé, à éviter, contre-indiqué ; "
    "may_be_considered : peut être proposé, envisagé ; null s'il ne prescrit rien), condition (le passage qui dit "
    "la population ou la situation : « chez les patients… », « en cas de… », « si… » ; null s'il n'y en a pas) et "
    "action (le passage qui dit ce qui est recommandé). Réponds en JSON.")


def clauses(statement: Statement) -> list[str]:
    """The statement's own passages a condition or an action may be: the rules' reading, then its clauses."""
    parts = [part.strip(" .") for part in CLAUSE_BREAK.split(statement.text) if len(part.split()) >= 2]
    known = [text for text in (statement.condition, statement.action) if text]
    return list(dict.fromkeys([*known, *parts]))[:MAX_CLAUSES]


def batch_type(batch: list[Statement]) -> DocumentType:
    """The answer's schema for one batch: per statement a direction and a choice among its clauses."""
    properties = {}
    for number, statement in enumerate(batch, start=1):
        options = {"type": ["string", "null"], "enum": [*clauses(statement), None]}
        properties[f"s{number}"] = {
            "type": "object", "additionalProperties": False, "required": ["direction", "condition", "action"],
            "properties": {"direction": {"type": ["string", "null"], "enum": [*DIRECTIONS, None]},
                           "condition": options, "action": options}}
    return DocumentType("has_statement_phrasing", None, {"type": "object", "additionalProperties": False,
                                                          "required": list(properties), "properties": properties})


def _messages(batch: list[Statement]) -> list[dict]:
    numbered = "\n".join(f"s{number}. {statement.text}" for number, statement in enumerate(batch, start=1))
    return [{"role": "system", "content": INSTRUCTIONS}, {"role": "user", "content": numbered}]


def phrase_with_llm(statements: list[Statement], settings: Settings) -> tuple[list[Statement], int]:
    """The statements with the model's direction, condition and action where it gave them; LLM tokens used."""
    engine = LlmEngine(settings)
    phrased, tokens = [], 0
    for start in range(0, len(statements), BATCH):
        batch = statements[start:start + BATCH]
        try:
            answer, used = engine.ask(_messages(batch), batch_type(batch).schema, "has_statement_phrasing")
        except LlmOutputError:
            phrased += batch  # no valid answer after the re-asks: the rules' reading stands
            continue
        tokens += used
        for number, statement in enumerate(batch, start=1):
            chosen = answer[f"s{number}"]
            update = {key: chosen[key] for key in ("direction", "condition", "action") if chosen[key] is not None}
            phrased.append(statement.model_copy(update=update))
    return phrased, tokens

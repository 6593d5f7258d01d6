"""Direction, condition and action of HAS statements asked of the LLM engine, when one is configured.

The rules (``has/phrasing.py``) always run first. The model then reads the statements in small
numbered batches and answers, under a JSON Schema, each one's direction and the words that state its
condition and its action. An answer is kept only where it holds: a direction among the three, a
condition and an action that are words of the statement itself (a model may not invent a population);
anything else leaves the rules' reading in place. The model goes through the same litellm path as the
`llm` extraction engine (vLLM in production), with its retries and re-asks.
"""
from __future__ import annotations

from ..extract.engines.llm import LlmEngine
from ..extract.normalize import normalize_text
from ..extract.schemas import DocumentType
from ..settings import Settings
from .model import Statement

BATCH = 8
DIRECTIONS = ["recommended", "not_recommended", "may_be_considered"]
PHRASING = DocumentType("has_statement_phrasing", None, {
    "type": "object", "additionalProperties": False, "required": ["statements"],
    "properties": {"statements": {"type": "array", "maxItems": BATCH, "items": {
        "type": "object", "additionalProperties": False, "required": ["number", "direction", "condition", "action"],
        "properties": {
            "number": {"type": "integer", "minimum": 1, "maximum": BATCH},
            "direction": {"type": ["string", "null"], "enum": [*DIRECTIONS, None]},
            "condition": {"type": ["string", "null"], "maxLength": 300},
            "action": {"type": ["string", "null"], "maxLength": 300},
        }}}},
})
INSTRUCTIONS = (
    "Tu lis des énoncés de recommandations de la Haute Autorité de Santé. Pour chaque énoncé numéroté, "
    "donne : direction (recommended : recommandé ; not_recommended : non recommandé, à éviter, contre-indiqué ; "
    "may_be_considered : peut être proposé, envisagé ; null si l'énoncé ne prescrit rien), condition (la "
    "population ou la situation, recopiée mot pour mot : « chez les patients… », « en cas de… », « si… » ; "
    "null s'il n'y en a pas) et action (ce qui est recommandé, recopié mot pour mot). Réponds en JSON.")


def _words_of(part: str | None, statement: str) -> bool:
    """Whether the model's words are the statement's own (case, accents and spacing aside)."""
    return bool(part) and normalize_text(part) in normalize_text(statement)


def _messages(batch: list[Statement]) -> list[dict]:
    numbered = "\n".join(f"{number}. {statement.text}" for number, statement in enumerate(batch, start=1))
    return [{"role": "system", "content": INSTRUCTIONS}, {"role": "user", "content": numbered}]


def phrase_with_llm(statements: list[Statement], settings: Settings) -> tuple[list[Statement], int]:
    """The statements with the model's direction, condition and action where they hold; LLM tokens used."""
    engine = LlmEngine(settings)
    phrased, tokens = [], 0
    for start in range(0, len(statements), BATCH):
        batch = statements[start:start + BATCH]
        answer, used = engine.ask(_messages(batch), PHRASING)
        tokens += used
        by_number = {item["number"]: item for item in answer["statements"]}
        for number, statement in enumerate(batch, start=1):
            item = by_number.get(number, {})
            update = {}
            if item.get("direction") in DIRECTIONS:
                update["direction"] = item["direction"]
            for key in ("condition", "action"):
                if _words_of(item.get(key), statement.text):
                    update[key] = item[key].strip()
            phrased.append(statement.model_copy(update=update))
    return phrased, tokens

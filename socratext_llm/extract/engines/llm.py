"""The LLM engine: any OpenAI-compatible server (vLLM the reference, llama.cpp for the local model) through
litellm, with the schema as a structured-output constraint, validation, and bounded re-asks carrying the
validation error.

The document is sent as numbered lines (prompting.prompt_lines) and the schema asks, beside each value,
the id of the line it was read from: a value is then checked on that line ('line' grounding), not searched
for in the whole text.
"""
from __future__ import annotations

import json
import os
import time
from typing import Any

from ...document import Document
from ...errors import LlmOutputError, LlmUnavailableError
from ...settings import Settings
from ..base import ExtractionEngine, FieldValues, extraction_engines
from ..evidence import locate, locate_on_line, ungrounded
from ..decoding import as_copied, bounded, restore
from ..llm_wire import grounded_schema, split_grounded
from ..prompting import PromptBuilder, PromptLine, chunk_prompt_lines, merge_cited, prompt_lines, render_lines
from ..result import Check, Evidence
from ..schemas import DocumentType, data_validator
from ..textmatch import PlacedLine, placed_lines

BACKOFF_S = 1.0
ENGINE = "llm"


def response_format(schema: dict, name: str, kind: str = "json_schema") -> dict:
    """OpenAI `response_format` constraining the output to the schema: 'json_schema' as OpenAI, vLLM and
    llama-server take it, or 'json_object' with the schema beside (llama-cpp-python's server)."""
    if kind == "json_object":
        return {"type": "json_object", "schema": schema}
    return {"type": "json_schema", "json_schema": {"name": name, "schema": schema, "strict": True}}


def request_body(model: str, messages: list[dict], schema: dict, name: str, max_tokens: int,
                 kind: str = "json_schema") -> dict:
    """The chat-completions request, as a pure function of its inputs (tested without a network)."""
    return {"model": model, "messages": messages, "response_format": response_format(schema, name, kind),
            "temperature": 0.0, "max_tokens": max_tokens}


def parse_answer(content: str | None, schema: dict) -> tuple[dict | None, str | None]:
    """The answer as data, or the reason it is unusable (to send back to the model)."""
    if not content:
        return None, "empty answer"
    try:
        data = json.loads(content)
    except json.JSONDecodeError as error:
        return None, f"invalid JSON ({error.msg} at character {error.pos})"
    errors = sorted(data_validator(schema).iter_errors(data), key=lambda e: list(e.path))
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.absolute_path) or "(racine)"
        return None, f"{where}: {first.message}"
    return data, None


def _scalar_evidence(value: Any, field: dict, line: PromptLine | None, lines: list[PlacedLine]) -> Evidence:
    found = locate_on_line(value, field, line.page, line.lines, ENGINE) if line is not None else None
    return found or locate(value, field, lines, ENGINE) or ungrounded(ENGINE)


def ground_values(data: dict, cited: dict[str, int], doctype: DocumentType, shown: list[PromptLine],
                  lines: list[PlacedLine]) -> dict[str, Evidence]:
    """Evidence for every value: on the line the model cited when it is printed there ('line'), else
    where it is found in the text ('exact', 'fuzzy'), else none."""
    by_id = {line.id: line for line in shown}
    evidence = {}
    for name, value in data.items():
        field = doctype.fields.get(name, {})
        if isinstance(value, list):
            items = field.get("items", {}) if isinstance(field.get("items"), dict) else {}
            for index, item in enumerate(value):
                pointer = f"/{name}/{index}"
                scalars = (list(zip(item.values(), (items.get("properties", {}).get(k, {}) for k in item)))
                           if isinstance(item, dict) else [(item, items)])
                scalars = [(v, f) for v, f in scalars if v not in (None, "", []) and not isinstance(v, (dict, list))]
                if scalars:
                    found = [_scalar_evidence(v, f, by_id.get(cited.get(pointer, 0)), lines) for v, f in scalars]
                    evidence[pointer] = next((e for e in found if e.signals["grounding"] == "line"), found[0])
        elif value not in (None, "") and not isinstance(value, dict):
            evidence[f"/{name}"] = _scalar_evidence(value, field, by_id.get(cited.get(f"/{name}", 0)), lines)
    for item in evidence.values():
        item.signals["source"] = ENGINE
    return evidence


@extraction_engines.register
class LlmEngine(ExtractionEngine):
    name = ENGINE

    def __init__(self, settings: Settings):
        super().__init__(settings)
        if not settings.llm_base_url or not settings.llm_model:
            raise LlmUnavailableError("no LLM server configured",
                                      hint="set SOCRATEXT_LLM_BASE_URL and SOCRATEXT_LLM_MODEL (or use --engine rules)")
        os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # else importing litellm goes online
        import litellm

        litellm.suppress_debug_info = True  # its help banner would go to our stdout
        self.litellm = litellm
        self.prompts = PromptBuilder()

    def _call(self, messages: list[dict], schema: dict, name: str) -> tuple[str | None, int]:
        exceptions = self.litellm.exceptions
        retryable = (exceptions.APIConnectionError, exceptions.Timeout, exceptions.ServiceUnavailableError,
                     exceptions.InternalServerError, exceptions.RateLimitError)
        refused = (exceptions.APIError, exceptions.NotFoundError, exceptions.BadRequestError,
                   exceptions.AuthenticationError, exceptions.PermissionDeniedError)
        body = request_body(f"openai/{self.settings.llm_model}", messages, schema, name, self.settings.llm_max_tokens,
                            self.settings.llm_response_format)
        for attempt in range(self.settings.llm_retries + 1):
            try:
                response = self.litellm.completion(**body, api_base=self.settings.llm_base_url,
                                                   api_key=self.settings.llm_api_key,
                                                   timeout=self.settings.llm_timeout_s)
            except retryable as error:
                if attempt == self.settings.llm_retries:
                    raise LlmUnavailableError(f"LLM server at {self.settings.llm_base_url} unreachable or failing "
                                              f"({type(error).__name__})") from error
                time.sleep(BACKOFF_S * 2 ** attempt)
                continue
            except refused as error:
                raise LlmUnavailableError(f"LLM server refused the request ({type(error).__name__}: "
                                          f"{str(error)[:200]})") from error
            usage = getattr(response, "usage", None)
            return response.choices[0].message.content, int(getattr(usage, "total_tokens", 0) or 0)
        raise AssertionError("unreachable")

    @property
    def copies_dates(self) -> bool:
        """llama.cpp's server (json_object) gets the schema unbounded, and its model copies dates as printed."""
        return self.settings.llm_response_format == "json_object"

    def answer_schema(self, schema: dict) -> dict:
        """The schema the model answers with. vLLM's grammar gets it bounded, numbers as digit-bounded strings
        (SmolLM2 wrote digits on to its token limit inside a number), dates in ISO; llama.cpp's server
        (json_object) gets it unbounded (the local 1.5B model read dates worse under the bounded form,
        tests/test_local_llm.py), with dates copied as printed (it garbled ISO dates) and enumerations bare
        (its grammar ignores an enum whose type is a list)."""
        if self.copies_dates:
            return as_copied(schema)
        return bounded(schema, self.settings.decoding_string_cap, self.settings.decoding_items_cap)

    def ask(self, messages: list[dict], schema: dict, name: str) -> tuple[dict, int]:
        """Ask, validate, and re-ask with the validation error, a bounded number of times; the answer comes
        back in ``schema``'s terms (numbers as numbers, dates in ISO 8601)."""
        tokens = 0
        last_problem = None
        sent = self.answer_schema(schema)
        for _ in range(self.settings.llm_retries + 1):
            content, used = self._call(messages, sent, name)
            tokens += used
            data, last_problem = parse_answer(content, sent)
            if data is not None:
                return restore(data, schema), tokens
            messages = [*messages, {"role": "assistant", "content": content or ""},
                        {"role": "user", "content": f"Réponse invalide : {last_problem}. Réponds à nouveau avec "
                                                    "un JSON conforme au schéma."}]
        raise LlmOutputError(f"the LLM gave no schema-valid answer after {self.settings.llm_retries + 1} tries "
                             f"(last problem: {last_problem})", hint="try a larger model, or --engine rules")

    def extract(self, document: Document, doctype: DocumentType) -> FieldValues:
        return self.extract_fields(document, doctype, list(doctype.fields))

    def extract_fields(self, document: Document, doctype: DocumentType, names: list[str]) -> FieldValues:
        """Only the named fields asked (hybrid asks what rules could not settle), part by part within the
        document's token budget; values with the line each was read from."""
        shown = prompt_lines(document)
        chunks = chunk_prompt_lines(shown, self.settings.llm_context_tokens)
        parts, tokens, checks = [], 0, []
        for index, chunk in enumerate(chunks, start=1):
            if tokens >= self.settings.llm_document_tokens:
                checks.append(Check(kind="engine", ok=False, message=f"LLM token budget spent "
                                    f"({self.settings.llm_document_tokens}): parts {index}-{len(chunks)} not read"))
                break
            schema = grounded_schema(doctype.schema, names, [line.id for line in chunk])
            messages = self.prompts.messages(doctype, render_lines(chunk), index, len(chunks), names, line_ids=True,
                                             printed_dates=self.copies_dates)
            answer, used = self.ask(messages, schema, doctype.name)
            tokens += used
            parts.append(split_grounded(answer, doctype.schema, names))
        data, cited = merge_cited(parts, doctype, names)
        return FieldValues(data, ground_values(data, cited, doctype, shown, placed_lines(document)), tokens, checks)

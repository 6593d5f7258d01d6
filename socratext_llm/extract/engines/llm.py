"""The LLM engine: any OpenAI-compatible server (vLLM the reference) through litellm, with the schema
as a structured-output constraint, validation, and bounded re-asks carrying the validation error."""
from __future__ import annotations

import json
import os
import time


from ...document import Document
from ...errors import LlmOutputError, LlmUnavailableError
from ...settings import Settings
from ..base import ExtractionEngine, FieldValues, extraction_engines
from ..evidence import locate_all
from ..llm_wire import wire_schema
from ..prompting import PromptBuilder, chunk_document, merge_partial_results
from ..schemas import DocumentType, data_validator
from ..textmatch import placed_lines

BACKOFF_S = 1.0


def response_format(doctype: DocumentType) -> dict:
    """OpenAI `response_format` asking for output constrained by the document type's schema."""
    return {"type": "json_schema",
            "json_schema": {"name": doctype.name, "schema": wire_schema(doctype.schema), "strict": True}}


def request_body(model: str, messages: list[dict], doctype: DocumentType, max_tokens: int) -> dict:
    """The chat-completions request, as a pure function of its inputs (tested without a network)."""
    return {"model": model, "messages": messages, "response_format": response_format(doctype),
            "temperature": 0.0, "max_tokens": max_tokens}


def parse_answer(content: str | None, doctype: DocumentType) -> tuple[dict | None, str | None]:
    """The answer as data, or the reason it is unusable (to send back to the model)."""
    if not content:
        return None, "empty answer"
    try:
        data = json.loads(content)
    except json.JSONDecodeError as error:
        return None, f"invalid JSON ({error.msg} at character {error.pos})"
    errors = sorted(data_validator(wire_schema(doctype.schema)).iter_errors(data), key=lambda e: e.path)
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.absolute_path) or "(racine)"
        return None, f"{where}: {first.message}"
    return data, None


@extraction_engines.register
class LlmEngine(ExtractionEngine):
    name = "llm"

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

    def _call(self, messages: list[dict], doctype: DocumentType) -> tuple[str | None, int]:
        exceptions = self.litellm.exceptions
        retryable = (exceptions.APIConnectionError, exceptions.Timeout, exceptions.ServiceUnavailableError,
                     exceptions.InternalServerError, exceptions.RateLimitError)
        refused = (exceptions.APIError, exceptions.NotFoundError, exceptions.BadRequestError,
                   exceptions.AuthenticationError, exceptions.PermissionDeniedError)
        body = request_body(f"openai/{self.settings.llm_model}", messages, doctype, self.settings.llm_max_tokens)
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

    def ask(self, messages: list[dict], doctype: DocumentType) -> tuple[dict, int]:
        """Ask, validate, and re-ask with the validation error, a bounded number of times."""
        tokens = 0
        last_problem = None
        for _ in range(self.settings.llm_retries + 1):
            content, used = self._call(messages, doctype)
            tokens += used
            data, last_problem = parse_answer(content, doctype)
            if data is not None:
                return data, tokens
            messages = [*messages, {"role": "assistant", "content": content or ""},
                        {"role": "user", "content": f"Réponse invalide : {last_problem}. Réponds à nouveau avec "
                                                    "un JSON conforme au schéma."}]
        raise LlmOutputError(f"the LLM gave no schema-valid answer after {self.settings.llm_retries + 1} tries "
                             f"(last problem: {last_problem})", hint="try a larger model, or --engine rules")

    def extract(self, document: Document, doctype: DocumentType) -> FieldValues:
        chunks = chunk_document(document, self.settings.llm_context_tokens)
        parts, tokens = [], 0
        for index, chunk in enumerate(chunks, start=1):
            data, used = self.ask(self.prompts.messages(doctype, chunk, index, len(chunks)), doctype)
            parts.append(data)
            tokens += used
        data = merge_partial_results(parts, doctype) if len(parts) > 1 else parts[0]
        return FieldValues(data, locate_all(data, doctype.fields, placed_lines(document), self.name), tokens)

"""The outlines engine: in-process constrained decoding on a local model (GGUF via llama-cpp-python,
or a transformers folder). No hub is reachable here: the model is a local path."""
from __future__ import annotations

import functools
from pathlib import Path

from ...document import Document
from ...errors import EngineUnavailableError, LlmOutputError
from ...settings import Settings
from ..base import ExtractionEngine, FieldValues, extraction_engines
from ..decoding import decoding_schema, max_chars, restore
from ..engines.llm import parse_answer
from ..evidence import locate_all
from ..llm_wire import wire_schema
from ..prompting import PromptBuilder, chunk_document, merge_partial_results
from ..schemas import DocumentType
from ..textmatch import placed_lines

WHITESPACE = r"[ ]?"  # bounded: an unbounded whitespace rule lets a weak model ramble forever


@functools.lru_cache(maxsize=1)
def load_local_model(path: Path):
    """An outlines model from a local GGUF file or transformers folder, loaded once per process (an engine is
    built for every document)."""
    import outlines

    if path.is_file() and path.suffix == ".gguf":
        try:
            from llama_cpp import Llama
        except ImportError as error:
            raise EngineUnavailableError("llama-cpp-python is not installed",
                                         hint="pip install llama-cpp-python, or use a transformers folder") from error
        return outlines.from_llamacpp(Llama(model_path=str(path), n_ctx=4096, verbose=False))
    if path.is_dir():
        from transformers import AutoModelForCausalLM, AutoTokenizer

        return outlines.from_transformers(AutoModelForCausalLM.from_pretrained(path),
                                          AutoTokenizer.from_pretrained(path))
    raise EngineUnavailableError(f"SOCRATEXT_OUTLINES_MODEL={path} is neither a .gguf file nor a model folder")


@extraction_engines.register
class OutlinesEngine(ExtractionEngine):
    name = "outlines"

    def __init__(self, settings: Settings):
        super().__init__(settings)
        if settings.outlines_model is None:
            raise EngineUnavailableError("no local model for the outlines engine",
                                         hint="set SOCRATEXT_OUTLINES_MODEL to a GGUF file or a transformers folder")
        try:
            import outlines  # noqa: F401
        except ImportError as error:
            raise EngineUnavailableError("outlines is not installed", hint="pip install 'socratext-llm[llm]'") from error
        self.model = load_local_model(Path(settings.outlines_model))
        # each backend names the generation limit its own way
        self.limit_kwarg = "max_tokens" if Path(settings.outlines_model).suffix == ".gguf" else "max_new_tokens"
        self.generators: dict[str, tuple[object, int, dict]] = {}
        self.prompts = PromptBuilder()

    def generator_for(self, doctype: DocumentType):
        """Compiled once per document type: building the token automaton is the slow part."""
        if doctype.name not in self.generators:
            import outlines
            from outlines.types import JsonSchema

            schema = decoding_schema(doctype.schema, self.settings.decoding_string_cap,
                                     self.settings.decoding_items_cap)
            generator = outlines.Generator(self.model, JsonSchema(schema, whitespace_pattern=WHITESPACE))
            self.generators[doctype.name] = (generator, max_chars(schema), schema)
        return self.generators[doctype.name]

    def generate(self, prompt: str, doctype: DocumentType) -> dict:
        generator, budget, _ = self.generator_for(doctype)
        text = generator(prompt, **{self.limit_kwarg: budget})
        data, problem = parse_answer(text, self.generators[doctype.name][2])
        if data is None:
            raise LlmOutputError(f"constrained decoding gave an unusable answer ({problem})")
        return restore(data, wire_schema(doctype.schema))

    def extract(self, document: Document, doctype: DocumentType) -> FieldValues:
        chunks = chunk_document(document, self.settings.llm_context_tokens)
        parts = [self.generate(self.prompts.messages(doctype, chunk, i, len(chunks))[0]["content"], doctype)
                 for i, chunk in enumerate(chunks, start=1)]
        data = merge_partial_results(parts, doctype) if len(parts) > 1 else parts[0]
        return FieldValues(data, locate_all(data, doctype.fields, placed_lines(document), self.name))
